import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tslabNotebook } from "./notebook-fixtures";

test(
  "the notebook runner passes a good notebook and fails every kind of bad one",
  { timeout: 300_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "vae-lab-runner-"));
    const cases: Record<string, string[]> = {
      "01_good": ["const n: number = 2;\nconsole.log(process.env.VAE_LAB_MODE, n * 21);"],
      "02_compile_error": ["const s: number = 'text';"],
      "03_throws": ["throw new Error('thrown in a cell');"],
      "04_stderr": ["console.error('a warning on stderr');"],
      "05_unawaited": [
        "Promise.reject(new Error('nobody awaited this'));",
        "await new Promise((r) => setTimeout(r, 300));",
      ],
    };
    for (const [name, sources] of Object.entries(cases))
      writeFileSync(join(dir, `${name}.ipynb`), tslabNotebook(...sources));
    let output = "";
    try {
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          resolve(__dirname, "..", "scripts", "run-notebooks.ts"),
          "--dir",
          dir,
          "--timeout",
          "120",
        ],
        { encoding: "utf8" },
      );
      assert.fail("the runner should exit non-zero");
    } catch (err) {
      output = (err as { stdout: string }).stdout;
    }
    /** The runner's line for a notebook and the indented lines after it. */
    const report = (name: string) =>
      output.match(new RegExp(`^(PASS|FAIL) .*${name}\\.ipynb\\n( {8}.*\\n)*`, "m"))?.[0] ?? "";
    assert.match(report("01_good"), /^PASS .*\n$/);
    assert.match(
      report("02_compile_error"),
      /^FAIL[^]*wrote to stderr:[^]*Type 'string' is not assignable to type 'number'/,
    );
    assert.match(report("03_throws"), /^FAIL[^]*Error: thrown in a cell/);
    assert.match(report("04_stderr"), /^FAIL[^]*wrote to stderr:\n {8}a warning on stderr/);
    assert.match(report("05_unawaited"), /^FAIL[^]*unhandled promise rejection: Error: nobody awaited this/);
    assert.match(output, /^notebooks: 1 passed, 4 failed$/m);
  },
);

/** Runs a notebook of these cells in quick mode with --write (as a reader's shell would) and returns its cells. */
function runWithWrite(name: string, ...sources: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-runner-write-"));
  const path = join(dir, `${name}.ipynb`);
  writeFileSync(path, tslabNotebook(...sources));
  execFileSync(
    process.execPath,
    ["--import", "tsx", resolve(__dirname, "..", "scripts", "run-notebooks.ts"), "--dir", dir, "--write"],
    { encoding: "utf8", env: { ...process.env, VAE_LAB_FIGURES_DIR: undefined } },
  );
  return JSON.parse(readFileSync(path, "utf8")).cells;
}

test(
  "with --write, the runner writes the outputs back with each cell's execution count",
  { timeout: 300_000 },
  () => {
    const cells = runWithWrite("01_counts", "console.log('first');", "", "const x: number = 40;\nx + 2");
    assert.deepEqual(
      cells.map((c: { execution_count: number | null }) => c.execution_count),
      [1, null, 2],
    );
    assert.equal(cells[0].outputs[0].text.join(""), "first\n");
    assert.equal(cells[2].outputs[0].text.join(""), "42\n"); // tslab prints the last value
  },
);

test(
  "in quick mode the runner sends a notebook's exports to a folder of its own, never the reader's figures/, recording the notebook",
  { timeout: 300_000 },
  () => {
    const dist = resolve(__dirname, "..", "dist");
    const cells = runWithWrite(
      "01_export",
      `import * as vl from ${JSON.stringify(dist)};\nimport * as fs from "fs";\n` +
        `const file = vl.exportTable([{ k: 1 }], "runner-export-check");\n` +
        `console.log(file);\nconsole.log(fs.readFileSync(file.replace(/csv$/, "meta.json"), "utf8"));`,
    );
    const printed: string = cells[0].outputs[0].text.join("");
    const [file, ...meta] = printed.split("\n");
    const figures = resolve(__dirname, "..", "figures");
    assert.ok(!file.startsWith(figures), `${file} is not in ${figures}`);
    assert.equal(existsSync(file), false, "the run's folder is gone with it");
    const origin = JSON.parse(meta.join("\n"))["runner-export-check.csv"];
    assert.deepEqual([origin.notebook, origin.mode], ["01_export.ipynb", "quick"]);
  },
);
