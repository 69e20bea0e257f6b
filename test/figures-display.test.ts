import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { lineChart } from "../src/figures/charts";
import {
  displayBundle,
  inNotebook,
  MimeBundle,
  pngSize,
  resendPlotly,
  setDisplaySink,
  showFigure,
  showImage,
} from "../src/figures/display";
import { digitGrid } from "../src/figures/images";
import { decodePng } from "./figures-decode";

after(closeBrowser);

/** Runs `fn` with display outputs captured. */
async function capture(
  fn: () => unknown,
): Promise<Array<{ bundle: MimeBundle; metadata: Record<string, unknown> }>> {
  const sent: Array<{ bundle: MimeBundle; metadata: Record<string, unknown> }> = [];
  setDisplaySink((bundle, metadata) => sent.push({ bundle, metadata }));
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

test("showImage sends the PNG bytes with a size and text form", async () => {
  const png = digitGrid(new Uint8Array(2 * 784), { rows: 1, cols: 2 });
  const [out] = await capture(() => showImage(png, { title: "two", width: 300 }));
  assert.deepEqual(Buffer.from(out.bundle["image/png"], "base64"), Buffer.from(png));
  const { width, height } = decodePng(png);
  assert.equal(out.bundle["text/plain"], `<two: PNG ${width}x${height}>`);
  assert.deepEqual(out.metadata, { "image/png": { width: 300 } });
});

test("showFigure bundles interactive HTML, the static PNG and text; plotly.js is sent once", async (t) => {
  if ("reason" in findChromium()) return t.skip("no Chromium for the static image");
  resendPlotly();
  const fig = lineChart({ loss: [3, 2, 1] }, { title: "Loss" });
  const sent = await capture(async () => {
    await showFigure(fig);
    await showFigure(fig);
  });
  assert.equal(sent.length, 2);
  for (const { bundle, metadata } of sent) {
    assert.deepEqual(Object.keys(bundle).sort(), ["image/png", "text/html", "text/plain"]);
    const png = pngSize(Buffer.from(bundle["image/png"], "base64"));
    assert.deepEqual([png.width, png.height], [700, 450]);
    assert.deepEqual(metadata, { "image/png": { width: 700, height: 450 } });
    // The same image sits inside the HTML until plotly draws over it.
    assert.ok(bundle["text/html"].includes(`<img src="data:image/png;base64,${bundle["image/png"]}"`));
  }
  assert.ok(sent[0].bundle["text/html"].includes("window.Plotly = Plotly"));
  assert.ok(!sent[1].bundle["text/html"].includes("window.Plotly = Plotly"));
});

test("without Chromium, showFigure still shows the interactive chart and says how to get images", async () => {
  const saved = process.env.VAE_LAB_CHROMIUM;
  process.env.VAE_LAB_CHROMIUM = "/nonexistent/chromium";
  try {
    await closeBrowser();
    const [out] = await capture(() => showFigure(lineChart({ loss: [1] })));
    assert.deepEqual(Object.keys(out.bundle).sort(), ["text/html", "text/plain"]);
    assert.match(
      out.bundle["text/plain"],
      /Static image unavailable.*apt-get install .*chromium.*VAE_LAB_CHROMIUM/s,
    );
    assert.ok(out.bundle["text/html"].includes("Plotly.newPlot"));
  } finally {
    if (saved === undefined) delete process.env.VAE_LAB_CHROMIUM;
    else process.env.VAE_LAB_CHROMIUM = saved;
  }
});
