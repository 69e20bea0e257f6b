/**
 * Real-browser tests in headless Chromium. First, the classic Notebook, started on loopback with
 * this checkout's Jupyter folder (its kernel and plotly.js), runs a small notebook of charts: after
 * run all, after a chart cell is re-run, and after saving and reloading, every chart must be drawn
 * by plotly with its data and no JavaScript error logged. The saved file must carry every chart's
 * plotly spec and PNG but no plotly.js; an untrusted copy, the page without plotly.js, and the
 * nbconvert HTML without JavaScript must show every chart's PNG, with a line saying it is a picture
 * and how to make it live (or, without plotly.js, why it is not). Second, `npm start` as a reader
 * runs it opens the committed notebooks, no cell run, with every chart drawn by plotly with its
 * data; a copy changed outside the repository opens untrusted and shows the pictures with that line.
 * Skips, saying why, only where Chromium cannot be had (set-up installs it as root with apt) or
 * Jupyter cannot.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM_ENV, findChromium, launchChromium } from "../src/figures/browser";
import { PLOTLY_MIME } from "../src/figures/display";
import { STATIC_PICTURE_LINE } from "../src/figures/plotly";
import { committedNotebooks, jupyterEnv } from "../scripts/jupyter";
import { jupyterOrReason, notebookOutputs, ROOT, tslabNotebook } from "./notebook-fixtures";
import { freePort, npmStart } from "./start-fixtures";

/** Where Chromium cannot be had, why; null when it is there. Fails where set-up could have installed it. */
function chromiumOrReason(): string | null {
  const found = findChromium();
  if (!("reason" in found)) return null;
  const apt = spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (process.getuid?.() === 0 && apt && !process.env[CHROMIUM_ENV])
    assert.fail(
      `${found.reason} Set-up installs it when run as root with apt-get, as here: run \`npm run setup\`.`,
    );
  return `${found.reason} (set-up installs it only when run as root with apt-get)`;
}

/** This checkout's Python with Jupyter, or why a browser test cannot run here. */
function browserAndJupyterOrReason(): { python: string } | { reason: string } {
  const chromium = chromiumOrReason();
  return chromium ? { reason: chromium } : jupyterOrReason();
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

/** What plotly draws for data: lines and markers, bars, heatmap images, pictures (image sliders). */
const DATA_MARKS = [".trace path", ".trace .point", ".hm image", ".im image"]
  .map((m) => `.main-svg ${m}`)
  .join(", ");

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

/**
 * MathJax 2 (the classic Notebook's, for the markdown's maths) probes web fonts at about:blank,
 * which Chromium refuses and logs: the page's own probe, not an error of the outputs.
 */
const MATHJAX_FONT_PROBE =
  /^Access to font at 'about:blank'|^Failed to load resource: net::ERR_FAILED \(about:blank\)$/;

/** A page that records JavaScript errors (console errors and uncaught exceptions). */
async function recordingPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    const text = `${m.text()} (${m.location().url})`;
    if (m.type() === "error" && !WIDGETS_PROBE.test(text) && !MATHJAX_FONT_PROBE.test(text))
      errors.push(text);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/** Waits until the Notebook page has loaded the notebook and its outputs (a large one on a busy machine: minutes). */
async function notebookLoaded(page: Page): Promise<void> {
  await page.waitForFunction(
    "window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded",
    undefined,
    { timeout: 180_000 },
  );
}

/** Opens a notebook page (`url`, token included) and waits until it has loaded the notebook. */
async function openNotebook(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 180_000 });
  await notebookLoaded(page);
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
      { timeout: 120_000 },
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

/**
 * What shows where charts were not drawn: the widths of the static pictures (each > 0 once loaded),
 * how many lines say a picture is one and how to make it live, and how many SVG charts there are.
 */
async function staticCharts(page: Page): Promise<{ widths: number[]; lines: number; svgs: number }> {
  await page.waitForLoadState("load");
  const widths = await page.$$eval(".output_html img, .vae-lab-figure img", (imgs) =>
    imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
  );
  const lines = await page.getByText(STATIC_PICTURE_LINE, { exact: true }).count();
  return { widths, lines, svgs: await page.locator(".main-svg").count() };
}

/** Asserts that `charts` charts show their pictures, none drawn, with `lines` lines saying they are pictures. */
function assertPictures(
  shown: { widths: number[]; lines: number; svgs: number },
  charts: number,
  lines: number,
  where: string,
): void {
  assert.equal(shown.svgs, 0, `${where}: no chart should be drawn`);
  assert.equal(shown.widths.length, charts, `${where}: one picture per chart`);
  shown.widths.forEach((w, i) => assert.ok(w > 0, `${where}: the picture of chart ${i + 1} did not load.`));
  assert.equal(shown.lines, lines, `${where}: lines saying "${STATIC_PICTURE_LINE}"`);
}

test(
  "in the classic Notebook, charts stay interactive through run all, a re-run, save and reload",
  { timeout: 900_000 },
  async (t) => {
    const jupyter = browserAndJupyterOrReason();
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
      await openNotebook(page, `${url}/notebooks/charts.ipynb?token=${token}`);

      await runAndWait(page, "Jupyter.notebook.execute_all_cells()");
      await assertAllDrawn(page, errors, "after run all");
      const progress = await page.evaluate(
        "Jupyter.notebook.get_cell(4).output_area.outputs.map((o) => o.output_type + ': ' + (o.text || o.data['text/plain']).trim())",
      );
      assert.deepEqual(
        progress,
        [
          "display_data: epoch 1/1  step 6/6  objective 104.00 = recon 90.00 + kl 20.00  150 ms/step  0 s left",
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
      await openNotebook(offline, `${url}/notebooks/charts.ipynb?token=${token}`);
      await offline
        .locator(".vae-lab-note")
        .nth(CHARTS - 1)
        .waitFor({ timeout: 30_000 });
      assert.match(
        await offline.locator(".vae-lab-note").first().innerText(),
        /Interactive chart unavailable: plotly\.js could not be loaded .*Showing the static image/,
      );
      // The note takes the place of the line that says how to make the chart live: that would not help.
      assertPictures(await staticCharts(offline), CHARTS, 0, "without plotly.js");
      await blocked.close();

      // An untrusted copy (a changed file is no longer signed): no script runs, every PNG shows with its line.
      const copy = JSON.parse(saved);
      copy.metadata.vae_lab_copy = true;
      writeFileSync(join(dir, "copy.ipynb"), JSON.stringify(copy));
      const untrustedContext = await browser.newContext();
      const untrusted = await untrustedContext.newPage();
      await openNotebook(untrusted, `${url}/notebooks/copy.ipynb?token=${token}`);
      assert.equal(await untrusted.evaluate("Jupyter.notebook.trusted"), false);
      assertPictures(await staticCharts(untrusted), CHARTS, CHARTS, "in an untrusted copy");
      await untrustedContext.close();

      // nbconvert's HTML without JavaScript (what static viewers do): every chart shows its PNG and line.
      const html = spawnSync(jupyter.python, ["-m", "nbconvert", "--to", "html", notebook], {
        env: jupyterEnv(ROOT),
        encoding: "utf8",
      });
      assert.equal(html.status, 0, html.stderr);
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const still = await noJs.newPage();
      await still.goto(pathToFileURL(join(dir, "charts.html")).href);
      assertPictures(await staticCharts(still), CHARTS, CHARTS, "in nbconvert's HTML without JavaScript");
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

/** A committed notebook with charts: its name in `notebooks/`, its committed text, its charts' traces. */
interface CommittedCharts {
  name: string;
  text: string;
  traces: unknown[][];
}

/**
 * The committed notebooks (HEAD's) that hold charts and whose working file is still the committed
 * one, byte for byte: those that `npm start` must open trusted.
 */
function committedChartNotebooks(): CommittedCharts[] {
  const committed = committedNotebooks(ROOT);
  if ("reason" in committed) assert.fail(committed.reason);
  const found: CommittedCharts[] = [];
  for (const { path, text } of committed.notebooks) {
    if (dirname(path) !== "notebooks" || readFileSync(join(ROOT, path), "utf8") !== text) continue;
    const cells = (
      JSON.parse(text) as { cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }> }
    ).cells;
    const specs = cells.flatMap((c) => c.outputs ?? []).flatMap((o) => o.data?.[PLOTLY_MIME] ?? []);
    const traces = specs.map((spec) => (spec as { data: unknown[] }).data);
    if (traces.length > 0) found.push({ name: basename(path), text, traces });
  }
  return found;
}

/** What identifies a trace's data: its type, name and coordinates. */
function traceData(trace: unknown): unknown {
  const t = trace as Record<string, unknown>;
  return { type: t.type ?? "scatter", name: t.name ?? null, x: t.x ?? null, y: t.y ?? null, z: t.z ?? null };
}

/** The traces plotly drew in each chart of the page (plotly keeps them on the chart's element). */
async function drawnTraces(page: Page): Promise<unknown[][]> {
  const data = await page.$$eval(".vae-lab-figure", (figs) =>
    figs.map((f) => (f as unknown as { data?: unknown[] }).data ?? []),
  );
  return data.map((traces) => traces.map(traceData));
}

/** The execution counts the page shows for its code cells (a cell run would change one). */
function shownCounts(page: Page): Promise<Array<number | null>> {
  return page.evaluate(
    "Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code').map((c) => c.input_prompt_number ?? null)",
  );
}

/** Opens a committed notebook from npm start's Jupyter, checks that its charts are live, and shuts its kernel down. */
async function assertLive(browser: Browser, url: string, token: string, nb: CommittedCharts): Promise<void> {
  const context = await browser.newContext();
  try {
    const { page, errors } = await recordingPage(context);
    await openNotebook(page, `${url}/notebooks/${encodeURIComponent(nb.name)}?token=${token}`);
    assert.equal(await page.evaluate("Jupyter.notebook.trusted"), true, `${nb.name} opens trusted`);
    const marks = await drawnCharts(page, nb.traces.length);
    assert.equal(marks.length, nb.traces.length, `${nb.name}: one chart per chart output`);
    marks.forEach((n, i) => assert.ok(n > 0, `${nb.name}: chart ${i + 1} has no drawn data.`));
    assert.deepEqual(
      await drawnTraces(page),
      nb.traces.map((traces) => traces.map(traceData)),
      `${nb.name}: each chart is drawn with its own data`,
    );
    // A latent explorer (notebook 04) builds itself in the page: its plane and digit are drawn.
    await page.waitForFunction(
      '[...document.querySelectorAll(".vae-lab-explorer")].every((e) => e.hasAttribute("data-ready"))',
      undefined,
      { timeout: 60_000 },
    );
    assert.equal(
      await page.getByText(STATIC_PICTURE_LINE).count(),
      0,
      `${nb.name}: no chart left as a picture`,
    );
    const code = (
      JSON.parse(nb.text) as { cells: Array<{ cell_type: string; execution_count?: number }> }
    ).cells
      .filter((c) => c.cell_type === "code")
      .map((c) => c.execution_count ?? null);
    assert.deepEqual(await shownCounts(page), code, `${nb.name}: no cell ran`);
    assert.deepEqual(errors, [], `${nb.name}: JavaScript errors were logged.`);
    const sessions = (await fetch(`${url}/api/sessions?token=${token}`).then((r) => r.json())) as Array<{
      id: string;
    }>;
    for (const { id } of sessions)
      await fetch(`${url}/api/sessions/${id}?token=${token}`, { method: "DELETE" });
  } finally {
    await context.close();
  }
}

test(
  "npm start opens the committed notebooks with live charts, no cell run; a changed copy shows pictures saying so",
  { timeout: 900_000 },
  async (t) => {
    const jupyter = browserAndJupyterOrReason();
    if ("reason" in jupyter) return t.skip(jupyter.reason);
    const notebooks = committedChartNotebooks();
    assert.ok(
      notebooks.length > 0,
      "Every committed notebook with charts has local changes (`git status notebooks/`): " +
        "commit or stash them to check how the committed ones open.",
    );
    const started = await npmStart();
    const copy = join(ROOT, "notebooks", `changed-copy-${randomBytes(4).toString("hex")}.ipynb`);
    const browser: Browser = await launchChromium();
    try {
      for (const nb of notebooks) await assertLive(browser, started.url, started.token, nb);
      for (const nb of notebooks)
        assert.equal(readFileSync(join(ROOT, "notebooks", nb.name), "utf8"), nb.text, `${nb.name} unchanged`);
      assert.ok(
        !existsSync(join(started.data, "nbsignatures.db")),
        "npm start's Jupyter keeps no signatures in the user's Jupyter data folder",
      );

      // A copy changed outside the repository (a cell added) is not what was committed: untrusted.
      const [first] = notebooks;
      const changed = JSON.parse(first.text);
      changed.cells.push({
        cell_type: "markdown",
        id: "changed",
        metadata: {},
        source: "Changed elsewhere.",
      });
      writeFileSync(copy, JSON.stringify(changed, null, 1));
      const context = await browser.newContext();
      const page = await context.newPage();
      await openNotebook(page, `${started.url}/notebooks/${basename(copy)}?token=${started.token}`);
      assert.equal(await page.evaluate("Jupyter.notebook.trusted"), false, "a changed copy opens untrusted");
      const charts = first.traces.length;
      const shown = await staticCharts(page);
      assert.equal(
        shown.lines,
        charts,
        `The charts of the committed ${first.name} carry no line saying they are pictures: their outputs ` +
          `predate it. Regenerate them: npm run notebooks:outputs -- ${first.name.slice(0, 2)}`,
      );
      assertPictures(shown, charts, charts, `a changed copy of ${first.name}`);
      await context.close();
    } catch (err) {
      (err as Error).message += `\n--- npm start's log (end) ---\n${started.log().slice(-3000)}`;
      throw err;
    } finally {
      rmSync(copy, { force: true });
      await browser.close();
      await started.stop();
    }
  },
);
