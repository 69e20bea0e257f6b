import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  bernoulliLogLikelihood,
  binarizeStatic,
  compareWithPosterior,
  createVae,
  decode,
  disposeModel,
  gridPosterior,
  iwaeBound,
  latentGrid,
  logJointOnGrid,
  logMarginalOnGrid,
  logStandardNormal,
  mixturePrior,
  selectBackend,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

test("latentGrid lays out points row by row from -limit to limit, and refuses a step that does not fit", async () => {
  await selectBackend({ backend: "cpu" });
  const grid = latentGrid(1, 0.5);
  assert.deepEqual(grid.values, [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(grid.z.shape, [25, 2]);
  assert.deepEqual(grid.z.arraySync()[7], [0, -0.5]); // row 1, column 2
  assert.ok(Math.abs(grid.logCellArea - 2 * Math.log(0.5)) < 1e-12);
  grid.z.dispose();
  assert.throws(() => latentGrid(1, 2), /needs 0 < step < limit/);
});

test("log p(x) by quadrature is the log-sum-exp of the log joint over the grid, and matches the IWAE bound for large k", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createVae(SMALL);
  const set = binarizeStatic(syntheticImages(3, 2), 5);
  const x = tf.tensor2d(set.pixels, [3, 16]);
  const grid = latentGrid(7, 0.05);
  const [joint, marginal] = tf.tidy(() => [
    logJointOnGrid(model, x, grid).arraySync(),
    logMarginalOnGrid(model, x, grid).arraySync(),
  ]);
  // The log joint of image 1 at grid point 1234, written out.
  const direct = tf.tidy(() => {
    const z = tf.slice(grid.z, [1234, 0], [1, 2]) as tf.Tensor2D;
    const logLik = bernoulliLogLikelihood(tf.slice(x, [1, 0], [1, 16]) as tf.Tensor2D, decode(model, z));
    return tf.add(logLik, logStandardNormal(z)).dataSync()[0];
  });
  assert.ok(Math.abs(joint[1][1234] - direct) < 1e-4, `${joint[1][1234]} vs ${direct}`);
  const iwae = tf.tidy(() =>
    iwaeBound(model, x, tf.randomNormal([20000 * 3, 2], 0, 1, "float32", 9) as tf.Tensor2D).arraySync(),
  );
  marginal.forEach((m, i) => {
    const lse = Math.log(joint[i].reduce((s, v) => s + Math.exp(v - m), 0)) + m + grid.logCellArea;
    assert.ok(Math.abs(m - lse) < 1e-3, `image ${i}: ${m} vs ${lse}`);
    assert.ok(Math.abs(m - iwae[i]) < 0.02, `image ${i}: quadrature ${m}, IWAE k=20000 ${iwae[i]}`);
  });
  // Another prior enters through log p(z).
  const prior = mixturePrior({ latentDim: 2, components: 3, seed: 1 });
  const [withPrior, jointWithPrior] = tf.tidy(() => [
    logMarginalOnGrid(model, x, grid, prior.logProb).arraySync(),
    logJointOnGrid(model, x, grid, prior.logProb).arraySync(),
  ]);
  const lse0 =
    Math.log(jointWithPrior[0].reduce((s, v) => s + Math.exp(v - withPrior[0]), 0)) +
    withPrior[0] +
    grid.logCellArea;
  assert.ok(Math.abs(withPrior[0] - lse0) < 1e-3 && Math.abs(withPrior[0] - marginal[0]) > 1e-3);
  prior.dispose();
  tf.dispose([x, grid.z]);
  const wide = createVae({ ...SMALL, latentDim: 3 });
  assert.throws(
    () => logMarginalOnGrid(wide, tf.zeros([1, 16]), latentGrid(1, 0.5)),
    /VAE with a 2-D code and Bernoulli pixels/,
  );
  disposeModel(wide);
  disposeModel(model);
});

/** log N(z | m, diag s^2) + c at every point of the grid, as a row of log joint values. */
function gaussianRow(values: number[], m: number[], s: number[], c: number): number[] {
  return values.flatMap((b) =>
    values.map(
      (a) =>
        c - 0.5 * (((a - m[0]) / s[0]) ** 2 + ((b - m[1]) / s[1]) ** 2) - Math.log(2 * Math.PI * s[0] * s[1]),
    ),
  );
}

test("gridPosterior finds log p(x), the moments and the number of modes of a known posterior", async () => {
  await selectBackend({ backend: "cpu" });
  const grid = latentGrid(4, 0.04);
  const one = gridPosterior(gaussianRow(grid.values, [0.5, -1], [0.2, 0.4], -80), grid);
  assert.ok(Math.abs(one.logPx + 80) < 1e-6, `log p(x) ${one.logPx}`);
  assert.ok(Math.abs(one.mean[0] - 0.5) < 1e-6 && Math.abs(one.mean[1] + 1) < 1e-6);
  assert.ok(
    Math.abs(one.cov[0][0] - 0.04) < 1e-6 &&
      Math.abs(one.cov[1][1] - 0.16) < 1e-6 &&
      Math.abs(one.cov[0][1]) < 1e-9,
  );
  assert.equal(one.modes, 1);
  assert.ok(one.edgeMass < 1e-12);
  // Two separate bumps of equal mass: two modes, the mean between them.
  const a = gaussianRow(grid.values, [-1, 0], [0.2, 0.2], Math.log(0.5));
  const b = gaussianRow(grid.values, [1, 0], [0.2, 0.2], Math.log(0.5));
  const two = gridPosterior(
    a.map((v, g) => Math.log(Math.exp(v) + Math.exp(b[g]))),
    grid,
  );
  assert.equal(two.modes, 2);
  assert.ok(Math.abs(two.logPx) < 1e-6 && Math.abs(two.mean[0]) < 1e-6);
  assert.ok(Math.abs(two.cov[0][0] - (1 + 0.04)) < 1e-6, `variance ${two.cov[0][0]}`);
  // A posterior cut off by the grid's edge says so.
  assert.ok(gridPosterior(gaussianRow(grid.values, [3.9, 0], [0.3, 0.3], 0), grid).edgeMass > 0.05);
  assert.throws(() => gridPosterior([1, 2, 3], grid), /3 values for a grid of 201 x 201 points/);
  grid.z.dispose();
});

test("compareWithPosterior gives the closed-form KL between Gaussians, and the mass q misses", async () => {
  await selectBackend({ backend: "cpu" });
  const grid = latentGrid(4, 0.02);
  const [m, s] = [
    [0.3, -0.2],
    [0.3, 0.15],
  ];
  const row = gaussianRow(grid.values, m, s, -50);
  const same = compareWithPosterior(
    row,
    -50,
    grid,
    m,
    s.map((v) => Math.log(v * v)),
  );
  assert.ok(Math.abs(same.kl) < 1e-6 && Math.abs(same.qMass - 1) < 1e-6 && same.missedMass < 1e-3);
  // q narrower and shifted: KL(q || p) in closed form, per dimension.
  const [qm, qs] = [
    [0.35, -0.2],
    [0.1, 0.1],
  ];
  const closed = [0, 1].reduce(
    (sum, u) => sum + Math.log(s[u] / qs[u]) + (qs[u] ** 2 + (qm[u] - m[u]) ** 2) / (2 * s[u] ** 2) - 0.5,
    0,
  );
  const narrow = compareWithPosterior(
    row,
    -50,
    grid,
    qm,
    qs.map((v) => Math.log(v * v)),
  );
  assert.ok(Math.abs(narrow.kl - closed) < 1e-5, `${narrow.kl} vs ${closed}`);
  assert.ok(narrow.missedMass > 0.3, `a q this narrow misses much of the posterior: ${narrow.missedMass}`);
  grid.z.dispose();
});
