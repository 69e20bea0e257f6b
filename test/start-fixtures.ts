/** `npm start` as a reader runs it, for the tests that open or stop its Jupyter. */
import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./notebook-fixtures";

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A running `npm start`: its npm process, where its Jupyter answers, and what it printed. */
export interface NpmStart {
  npm: ChildProcess;
  url: string;
  token: string;
  /** Jupyter's runtime folder (server info and kernel connection files). */
  runtime: string;
  /** Jupyter's data folder, the user's for this run (where Jupyter keeps signatures by default). */
  data: string;
  log: () => string;
  /** Stops it as a reader's SIGTERM would, and removes its private Jupyter folders. */
  stop: () => Promise<void>;
}

/** Resolves when `child` has exited (at once if it already has), or after `ms`; true if it exited. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Runs `npm start` in this checkout (its set-up, then Jupyter on `notebooks/`), on a free loopback
 * port with a known token, in a process group of its own (like a terminal's job), with private
 * Jupyter config, data and runtime folders so that nothing of the user's is read or written. `npm
 * test` has run set-up before the tests, so npm start's own set-up finds nothing to do.
 */
export async function npmStart(): Promise<NpmStart> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const home = mkdtempSync(join(tmpdir(), "vae-lab-npm-start-"));
  const dirs = { config: join(home, "config"), data: join(home, "data"), runtime: join(home, "runtime") };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  const env = {
    ...process.env,
    JUPYTER_CONFIG_DIR: dirs.config,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_RUNTIME_DIR: dirs.runtime,
  };
  const args = ["start", "--", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", "--no-browser"];
  args.push(`--NotebookApp.token=${token}`);
  const npm = spawn("npm", args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  for (const stream of [npm.stdout!, npm.stderr!]) stream.on("data", (chunk: Buffer) => (log += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!(await exited(npm, 0))) process.kill(npm.pid!, "SIGTERM");
    await exited(npm, 60_000);
    // Whatever of its job is left (nothing, when it stopped cleanly) goes too.
    try {
      process.kill(-npm.pid!, "SIGKILL");
    } catch {
      // the group is empty
    }
    rmSync(home, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/api/status?token=${token}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { npm, url, token, runtime: dirs.runtime, data: dirs.data, log: () => log, stop };
    if (i > 1800 || npm.exitCode !== null) {
      await stop();
      throw new Error(`npm start did not start Jupyter:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
