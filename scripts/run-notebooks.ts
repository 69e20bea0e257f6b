/**
 * Executes every notebook in notebooks/ through Jupyter (nbconvert) with the tslab kernel.
 *
 *   npm run test:notebooks                  quick mode (VAE_LAB_MODE=quick), outputs and exported
 *                                           figures to a temp dir
 *   npm run test:notebooks -- 00 03         only notebooks whose names start with these prefixes
 *   npm run notebooks:outputs               full mode, outputs written back into the notebooks
 *                                           (= --full --write; only notebooks that pass are written)
 *   --timeout SECONDS                       per notebook (default 900 quick, 7200 full)
 *   --dir DIR                               another folder of notebooks (default notebooks/)
 *
 * A notebook fails when a cell errors or fails to compile, writes anything to stderr, leaves an
 * unawaited promise rejection or a late exception (recorded by notebook-guard.cjs), or times out.
 * Prints one line per notebook and a closing "notebooks: N passed, N failed" line.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { jupyterEnv, jupyterPython, KERNEL_NAME } from "./jupyter";

const ROOT = resolve(__dirname, "..");

interface Options {
  full: boolean;
  write: boolean;
  timeoutSeconds: number;
  dir: string;
  prefixes: string[];
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

interface Notebook {
  cells: {
    cell_type: string;
    source: string | string[];
    execution_count?: number | null;
    outputs?: Output[];
  }[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    full: false,
    write: false,
    timeoutSeconds: 0,
    dir: join(ROOT, "notebooks"),
    prefixes: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--full") options.full = true;
    else if (arg === "--write") options.write = true;
    else if (arg === "--timeout") options.timeoutSeconds = Number(argv[++i]);
    else if (arg === "--dir") options.dir = resolve(argv[++i]);
    else if (arg.startsWith("--"))
      throw new Error(
        `Unknown option ${arg}. Options: --full, --write, --timeout SECONDS, --dir DIR, and notebook name prefixes.`,
      );
    else options.prefixes.push(arg);
  }
  if (options.timeoutSeconds === 0) options.timeoutSeconds = options.full ? 7200 : 900;
  if (!(options.timeoutSeconds > 0)) throw new Error("--timeout needs a number of seconds.");
  return options;
}

/** Runs a command, killing its whole process group after `seconds`. */
function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  seconds: number,
): Promise<{ code: number | null; stderr: string; timedOut: boolean }> {
  return new Promise((done) => {
    const child = spawn(command, args, { env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, "SIGKILL");
    }, seconds * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stderr, timedOut });
    });
  });
}

const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));
const firstLines = (s: string, n = 6) => s.trim().split("\n").slice(0, n).join("\n");

/**
 * Gives each executed code cell its execution count. tslab returns the count in its reply to each
 * request but never publishes `execute_input`, the message nbconvert reads it from, so every cell
 * would show "In [ ]". nbconvert sends the non-empty code cells in order, one request each, so the
 * n-th of them is the kernel's n-th execution.
 */
function numberCells(nb: Notebook): void {
  let count = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code" || text(cell.source).trim() === "") continue;
    cell.execution_count = ++count;
  }
}

/** The problems an executed notebook shows: errors and stderr output, by cell. */
function problemsIn(nb: Notebook): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, index) => {
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "error") problems.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
      if (output.output_type === "stream" && output.name === "stderr")
        problems.push(`cell ${index} wrote to stderr:\n${firstLines(text(output.text))}`);
    }
  });
  return problems;
}

/**
 * Where a notebook's exports go and what they record: the notebook's name; in quick mode a folder
 * of the run's own (deleted with it), so that tests never replace a reader's figures/.
 */
function exportsEnv(notebook: string, outDir: string, full: boolean): NodeJS.ProcessEnv {
  return full
    ? { VAE_LAB_NOTEBOOK: notebook }
    : { VAE_LAB_NOTEBOOK: notebook, VAE_LAB_FIGURES_DIR: join(outDir, "figures") };
}

async function execute(path: string, options: Options, python: string): Promise<string[]> {
  const outDir = mkdtempSync(join(tmpdir(), "vae-lab-nb-"));
  const guardLog = join(outDir, "guard.log");
  // This checkout's kernel, whatever other "tslab" kernels the machine has.
  const env = jupyterEnv(ROOT, {
    ...process.env,
    ...exportsEnv(basename(path), outDir, options.full),
    VAE_LAB_MODE: options.full ? "full" : "quick",
    VAE_LAB_GUARD_LOG: guardLog,
    NODE_OPTIONS:
      `${process.env.NODE_OPTIONS ?? ""} --require ${join(__dirname, "notebook-guard.cjs")}`.trim(),
  });
  const args = [
    "-m",
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--allow-errors",
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--ExecutePreprocessor.timeout=${options.timeoutSeconds}`,
    "--output-dir",
    outDir,
    path,
  ];
  try {
    const result = await run(python, args, env, options.timeoutSeconds);
    if (result.timedOut) return [`timed out after ${options.timeoutSeconds} s`];
    const executed = join(outDir, basename(path));
    if (result.code !== 0 || !existsSync(executed))
      return [
        `nbconvert exited with ${result.code}:\n${result.stderr.trim().split("\n").slice(-8).join("\n")}`,
      ];
    const nb = JSON.parse(readFileSync(executed, "utf8")) as Notebook;
    const problems = problemsIn(nb);
    if (existsSync(guardLog)) problems.push(firstLines(readFileSync(guardLog, "utf8"), 20));
    if (problems.length === 0 && options.write) {
      numberCells(nb);
      // nbconvert's own layout (one-space indent, a final newline), so diffs stay small.
      writeFileSync(path, JSON.stringify(nb, null, 1) + "\n");
    }
    return problems;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const python = jupyterPython(ROOT);
  const notebooks = readdirSync(options.dir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .filter((f) => options.prefixes.length === 0 || options.prefixes.some((p) => f.startsWith(p)))
    .sort();
  if (notebooks.length === 0) throw new Error(`No notebooks matched in ${options.dir}.`);
  const mode = options.full ? "full" : "quick";
  console.log(
    `Running ${notebooks.length} notebook(s) in ${mode} mode${options.write ? ", writing outputs back" : ""}:`,
  );
  let passed = 0;
  for (const name of notebooks) {
    const start = Date.now();
    const problems = await execute(join(options.dir, name), options, python);
    const seconds = ((Date.now() - start) / 1000).toFixed(1).padStart(7);
    console.log(`${problems.length === 0 ? "PASS" : "FAIL"} ${seconds}s  ${name}`);
    for (const problem of problems) console.log(problem.replace(/^/gm, "        "));
    if (problems.length === 0) passed++;
  }
  console.log(`notebooks: ${passed} passed, ${notebooks.length - passed} failed`);
  process.exitCode = passed === notebooks.length ? 0 : 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
