import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import { drawText, latentManifoldWithAxes, textWidth } from "../src/figures/manifold-axes";
import { decodePng } from "./figures-decode";

test("drawText inks the glyphs it is given and refuses characters it has none for", () => {
  const width = textWidth("-1.5");
  const data = new Uint8Array(width * 14).fill(255);
  drawText(data, width, 0, 0, "-1.5");
  // The minus sign is row 3 of its glyph, 2 pixels high at scale 2: rows 6 and 7, columns 0..9.
  for (let x = 0; x < 10; x++) assert.equal(data[6 * width + x], 40);
  assert.equal(data[0], 255);
  assert.throws(() => drawText(data, width, 0, 0, "x"), /no glyph for "x"/);
});

test("latentManifoldWithAxes puts the grid inside margins that hold ticks and labels", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  // A decoder whose 2x2 images are white: the grid is the only white square of the picture.
  const decode = (z: tf.Tensor2D) => tf.ones([z.shape[0], 4]) as tf.Tensor2D;
  const png = decodePng(
    latentManifoldWithAxes(decode, { values: [-1, 0, 1], height: 2, width: 2, tickEvery: 1, circles: [1] }),
  );
  assert.equal(tf.memory().numTensors, before);
  const white: Array<[number, number]> = [];
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) if (png.pixels[y * png.width + x] === 255) white.push([x, y]);
  assert.ok(png.width > 6 && png.height > 6, "margins around the 6x6 grid");
  // Tick labels and axis names are inked below and left of the grid.
  const inked = Array.from(png.pixels).filter((v) => v === 40).length;
  assert.ok(inked > 100, `labels drawn (${inked} inked pixels)`);
  assert.throws(
    () => latentManifoldWithAxes(decode, { values: [-1, 0, 2], height: 2, width: 2, circles: [1] }),
    /evenly spaced/,
  );
});

test("by default a manifold's ticks sit at round latent values, between tile centres where they fall", async () => {
  await selectBackend({ backend: "cpu" });
  // Four 28-pixel tiles at z = -1.2, -0.4, 0.4, 1.2: ticks at -1, 0, 1, where the values would be.
  const decode = (z: tf.Tensor2D) => tf.fill([z.shape[0], 784], 0.5) as tf.Tensor2D;
  const png = decodePng(latentManifoldWithAxes(decode, { values: [-1.2, -0.4, 0.4, 1.2] }));
  const at = (x: number, y: number) => png.pixels[y * png.width + x];
  const top = 8;
  const left = [...Array(png.width).keys()].find((x) => at(x, top) !== 255) as number;
  const bottom = top + 4 * 28;
  // Tick marks below the grid (x grows to the right) and left of it (y grows upwards).
  const xTicks = [...Array(png.width).keys()].filter((x) => at(x, bottom + 1) === 40).map((x) => x - left);
  const yTicks = [...Array(png.height).keys()].filter((y) => at(left - 1, y) === 40).map((y) => bottom - y);
  // z = -1 lies a quarter of the way from the first tile centre (14) to the second (42): 21.
  assert.deepEqual(xTicks, [21, 56, 91]);
  assert.deepEqual(yTicks, [91, 56, 21]);
});
