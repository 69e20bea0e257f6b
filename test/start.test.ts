/**
 * `npm start`: the link it prints, and how it stops. Every way a reader, a terminal or a job
 * scheduler stops it (SIGTERM or SIGHUP to npm, SIGHUP or Ctrl-C to the terminal's job) must stop
 * Jupyter and its kernels cleanly, leaving no process running and nothing listening.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstNotebook, notebookLink } from "../scripts/start";
import { jupyterOrReason } from "./notebook-fixtures";
import { exited, npmStart } from "./start-fixtures";

test("npm start links the first notebook on the server Jupyter announces, with its token", () => {
  const line = "[I 21:34:40.773 NotebookApp] http://localhost:8941/?token=431d23d5";
  assert.equal(
    notebookLink(line, "00_getting_started.ipynb"),
    "http://localhost:8941/notebooks/00_getting_started.ipynb?token=431d23d5",
  );
  assert.equal(
    notebookLink("[I NotebookApp]  or http://127.0.0.1:8888/lab-base/", "01_a b.ipynb"),
    "http://127.0.0.1:8888/lab-base/notebooks/01_a%20b.ipynb",
  );
  assert.equal(
    notebookLink("[I ServerApp] http://localhost:8888/tree?token=abc", "00_x.ipynb"),
    "http://localhost:8888/notebooks/00_x.ipynb?token=abc",
  );
  assert.equal(
    notebookLink("[I NotebookApp] Serving notebooks from local directory: /x", "00_x.ipynb"),
    null,
  );
});

test("the first notebook is the first NN_*.ipynb in sorted order", () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-first-"));
  try {
    for (const name of ["10_later.ipynb", "02_b.ipynb", "01_a.ipynb", "README.md", "scratch.ipynb"])
      writeFileSync(join(dir, name), "{}");
    assert.equal(firstNotebook(dir), "01_a.ipynb");
    mkdirSync(join(dir, "empty"));
    assert.throws(() => firstNotebook(join(dir, "empty")), /No notebook named NN_\*\.ipynb/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Processes now running (zombies, which have exited, left out): pid -> [parent pid, command line]. */
function processes(): Map<number, [number, string]> {
  const ps = spawnSync("ps", ["-A", "-o", "pid=,ppid=,stat=,args="], { encoding: "utf8" });
  assert.equal(ps.status, 0, ps.stderr);
  const table = new Map<number, [number, string]>();
  for (const line of ps.stdout.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line);
    if (m && !m[3].startsWith("Z")) table.set(Number(m[1]), [Number(m[2]), m[4]]);
  }
  return table;
}

/** The processes descending from `root` (not `root` itself), with their command lines. */
function descendants(root: number): Map<number, string> {
  const table = processes();
  const found = new Map<number, string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, [ppid, args]] of table)
      if ((ppid === root || found.has(ppid)) && !found.has(pid)) {
        found.set(pid, args);
        grew = true;
      }
  }
  return found;
}

/** Starts a tslab kernel on the server; resolves with npm's descendants once the kernel runs among them. */
async function startKernel(url: string, token: string, npm: number): Promise<Map<number, string>> {
  const made = await fetch(`${url}/api/kernels?token=${token}`, {
    method: "POST",
    body: JSON.stringify({ name: "tslab" }),
  });
  assert.equal(made.status, 201, await made.text());
  for (let i = 0; i < 600; i++) {
    const running = descendants(npm);
    if ([...running.values()].some((c) => /tslab kernel/.test(c))) return running;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail("the tslab kernel did not start within 60 s");
}

const STOPS: Array<[string, (npm: number) => void]> = [
  ["SIGTERM sent to npm (docker stop, a job scheduler)", (npm) => process.kill(npm, "SIGTERM")],
  ["SIGHUP sent to npm", (npm) => process.kill(npm, "SIGHUP")],
  ["SIGHUP sent to its whole process group (a closed terminal)", (npm) => process.kill(-npm, "SIGHUP")],
  ["SIGINT sent to its whole process group (Ctrl-C)", (npm) => process.kill(-npm, "SIGINT")],
];

for (const [how, send] of STOPS)
  test(`${how} stops npm start's Jupyter and its kernel cleanly: nothing left running or listening`, async (t) => {
    const jupyter = jupyterOrReason();
    if ("reason" in jupyter) return t.skip(jupyter.reason);
    if (process.platform === "win32") return t.skip("POSIX signals and process groups only");
    const started = await npmStart();
    const { npm, url, token } = started;
    let left = new Map<number, string>();
    try {
      const running = await startKernel(url, token, npm.pid!);
      // Its script, Jupyter and the kernel all run under npm.
      const commands = [...running.values()].join("\n");
      for (const part of [/scripts\/start\.ts/, /--notebook-dir=/, /tslab kernel/])
        assert.match(commands, part);
      send(npm.pid!);
      assert.ok(await exited(npm, 60_000), `npm start still running 60 s after ${how}`);
      // npm may exit first (SIGHUP kills it at once): its script and Jupyter follow within seconds.
      for (let i = 0; i < 300; i++) {
        const now = processes();
        left = new Map([...running].filter(([pid]) => now.has(pid)));
        if (left.size === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual([...left.values()], [], `still running 30 s after ${how}`);
      const answered = await fetch(`${url}/api/status?token=${token}`).then(
        () => true,
        () => false,
      );
      assert.equal(answered, false, `Jupyter still answers at ${url}`);
      // A clean stop removes the server's info file and the kernel's connection file.
      assert.deepEqual(
        readdirSync(started.runtime).filter((f) => /^(nbserver-.*|kernel-.*)\.json$/.test(f)),
        [],
        `Jupyter did not shut down cleanly:\n${started.log().slice(-2000)}`,
      );
    } finally {
      for (const pid of left.keys()) process.kill(pid, "SIGKILL"); // ours: started by this test
      await started.stop();
    }
  });
