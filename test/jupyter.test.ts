/**
 * Two checkouts side by side: set-up's kernel step (scripts/jupyter.ts, run from each checkout's
 * own copy) gives each its own "tslab" kernel, never writes a user-wide kernel, removes only the
 * user-wide kernel its own earlier set-up registered, and deleting one checkout breaks nothing in
 * the other. A private Jupyter data directory stands in for the user's.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterEnv, launcherPath, writeJupyterDir } from "../scripts/jupyter";
import { jupyterOrReason, notebookOutputs, ROOT, tslabNotebook } from "./notebook-fixtures";

/** A checkout's files that set-up's kernel step runs from, with the packages of this checkout. */
function makeCheckout(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const part of ["scripts", "src", "package.json"])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** Runs a checkout's own kernel step, as its set-up does, with `userData` as the user's Jupyter data. */
function kernelStep(checkout: string, python: string, userData: string): string[] {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/jupyter.ts", "--python", python], {
    cwd: checkout,
    encoding: "utf8",
    env: { ...process.env, JUPYTER_DATA_DIR: userData },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

function writeKernel(userData: string, name: string, command: string): void {
  const dir = join(userData, "kernels", name);
  mkdirSync(dir, { recursive: true });
  const spec = {
    argv: [command, "kernel", "--config-path", "{connection_file}"],
    display_name: name,
    language: "x",
  };
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(spec));
}

/** The command of the "tslab" kernel that a checkout's Jupyter starts. */
function tslabCommand(checkout: string, python: string, userData: string): string {
  const env = jupyterEnv(checkout, { ...process.env, JUPYTER_DATA_DIR: userData });
  const r = spawnSync(python, ["-m", "jupyter", "kernelspec", "list", "--json"], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).kernelspecs.tslab.spec.argv[0];
}

test("two checkouts keep their own tslab kernels, and set-up removes only a user-wide kernel it made", async (t) => {
  const jupyter = jupyterOrReason();
  if ("reason" in jupyter) return t.skip(jupyter.reason);
  const { python } = jupyter;
  const base = mkdtempSync(join(tmpdir(), "vae-lab-checkouts-"));
  try {
    const [a, b] = [makeCheckout(join(base, "a")), makeCheckout(join(base, "b"))];
    const userData = join(base, "user-data");
    // The user's own jslab kernel, and the tslab kernel that checkout a's old set-up registered.
    writeKernel(userData, "jslab", "/usr/local/bin/tslab");
    writeKernel(userData, "tslab", launcherPath(a));

    assert.deepEqual(kernelStep(b, python, userData), [
      "kernel launcher written",
      "tslab kernel written",
      "plotly.js copied for the Notebook",
    ]);
    assert.ok(existsSync(join(userData, "kernels", "tslab")), "b leaves a's old kernel alone");
    const aSteps = kernelStep(a, python, userData);
    assert.equal(aSteps.at(-1), `old user-wide kernel removed (${join(userData, "kernels", "tslab")})`);
    assert.deepEqual(readdirSync(join(userData, "kernels")), ["jslab"], "the user's own kernel stays");

    // The user installs their own tslab kernel: set-up never touches it, and never writes user-wide.
    writeKernel(userData, "tslab", "/usr/local/bin/tslab");
    assert.deepEqual(kernelStep(a, python, userData), [], "a second run does nothing");
    assert.deepEqual(kernelStep(b, python, userData), []);
    assert.deepEqual(readdirSync(join(userData, "kernels")).sort(), ["jslab", "tslab"]);
    assert.equal(tslabCommand(a, python, userData), launcherPath(a));
    assert.equal(tslabCommand(b, python, userData), launcherPath(b));
    assert.equal(writeJupyterDir(a).length, 0);

    // Deleting checkout b breaks nothing in a: a's Jupyter runs a notebook on a's own kernel.
    rmSync(b, { recursive: true, force: true });
    assert.equal(tslabCommand(a, python, userData), launcherPath(a));
    const notebook = join(a, "kernel.ipynb");
    writeFileSync(notebook, tslabNotebook("console.log(process.argv[1]);"));
    const env = jupyterEnv(a, { ...process.env, JUPYTER_DATA_DIR: userData });
    const args = ["-m", "nbconvert", "--to", "notebook", "--execute", "--inplace", notebook];
    const run = spawnSync(python, [...args, "--ExecutePreprocessor.kernel_name=tslab"], {
      env,
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    const [printed] = notebookOutputs(notebook) as Array<{ text?: string | string[] }>;
    assert.equal([printed.text].flat().join("").trim(), join(a, "node_modules", "tslab", "bin", "tslab"));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
