/**
 * Shows that every exercise's check can pass and fail. For each notebook with exercises (cells
 * tagged `exercise:ID`, each followed by a cell tagged `check:ID`), runs a copy in quick mode in
 * which each exercise is answered wrongly, checked, answered rightly and checked again, with the
 * answers in test/exercise-answers/<notebook>.ts; the first check must say "✗ not yet" and the second "✓".
 * Also checks that the committed notebook ships each exercise untouched ("not attempted").
 *
 *   npm run test:exercises            every notebook with exercises
 *   npm run test:exercises -- 02      only notebooks whose names start with 02
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Answers } from "../test/exercise-answers/answers";

const ROOT = resolve(__dirname, "..");
const ANSWERS = join(ROOT, "test", "exercise-answers");
const NOTEBOOKS = join(ROOT, "notebooks");
// Inside the project, so that the copies' `../dist` and `../runs` are the project's own.
const WORK = join(ROOT, ".exercises");

interface Cell {
  id?: string;
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: { output_type: string; text?: string | string[] }[];
}
interface Notebook {
  cells: Cell[];
}

const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));
const tagged = (cell: Cell, kind: "exercise" | "check") =>
  (cell.metadata.tags ?? []).find((t) => t.startsWith(`${kind}:`))?.slice(kind.length + 1);
const printed = (cell: Cell) => (cell.outputs ?? []).map((o) => text(o.text)).join("");

/** The notebook with each exercise answered wrongly, checked, answered rightly and checked again. */
function variant(nb: Notebook, name: string): { nb: Notebook; ids: string[] } {
  const file = join(ANSWERS, name.replace(/\.ipynb$/, ".ts"));
  const answers: Answers = existsSync(file) ? (require(file) as { answers: Answers }).answers : {};
  const ids: string[] = [];
  const cells: Cell[] = [];
  nb.cells.forEach((cell, i) => {
    const id = tagged(cell, "exercise");
    if (id === undefined) return void cells.push(cell);
    const check = nb.cells[i + 1];
    if (!check || tagged(check, "check") !== id)
      throw new Error(`${name}: exercise ${id} is not followed by check:${id}.`);
    const answer = answers[id];
    if (!answer)
      throw new Error(
        `${name}: exercise ${id} has no answers in test/exercise-answers/${name.replace(/\.ipynb$/, ".ts")}.`,
      );
    ids.push(id);
    // Copies need their own cell ids (nbformat 4.5 requires unique ones).
    const copy = (c: Cell, suffix: string, source = c.source): Cell => ({
      ...c,
      ...(c.id ? { id: `${c.id}-${suffix}` } : {}),
      source,
      outputs: [],
    });
    cells.push(copy(cell, "wrong", answer.wrong), copy(check, "wrong"), copy(cell, "right", answer.right));
  });
  const unused = Object.keys(answers).filter((id) => !ids.includes(id));
  if (unused.length)
    throw new Error(`${name}: its answers file has answers for missing exercises ${unused}.`);
  return { nb: { ...nb, cells }, ids };
}

function main(): void {
  const prefixes = process.argv.slice(2).filter((a) => a !== "--");
  const names = readdirSync(NOTEBOOKS)
    .filter(
      (f) => /^\d\d_.*\.ipynb$/.test(f) && (prefixes.length === 0 || prefixes.some((p) => f.startsWith(p))),
    )
    .sort();
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const failures: string[] = [];
  const runs: { name: string; ids: string[] }[] = [];
  for (const name of names) {
    const nb = JSON.parse(readFileSync(join(NOTEBOOKS, name), "utf8")) as Notebook;
    for (const cell of nb.cells) {
      const id = tagged(cell, "check");
      // A notebook committed without outputs is not checked here (its outputs are made later).
      if (id !== undefined && cell.outputs?.length && !/not attempted/.test(printed(cell))) {
        failures.push(`${name} exercise ${id}: the committed notebook's check does not say "not attempted".`);
      }
    }
    const v = variant(nb, name);
    if (v.ids.length === 0) continue;
    writeFileSync(join(WORK, name), JSON.stringify(v.nb, null, 1));
    runs.push({ name, ids: v.ids });
  }
  if (runs.length > 0) {
    const runner = spawnSync(
      "npx",
      ["--no-install", "tsx", "scripts/run-notebooks.ts", "--dir", WORK, "--write"],
      {
        cwd: ROOT,
        stdio: "inherit",
        env: { ...process.env, VAE_LAB_MODE: "quick" },
      },
    );
    if (runner.status !== 0)
      failures.push("the notebooks with answered exercises did not run cleanly (see above).");
  }
  for (const { name, ids } of runs) {
    const checks = (JSON.parse(readFileSync(join(WORK, name), "utf8")) as Notebook).cells.filter(
      (c) => tagged(c, "check") !== undefined,
    );
    ids.forEach((id, k) => {
      const [wrong, right] = [printed(checks[2 * k]), printed(checks[2 * k + 1])];
      const ok = /✗ not yet/.test(wrong) && /✓/.test(right);
      console.log(`${ok ? "PASS" : "FAIL"} ${name} exercise ${id}`);
      if (!ok)
        failures.push(
          `${name} exercise ${id}: wrong answer printed ${JSON.stringify(wrong.trim())}, right answer ${JSON.stringify(right.trim())}.`,
        );
    });
  }
  rmSync(WORK, { recursive: true, force: true });
  for (const f of failures) console.log(`  ${f}`);
  const count = runs.reduce((n, r) => n + r.ids.length, 0);
  console.log(`exercises: ${count} checked in ${runs.length} notebook(s), ${failures.length} problem(s)`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main();
