/**
 * Real-browser test: executes notebooks on the tslab kernel, converts them to HTML with nbconvert,
 * opens the HTML in headless Chromium and checks that every plotly chart rendered (an SVG with
 * traces), that no JavaScript error was logged, and that with JavaScript off every chart still
 * shows its static image. It also checks the executed .ipynb carries image/png for every chart
 * (what GitHub shows). Skips, saying why, only where Chromium or Jupyter cannot be had.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { findChromium, launchChromium } from "../src/figures/browser";

const root = resolve(__dirname, "..");

/** Finds Chromium, installing Debian's package when running as root with apt; else says why not. */
function chromiumOrReason(): string | null {
  let found = findChromium();
  if ("reason" in found && process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
      stdio: "ignore",
      timeout: 600_000,
    });
    found = findChromium();
  }
  return "reason" in found ? found.reason : null;
}

/** Null when Jupyter can run tslab notebooks here, else why not. */
function jupyterReason(): string | null {
  const r = spawnSync("jupyter", ["kernelspec", "list", "--json"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return "jupyter is not installed (run `npm run setup`).";
  return "tslab" in JSON.parse(r.stdout).kernelspecs
    ? null
    : "the tslab kernel is not registered (run `npm run setup`).";
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 600_000,
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr?.slice(-3000)}`);
}

/** A small notebook showing three charts, an image grid and a table through the built library. */
function writeSmokeNotebook(dir: string): string {
  const lib = JSON.stringify(join(root, "dist"));
  const cells = [
    `import * as vl from ${lib};\nawait vl.showFigure(vl.lossChart([{ epoch: 1, loss: 160, kl: 20 }, { epoch: 2, loss: 130, kl: 22 }], { title: "Loss" }));`,
    `vl.showImage(vl.digitGrid(new Uint8Array(8 * 784).map((_, i) => (i * 7) % 256), { rows: 2, cols: 4 }), { title: "grid" });`,
    `await vl.showFigure(vl.latentScatter([[0, 0], [1, 1], [-1, 0.5]], [0, 1, 1], { logVar: [[-2, -2], [-1, -3], [0, 0]], title: "Latent <codes>" }));`,
    `await vl.showFigure(vl.heatmap([[0, 1], [2, 3]], { title: "Heatmap" }));\nvl.showTable([{ epoch: 1, loss: 2.5 }], { title: "Table" });`,
  ];
  const nb = {
    cells: cells.map((source, i) => ({
      cell_type: "code",
      id: `c${i}`,
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    })),
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const path = join(dir, "smoke.ipynb");
  writeFileSync(path, JSON.stringify(nb));
  return path;
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}

/** Executes a notebook into `dir` (quick mode) and returns the executed copy. */
function execute(notebook: string, dir: string): string {
  const name = `${basename(notebook, ".ipynb")}.executed`;
  run(
    "jupyter",
    [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=900",
      "--output-dir",
      dir,
      "--output",
      `${name}.ipynb`,
      notebook,
    ],
    { VAE_LAB_MODE: "quick" },
  );
  return join(dir, `${name}.ipynb`);
}

/**
 * Checks every chart output of a notebook carries image/png (what GitHub shows), converts it to
 * HTML in `dir`, and returns the HTML path and the number of charts.
 */
function toHtml(notebook: string, dir: string): { html: string; charts: number } {
  const outputs: Output[] = JSON.parse(readFileSync(notebook, "utf8")).cells.flatMap(
    (c: { outputs?: Output[] }) => c.outputs ?? [],
  );
  const html = (o: Output) =>
    ([] as string[]).concat((o.data?.["text/html"] as string | string[]) ?? []).join("");
  const charts = outputs.filter((o) => html(o).includes("vae-lab-figure"));
  for (const o of charts)
    assert.ok(
      o.data?.["image/png"],
      `${basename(notebook)}: a chart output has no image/png for viewers without JavaScript.`,
    );
  const name = basename(notebook, ".ipynb");
  run("jupyter", ["nbconvert", "--to", "html", "--output-dir", dir, "--output", `${name}.html`, notebook]);
  return { html: join(dir, `${name}.html`), charts: charts.length };
}

/** What plotly draws for data: lines and markers, bars, heatmap images. */
const DATA_MARKS = [".trace path", ".trace .point", ".hm image"]
  .map((m) => `.js-plotly-plot .main-svg ${m}`)
  .join(", ");

/** Opens the HTML with JavaScript on and off and checks every chart; returns the errors logged. */
async function checkHtml(browser: Browser, html: string, charts: number): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  // No network here: answer anything not from disk with an empty body (e.g. fonts), so only real
  // script errors get logged.
  await page.route(
    (url) => url.protocol !== "file:",
    (route) => route.fulfill({ status: 200, body: "" }),
  );
  await page.goto(pathToFileURL(html).href);
  // Wait until plotly drew into every figure div (or give up and let the checks below say which).
  await page
    .waitForFunction(
      `[...document.querySelectorAll(".vae-lab-figure")].filter((f) => f.querySelector(${JSON.stringify(DATA_MARKS)})).length === ${charts}`,
      undefined,
      { timeout: 60_000 },
    )
    .catch(() => undefined);
  const rendered = await page.$$eval(
    ".vae-lab-figure",
    (figs, marks) => figs.map((f) => f.querySelectorAll(marks).length),
    DATA_MARKS,
  );
  assert.equal(rendered.length, charts, `${basename(html)}: expected ${charts} charts in the page.`);
  rendered.forEach((marks, i) =>
    assert.ok(marks > 0, `${basename(html)}: chart ${i + 1} has no drawn data.`),
  );
  assert.deepEqual(errors, [], `${basename(html)}: JavaScript errors were logged.`);
  await context.close();

  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const still = await noJs.newPage();
  await still.goto(pathToFileURL(html).href);
  const images = await still.$$eval(".vae-lab-figure img", (imgs) =>
    imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
  );
  assert.equal(
    images.length,
    charts,
    `${basename(html)}: without JavaScript, every chart needs its static image.`,
  );
  images.forEach((w, i) =>
    assert.ok(w > 0, `${basename(html)}: static image of chart ${i + 1} did not load.`),
  );
  await noJs.close();
}

test(
  "notebooks render every chart in headless Chromium without JavaScript errors",
  { timeout: 900_000 },
  async (t) => {
    const reason = chromiumOrReason() ?? jupyterReason();
    if (reason) return t.skip(reason);
    run("npx", ["tsc", "-p", "tsconfig.build.json"]);
    const dir = mkdtempSync(join(tmpdir(), "vae-lab-browser-"));
    const browser = await launchChromium();
    try {
      const notebooks = [execute(writeSmokeNotebook(dir), dir)];
      const nb00 = join(root, "notebooks", "00_getting_started.ipynb");
      if (existsSync(nb00)) {
        // The committed outputs (what GitHub shows), when there are any, and a fresh quick run.
        if (readFileSync(nb00, "utf8").includes("vae-lab-figure")) notebooks.push(nb00);
        notebooks.push(execute(nb00, dir));
      }
      for (const nb of notebooks) {
        const { html, charts } = toHtml(nb, dir);
        assert.ok(charts >= 1, `${basename(nb)} shows no chart.`);
        await checkHtml(browser, html, charts);
      }
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
