/**
 * Real-browser test in headless Chromium. The classic Notebook, started on loopback with this
 * checkout's Jupyter folder (its kernel and plotly.js), runs a small notebook of charts: after run
 * all, after a chart cell is re-run, and after saving and reloading, every chart must be drawn by
 * plotly with its data and no JavaScript error logged. The saved file must carry every chart's
 * plotly spec and PNG but no plotly.js; an untrusted copy, the page without plotly.js, and the
 * nbconvert HTML without JavaScript must show every chart's PNG. Skips, saying why, only where
 * Chromium or Jupyter cannot be had.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { findChromium, launchChromium } from "../src/figures/browser";
import { PLOTLY_MIME } from "../src/figures/display";
import { jupyterEnv } from "../scripts/jupyter";
import { jupyterOrReason, notebookOutputs, ROOT, tslabNotebook } from "./notebook-fixtures";

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

const lib = JSON.stringify(join(ROOT, "dist"));
const progressCell = [
  "const reporter = vl.progressReporter();",
  "const at = { epoch: 1, epochs: 1, stepsPerEpoch: 6, recon: 90, kl: 20, beta: 1, msPerStep: 150 };",
  "for (let step = 1; step <= 6; step++) {",
  "  reporter.step({ ...at, step: step, loss: 110 - step, secondsLeft: 0.15 * (6 - step) });",
  "  await new Promise((r) => setTimeout(r, 150));",
  "}",
  'reporter.epoch("epoch 1/1  train 104.00");',
  "reporter.done();",
].join("\n");
/** The cells: three charts (the second alone in its cell), an image grid, a table, a progress line. */
const CELLS = [
  `import * as vl from ${lib};\nawait vl.showFigure(vl.lossChart([{ epoch: 1, loss: 160, kl: 20 }, { epoch: 2, loss: 130, kl: 22 }], { title: "Loss" }));`,
  `await vl.showFigure(vl.latentScatter([[0, 0], [1, 1], [-1, 0.5]], [0, 1, 1], { logVar: [[-2, -2], [-1, -3], [0, 0]], title: "Latent <codes>" }));`,
  `vl.showImage(vl.digitGrid(new Uint8Array(8 * 784).map((_, i) => (i * 7) % 256), { rows: 2, cols: 4 }), { title: "grid" });`,
  `await vl.showFigure(vl.heatmap([[0, 1], [2, 3]], { title: "Heatmap" }));\nvl.showTable([{ epoch: 1, loss: 2.5 }], { title: "Table" });`,
  progressCell,
];
const CHARTS = 3;
const RERUN_CELL = 1;

/** What plotly draws for data: lines and markers, bars, heatmap images. */
const DATA_MARKS = [".trace path", ".trace .point", ".hm image"].map((m) => `.main-svg ${m}`).join(", ");

/** A TCP port free on loopback right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The classic Notebook on loopback, serving `dir`, with this checkout's Jupyter folder and a private config. */
async function startNotebook(
  python: string,
  dir: string,
): Promise<{ url: string; token: string; server: ChildProcess; log: () => string }> {
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const home = join(dir, ".jupyter-home");
  for (const d of ["config", "data", "runtime"]) mkdirSync(join(home, d), { recursive: true });
  const env = jupyterEnv(ROOT, {
    ...process.env,
    VAE_LAB_MODE: "quick",
    // No user-wide kernels, nbextensions or config: only this checkout's Jupyter folder.
    JUPYTER_CONFIG_DIR: join(home, "config"),
    JUPYTER_DATA_DIR: join(home, "data"),
    JUPYTER_RUNTIME_DIR: join(home, "runtime"),
  });
  const args = ["-m", "notebook", "--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"];
  args.push(`--NotebookApp.token=${token}`, `--notebook-dir=${dir}`);
  if (process.getuid?.() === 0) args.push("--allow-root");
  const server = spawn(python, args, { env, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  server.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/api/status?token=${token}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 600 || server.exitCode !== null) throw new Error(`The Notebook server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, token, server, log: () => log };
}

/**
 * The classic Notebook looks for ipywidgets' nbextension on every page load and logs a 404 where it
 * is not installed: the Notebook's own probe, not an error of the page's outputs.
 */
const WIDGETS_PROBE = /\/nbextensions\/widgets\/notebook\/js\/extension\.js/;

/** A page that records JavaScript errors (console errors and uncaught exceptions). */
async function recordingPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    const text = `${m.text()} (${m.location().url})`;
    if (m.type() === "error" && !WIDGETS_PROBE.test(text)) errors.push(text);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/** Waits until the Notebook page has loaded the notebook and its outputs. */
async function notebookLoaded(page: Page): Promise<void> {
  await page.waitForFunction(
    "window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded",
    undefined,
    {
      timeout: 60_000,
    },
  );
}

/** Runs `action` in the page (e.g. run all) and waits until every code cell ran and the kernel is idle. */
async function runAndWait(page: Page, action: string): Promise<void> {
  await page.waitForFunction("Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()", undefined, {
    timeout: 120_000,
  });
  const before = await page.evaluate("Jupyter.notebook.get_cells().map((c) => c.input_prompt_number)");
  await page.evaluate(action);
  await page.waitForFunction(
    `(() => {
      const counts = Jupyter.notebook.get_cells().map((c) => c.input_prompt_number);
      return !Jupyter.notebook.kernel_busy && JSON.stringify(counts) !== ${JSON.stringify(JSON.stringify(before))} &&
        counts.every((n) => typeof n === "number");
    })()`,
    undefined,
    { timeout: 300_000, polling: 200 },
  );
}

/** Data marks per chart once plotly drew all `charts` (or after a timeout, to say which did not). */
async function drawnCharts(page: Page, charts: number): Promise<number[]> {
  await page
    .waitForFunction(
      `[...document.querySelectorAll(".vae-lab-figure")].filter((f) => f.querySelector(${JSON.stringify(DATA_MARKS)})).length === ${charts}`,
      undefined,
      { timeout: 60_000 },
    )
    .catch(() => undefined);
  return page.$$eval(
    ".vae-lab-figure",
    (figs, marks) => figs.map((f) => f.querySelectorAll(marks).length),
    DATA_MARKS,
  );
}

async function assertAllDrawn(page: Page, errors: string[], when: string): Promise<void> {
  const marks = await drawnCharts(page, CHARTS);
  assert.equal(
    marks.length,
    CHARTS,
    `${when}: expected ${CHARTS} charts in the page, found ${marks.length}.`,
  );
  marks.forEach((n, i) => assert.ok(n > 0, `${when}: chart ${i + 1} has no drawn data.`));
  assert.equal(
    await page.locator(".vae-lab-note").count(),
    0,
    `${when}: a chart says plotly.js did not load.`,
  );
  assert.deepEqual(errors, [], `${when}: JavaScript errors were logged.`);
}

/** Widths of the static images of the charts (each > 0 once loaded), and how many SVG charts there are. */
async function staticImages(page: Page): Promise<{ widths: number[]; svgs: number }> {
  await page.waitForLoadState("load");
  const widths = await page.$$eval(".output_html img", (imgs) =>
    imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
  );
  return { widths, svgs: await page.locator(".main-svg").count() };
}

test(
  "in the classic Notebook, charts stay interactive through run all, a re-run, save and reload",
  { timeout: 900_000 },
  async (t) => {
    const chromiumReason = chromiumOrReason();
    if (chromiumReason) return t.skip(chromiumReason);
    const jupyter = jupyterOrReason();
    if ("reason" in jupyter) return t.skip(jupyter.reason);
    const build = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(build.status, 0, build.stdout);

    const dir = mkdtempSync(join(tmpdir(), "vae-lab-browser-"));
    const notebook = join(dir, "charts.ipynb");
    writeFileSync(notebook, tslabNotebook(...CELLS));
    const { url, token, server, log } = await startNotebook(jupyter.python, dir);
    const browser: Browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const { page, errors } = await recordingPage(context);
      await page.goto(`${url}/notebooks/charts.ipynb?token=${token}`);
      await notebookLoaded(page);

      await runAndWait(page, "Jupyter.notebook.execute_all_cells()");
      await assertAllDrawn(page, errors, "after run all");
      const progress = await page.evaluate(
        "Jupyter.notebook.get_cell(4).output_area.outputs.map((o) => o.output_type + ': ' + (o.text || o.data['text/plain']).trim())",
      );
      assert.deepEqual(
        progress,
        [
          "display_data: epoch 1/1  step 6/6  loss 104.00 (recon 90.00 + kl 20.00)  150 ms/step  0 s left",
          "stream: epoch 1/1  train 104.00",
        ],
        "the progress line is one output, updated in place to the last step",
      );

      await runAndWait(page, `Jupyter.notebook.get_cell(${RERUN_CELL}).execute()`);
      await assertAllDrawn(page, errors, "after re-running a chart cell");

      await page.evaluate("Jupyter.notebook.save_notebook()");
      await page.waitForFunction("!Jupyter.notebook.dirty", undefined, { timeout: 30_000 });
      await page.reload();
      await notebookLoaded(page);
      await assertAllDrawn(page, errors, "after saving and reloading");

      // The saved file: every chart carries its spec, HTML and PNG, and no copy of plotly.js.
      const saved = readFileSync(notebook, "utf8");
      assert.ok(
        !saved.includes("window.Plotly = Plotly") && saved.length < 300_000,
        "no plotly.js in the file",
      );
      const charts = notebookOutputs(notebook).filter((o) => o.data?.[PLOTLY_MIME]);
      assert.equal(charts.length, CHARTS);
      for (const o of charts)
        assert.ok(o.data?.["image/png"] && o.data?.["text/html"] && o.data?.["text/plain"]);

      // Without plotly.js from the server, every chart keeps its PNG and says why it is not interactive.
      const blocked = await browser.newContext();
      await blocked.route("**/nbextensions/vae-lab/plotly.min.js*", (route) => route.abort());
      const offline = await blocked.newPage();
      await offline.goto(`${url}/notebooks/charts.ipynb?token=${token}`);
      await notebookLoaded(offline);
      await offline
        .locator(".vae-lab-note")
        .nth(CHARTS - 1)
        .waitFor({ timeout: 30_000 });
      assert.match(
        await offline.locator(".vae-lab-note").first().innerText(),
        /Interactive chart unavailable: plotly\.js could not be loaded .*Showing the static image/,
      );
      const noPlotly = await staticImages(offline);
      assert.equal(noPlotly.svgs, 0);
      assert.equal(noPlotly.widths.filter((w) => w > 0).length, CHARTS, "each chart still shows its PNG");
      await blocked.close();

      // An untrusted copy (a changed file is no longer signed): no script runs, every PNG shows.
      const copy = JSON.parse(saved);
      copy.metadata.vae_lab_copy = true;
      writeFileSync(join(dir, "copy.ipynb"), JSON.stringify(copy));
      const untrustedContext = await browser.newContext();
      const untrusted = await untrustedContext.newPage();
      await untrusted.goto(`${url}/notebooks/copy.ipynb?token=${token}`);
      await notebookLoaded(untrusted);
      assert.equal(await untrusted.evaluate("Jupyter.notebook.trusted"), false);
      const shown = await staticImages(untrusted);
      assert.equal(shown.svgs, 0);
      assert.equal(shown.widths.filter((w) => w > 0).length, CHARTS, "each chart shows its PNG");
      await untrustedContext.close();

      // nbconvert's HTML without JavaScript (what static viewers do): every chart shows its PNG.
      const html = spawnSync(jupyter.python, ["-m", "nbconvert", "--to", "html", notebook], {
        env: jupyterEnv(ROOT),
        encoding: "utf8",
      });
      assert.equal(html.status, 0, html.stderr);
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const still = await noJs.newPage();
      await still.goto(pathToFileURL(join(dir, "charts.html")).href);
      const images = await still.$$eval(".vae-lab-figure img", (imgs) =>
        imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
      );
      assert.equal(images.length, CHARTS);
      images.forEach((w, i) => assert.ok(w > 0, `static image of chart ${i + 1} did not load.`));
      await noJs.close();
    } catch (err) {
      (err as Error).message += `\n--- Notebook server log (end) ---\n${log().slice(-3000)}`;
      throw err;
    } finally {
      await browser.close();
      process.kill(-server.pid!, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
