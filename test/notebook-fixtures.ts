/** Small tslab notebooks and checks for the tests that run Jupyter. */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { jupyterDir, jupyterPython, KERNEL_NAME } from "../scripts/jupyter";

export const ROOT = resolve(__dirname, "..");

/** A tslab notebook (nbformat 4.5 JSON) with one code cell per source. */
export function tslabNotebook(...sources: string[]): string {
  const cells = sources.map((source, i) => ({
    cell_type: "code",
    id: `c${i}`,
    metadata: {},
    source,
    outputs: [],
    execution_count: null,
  }));
  const metadata = { kernelspec: { name: KERNEL_NAME, display_name: "TypeScript", language: "typescript" } };
  return JSON.stringify({ cells, metadata, nbformat: 4, nbformat_minor: 5 });
}

/** This checkout's Python with Jupyter and its kernel, or why they cannot be had (run set-up). */
export function jupyterOrReason(): { python: string } | { reason: string } {
  let python: string;
  try {
    python = jupyterPython(ROOT);
  } catch (err) {
    return { reason: (err as Error).message };
  }
  const r = spawnSync(python, ["-c", "import notebook, nbconvert, nbclient"], { encoding: "utf8" });
  if (r.status !== 0) return { reason: `${python} has no Jupyter (run \`npm run setup\`).` };
  if (!existsSync(join(jupyterDir(ROOT), "kernels", KERNEL_NAME, "kernel.json")))
    return { reason: "this checkout's tslab kernel is missing (run `npm run setup`)." };
  return { python };
}

/** The outputs of every code cell of a notebook file, in order. */
export function notebookOutputs(
  path: string,
): Array<{ output_type: string; data?: Record<string, unknown> }> {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { outputs?: [] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []);
}
