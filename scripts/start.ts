/**
 * Opens the course in the classic Jupyter Notebook with this checkout's tslab kernel and notebook
 * signatures (the committed notebooks, which set-up trusts, open with live charts), and prints a
 * direct link to the first notebook (run scripts/setup.sh first; `npm start` does both, then
 * replaces its shell with this process, so that signals sent to npm reach it). Extra arguments go
 * to Jupyter, e.g. `npm start -- --port 8890`.
 *
 * Run as `node --import tsx scripts/start.ts` (not through tsx's CLI, which would stop this process
 * on the first Ctrl-C while Jupyter is still asking whether to shut down).
 */
import { ChildProcess, ChildProcessByStdio, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { constants } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { jupyterEnv, jupyterPython, notaryArgs } from "./jupyter";

const ROOT = resolve(__dirname, "..");

/** The course's first notebook: the first `NN_*.ipynb` of `dir` in sorted order. */
export function firstNotebook(dir: string): string {
  const first = readdirSync(dir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort()[0];
  if (!first) throw new Error(`No notebook named NN_*.ipynb in ${dir}.`);
  return first;
}

/**
 * The link to `notebook` on the server that Jupyter announces in `line` (e.g.
 * "[I 10:00:00 NotebookApp] http://localhost:8888/?token=abc"), with the same token; null when the
 * line announces no server.
 */
export function notebookLink(line: string, notebook: string): string | null {
  const found = /https?:\/\/[^\s]+/.exec(line);
  if (!found) return null;
  let url: URL;
  try {
    url = new URL(found[0]);
  } catch {
    return null;
  }
  // The announced path is the base URL, or /tree under it (Notebook 7).
  const base = url.pathname.replace(/tree\/?$/, "").replace(/\/?$/, "/");
  return `${url.origin}${base}notebooks/${encodeURIComponent(notebook)}${url.search}`;
}

/**
 * Runs the classic Notebook (`python -m notebook ARGS`) so that every stop signal stops it cleanly,
 * once. The Notebook stops cleanly on SIGTERM (it shuts its kernels down), but a second SIGTERM
 * during that shutdown breaks it off ("Event loop stopped before Future completed"), and SIGHUP,
 * which a closed terminal sends to every process in its foreground, is left to Python's default:
 * the server dies at once and its kernels keep running, orphaned. So SIGHUP is turned into SIGTERM,
 * and once the server is stopping, further stop signals are ignored.
 */
const NOTEBOOK_MAIN = `
import os, runpy, signal, sys
try:
    from notebook.notebookapp import NotebookApp
    first_stop = NotebookApp._signal_stop
    def stop_once(self, sig, frame):
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(s, signal.SIG_IGN)
        first_stop(self, sig, frame)
    NotebookApp._signal_stop = stop_once
except (ImportError, AttributeError):
    pass  # not the classic Notebook 6: its own signal handling stays
signal.signal(signal.SIGHUP, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
sys.argv[0] = "notebook"
runpy.run_module("notebook", run_name="__main__", alter_sys=True)
`;

/** Jupyter's arguments: the notebooks folder, this checkout's notebook signatures, then the user's. */
function jupyterArgs(notebooks: string): string[] {
  const args = ["-c", NOTEBOOK_MAIN, `--notebook-dir=${notebooks}`, ...notaryArgs(ROOT)];
  if (process.getuid?.() === 0) args.push("--allow-root");
  // No desktop (a server, a container): print the link instead of trying to open a browser.
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    args.push("--no-browser");
  return [...args, ...process.argv.slice(2)];
}

/** Prints without failing when the terminal is gone (after a hang-up, writes to it fail). */
function say(line: string): void {
  try {
    console.log(line);
  } catch {
    // nowhere to say it
  }
}

/** Passes Jupyter's log (stderr) through, and prints the link once the server says where it is. */
function announceLink(jupyter: ChildProcessByStdio<null, null, Readable>, first: string): void {
  let pending = "";
  let linked = false;
  jupyter.stderr.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (linked) return;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    const link = lines.map((line) => notebookLink(line, first)).find((l) => l !== null);
    if (!link) return;
    linked = true;
    // After Jupyter's own banner, which follows within milliseconds, so that it is the last word.
    setTimeout(() => {
      say(`\n[start] The course starts here: ${link}`);
      say("[start] Runs save into notebooks/; `git checkout notebooks/` restores the committed outputs.\n");
    }, 500);
  });
}

/**
 * Stops Jupyter, and with it this process, when this process gets SIGTERM or SIGHUP (`docker stop`,
 * a job scheduler, a closed terminal; npm passes SIGTERM on to its script but not SIGHUP) or when
 * the command that started it ends (npm killed by SIGHUP leaves this process behind). Jupyter gets
 * SIGTERM, shuts its kernels down and exits; this process exits after it, with 128 + the signal's
 * number. Ctrl-C is Jupyter's: it asks whether to stop, and this process follows it out.
 */
function stopJupyterWith(jupyter: ChildProcess): void {
  let stoppedBy: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals, why: string) => {
    if (stoppedBy) return;
    stoppedBy = signal;
    say(`[start] ${why}: stopping Jupyter and its kernels...`);
    jupyter.kill("SIGTERM");
    const kill = () => {
      say("[start] Jupyter did not stop within 30 s: killing it.");
      jupyter.kill("SIGKILL");
    };
    setTimeout(kill, 30_000).unref();
  };
  for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => stop(signal, signal));
  process.on("SIGINT", () => undefined);
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop("SIGHUP", `the command that started Jupyter (process ${parent}) ended`);
  }, 500);
  watch.unref();
  jupyter.on("exit", (code, signal) => {
    if (stoppedBy) process.exit(128 + constants.signals[stoppedBy]);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

function main(): void {
  const python = jupyterPython(ROOT);
  const notebooks = join(ROOT, "notebooks");
  const first = firstNotebook(notebooks);
  // Writing to a terminal that hung up fails; stopping Jupyter must not.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  say("[start] Jupyter Notebook with this checkout's tslab kernel...");
  const jupyter = spawn(python, jupyterArgs(notebooks), {
    env: jupyterEnv(ROOT),
    stdio: ["inherit", "inherit", "pipe"],
  });
  announceLink(jupyter, first);
  stopJupyterWith(jupyter);
  jupyter.on("error", (err) => {
    console.error(`[start] could not start Jupyter with ${python}: ${err.message}`);
    process.exit(1);
  });
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`[start] ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
