import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { type MimeBundle, PLOTLY_MIME, setDisplaySink } from "../src/figures/display";
import { EXPLORER_STATIC_LINE, latentExplorer, showExplorer } from "../src/figures/explorer";
import { exportExplorer } from "../src/figures/export";
import { digitGrid } from "../src/figures/images";
import { figureSpec } from "../src/figures/plotly";
import { decodePng, posterise } from "../src/figures/png";
import {
  decodeQuantised,
  quantisationError,
  quantiseDecoder,
  squareGrid,
} from "../src/figures/quantised-decoder";
import { imageSlider, showImageSlider } from "../src/figures/sliders";
import { createVae, decodeMean, disposeModel } from "../src/model/model";

const frame = (label: string, value: number, cols = 2) => ({
  label,
  png: digitGrid(new Uint8Array(cols * 784).fill(value), { rows: 1, cols }),
});

test("the page's decoder, run in Node, gives the model's pixel means within a small error, full rank or low rank", () => {
  const model = createVae({ latentDim: 2, hidden: [32, 16], seed: 3 });
  try {
    const z = squareGrid([-3, 3], 9);
    const exact = tf.tidy(() => decodeMean(model, tf.tensor2d(z)).arraySync());
    const full = quantiseDecoder(model);
    assert.equal(full.layers.length, 3);
    assert.deepEqual(
      full.layers.map((l) => l.activation),
      ["relu", "relu", "linear"],
    );
    const mine = decodeQuantised(full, z[7]);
    assert.equal(mine.length, 784);
    assert.ok(Math.max(...Array.from(mine, (v, i) => Math.abs(v - exact[7][i]))) < 0.02);
    const low = quantiseDecoder(model, { rank: 8, extent: [-3, 3] });
    assert.equal(low.layers.length, 4, "the last layer becomes two, through 8 directions");
    assert.equal(low.layers[3].inputs, 8);
    const error = quantisationError(model, low, z);
    assert.ok(error.max < 0.05 && error.mean < error.max, JSON.stringify(error));
    assert.ok(JSON.stringify(low).length < JSON.stringify(full).length);
  } finally {
    disposeModel(model);
  }
});

test("models the page cannot run are refused with the reason", () => {
  const conv = createVae({ latentDim: 2, arch: "conv", filters: [4], hidden: [8], seed: 1 });
  const wide = createVae({ latentDim: 3, hidden: [8], seed: 1 });
  try {
    assert.throws(() => quantiseDecoder(conv), /only an unconditional MLP decoder.*arch "conv"/);
    assert.throws(() => quantiseDecoder(wide, { rank: 0 }), /rank must be a positive integer/);
    assert.throws(
      () => latentExplorer(wide, [[0, 0, 0]], [1]),
      /2-D latent space; this model has latentDim 3/,
    );
  } finally {
    disposeModel(conv);
    disposeModel(wide);
  }
});

test("the explorer is one output: the static manifold with its line, and the script with the decoder and codes", () => {
  const model = createVae({ latentDim: 2, hidden: [16], seed: 2 });
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-explorer-unit-"));
  try {
    const mu = [
      [0, 1],
      [-1, 0.5],
      [2, -2],
    ];
    assert.throws(() => latentExplorer(model, mu, [1, 2]), /3 codes but 2 labels/);
    assert.throws(
      () => latentExplorer(model, mu, [1, 2, 3], { logVar: [[0, 0]] }),
      /one \[lv0, lv1\] row per code/,
    );
    const explorer = latentExplorer(model, mu, [1, 2, 3], { title: "Codes <2-D>" });
    assert.deepEqual(explorer.extent, [-3, 3]);
    assert.ok(explorer.error.max < 0.05);
    const png = decodePng(explorer.staticPng);
    assert.ok(new Set(png.data).size <= 32, "the static picture keeps 32 grey levels");
    const outputs: MimeBundle[] = [];
    setDisplaySink((bundle) => void outputs.push(bundle));
    showExplorer(explorer);
    setDisplaySink(null);
    assert.equal(outputs.length, 1);
    const html = String(outputs[0]["text/html"]);
    assert.ok(html.includes(EXPLORER_STATIC_LINE) && html.includes("Codes &lt;2-D&gt;"));
    assert.ok(
      html.includes("function decode(net, z)") &&
        !/<\/script[\s\S]*<\/script/.test(html.split("<script")[1].slice(0, -9)),
    );
    const files = exportExplorer(explorer, "explorer", { dir });
    assert.deepEqual(
      files.map((f) => f.slice(dir.length + 1)),
      ["explorer.html", "explorer.png"],
    );
    assert.ok(readFileSync(files[0], "utf8").startsWith("<!DOCTYPE html>"));
    assert.ok(existsSync(join(dir, "explorer.meta.json")));
  } finally {
    setDisplaySink(null);
    disposeModel(model);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an image slider carries every frame and starts at the active one; bad frames are refused", () => {
  const frames = [frame("a", 0), frame("b", 128), frame("c", 255)];
  const fig = imageSlider(frames, { title: "Sweep", prefix: "level ", active: 1 });
  const spec = figureSpec(fig);
  assert.equal(spec.frames?.length, 3);
  assert.equal(
    spec.data[0].source,
    spec.frames![1].data && (spec.frames![1].data as { source: string }[])[0].source,
  );
  const slider = (
    spec.layout.sliders as { active: number; steps: { label: string; args: unknown[] }[] }[]
  )[0];
  assert.equal(slider.active, 1);
  assert.deepEqual(
    slider.steps.map((s) => [s.label, (s.args[0] as string[])[0]]),
    [
      ["a", "a"],
      ["b", "b"],
      ["c", "c"],
    ],
  );
  assert.throws(() => imageSlider([frames[0]]), /at least two frames/);
  assert.throws(() => imageSlider([frames[0], frame("b", 1, 3)]), /frame 1 \("b"\) is .* frame 0 is/);
  assert.throws(() => imageSlider([frames[0], frame("a", 9)]), /labels must differ/);
  assert.throws(() => imageSlider(frames, { active: 3 }), /active must be a frame index below 3/);
});

test("a shown slider's static picture is its active frame, with 32 grey levels", async () => {
  const frames = [frame("a", 3), frame("b", 100)];
  const outputs: MimeBundle[] = [];
  setDisplaySink((bundle) => void outputs.push(bundle));
  try {
    await showImageSlider(frames, { active: 1 });
  } finally {
    setDisplaySink(null);
  }
  const [bundle] = outputs;
  assert.ok(bundle[PLOTLY_MIME]);
  const shown = new Uint8Array(Buffer.from(String(bundle["image/png"]), "base64"));
  assert.deepEqual(shown, posterise(frames[1].png));
  assert.ok(String(bundle["text/html"]).includes(`base64,${bundle["image/png"]}`));
  assert.throws(() => posterise(frames[0].png, 1), /levels must be an integer from 2 to 256/);
});
