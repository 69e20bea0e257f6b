import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { lineChart } from "../src/figures/charts";
import {
  DisplayEntry,
  displayBundle,
  inNotebook,
  MimeBundle,
  PLOTLY_MIME,
  pngSize,
  setDisplaySink,
  showFigure,
  showImage,
  updatingDisplay,
  WRITER_MISSING,
} from "../src/figures/display";
import { figureSpec } from "../src/figures/plotly";
import { digitGrid } from "../src/figures/images";
import { decodePng } from "./figures-decode";

after(closeBrowser);

interface Sent {
  bundle: MimeBundle;
  metadata: Record<string, unknown>;
  entry?: DisplayEntry;
}

/** Runs `fn` with display outputs captured. */
async function capture(fn: () => unknown): Promise<Sent[]> {
  const sent: Sent[] = [];
  setDisplaySink((bundle, metadata, entry) => sent.push({ bundle, metadata, entry }));
  try {
    await fn();
  } finally {
    setDisplaySink(null);
  }
  return sent;
}

test("inside a tslab kernel, a bundle goes out as ONE display_data through tslab's writer", () => {
  // tslab's kernel sets this module's lastWriteDisplayData for every executed cell.
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  const messages: unknown[][] = [];
  jupyter.lastWriteDisplayData = (...args: unknown[]) => messages.push(args);
  try {
    assert.equal(inNotebook(), true);
    displayBundle(
      { "text/html": "<b>x</b>", "image/png": "AAAA", "text/plain": "x" },
      { "image/png": { width: 3 } },
    );
    // tslab's own public display writes the same message shape, one MIME type at a time.
    (require("tslab") as typeof import("tslab")).display.text("y");
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
  assert.equal(inNotebook(), false);
  assert.deepEqual(messages[0], [
    {
      data: { "text/html": "<b>x</b>", "image/png": "AAAA", "text/plain": "x" },
      metadata: { "image/png": { width: 3 } },
      transient: {},
    },
    false,
  ]);
  assert.deepEqual(Object.keys((messages[1][0] as { data: object }).data), ["text/plain"]);
});

test("outside a notebook, outputs print their text form", async () => {
  const printed: unknown[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void printed.push(a.join(" "));
  try {
    displayBundle({ "text/plain": "plain form", "text/html": "<p>rich</p>" });
    await showFigure(lineChart({ loss: [3, 2] }, { title: "T" }));
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, ["plain form", '<Figure "T": 1 trace(s): loss>']);
  assert.throws(() => displayBundle({ "text/html": "x" }), /text\/plain/);
});

test("an updating display sends one output, then replaces it under the same display_id", () => {
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  const messages: unknown[][] = [];
  jupyter.lastWriteDisplayData = (...args: unknown[]) => messages.push(args);
  try {
    const line = updatingDisplay();
    line.show({ "text/plain": "step 1" });
    line.show({ "text/plain": "step 2" });
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
  const [first, second] = messages as [{ transient: { display_id: string } }, boolean][];
  assert.equal(first[1], false, "the first show is a display_data");
  assert.equal(second[1], true, "later shows are update_display_data");
  assert.match(first[0].transient.display_id, /^[0-9a-f]{16}$/);
  assert.equal(second[0].transient.display_id, first[0].transient.display_id);
});

test("showImage sends its title as a caption, then the PNG bytes once, with a size and text form", async () => {
  const png = digitGrid(new Uint8Array(2 * 784), { rows: 1, cols: 2 });
  const [caption, image] = await capture(() => showImage(png, { title: "two <digits>", width: 300 }));
  assert.deepEqual(caption.bundle, {
    "text/html": '<div class="vae-lab-caption"><b>two &lt;digits&gt;</b></div>',
    "text/plain": "two <digits>",
  });
  assert.deepEqual(Object.keys(image.bundle).sort(), ["image/png", "text/plain"]);
  assert.deepEqual(Buffer.from(image.bundle["image/png"] as string, "base64"), Buffer.from(png));
  const { width, height } = decodePng(png);
  assert.equal(image.bundle["text/plain"], `<two <digits>: PNG ${width}x${height}>`);
  assert.deepEqual(image.metadata, { "image/png": { width: 300 } });
  const untitled = await capture(() => showImage(png));
  assert.equal(untitled.length, 1, "no caption without a title");
});

test("showFigure sends one bundle: plotly's MIME type, HTML, the static PNG and text; never plotly.js", async (t) => {
  if ("reason" in findChromium()) return t.skip("no Chromium for the static image");
  const fig = lineChart({ loss: [3, 2, 1] }, { title: "Loss" });
  const sent = await capture(async () => {
    await showFigure(fig);
    await showFigure(fig);
  });
  assert.equal(sent.length, 2);
  for (const { bundle, metadata } of sent) {
    assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "image/png", "text/html", "text/plain"]);
    assert.deepEqual(bundle[PLOTLY_MIME], figureSpec(fig));
    const png = pngSize(Buffer.from(bundle["image/png"] as string, "base64"));
    assert.deepEqual([png.width, png.height], [700, 450]);
    assert.deepEqual(metadata, { "image/png": { width: 700, height: 450 } });
    const html = bundle["text/html"] as string;
    // The same image sits inside the HTML until plotly draws over it.
    assert.ok(html.includes(`<img src="data:image/png;base64,${bundle["image/png"]}"`));
    // plotly.js comes from the Jupyter server, through require.js where the page has it.
    assert.ok(html.includes('w.require(["nbextensions/vae-lab/plotly.min"]'));
    assert.ok(!html.includes("window.Plotly = Plotly"), "plotly.js is not inlined");
    assert.ok(html.length - (bundle["image/png"] as string).length < 10_000, "the HTML is small");
  }
});

test("without Chromium, showFigure still shows the interactive chart and says how to get images", async () => {
  const saved = process.env.VAE_LAB_CHROMIUM;
  process.env.VAE_LAB_CHROMIUM = "/nonexistent/chromium";
  try {
    await closeBrowser();
    const [out] = await capture(() => showFigure(lineChart({ loss: [1] })));
    assert.deepEqual(Object.keys(out.bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"]);
    assert.match(
      out.bundle["text/plain"] as string,
      /Static image unavailable.*apt-get install .*chromium.*VAE_LAB_CHROMIUM/s,
    );
    assert.ok((out.bundle["text/html"] as string).includes("Plotly.newPlot"));
  } finally {
    if (saved === undefined) delete process.env.VAE_LAB_CHROMIUM;
    else process.env.VAE_LAB_CHROMIUM = saved;
  }
});

test("a tslab kernel without tslab's private writer says once what is missing and lost, then prints text", () => {
  const jupyter = require("tslab/dist/jupyter") as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = null;
  const argv = process.argv;
  const [log, warn] = [console.log, console.warn];
  const printed: string[] = [];
  const warned: string[] = [];
  console.log = (...a: unknown[]) => void printed.push(a.join(" "));
  console.warn = (...a: unknown[]) => void warned.push(a.join(" "));
  // How Jupyter starts the kernel: node <checkout>/node_modules/tslab/bin/tslab kernel --config-path ...
  process.argv = [argv[0], "/course/node_modules/tslab/bin/tslab", "kernel", "--config-path", "c.json"];
  try {
    assert.equal(inNotebook(), false);
    displayBundle({ "text/plain": "first", "text/html": "<b>first</b>" });
    displayBundle({ "text/plain": "second" });
  } finally {
    process.argv = argv;
    [console.log, console.warn] = [log, warn];
  }
  assert.deepEqual(warned, [WRITER_MISSING]);
  assert.match(WRITER_MISSING, /lastWriteDisplayData in tslab\/dist\/jupyter\.js/);
  assert.match(WRITER_MISSING, /plain text only: no interactive charts, no static images, no HTML tables/);
  assert.deepEqual(printed, ["first", "second"]);
});
