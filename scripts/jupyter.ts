/**
 * This checkout's Jupyter: the Python set-up chose (`.vae-lab/python`) and the folder
 * `.vae-lab/jupyter/`, which holds this checkout's "tslab" kernel and plotly.js (served by the
 * classic Notebook at /nbextensions/vae-lab/). Jupyter started with {@link jupyterEnv} looks in that
 * folder first, so this checkout's kernel shadows any other "tslab" kernel in this checkout's
 * Jupyter processes only; nothing user-wide is written, and other checkouts keep their own.
 *
 *   node --import tsx scripts/jupyter.ts --python PY     set-up's kernel step; prints what it did
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

function main(): void {
  const args = process.argv.slice(2);
  const python = args[0] === "--python" ? args[1] : undefined;
  if (!python || args.length !== 2) throw new Error("Usage: scripts/jupyter.ts --python PYTHON");
  const root = resolve(__dirname, "..");
  const done = writeJupyterDir(root);
  for (const dir of removeOldUserKernels(root, userDataDir(python)))
    done.push(`old user-wide kernel removed (${dir})`);
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
