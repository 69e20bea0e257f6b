import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { barChart } from "../src/figures/charts";
import { MimeBundle, setDisplaySink, showFigure, showImage } from "../src/figures/display";
import { digitGrid } from "../src/figures/images";
import { showTable } from "../src/figures/tables";
import { notebookFigures, slug, writeFigure } from "../scripts/figures";
import { ROOT, tslabNotebook } from "./notebook-fixtures";

after(closeBrowser);

const chart = barChart(["vae", "iwae"], { nll: [86.76, 84.78] }, { title: "NLL by model (nats)" });
const grid = digitGrid(new Uint8Array(2 * 784).fill(200), { rows: 1, cols: 2 });

/** An executed notebook holding what the library shows: a table, a chart, a titled image, an untitled one. */
async function executedNotebook(dir: string, name: string): Promise<string> {
  const outputs: Array<{ output_type: string; data: MimeBundle; metadata: object }> = [];
  setDisplaySink((data, metadata) => outputs.push({ output_type: "display_data", data, metadata }));
  try {
    showTable([{ k: 1 }], { title: "a table" });
    await showFigure(chart);
    showImage(grid, { title: "two digits: bright" });
    showImage(grid);
  } finally {
    setDisplaySink(null);
  }
  const nb = JSON.parse(tslabNotebook("// shows things"));
  nb.cells[0].outputs = outputs;
  const path = join(dir, `${name}.ipynb`);
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

test("slugs are lower-case words joined by dashes", () => {
  assert.equal(
    slug("2-D codes of test digits (mu, with one-sigma ellipses)"),
    "2-d-codes-of-test-digits-mu-with-one-sigma-ellipses",
  );
  assert.equal(slug("Café: β = 4"), "cafe-4");
  assert.equal(slug(""), "untitled");
});

test("the figures of an executed notebook are its chart and image outputs, named by notebook, order and title", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-figs-"));
  const figures = notebookFigures(await executedNotebook(dir, "02_training"));
  assert.deepEqual(
    figures.map((f) => [f.name, f.kind, f.title]),
    [
      ["02_training-01-nll-by-model-nats", "chart", "NLL by model (nats)"],
      ["02_training-02-two-digits-bright", "image", "two digits: bright"],
      ["02_training-03-image", "image", "image"],
    ],
  );
  const [first, second] = figures;
  assert.ok(first.kind === "chart");
  assert.deepEqual(first.figure.data, chart.data, "the chart's spec is the one the notebook showed");
  assert.deepEqual(second.png, Buffer.from(grid), "the image is the notebook's PNG");
});

test("each chart is written as JSON, standalone HTML, SVG and PNG; each image as PNG; each beside a record of its origin", async (t) => {
  if ("reason" in findChromium()) return t.skip("no Chromium for SVG");
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-figs-"));
  const out = join(dir, "out");
  for (const f of notebookFigures(await executedNotebook(dir, "00_x"))) await writeFigure(f, out);
  assert.deepEqual(readdirSync(out).sort(), [
    "00_x-01-nll-by-model-nats.html",
    "00_x-01-nll-by-model-nats.json",
    "00_x-01-nll-by-model-nats.meta.json",
    "00_x-01-nll-by-model-nats.png",
    "00_x-01-nll-by-model-nats.svg",
    "00_x-02-two-digits-bright.meta.json",
    "00_x-02-two-digits-bright.png",
    "00_x-03-image.meta.json",
    "00_x-03-image.png",
  ]);
  const origin = JSON.parse(readFileSync(join(out, "00_x-01-nll-by-model-nats.meta.json"), "utf8"));
  assert.deepEqual(Object.keys(origin).sort(), [
    "00_x-01-nll-by-model-nats.html",
    "00_x-01-nll-by-model-nats.json",
    "00_x-01-nll-by-model-nats.png",
    "00_x-01-nll-by-model-nats.svg",
  ]);
  const spec = JSON.parse(readFileSync(join(out, "00_x-01-nll-by-model-nats.json"), "utf8"));
  assert.deepEqual(spec.data, chart.data);
  assert.ok(
    readFileSync(join(out, "00_x-01-nll-by-model-nats.html"), "utf8").includes("window.Plotly = Plotly"),
  );
  assert.match(readFileSync(join(out, "00_x-01-nll-by-model-nats.svg"), "utf8"), /^<svg/);
});

test("npm run figures lists and writes from a folder of executed notebooks, and says when there is nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-figs-"));
  await executedNotebook(dir, "01_a");
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "figures.ts"), ...args], {
      encoding: "utf8",
    });
  const listed = run("--from", dir, "--list", "--only", "digits");
  assert.equal(listed.status, 0, listed.stderr);
  assert.equal(listed.stdout, "01_a-02-two-digits-bright  (image: two digits: bright)\n");
  const written = run("--from", dir, "--only", "image$", "--dir", join(dir, "out"));
  assert.equal(written.status, 0, written.stderr);
  assert.ok(existsSync(join(dir, "out", "01_a-03-image.png")));
  const empty = run("--from", dir, "--only", "nothing-matches");
  assert.equal(empty.status, 1);
  assert.match(
    empty.stderr,
    /No chart or image outputs matching \/nothing-matches\/ in .*--from a folder of executed/,
  );
  assert.match(run("--from", join(dir, "missing")).stderr, /--from .*missing: no such folder/);
});
