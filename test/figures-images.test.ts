import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import { inverseNormalCdf, normalGrid } from "../src/figures/normal";
import {
  digitGrid,
  interpolationGrid,
  latentManifold,
  linearPath,
  manifoldPoints,
  manifoldValues,
  reconstructionGrid,
  toGreyBytes,
} from "../src/figures/images";
import { decodePng } from "./figures-decode";

/** n images of h x w where every pixel of image i has grey level 10 * (i + 1). */
function constantImages(n: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) out.fill(10 * (i + 1), i * h * w, (i + 1) * h * w);
  return out;
}

test("inverseNormalCdf matches known standard normal quantiles", () => {
  const known: Array<[number, number]> = [
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.025, -1.959963984540054],
    [0.8413447460685429, 1],
    [0.001, -3.090232306167813],
    [0.999, 3.090232306167813],
    [1e-9, -5.997807015007686],
    [0.3, -0.5244005127080407],
  ];
  for (const [p, z] of known)
    assert.ok(Math.abs(inverseNormalCdf(p) - z) < 1e-8 * Math.max(1, Math.abs(z)), `p=${p}`);
  assert.equal(inverseNormalCdf(0), -Infinity);
  assert.equal(inverseNormalCdf(1), Infinity);
  assert.throws(() => inverseNormalCdf(1.5), /\[0, 1\]/);
});

test("normalGrid is symmetric, increasing and centred on 0", () => {
  const g = normalGrid(5);
  assert.equal(g.length, 5);
  assert.equal(g[2], 0);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(g[i] + g[4 - i]) < 1e-12);
  for (let i = 1; i < 5; i++) assert.ok(g[i] > g[i - 1]);
  assert.ok(Math.abs(g[4] - inverseNormalCdf(0.9)) < 1e-12);
});

test("digitGrid places image r*cols+c at row r, column c with gaps and scale", () => {
  const h = 3,
    w = 2,
    scale = 2,
    gap = 1;
  const png = decodePng(
    digitGrid(constantImages(6, h, w), {
      rows: 2,
      cols: 3,
      height: h,
      width: w,
      scale,
      gap,
      background: 255,
    }),
  );
  assert.equal(png.width, (3 * (w + gap) + gap) * scale);
  assert.equal(png.height, (2 * (h + gap) + gap) * scale);
  assert.equal(png.channels, 1);
  const at = (x: number, y: number) => png.pixels[y * png.width + x];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 3; c++) {
      const x = (gap + c * (w + gap)) * scale,
        y = (gap + r * (h + gap)) * scale;
      assert.equal(at(x, y), 10 * (r * 3 + c + 1));
      assert.equal(at(x + w * scale - 1, y + h * scale - 1), 10 * (r * 3 + c + 1));
    }
  }
  assert.equal(at(0, 0), 255);
});

test("digitGrid accepts float tensors in [0, 1], start and invert, and leaves missing cells blank", () => {
  const t = tf.tensor2d([
    [0, 1, 0.5, 0.25],
    [1, 1, 1, 1],
  ]);
  const png = decodePng(
    digitGrid(t, {
      rows: 1,
      cols: 3,
      height: 2,
      width: 2,
      scale: 1,
      gap: 0,
      invert: true,
      start: 1,
      background: 7,
    }),
  );
  t.dispose();
  assert.deepEqual(Array.from(png.pixels), [0, 0, 7, 7, 7, 7, 0, 0, 7, 7, 7, 7]);
  assert.deepEqual(Array.from(toGreyBytes([0, 0.5, 1, 2])), [0, 128, 255, 255]);
  assert.throws(() => digitGrid(new Uint8Array(10)), /whole number of 28x28/);
});

test("reconstructionGrid puts each reconstruction right below its input", () => {
  const x = constantImages(3, 1, 1);
  const y = Uint8Array.from([200, 210, 220]);
  const png = decodePng(
    reconstructionGrid(x, y, { cols: 2, height: 1, width: 1, scale: 1, gap: 0, background: 1 }),
  );
  assert.equal(png.width, 2);
  assert.equal(png.height, 4);
  assert.deepEqual(Array.from(png.pixels), [10, 20, 200, 210, 30, 1, 220, 1]);
});

test("manifoldPoints spans the quantile grid with the second coordinate growing upwards", () => {
  const pts = manifoldPoints({ steps: 3, latentDim: 3, dims: [2, 0] });
  const g = normalGrid(3);
  assert.equal(pts.length, 9);
  assert.deepEqual(pts[0], [g[2], 0, g[0]]); // top-left: highest dims[1], lowest dims[0]
  assert.deepEqual(pts[8], [g[0], 0, g[2]]);
  assert.throws(() => manifoldPoints({ dims: [0, 0] }), /two different coordinates/);
});

test("manifoldPoints takes the axis values it is given, and refuses values that do not increase", () => {
  const pts = manifoldPoints({ values: [-3, 0, 3] });
  assert.equal(pts.length, 9);
  assert.deepEqual(pts[0], [-3, 3]); // top-left
  assert.deepEqual(pts[8], [3, -3]); // bottom-right
  assert.deepEqual(manifoldValues({ steps: 4 }), normalGrid(4));
  assert.throws(() => manifoldValues({ values: [0, 0, 1] }), /finite and increasing/);
  assert.throws(() => manifoldValues({ values: [0, 1], steps: 3 }), /disagrees/);
});

test("latentManifold and interpolationGrid decode their latent points and free tensors", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const seen: number[][] = [];
  // A fake decoder whose 2x2 image is the sigmoid of z0 everywhere, so tiles are checkable.
  const decode = (z: tf.Tensor2D) => {
    seen.push(...(z.arraySync() as number[][]));
    return tf.tile(tf.sigmoid(z.slice([0, 0], [-1, 1])), [1, 4]) as tf.Tensor2D;
  };
  const m = decodePng(latentManifold(decode, { steps: 4, height: 2, width: 2 }));
  assert.equal(m.width, 8);
  assert.equal(m.height, 8);
  const g = normalGrid(4);
  for (let c = 0; c < 4; c++) assert.equal(m.pixels[2 * c], Math.round(255 / (1 + Math.exp(-g[c]))));
  const i = decodePng(
    interpolationGrid(
      decode,
      [
        [
          [-2, 0],
          [2, 0],
        ],
        [
          [0, 1],
          [0, -1],
        ],
      ],
      { steps: 5, height: 2, width: 2, scale: 1, gap: 0 },
    ),
  );
  assert.equal(i.width, 10);
  assert.equal(i.height, 4);
  assert.deepEqual(
    seen.slice(16, 21).map((z) => z[0]),
    [-2, -1, 0, 1, 2],
  );
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => latentManifold(() => tf.zeros([1, 4]) as tf.Tensor2D, { steps: 2, height: 2, width: 2 }),
    /decode returned shape/,
  );
  assert.equal(tf.memory().numTensors, before);
});

test("linearPath includes both ends", () => {
  assert.deepEqual(linearPath([0, 10], [1, 20], 3), [
    [0, 10],
    [0.5, 15],
    [1, 20],
  ]);
  assert.throws(() => linearPath([0], [1, 2], 3), /differ in length/);
});
