/**
 * Opens the course in the classic Jupyter Notebook with this checkout's tslab kernel, and prints a
 * direct link to the first notebook (run scripts/setup.sh first; `npm start` does both). Extra
 * arguments go to Jupyter, e.g. `npm start -- --port 8890`.
 *
 * Run as `node --import tsx scripts/start.ts` (not through tsx's CLI, which would stop this process
 * on the first Ctrl-C while Jupyter is still asking whether to shut down).
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { jupyterEnv, jupyterPython } from "./jupyter";

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

function main(): void {
  const python = jupyterPython(ROOT);
  const notebooks = join(ROOT, "notebooks");
  const first = firstNotebook(notebooks);
  const args = ["-m", "notebook", `--notebook-dir=${notebooks}`];
  if (process.getuid?.() === 0) args.push("--allow-root");
  // No desktop (a server, a container): print the link instead of trying to open a browser.
  if (process.platform === "linux" && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    args.push("--no-browser");
  console.log("[start] Jupyter Notebook with this checkout's tslab kernel...");
  const jupyter = spawn(python, [...args, ...process.argv.slice(2)], {
    env: jupyterEnv(ROOT),
    stdio: ["inherit", "inherit", "pipe"],
  });
  // Jupyter logs to stderr: pass it through, and print the link once the server says where it is.
  let pending = "";
  let linked = false;
  jupyter.stderr.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    if (linked) return;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const link = notebookLink(line, first);
      if (!link) continue;
      linked = true;
      // After Jupyter's own banner, which follows within milliseconds, so that it is the last word.
      setTimeout(() => {
        console.log(`\n[start] The course starts here: ${link}`);
        console.log(
          "[start] Runs save into notebooks/; `git checkout notebooks/` restores the committed outputs.\n",
        );
      }, 500);
      break;
    }
  });
  // Ctrl-C reaches Jupyter directly (same process group); Jupyter asks whether to stop, and this
  // process follows it out.
  process.on("SIGINT", () => undefined);
  jupyter.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
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
