import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type ImageSet,
  Rng,
  disposePrincipalComponents,
  meanAndCovariance,
  number,
  numbers,
  pcaEncode,
  pcaReconstruct,
  principalComponents,
  selectBackend,
} from "../src";

/** Four points in 3-D, m ± 0.3 u and m ± 0.1 w with u, w orthonormal: variances 0.045 along u, 0.005 along w, 0 across. */
function fourPoints(): { set: ImageSet; u: number[] } {
  const u = [2 / 3, 2 / 3, 1 / 3];
  const w = [1 / Math.sqrt(2), -1 / Math.sqrt(2), 0];
  const m = [0.5, 0.5, 0.5];
  const points = [
    [0.3, 0],
    [-0.3, 0],
    [0, 0.1],
    [0, -0.1],
  ].map(([a, b]) => m.map((mj, j) => mj + a * u[j] + b * w[j]));
  return { set: { pixels: Float32Array.from(points.flat()), n: 4, rows: 1, cols: 3, channels: 1 }, u };
}

test("PCA finds the exact components of a case known in closed form", async () => {
  await selectBackend({ backend: "cpu" });
  const { set, u } = fourPoints();
  const before = tf.memory().numTensors;
  const pca = principalComponents(set, 2);
  assert.ok(
    Math.abs(pca.variances[0] - 0.045) < 1e-7 && Math.abs(pca.variances[1] - 0.005) < 1e-7,
    `${pca.variances}`,
  );
  assert.ok(Math.abs(pca.totalVariance - 0.05) < 1e-7);
  const v1 = numbers(() => tf.slice(pca.components, [0, 0], [3, 1]));
  assert.ok(
    Math.abs(Math.abs(v1.reduce((s, v, j) => s + v * u[j], 0)) - 1) < 1e-6,
    "the first component is ±u",
  );
  const x = tf.tensor2d(set.pixels, [4, 3]);
  // Mean squared error per point: 0.005 with one component (what w carries), 0 with both.
  const error = (d: number) =>
    number(() => tf.div(tf.sum(tf.square(tf.sub(x, pcaReconstruct(pca, x, d)))), 4));
  assert.ok(Math.abs(error(1) - 0.005) < 1e-7 && error(2) < 1e-10, `${error(1)}, ${error(2)}`);
  const codes = numbers(() => pcaEncode(pca, x, 1));
  assert.ok(Math.abs(Math.abs(codes[0]) - 0.3) < 1e-6 && Math.abs(codes[2]) < 1e-6, `${codes}`);
  x.dispose();
  disposePrincipalComponents(pca);
  assert.equal(tf.memory().numTensors, before);
});

test("on random images the components are orthonormal eigenvectors of the covariance, by decreasing variance", async () => {
  await selectBackend({ backend: "cpu" });
  const rng = new Rng(4);
  // 300 images of 4 x 4 pixels with correlated pixels: a random mix of 3 patterns plus noise.
  const patterns = Array.from({ length: 3 }, () => Array.from({ length: 16 }, () => rng.next()));
  const pixels = new Float32Array(300 * 16);
  for (let i = 0; i < 300; i++) {
    const a = patterns.map(() => rng.next() / 3);
    for (let j = 0; j < 16; j++)
      pixels[i * 16 + j] = Math.min(
        1,
        a.reduce((s, ak, k) => s + ak * patterns[k][j], 0) + 0.05 * rng.next(),
      );
  }
  const set: ImageSet = { pixels, n: 300, rows: 4, cols: 4, channels: 1 };
  const pca = principalComponents(set, 16);
  const { cov } = meanAndCovariance(set);
  const [offIdentity, residual] = numbers(() => {
    const v = pca.components;
    const gram = tf.matMul(v, v, true, false);
    const cv = tf.matMul(cov, v);
    return [
      tf.max(tf.abs(tf.sub(gram, tf.eye(16)))),
      tf.max(tf.abs(tf.sub(cv, tf.mul(v, tf.tensor1d(pca.variances))))),
    ];
  });
  assert.ok(offIdentity[0] < 1e-5, `max |V^T V - I| = ${offIdentity}`);
  assert.ok(residual[0] < 1e-5, `max |C V - V diag(lambda)| = ${residual}`);
  assert.ok(
    pca.variances.every((l, j) => j === 0 || l <= pca.variances[j - 1]),
    "decreasing",
  );
  const trace = number(() => tf.sum(tf.mul(cov, tf.eye(16))));
  assert.ok(Math.abs(pca.totalVariance - trace) < 1e-5 * trace);
  // All 16 components reconstruct exactly; the first k leave the other variances as mean squared error.
  const x = tf.tensor2d(pixels, [300, 16]);
  const left = (d: number) =>
    number(() => tf.div(tf.sum(tf.square(tf.sub(x, pcaReconstruct(pca, x, d)))), 300));
  assert.ok(left(16) < 1e-9);
  const rest = pca.variances.slice(3).reduce((s, l) => s + l, 0);
  assert.ok(Math.abs(left(3) - rest) < 1e-4 * pca.totalVariance, `${left(3)} vs ${rest}`);
  assert.throws(() => pcaReconstruct(pca, x, 0), /d must be an integer from 1 to 16/);
  tf.dispose([x, cov]);
  disposePrincipalComponents(pca);
  assert.throws(() => principalComponents(set, 17), /k must be an integer from 1 to 16/);
});
