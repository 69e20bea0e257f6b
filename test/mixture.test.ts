import { test } from "node:test";
import assert from "node:assert/strict";
import { type GaussianMixture, Rng, fitMixture } from "../src";

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** A 2-D Gaussian: mean and the lower Cholesky factor [a, 0; b, c] of its covariance. */
interface Blob {
  weight: number;
  mean: [number, number];
  chol: [number, number, number];
}

const BLOBS: Blob[] = [
  { weight: 0.3, mean: [0, 0], chol: [1, 0.5, 0.8] },
  { weight: 0.7, mean: [5, 3], chol: [0.7, -0.3, 0.4] },
];

/** Covariance [[a^2, ab], [ab, b^2 + c^2]] of a blob, row-major. */
const covariance = ({ chol: [a, b, c] }: Blob) => [a * a, a * b, a * b, b * b + c * c];

/** `n` points drawn from the blobs' mixture. */
function draw(blobs: Blob[], n: number, rng: Rng): Float64Array {
  const values = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    const blob = blobs.find((b) => (u -= b.weight) < 0) ?? blobs[blobs.length - 1];
    const [e1, e2] = [gaussian(rng), gaussian(rng)];
    const [a, b, c] = blob.chol;
    values[2 * i] = blob.mean[0] + a * e1;
    values[2 * i + 1] = blob.mean[1] + b * e1 + c * e2;
  }
  return values;
}

/** log p(x) of a fitted 2-D mixture, from its parameters with the closed-form 2 x 2 inverse. */
function logDensity2d(m: GaussianMixture, x: number, y: number): number {
  let p = 0;
  for (let k = 0; k < m.components; k++) {
    const [s11, s12, , s22] = m.covariances.subarray(4 * k, 4 * k + 4);
    const det = s11 * s22 - s12 * s12;
    const [dx, dy] = [x - m.means[2 * k], y - m.means[2 * k + 1]];
    const q = (s22 * dx * dx - 2 * s12 * dx * dy + s11 * dy * dy) / det;
    p += (m.weights[k] * Math.exp(-q / 2)) / (2 * Math.PI * Math.sqrt(det));
  }
  return Math.log(p);
}

/** Components in the order of their means' first coordinate. */
const order = (m: GaussianMixture) =>
  Array.from({ length: m.components }, (_, k) => k).sort((p, q) => m.means[p * m.dim] - m.means[q * m.dim]);

test("EM recovers the weights, means and covariances of a known two-component mixture", () => {
  const fit = fitMixture(draw(BLOBS, 4000, new Rng(1)), 4000, 2, { components: 2 });
  assert.ok(fit.converged, "EM converged");
  order(fit).forEach((k, i) => {
    const blob = BLOBS[i];
    assert.ok(Math.abs(fit.weights[k] - blob.weight) < 0.03, `weight ${fit.weights[k]} vs ${blob.weight}`);
    blob.mean.forEach((m, d) =>
      assert.ok(Math.abs(fit.means[2 * k + d] - m) < 0.1, `mean ${d} of blob ${i}`),
    );
    covariance(blob).forEach((c, j) =>
      assert.ok(Math.abs(fit.covariances[4 * k + j] - c) < 0.12, `covariance entry ${j} of blob ${i}`),
    );
  });
});

test("EM never lowers the penalised log-likelihood, and the log-likelihood follows it", () => {
  // Ten components for three overlapping clusters in 5-D: many iterations, components competing.
  const rng = new Rng(2);
  const n = 3000;
  const values = Float64Array.from({ length: n * 5 }, (_, i) => ((i / 5) % 3) * 1.5 + gaussian(rng));
  const fit = fitMixture(values, n, 5, { components: 10, tolerance: 1e-7, maxIterations: 150 });
  assert.ok(fit.iterations > 20, `a run long enough to test (${fit.iterations} iterations)`);
  for (let t = 1; t < fit.objectives.length; t++) {
    assert.ok(fit.objectives[t] >= fit.objectives[t - 1] - 1e-12, `objective fell at iteration ${t}`);
    assert.ok(
      fit.logLikelihoods[t] >= fit.logLikelihoods[t - 1] - 1e-9,
      `log-likelihood fell at iteration ${t}`,
    );
  }
  const ridgeShare = Math.abs(fit.objectives.at(-1)! - fit.logLikelihoods.at(-1)!);
  assert.ok(ridgeShare < 1e-4, `the default ridge is small next to the likelihood (${ridgeShare})`);
});

test("logDensity is the mixture's log p(x), and its mean over the data is the last log-likelihood", () => {
  const values = draw(BLOBS, 2000, new Rng(3));
  const fit = fitMixture(values, 2000, 2, { components: 3, seed: 4 });
  const logP = fit.logDensity(values);
  for (const i of [0, 17, 1999]) {
    const expected = logDensity2d(fit, values[2 * i], values[2 * i + 1]);
    assert.ok(Math.abs(logP[i] - expected) < 1e-10, `point ${i}: ${logP[i]} vs ${expected}`);
  }
  const mean = logP.reduce((a, b) => a + b, 0) / logP.length;
  assert.ok(Math.abs(mean - fit.logLikelihoods.at(-1)!) < 1e-10);
  assert.throws(() => fit.logDensity([1, 2, 3]), /3 values are not rows of 2/);
});

test("samples are seeded and have the mixture's mean and covariance", () => {
  const fit = fitMixture(draw(BLOBS, 3000, new Rng(5)), 3000, 2, { components: 2 });
  assert.deepEqual(fit.sample(50, 7), fit.sample(50, 7));
  assert.notDeepEqual(fit.sample(50, 7), fit.sample(50, 8));
  const n = 40000;
  const s = fit.sample(n, 9);
  const mean = [0, 1].map((d) => s.filter((_, i) => i % 2 === d).reduce((a, b) => a + b, 0) / n);
  const expectedMean = [0, 1].map((d) => fit.weights[0] * fit.means[d] + fit.weights[1] * fit.means[2 + d]);
  mean.forEach((m, d) =>
    assert.ok(Math.abs(m - expectedMean[d]) < 0.04, `mean ${d}: ${m} vs ${expectedMean[d]}`),
  );
  // Total covariance: sum_k w_k (Sigma_k + mu_k mu_k^T) - mean mean^T.
  for (const [a, b] of [
    [0, 0],
    [0, 1],
    [1, 1],
  ]) {
    let sample = 0;
    for (let i = 0; i < n; i++) sample += (s[2 * i + a] - mean[a]) * (s[2 * i + b] - mean[b]);
    let expected = -expectedMean[a] * expectedMean[b];
    for (let k = 0; k < 2; k++)
      expected +=
        fit.weights[k] * (fit.covariances[4 * k + 2 * a + b] + fit.means[2 * k + a] * fit.means[2 * k + b]);
    assert.ok(Math.abs(sample / n - expected) < 0.1, `covariance (${a}, ${b}): ${sample / n} vs ${expected}`);
  }
});

test("the same seed gives the same fit; bad input is refused with a message that says what to change", () => {
  const values = draw(BLOBS, 500, new Rng(6));
  const [a, b] = [
    fitMixture(values, 500, 2, { components: 4, seed: 3 }),
    fitMixture(values, 500, 2, { components: 4, seed: 3 }),
  ];
  assert.deepEqual([a.means, a.covariances, a.objectives], [b.means, b.covariances, b.objectives]);
  assert.throws(
    () => fitMixture(values, 500, 2, { components: 501 }),
    /components must be an integer in 1\.\.500/,
  );
  assert.throws(() => fitMixture(values, 400, 2), /1000 values are not 400 points of 2/);
  assert.throws(() => fitMixture([0, 0, NaN, 1], 2, 2, { components: 1 }), /value 2 is NaN/);
  assert.throws(
    () => fitMixture([1, 1, 1, 1, 1, 1], 3, 2, { components: 2 }),
    /fewer than 2 distinct values/,
  );
});
