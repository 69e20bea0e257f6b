import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type Model,
  createAutoencoder,
  createVae,
  disposeModel,
  elbo,
  iwaeBound,
  selectBackend,
} from "../src";

/*
 * A linear-Gaussian model has an exact log-likelihood:
 *   z ~ N(0, I_2),  x | z ~ N(W^T z + b, sigma^2 I_3)   =>   x ~ N(b, W^T W + sigma^2 I_3).
 * The rows of W are orthogonal, so the true posterior is a diagonal Gaussian:
 *   var_j = 1 / (1 + |w_j|^2 / sigma^2),  mu_j = var_j w_j . (x - b) / sigma^2.
 */
const W = [
  [1.0, 0.5, 0.0],
  [-0.4, 0.8, 1.2],
];
const B = [0.2, -0.1, 0.4];
const SIGMA = 0.5;

function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

/** Exact log N(x | b, W^T W + sigma^2 I) via a Cholesky factor of the 3x3 covariance. */
function exactLogLikelihood(x: number[]): number {
  const n = 3;
  const cov = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => W[0][i] * W[0][j] + W[1][i] * W[1][j] + (i === j ? SIGMA ** 2 : 0)),
  );
  const L = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  const d = x.map((v, i) => v - B[i]);
  const y: number[] = []; // solve L y = d; then d^T cov^-1 d = |y|^2
  for (let i = 0; i < n; i++) y.push((d[i] - dot(L[i].slice(0, i), y)) / L[i][i]);
  const logDet = 2 * L.reduce((s, row, i) => s + Math.log(row[i]), 0);
  return -0.5 * (dot(y, y) + logDet + n * Math.log(2 * Math.PI));
}

/** A VAE on 1x3 "images" whose decoder is the linear-Gaussian model; the encoder is set by `exactPosterior`. */
function linearGaussianVae(exactPosterior: boolean): Model {
  const model = createVae({
    inputShape: [1, 3, 1],
    latentDim: 2,
    hidden: [],
    likelihood: "gaussian",
    sigma: SIGMA,
    seed: 3,
  });
  model.decoder.setWeights([tf.tensor2d(W), tf.tensor1d(B)]);
  const kernel = tf.buffer([3, 4]);
  const bias = tf.buffer([4]);
  if (exactPosterior) {
    for (let j = 0; j < 2; j++) {
      const variance = 1 / (1 + dot(W[j], W[j]) / SIGMA ** 2);
      for (let i = 0; i < 3; i++) kernel.set((variance * W[j][i]) / SIGMA ** 2, i, j);
      bias.set((-variance * dot(W[j], B)) / SIGMA ** 2, j);
      bias.set(Math.log(variance), 2 + j);
    }
  } // else all zeros: q(z|x) = N(0, I), the prior, a poor proposal.
  model.encoder.setWeights([kernel.toTensor(), bias.toTensor()]);
  return model;
}

/** 200 data points drawn from the model itself. */
function data(): { x: tf.Tensor2D; exact: number } {
  const x = tf.tidy(() =>
    tf.add(
      tf.add(tf.matMul(tf.randomNormal([200, 2], 0, 1, "float32", 5), tf.tensor2d(W)), B),
      tf.randomNormal([200, 3], 0, SIGMA, "float32", 6),
    ),
  ) as tf.Tensor2D;
  const rows = x.arraySync();
  return { x, exact: rows.reduce((s, r) => s + exactLogLikelihood(r), 0) / rows.length };
}

/** Standard-normal eps for k samples of each of the 200 points (2-D codes). */
function eps(k: number): tf.Tensor2D {
  return tf.randomNormal([k * 200, 2], 0, 1, "float32", 11);
}

function meanBound(model: Model, x: tf.Tensor2D, k: number): number {
  return tf.tidy(() => tf.mean(iwaeBound(model, x, eps(k))).arraySync() as number);
}

test("with the true posterior as q, the IWAE bound equals the exact log-likelihood for every k", async () => {
  await selectBackend({ backend: "cpu" });
  const model = linearGaussianVae(true);
  const { x, exact } = data();
  for (const k of [1, 5]) {
    const bound = meanBound(model, x, k);
    assert.ok(Math.abs(bound - exact) < 1e-3, `k=${k}: IWAE ${bound} vs exact ${exact}`);
  }
  x.dispose();
  disposeModel(model);
});

test("with a poor q, the IWAE bound is at least the ELBO, grows with k, and stays below log p(x)", async () => {
  await selectBackend({ backend: "cpu" });
  const model = linearGaussianVae(false);
  const { x, exact } = data();
  const elboMean = tf.tidy(() => tf.mean(elbo(model, x, eps(1)).elbo).arraySync() as number);
  const bounds = [1, 10, 100, 1000].map((k) => meanBound(model, x, k));
  if (process.env.VAE_LAB_TEST_VERBOSE) console.log({ elboMean, bounds, exact });
  assert.ok(elboMean <= bounds[1], `ELBO ${elboMean} should be <= IWAE k=10 ${bounds[1]}`);
  for (let i = 1; i < bounds.length; i++)
    assert.ok(bounds[i] > bounds[i - 1], `IWAE should grow with k: ${bounds.join(", ")}`);
  assert.ok(bounds[3] < exact + 0.02, `IWAE k=1000 ${bounds[3]} should not exceed log p(x) = ${exact}`);
  assert.ok(
    exact - bounds[3] < (exact - bounds[0]) / 3,
    `k=1000 should close most of the gap: ${bounds.join(", ")} vs exact ${exact}`,
  );
  x.dispose();
  disposeModel(model);
});

test("iwaeBound: clear errors for a non-VAE, eps of the wrong shape and a wrong input shape", async () => {
  await selectBackend({ backend: "cpu" });
  const vae = createVae({ inputShape: [1, 3, 1], latentDim: 2, hidden: [] });
  const ae = createAutoencoder({ inputShape: [1, 3, 1], latentDim: 2, hidden: [] });
  tf.tidy(() => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    assert.throws(() => iwaeBound(ae, x, tf.zeros([10, 2])), /needs a VAE/);
    assert.throws(
      () => iwaeBound(vae, x, tf.zeros([3, 2])),
      /eps ~ N\(0, I\) of shape \[k \* 2, 2\].*got \[3,2\]/,
    );
    assert.throws(
      () => iwaeBound(vae, tf.zeros([2, 4]) as tf.Tensor2D, tf.zeros([10, 2])),
      /Expected a batch of shape \[batch, 3\]/,
    );
  });
  disposeModel(vae);
  disposeModel(ae);
});
