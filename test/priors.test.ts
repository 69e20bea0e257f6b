import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createVae,
  disposeModel,
  encode,
  logGaussianMixture,
  logStandardNormal,
  mixturePrior,
  selectBackend,
  standardNormalPrior,
  trainableVariables,
  vampPrior,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

/** log sum_k w_k N(z | mu_k, diag var_k), one point at a time, in plain numbers. */
function directLogMixture(z: number[], mu: number[][], logVar: number[][], weights: number[]): number {
  const densities = mu.map((m, k) =>
    m.reduce(
      (p, mk, u) =>
        (p * Math.exp(-0.5 * ((z[u] - mk) ** 2 / Math.exp(logVar[k][u])))) /
        Math.sqrt(2 * Math.PI * Math.exp(logVar[k][u])),
      weights[k],
    ),
  );
  return Math.log(densities.reduce((s, v) => s + v, 0));
}

test("logGaussianMixture is the log of the weighted sum of the components' densities, also across row chunks", async () => {
  await selectBackend({ backend: "cpu" });
  const mu = [
    [0, 0],
    [1.5, -1],
    [-2, 0.5],
  ];
  const logVar = [
    [0, 0],
    [-1, 0.5],
    [-2, -2],
  ];
  const weights = [0.5, 0.3, 0.2];
  const points = [
    [0, 0],
    [1.4, -0.9],
    [-2, 0.6],
    [3, 3],
  ];
  const got = tf.tidy(() =>
    Array.from(
      logGaussianMixture(
        tf.tensor2d(points),
        tf.tensor2d(mu),
        tf.tensor2d(logVar),
        tf.log(tf.tensor1d(weights)) as tf.Tensor1D,
      ).dataSync(),
    ),
  );
  points.forEach((z, i) =>
    assert.ok(Math.abs(got[i] - directLogMixture(z, mu, logVar, weights)) < 1e-4, `point ${i}`),
  );
  // Many components: the rows go through in several chunks, with equal weights by default.
  const k = 3000;
  const [chunked, byRow] = tf.tidy(() => {
    const manyMu = tf.randomNormal([k, 2], 0, 1, "float32", 3) as tf.Tensor2D;
    const manyLogVar = tf.randomNormal([k, 2], -1, 0.3, "float32", 4) as tf.Tensor2D;
    const z = tf.randomNormal([3000, 2], 0, 1.5, "float32", 5) as tf.Tensor2D;
    const all = logGaussianMixture(z, manyMu, manyLogVar).arraySync();
    const first = logGaussianMixture(tf.slice(z, [2500, 0], [1, 2]), manyMu, manyLogVar).arraySync();
    return [all[2500], first[0]];
  });
  assert.ok(Math.abs(chunked - byRow) < 1e-4, `${chunked} vs ${byRow}`);
  assert.throws(
    () => logGaussianMixture(tf.zeros([2, 3]), tf.zeros([4, 2]), tf.zeros([4, 2])),
    /needs z \[n, 2\] and mu, logVar of one shape/,
  );
});

test("the standard normal prior is logStandardNormal, and the same seed draws the same codes", async () => {
  await selectBackend({ backend: "cpu" });
  const prior = standardNormalPrior(3);
  tf.tidy(() => {
    const z = prior.sample(4000, 1);
    assert.deepEqual(z.shape, [4000, 3]);
    assert.deepEqual(prior.logProb(z).arraySync(), logStandardNormal(z).arraySync());
    assert.deepEqual(prior.sample(5, 1).arraySync(), z.slice([0, 0], [5, 3]).arraySync());
    const { mean, variance } = tf.moments(z, 0);
    mean.dataSync().forEach((m) => assert.ok(Math.abs(m) < 0.06));
    variance.dataSync().forEach((v) => assert.ok(Math.abs(v - 1) < 0.08));
  });
  assert.equal(prior.variables.length, 0);
  assert.throws(() => standardNormalPrior(0), /latentDim, a positive integer/);
});

test("a mixture prior integrates to 1, draws codes where its components are, and its variables get gradients", async () => {
  await selectBackend({ backend: "cpu" });
  const prior = mixturePrior({ latentDim: 2, components: 4, seed: 2, spread: 1.5 });
  const h = 0.05;
  const mass = tf.tidy(() => {
    const axis = Array.from({ length: 281 }, (_, i) => -7 + i * h);
    const grid = tf.tensor2d(axis.flatMap((b) => axis.map((a) => [a, b])));
    return tf.sum(tf.exp(prior.logProb(grid))).dataSync()[0] * h * h;
  });
  assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
  // Equal weights at the start: the draws' mean is the mean of the component means.
  tf.tidy(() => {
    const drawMean = tf.mean(prior.sample(20000, 5), 0).dataSync();
    const componentMean = tf.mean(prior.variables[0], 0).dataSync();
    drawMean.forEach((m, u) =>
      assert.ok(Math.abs(m - componentMean[u]) < 0.05, `dim ${u}: ${m} vs ${componentMean[u]}`),
    );
  });
  const { grads } = tf.variableGrads(
    () => tf.neg(tf.sum(prior.logProb(tf.tensor2d([[0.3, -0.2]])))) as tf.Scalar,
    prior.variables,
  );
  assert.equal(Object.keys(grads).length, 3);
  Object.values(grads).forEach((g) => assert.ok(tf.sum(tf.abs(g)).dataSync()[0] > 0));
  tf.dispose(grads);
  prior.dispose();
  assert.throws(
    () => mixturePrior({ latentDim: 2, components: 0, seed: 1 }),
    /components must be a positive integer/,
  );
});

test("the VampPrior is the mean of the encoder's posteriors at its pseudo-inputs, kept in [0, 1], and trains them with the encoder", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createVae(SMALL);
  const images = syntheticImages(3, 1);
  const init = tf.tensor2d(images.pixels, [3, 16]);
  const prior = vampPrior(model, tf.mul(init, 1.5) as tf.Tensor2D); // some pixels start above 1
  assert.equal(prior.latentDim, 2);
  tf.tidy(() => {
    const z = tf.tensor2d([
      [0.1, 0.2],
      [-1, 0.5],
    ]);
    const { mu, logVar } = encode(model, tf.clipByValue(tf.mul(init, 1.5), 0, 1) as tf.Tensor2D);
    assert.deepEqual(
      prior
        .logProb(z)
        .arraySync()
        .map((v) => v.toFixed(4)),
      logGaussianMixture(z, mu, logVar!)
        .arraySync()
        .map((v) => v.toFixed(4)),
    );
    assert.deepEqual(prior.sample(7, 3).shape, [7, 2]);
  });
  const { grads } = tf.variableGrads(
    () => tf.neg(tf.sum(prior.logProb(tf.tensor2d([[0.3, -0.2]])))) as tf.Scalar,
    [...prior.variables, ...trainableVariables(model)],
  );
  assert.ok(tf.sum(tf.abs(grads[prior.variables[0].name])).dataSync()[0] > 0, "the pseudo-inputs move");
  assert.ok(tf.sum(tf.abs(grads[trainableVariables(model)[0].name])).dataSync()[0] > 0, "the encoder moves");
  tf.dispose(grads);
  assert.throws(() => vampPrior(model, tf.zeros([2, 10])), /init has rows of 10 pixels; the model reads 16/);
  prior.dispose();
  init.dispose();
  disposeModel(model);
});
