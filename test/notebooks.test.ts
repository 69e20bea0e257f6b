/** Checks on the committed notebooks' files: small, no inlined plotly.js, readable code lines. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./notebook-fixtures";

const DIR = join(ROOT, "notebooks");
const NOTEBOOKS = readdirSync(DIR)
  .filter((f) => f.endsWith(".ipynb"))
  .sort();
const MAX_BYTES = 1_500_000;
const MAX_LINE = 100;

test("there are notebooks to check", () => assert.ok(NOTEBOOKS.length > 0));

test("every notebook is at most 1.5 MB and carries no copy of plotly.js", () => {
  const offenders = NOTEBOOKS.flatMap((name) => {
    const path = join(DIR, name);
    const problems: string[] = [];
    const bytes = statSync(path).size;
    if (bytes > MAX_BYTES) problems.push(`${name}: ${(bytes / 1e6).toFixed(2)} MB`);
    // The banner plotly.js starts with; the Jupyter server serves plotly.js instead.
    if (/\* plotly\.js v\d/.test(readFileSync(path, "utf8"))) problems.push(`${name}: plotly.js inlined`);
    return problems;
  });
  assert.deepEqual(offenders, [], `At most ${MAX_BYTES / 1e6} MB per notebook, without plotly.js`);
});

test(`no notebook code line is longer than ${MAX_LINE} characters`, () => {
  const offenders = NOTEBOOKS.flatMap((name) => {
    const nb = JSON.parse(readFileSync(join(DIR, name), "utf8")) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    return nb.cells.flatMap((cell, c) => {
      if (cell.cell_type !== "code") return [];
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      return source
        .split("\n")
        .map((line, l) => ({ line, l }))
        .filter(({ line }) => [...line].length > MAX_LINE)
        .map(({ line, l }) => `${name} cell ${c} line ${l + 1}: ${[...line].length} characters`);
    });
  });
  assert.deepEqual(offenders, [], `Code lines of at most ${MAX_LINE} characters`);
});
