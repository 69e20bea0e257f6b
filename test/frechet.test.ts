import { test } from "node:test";
import assert from "node:assert/strict";
import { type GaussianFit, Rng, fitGaussian, frechetDistance } from "../src";
import { sqrtSymmetric, symmetricEigen } from "../src/eval/frechet";

const fit = (mean: number[], cov: number[]): GaussianFit => ({
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov),
  dim: mean.length,
  n: 0,
});

/** A random symmetric positive definite matrix B B^T + 0.1 I. */
function randomSpd(dim: number, rng: Rng): number[] {
  const b = Array.from({ length: dim * dim }, () => rng.next() - 0.5);
  const out: number[] = [];
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < dim; j++) {
      let s = i === j ? 0.1 : 0;
      for (let k = 0; k < dim; k++) s += b[i * dim + k] * b[j * dim + k];
      out.push(s);
    }
  return out;
}

test("fitGaussian gives the mean and the unbiased covariance of its rows", () => {
  // Rows (1, 2), (3, 2), (5, 8): means 3 and 4; covariances by hand with n - 1 = 2.
  const g = fitGaussian([1, 2, 3, 2, 5, 8], 3, 2);
  assert.deepEqual(Array.from(g.mean), [3, 4]);
  assert.deepEqual(Array.from(g.cov), [4, 6, 6, 12]);
  assert.throws(() => fitGaussian([1, 2, 3], 2, 2), /3 values are not 2 rows of 2/);
  assert.throws(() => fitGaussian([1, 2], 1, 2), /at least 2 rows/);
});

test("symmetricEigen rebuilds the matrix from its eigenvalues and orthonormal eigenvectors", () => {
  const dim = 7;
  const a = randomSpd(dim, new Rng(1));
  const { values, vectors } = symmetricEigen(a, dim);
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < dim; j++) {
      let rebuilt = 0;
      let gram = 0;
      for (let k = 0; k < dim; k++) {
        rebuilt += vectors[i * dim + k] * values[k] * vectors[j * dim + k];
        gram += vectors[k * dim + i] * vectors[k * dim + j];
      }
      assert.ok(Math.abs(rebuilt - a[i * dim + j]) < 1e-10, `V diag V^T differs at (${i}, ${j})`);
      assert.ok(Math.abs(gram - (i === j ? 1 : 0)) < 1e-10, `V^T V is not I at (${i}, ${j})`);
    }
});

test("symmetricEigen handles 1x1, diagonal and repeated eigenvalues, with or without vectors", () => {
  assert.deepEqual(Array.from(symmetricEigen([5], 1).values), [5]);
  const sorted = (x: Float64Array) => Array.from(x).sort((p, q) => p - q);
  assert.deepEqual(sorted(symmetricEigen([3, 0, 0, 0, 1, 0, 0, 0, 2], 3).values), [1, 2, 3]);
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3; I has 1 twice.
  const two = sorted(symmetricEigen([2, 1, 1, 2], 2, false).values);
  assert.ok(Math.abs(two[0] - 1) < 1e-12 && Math.abs(two[1] - 3) < 1e-12, `got ${two}`);
  assert.deepEqual(sorted(symmetricEigen([1, 0, 0, 1], 2).values), [1, 1]);
  const a = randomSpd(9, new Rng(5));
  const withVectors = sorted(symmetricEigen(a, 9).values);
  sorted(symmetricEigen(a, 9, false).values).forEach((l, i) =>
    assert.ok(Math.abs(l - withVectors[i]) < 1e-10),
  );
});

test("sqrtSymmetric squares back to the matrix", () => {
  const dim = 5;
  const a = randomSpd(dim, new Rng(2));
  const r = sqrtSymmetric(a, dim);
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += r[i * dim + k] * r[k * dim + j];
      assert.ok(Math.abs(s - a[i * dim + j]) < 1e-10);
    }
});

test("the Fréchet distance of 1-D Gaussians is (m1 - m2)^2 + (s1 - s2)^2", () => {
  assert.ok(Math.abs(frechetDistance(fit([1], [4]), fit([-2], [9])) - (9 + 1)) < 1e-12);
});

test("the Fréchet distance of diagonal Gaussians sums (sqrt a_i - sqrt b_i)^2 with the mean term", () => {
  const d = frechetDistance(
    fit([0, 1, 2], [1, 0, 0, 0, 4, 0, 0, 0, 9]),
    fit([1, 1, 0], [4, 0, 0, 0, 4, 0, 0, 0, 1]),
  );
  assert.ok(Math.abs(d - (1 + 0 + 4 + (1 + 0 + 4))) < 1e-10, `got ${d}`);
});

test("for 2x2 covariances that do not commute, tr (C1 C2)^(1/2) = sqrt(tr C1 C2 + 2 sqrt(det C1 det C2))", () => {
  const c1 = [2, 1, 1, 3];
  const c2 = [1, -0.5, -0.5, 2];
  // C1 C2 = [[1.5, 1], [-0.5, 5.5]]: not symmetric, so C1 and C2 do not commute.
  const traceProduct = 2 * 1 + 1 * -0.5 + 1 * -0.5 + 3 * 2;
  const traceRoot = Math.sqrt(traceProduct + 2 * Math.sqrt((2 * 3 - 1) * (1 * 2 - 0.25)));
  const expected = (1 - 0) ** 2 + (0 - 2) ** 2 + 2 + 3 + 1 + 2 - 2 * traceRoot;
  const d = frechetDistance(fit([1, 0], c1), fit([0, 2], c2));
  assert.ok(Math.abs(d - expected) < 1e-10, `got ${d}, expected ${expected}`);
  // The distance is symmetric although the formula treats its arguments differently.
  assert.ok(Math.abs(frechetDistance(fit([0, 2], c2), fit([1, 0], c1)) - expected) < 1e-10);
});

test("the Fréchet distance is 0 between equal Gaussians and unchanged when both are rotated alike", () => {
  const dim = 6;
  const rng = new Rng(3);
  const c1 = randomSpd(dim, rng);
  const c2 = randomSpd(dim, rng);
  const m1 = Array.from({ length: dim }, () => rng.next());
  const m2 = Array.from({ length: dim }, () => rng.next());
  assert.ok(Math.abs(frechetDistance(fit(m1, c1), fit(m1, c1))) < 1e-9);
  // An orthogonal Q from the eigenvectors of a third matrix: compare d(Q a, Q b) with d(a, b).
  const q = symmetricEigen(randomSpd(dim, rng), dim).vectors;
  const rotateMean = (m: number[]) =>
    Array.from({ length: dim }, (_, i) => m.reduce((s, v, k) => s + q[i * dim + k] * v, 0));
  const rotateCov = (c: number[]) => {
    const out: number[] = [];
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++)
          for (let l = 0; l < dim; l++) s += q[i * dim + k] * c[k * dim + l] * q[j * dim + l];
        out.push(s);
      }
    return out;
  };
  const d = frechetDistance(fit(m1, c1), fit(m2, c2));
  const rotated = frechetDistance(fit(rotateMean(m1), rotateCov(c1)), fit(rotateMean(m2), rotateCov(c2)));
  assert.ok(d > 0.01);
  assert.ok(Math.abs(d - rotated) < 1e-9, `${d} vs ${rotated}`);
});

test("the Fréchet distance handles a singular covariance and refuses mismatched dimensions", () => {
  // Point mass at 0 against N(0, I): |0|^2 + 0 + 2 - 0 = 2.
  assert.ok(Math.abs(frechetDistance(fit([0, 0], [0, 0, 0, 0]), fit([0, 0], [1, 0, 0, 1])) - 2) < 1e-12);
  assert.throws(() => frechetDistance(fit([0], [1]), fit([0, 0], [1, 0, 0, 1])), /dimensions differ/);
});

test("the Fréchet distance of 256-D fits takes well under a few seconds", () => {
  const dim = 256;
  const rng = new Rng(4);
  const values = (shift: number) => Float32Array.from({ length: 600 * dim }, () => rng.next() + shift);
  const a = fitGaussian(values(0), 600, dim);
  const b = fitGaussian(values(0.1), 600, dim);
  const start = Date.now();
  const d = frechetDistance(a, b);
  const seconds = (Date.now() - start) / 1000;
  // Same spread, means 0.1 apart in every coordinate: about 256 * 0.01 plus sampling noise.
  assert.ok(d > 2 && d < 12, `got ${d}`);
  assert.ok(seconds < 10, `took ${seconds} s`);
});
