/**
 * Set-up's Jupyter step (scripts/jupyter.ts, run from a checkout's own copy). Two checkouts side by
 * side: each gets its own "tslab" kernel, no user-wide kernel is written, set-up removes only the
 * user-wide kernel its own earlier set-up registered, and deleting one checkout breaks nothing in
 * the other. Trust: the notebooks of the checkout's last commit, and only those, are signed for its
 * own Jupyter, in its own folder. A private Jupyter data directory stands in for the user's.
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
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jupyterEnv, launcherPath, notaryArgs, notaryFiles, writeJupyterDir } from "../scripts/jupyter";
import { jupyterOrReason, notebookOutputs, ROOT, tslabNotebook } from "./notebook-fixtures";

/** A checkout's files that set-up's kernel step runs from, with the packages of this checkout. */
function makeCheckout(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const part of ["scripts", "src", "package.json"])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/**
 * Runs a checkout's own Jupyter step, as its set-up does, with `userData` as the user's Jupyter
 * data: what it did (its lines) and what it noted (on stderr).
 */
function kernelStep(checkout: string, python: string, userData: string): { done: string[]; note: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/jupyter.ts", "--python", python], {
    cwd: checkout,
    encoding: "utf8",
    env: { ...process.env, JUPYTER_DATA_DIR: userData },
  });
  assert.equal(r.status, 0, r.stderr);
  return { done: r.stdout.split("\n").filter(Boolean), note: r.stderr.trim() };
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

    assert.deepEqual(kernelStep(b, python, userData).done, [
      "kernel launcher written",
      "tslab kernel written",
      "plotly.js copied for the Notebook",
    ]);
    assert.ok(existsSync(join(userData, "kernels", "tslab")), "b leaves a's old kernel alone");
    const aSteps = kernelStep(a, python, userData).done;
    assert.equal(aSteps.at(-1), `old user-wide kernel removed (${join(userData, "kernels", "tslab")})`);
    assert.deepEqual(readdirSync(join(userData, "kernels")), ["jslab"], "the user's own kernel stays");

    // The user installs their own tslab kernel: set-up never touches it, and never writes user-wide.
    writeKernel(userData, "tslab", "/usr/local/bin/tslab");
    assert.deepEqual(kernelStep(a, python, userData).done, [], "a second run does nothing");
    assert.deepEqual(kernelStep(b, python, userData).done, []);
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

/** Runs git in `dir` (with an identity for commits), failing the test when git fails. */
function git(dir: string, ...args: string[]): string {
  const identity = [
    "-c",
    "user.name=Reader",
    "-c",
    "user.email=reader@example.org",
    "-c",
    "commit.gpgsign=false",
  ];
  const r = spawnSync("git", [...identity, ...args], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Whether this checkout's Jupyter trusts each notebook text, asked of nbformat's NotebookNotary as the server asks it. */
function trusted(checkout: string, python: string, texts: string[]): boolean[] {
  const { dir, db, secret } = notaryFiles(checkout);
  const check = [
    "import json, sys, nbformat",
    "from nbformat.sign import NotebookNotary",
    "n = NotebookNotary(data_dir=sys.argv[1], db_file=sys.argv[2], secret_file=sys.argv[3])",
    "print(json.dumps([n.check_signature(nbformat.reads(t, as_version=4)) for t in json.load(sys.stdin)]))",
  ].join("\n");
  const r = spawnSync(python, ["-c", check, dir, db, secret], {
    input: JSON.stringify(texts),
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A notebook whose output is HTML with a script, which the Notebook shows only when it trusts the notebook. */
function scriptNotebook(text: string): string {
  const nb = JSON.parse(tslabNotebook("1"));
  nb.cells[0].outputs = [
    {
      output_type: "display_data",
      metadata: {},
      data: { "text/html": `<script>${text}</script>`, "text/plain": text },
    },
  ];
  return JSON.stringify(nb, null, 1) + "\n";
}

test("set-up trusts exactly the committed notebooks, in the checkout's own trust folder, and again after a commit", async (t) => {
  const jupyter = jupyterOrReason();
  if ("reason" in jupyter) return t.skip(jupyter.reason);
  const { python } = jupyter;
  const base = mkdtempSync(join(tmpdir(), "vae-lab-trust-"));
  try {
    const checkout = makeCheckout(join(base, "checkout"));
    const userData = join(base, "user-data");
    const notebooks = join(checkout, "notebooks");
    // Without git history, nothing is trusted, and set-up says why once.
    mkdirSync(notebooks);
    writeFileSync(join(notebooks, "01_a.ipynb"), scriptNotebook("committed a"));
    const noHistory = kernelStep(checkout, python, userData);
    assert.match(noHistory.note, /committed notebooks not trusted: .* is not a git checkout/);
    assert.equal(kernelStep(checkout, python, userData).note, "", "said once");

    writeFileSync(join(notebooks, "02_b.ipynb"), scriptNotebook("committed b"));
    git(checkout, "init", "--quiet");
    git(checkout, "add", "notebooks");
    git(checkout, "commit", "--quiet", "-m", "two notebooks");
    // The reader edits a, and makes c; neither came from a commit.
    writeFileSync(join(notebooks, "01_a.ipynb"), scriptNotebook("edited a"));
    writeFileSync(join(notebooks, "03_c.ipynb"), scriptNotebook("new c"));
    const first = kernelStep(checkout, python, userData);
    assert.deepEqual(first.done, ["2 committed notebook(s) trusted for this checkout's Jupyter"]);
    const read = (name: string) => readFileSync(join(notebooks, name), "utf8");
    const texts = [scriptNotebook("committed a"), read("01_a.ipynb"), read("02_b.ipynb"), read("03_c.ipynb")];
    assert.deepEqual(trusted(checkout, python, texts), [true, false, true, false]);
    assert.deepEqual(
      kernelStep(checkout, python, userData),
      { done: [], note: "" },
      "a second run does nothing",
    );

    // After a commit (as after `git pull`), set-up trusts the new committed version.
    git(checkout, "commit", "--quiet", "-am", "a edited");
    assert.deepEqual(kernelStep(checkout, python, userData).done, [
      "1 committed notebook(s) trusted for this checkout's Jupyter",
    ]);
    assert.deepEqual(trusted(checkout, python, [read("01_a.ipynb"), read("03_c.ipynb")]), [true, false]);
    // Nothing user-wide: signatures and secret are in the checkout, the secret readable by its owner only.
    assert.ok(
      !existsSync(join(userData, "nbsignatures.db")) && !existsSync(join(userData, "notebook_secret")),
    );
    const { dir, secret } = notaryFiles(checkout);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(secret).mode & 0o077, 0);
    assert.ok(notaryArgs(checkout).every((arg) => arg.includes(dir)));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
