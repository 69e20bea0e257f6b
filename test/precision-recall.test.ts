import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type Features, Rng, knnRadii, precisionRecall, selectBackend } from "../src";

/** `n` points of `dim` values: `centre(i)` plus Gaussian noise of standard deviation `spread`. */
function points(n: number, dim: number, rng: Rng, centre: (i: number) => number[], spread = 1): Features {
  const values = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centre(i);
    for (let d = 0; d < dim; d++) values[i * dim + d] = c[d] + spread * gaussian(rng);
  }
  return { values, n, dim };
}

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

const origin = (dim: number) => () => new Array(dim).fill(0);
/** The centre of mode `m` of ten, evenly spaced on a circle of radius 20 in the plane. */
const mode = (m: number) => [20 * Math.cos((2 * Math.PI * m) / 10), 20 * Math.sin((2 * Math.PI * m) / 10)];

/** Squared distances in float64, pair by pair. */
function distance2(a: Features, i: number, b: Features, j: number): number {
  let sum = 0;
  for (let d = 0; d < a.dim; d++) sum += (a.values[i * a.dim + d] - b.values[j * b.dim + d]) ** 2;
  return sum;
}

function bruteRadii(x: Features, k: number): number[] {
  return Array.from({ length: x.n }, (_, i) => {
    const sorted = Array.from({ length: x.n }, (_, j) => distance2(x, i, x, j)).sort((p, q) => p - q);
    return Math.sqrt(sorted[k]); // sorted[0] is the point itself
  });
}

/** Share of the points of `a` inside some ball of `b` (centre b_j, radius radii[j]). */
function bruteShareInside(a: Features, b: Features, radii: number[]): number {
  let inside = 0;
  for (let i = 0; i < a.n; i++) {
    for (let j = 0; j < b.n; j++) {
      if (distance2(a, i, b, j) <= radii[j] ** 2) {
        inside++;
        break;
      }
    }
  }
  return inside / a.n;
}

test("the k-NN radii are the distances to the k-th nearest other point, as a brute-force search finds", async () => {
  await selectBackend();
  const x = points(230, 6, new Rng(1), origin(6));
  for (const k of [1, 3, 5]) {
    const radii = knnRadii(x, k, 64);
    bruteRadii(x, k).forEach((r, i) => assert.ok(Math.abs(radii[i] - r) < 1e-4 * r, `k ${k}, point ${i}`));
  }
});

test("precision and recall equal a brute-force count on random sets, whatever the block size", async () => {
  await selectBackend();
  const rng = new Rng(2);
  const real = points(300, 8, rng, origin(8));
  const generated = points(250, 8, rng, () => new Array(8).fill(0.6), 1.3);
  const expected = {
    precision: bruteShareInside(generated, real, bruteRadii(real, 3)),
    recall: bruteShareInside(real, generated, bruteRadii(generated, 3)),
  };
  assert.ok(
    expected.precision > 0.2 && expected.precision < 0.95,
    `a case with something to count: ${expected.precision}`,
  );
  assert.ok(
    expected.recall > 0.2 && expected.recall < 0.95,
    `a case with something to count: ${expected.recall}`,
  );
  for (const chunk of [1000, 64, 7]) {
    const { precision, recall, k } = precisionRecall(real, generated, { chunk });
    assert.deepEqual({ precision, recall, k }, { ...expected, k: 3 }, `chunk ${chunk}`);
  }
  const given = precisionRecall(real, generated, { realRadii: knnRadii(real, 3) });
  assert.deepEqual(given, { ...expected, k: 3 }, "radii computed beforehand give the same answer");
});

test("identical sets give precision 1 and recall 1; far-apart sets give 0 and 0", async () => {
  await selectBackend();
  const rng = new Rng(3);
  const real = points(400, 16, rng, origin(16));
  assert.deepEqual(precisionRecall(real, real), { precision: 1, recall: 1, k: 3 });
  const far = points(400, 16, rng, () => new Array(16).fill(100));
  assert.deepEqual(precisionRecall(real, far), { precision: 0, recall: 0, k: 3 });
});

test("samples from half of the modes keep precision near 1 and get recall near 0.5", async () => {
  await selectBackend();
  const rng = new Rng(4);
  // In the plane k-NN balls cover each mode well (in many dimensions they cover less of it).
  const real = points(2000, 2, rng, (i) => mode(i % 10));
  const half = points(2000, 2, rng, (i) => mode(i % 5));
  const { precision, recall } = precisionRecall(real, half);
  assert.ok(precision > 0.95, `precision ${precision}`);
  assert.ok(Math.abs(recall - 0.5) < 0.03, `recall ${recall}`);
  // The other way round, the roles swap: every sample real, half the real data covered.
  const swapped = precisionRecall(half, real);
  assert.ok(Math.abs(swapped.precision - 0.5) < 0.03 && swapped.recall > 0.95, JSON.stringify(swapped));
});

test("precision and recall refuse mismatched inputs with messages that say what to fix", async () => {
  await selectBackend();
  const rng = new Rng(5);
  const a = points(20, 4, rng, origin(4));
  const b = points(20, 3, rng, origin(3));
  assert.throws(() => precisionRecall(a, b), /Real features have 4 values per row but generated ones 3/);
  assert.throws(() => knnRadii(a, 20), /k must be an integer in 1\.\.19/);
  assert.throws(
    () => precisionRecall(a, a, { realRadii: new Float32Array(3) }),
    /3 radii for 20 real points/,
  );
  const bad = { ...a, values: a.values.map((v, i) => (i === 5 ? NaN : v)) };
  assert.throws(() => precisionRecall(bad, a), /real features hold NaN at index 5/);
  const before = tf.memory().numTensors;
  precisionRecall(a, a);
  assert.equal(tf.memory().numTensors, before, "no tensor is left behind");
});
