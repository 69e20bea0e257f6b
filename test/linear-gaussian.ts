/** A linear-Gaussian VAE whose log-likelihood and posterior are known exactly (tests of the bounds). */
import * as tf from "@tensorflow/tfjs";
import { type Model, createVae } from "../src";

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
export function linearGaussianVae(exactPosterior: boolean): Model {
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

/** 200 data points drawn from the model itself, and their mean exact log-likelihood. */
export function linearGaussianData(): { x: tf.Tensor2D; exact: number } {
  const x = tf.tidy(() =>
    tf.add(
      tf.add(tf.matMul(tf.randomNormal([200, 2], 0, 1, "float32", 5), tf.tensor2d(W)), B),
      tf.randomNormal([200, 3], 0, SIGMA, "float32", 6),
    ),
  ) as tf.Tensor2D;
  const rows = x.arraySync();
  return { x, exact: rows.reduce((s, r) => s + exactLogLikelihood(r), 0) / rows.length };
}
