/**
 * This checkout's Jupyter: the Python set-up chose (`.vae-lab/python`); the folder
 * `.vae-lab/jupyter/`, which holds this checkout's "tslab" kernel and plotly.js (served by the
 * classic Notebook at /nbextensions/vae-lab/); and `.vae-lab/trust/`, the signature database and
 * secret with which this checkout's Jupyter decides which notebooks it trusts. Jupyter started with
 * {@link jupyterEnv} looks in the kernel folder first, so this checkout's kernel shadows any other
 * "tslab" kernel in this checkout's Jupyter processes only; nothing user-wide is written, and other
 * checkouts keep their own.
 *
 *   node --import tsx scripts/jupyter.ts --python PY     set-up's Jupyter step; prints what it did
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { PLOTLY_NBEXTENSION } from "../src";

/** The kernel name the notebooks' metadata asks for. */
export const KERNEL_NAME = "tslab";

/** This checkout's Jupyter folder (kernels/, nbextensions/), first on Jupyter's data path. */
export function jupyterDir(root: string): string {
  return join(root, ".vae-lab", "jupyter");
}

/** The script this checkout's kernel runs: this checkout's tslab under this checkout's Node.js. */
export function launcherPath(root: string): string {
  return join(root, ".vae-lab", "tslab-kernel");
}

/** The Python with Jupyter that set-up recorded for this checkout. */
export function jupyterPython(root: string): string {
  const file = join(root, ".vae-lab", "python");
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npm run setup\` first (it finds or installs Jupyter).`);
  return readFileSync(file, "utf8").trim();
}

/** `env` with this checkout's Jupyter folder first on JUPYTER_PATH. */
export function jupyterEnv(root: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const path = [jupyterDir(root), ...(env.JUPYTER_PATH ?? "").split(delimiter).filter(Boolean)];
  return { ...env, JUPYTER_PATH: path.join(delimiter), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
}

/** This checkout's trust folder and the files Jupyter's NotebookNotary keeps in it. */
export function notaryFiles(root: string): { dir: string; db: string; secret: string } {
  const dir = join(root, ".vae-lab", "trust");
  return { dir, db: join(dir, "nbsignatures.db"), secret: join(dir, "notebook_secret") };
}

/**
 * Settings that make a Jupyter server (or `jupyter trust`) keep notebook signatures in this
 * checkout's trust folder, not in the user's Jupyter data directory: the notebooks this checkout
 * trusts, and those the reader saves there, are trusted by this checkout's Jupyter only.
 */
export function notaryArgs(root: string): string[] {
  const { dir, db, secret } = notaryFiles(root);
  return [
    `--NotebookNotary.data_dir=${dir}`,
    `--NotebookNotary.db_file=${db}`,
    `--NotebookNotary.secret_file=${secret}`,
  ];
}

/** Writes `content` to `file` unless it already holds exactly that; true when it wrote. */
function writeIfChanged(file: string, content: string | Buffer): boolean {
  if (existsSync(file) && readFileSync(file).equals(Buffer.from(content))) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return true;
}

/** A path quoted for /bin/sh. */
const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes the kernel launcher, the "tslab" kernelspec and plotly.js into this checkout's Jupyter
 * folder, each only when it differs; returns what it wrote. `node` is the Node.js the kernel runs.
 */
export function writeJupyterDir(root: string, node = process.execPath): string[] {
  const tslab = join(root, "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslab)) throw new Error(`${tslab} is missing: run \`npm ci\` in ${root} first.`);
  const done: string[] = [];
  const launcher = launcherPath(root);
  // Absolute paths: the kernel starts whatever PATH and Node.js the Jupyter server has.
  if (writeIfChanged(launcher, `#!/bin/sh\nexec ${shQuote(node)} ${shQuote(tslab)} "$@"\n`)) {
    chmodSync(launcher, 0o755);
    done.push("kernel launcher written");
  }
  const spec = {
    argv: [launcher, "kernel", "--config-path", "{connection_file}"],
    display_name: "TypeScript",
    language: "typescript",
  };
  const kernelJson = join(jupyterDir(root), "kernels", KERNEL_NAME, "kernel.json");
  if (writeIfChanged(kernelJson, JSON.stringify(spec, null, 1) + "\n")) done.push("tslab kernel written");
  const plotly = readFileSync(require.resolve("plotly.js-dist-min/plotly.min.js", { paths: [root] }));
  if (writeIfChanged(join(jupyterDir(root), "nbextensions", PLOTLY_NBEXTENSION), plotly))
    done.push("plotly.js copied for the Notebook");
  return done;
}

/**
 * Removes the user-wide "tslab" and "jslab" kernels that this checkout's earlier set-up registered
 * in `userDataDir` (Jupyter's data directory): only those whose command is this checkout's launcher.
 * Any other kernel stays. Returns the folders removed.
 */
export function removeOldUserKernels(root: string, userDataDir: string): string[] {
  const removed: string[] = [];
  for (const name of [KERNEL_NAME, "jslab"]) {
    const dir = join(userDataDir, "kernels", name);
    let argv: unknown;
    try {
      argv = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")).argv;
    } catch {
      continue; // none there, or not ours to judge
    }
    if (Array.isArray(argv) && argv[0] === launcherPath(root)) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

/** Jupyter's user data directory as `python` sees it (honours JUPYTER_DATA_DIR). */
export function userDataDir(python: string): string {
  const r = spawnSync(python, ["-m", "jupyter", "--data-dir"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`\`${python} -m jupyter --data-dir\` failed: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

/** git's output in `root`, or why git failed (not a checkout, git missing, no such object). */
function git(root: string, args: string[]): { out: string } | { reason: string } {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) return { reason: `git could not run (${r.error.message})` };
  return r.status === 0 ? { out: r.stdout } : { reason: r.stderr.trim() || `git ${args[0]} failed` };
}

/** The notebooks HEAD's commit holds under `notebooks/`, as committed, and the id of that folder. */
export function committedNotebooks(
  root: string,
): { tree: string; notebooks: Array<{ path: string; text: string }> } | { reason: string } {
  const tree = git(root, ["rev-parse", "--verify", "--quiet", "HEAD:./notebooks"]);
  if ("reason" in tree)
    return { reason: `${root} is not a git checkout whose last commit holds notebooks/ (${tree.reason})` };
  const listing = git(root, ["ls-tree", "-r", "-z", "HEAD", "--", "notebooks/"]);
  if ("reason" in listing) return listing;
  const notebooks: Array<{ path: string; text: string }> = [];
  for (const entry of listing.out.split("\0").filter(Boolean)) {
    const [info, path] = entry.split("\t");
    const [, type, id] = info.split(" ");
    if (type !== "blob" || !path.endsWith(".ipynb")) continue;
    const blob = git(root, ["cat-file", "blob", id]);
    if ("reason" in blob) return blob;
    notebooks.push({ path, text: blob.out });
  }
  return { tree: tree.out.trim(), notebooks };
}

/**
 * Signs each notebook with Jupyter's own NotebookNotary (nbformat.sign), in the files it is given,
 * reading each as the Notebook server does (nbformat v4); prints how many were not signed before.
 */
const SIGN_NOTEBOOKS = `
import json, sys
import nbformat
from nbformat.sign import NotebookNotary
data_dir, db_file, secret_file = sys.argv[1:4]
notary = NotebookNotary(data_dir=data_dir, db_file=db_file, secret_file=secret_file)
signed = 0
for text in json.load(sys.stdin):
    nb = nbformat.reads(text, as_version=4)
    if not notary.check_signature(nb):
        notary.sign(nb)
        signed += 1
print(signed)
`;

/**
 * Trusts the committed notebooks for this checkout's Jupyter: signs the notebooks of HEAD's commit,
 * read from git's objects (so what is signed is exactly what was committed, whatever the working
 * files hold now), into this checkout's trust folder. A working file the reader changed no longer
 * matches its signature and opens untrusted, unless the reader saved it from this checkout's
 * Notebook, which signs what it saves. Does nothing while `notebooks/` in HEAD is what it last
 * signed. Returns what it did, and a note when the notebooks cannot be checked (said once).
 */
export function trustCommittedNotebooks(root: string, python: string): { done: string[]; note?: string } {
  const { dir, db, secret } = notaryFiles(root);
  const stampFile = join(dir, "committed-notebooks");
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8") : "";
  const committed = committedNotebooks(root);
  if ("reason" in committed) {
    const state = `untrusted: ${committed.reason}\n`;
    if (stamp === state) return { done: [] };
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(stampFile, state);
    return {
      done: [],
      note: `committed notebooks not trusted: ${committed.reason}. Their charts show as pictures until their cells run.`,
    };
  }
  if (stamp === `${committed.tree}\n` && existsSync(db) && existsSync(secret)) return { done: [] };
  // The secret signs what this checkout trusts: readable by its owner only.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const r = spawnSync(python, ["-c", SIGN_NOTEBOOKS, dir, db, secret], {
    input: JSON.stringify(committed.notebooks.map((n) => n.text)),
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0)
    throw new Error(
      `could not sign the committed notebooks with ${python}'s nbformat: ${r.stderr || r.error}`,
    );
  writeFileSync(stampFile, `${committed.tree}\n`);
  const signed = Number(r.stdout.trim());
  return { done: signed > 0 ? [`${signed} committed notebook(s) trusted for this checkout's Jupyter`] : [] };
}

function main(): void {
  const args = process.argv.slice(2);
  const python = args[0] === "--python" ? args[1] : undefined;
  if (!python || args.length !== 2) throw new Error("Usage: scripts/jupyter.ts --python PYTHON");
  const root = resolve(__dirname, "..");
  const done = writeJupyterDir(root);
  for (const dir of removeOldUserKernels(root, userDataDir(python)))
    done.push(`old user-wide kernel removed (${dir})`);
  const trust = trustCommittedNotebooks(root, python);
  done.push(...trust.done);
  if (trust.note) console.error(`[setup] ${trust.note}`);
  for (const line of done) console.log(line);
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
