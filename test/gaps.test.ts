import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  binarizeStatic,
  createVae,
  disposeModel,
  elbo,
  fitGaussians,
  fitGaussiansOnGrid,
  gridElbo,
  gridWindows,
  iwaeBound,
  latentGrid,
  logJointOnGrid,
  logMarginalOnGrid,
  perImageElbo,
  perImageIwae,
  posterior,
  randomStream,
  selectBackend,
} from "../src";
import { linearGaussianData, linearGaussianVae } from "./linear-gaussian";
import { SMALL, syntheticImages } from "./library-fixtures";

const mean = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x, 0) / v.length;

test("on a linear-Gaussian model, q fitted per image closes the whole gap: no approximation gap, all amortization", async () => {
  await selectBackend({ backend: "cpu" });
  const model = linearGaussianVae(false); // the encoder says N(0, I) for every x
  const { x, exact } = linearGaussianData();
  const init = posterior(model, x);
  const fit = fitGaussians(model, x, init, { steps: 400, learningRate: 0.05, samples: 8, seed: 1 });
  assert.ok(
    fit.trace[fit.trace.length - 1] > fit.trace[0] + 0.5,
    `the ELBO grows: ${fit.trace[0]} -> ${fit.trace.at(-1)}`,
  );
  // The true posterior is Gaussian, so the best Gaussian's ELBO is log p(x).
  const best = mean(perImageElbo(model, x, { q: fit.q, samples: 200, seed: 2 }));
  const amortized = mean(perImageElbo(model, x, { samples: 200, seed: 2 }));
  assert.ok(Math.abs(exact - best) < 0.02, `approximation gap ${exact - best} should vanish`);
  assert.ok(best - amortized > 0.5, `amortization gap ${best - amortized}`);
  // With q* as the proposal, the importance-weighted bound is log p(x) already at k = 10.
  const iwae = mean(perImageIwae(model, x, { q: fit.q, k: 10, seed: 3 }));
  assert.ok(Math.abs(iwae - exact) < 0.01, `IWAE with q* ${iwae} vs exact ${exact}`);
  tf.dispose([x, init.mu, init.logVar, fit.q.mu, fit.q.logVar]);
  disposeModel(model);
});

test("perImageElbo and perImageIwae with the encoder's q are the library's elbo and iwaeBound, image by image", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createVae(SMALL);
  const set = binarizeStatic(syntheticImages(30, 4), 1);
  const x = tf.tensor2d(set.pixels, [30, 16]);
  const rng = randomStream(6, "evaluation");
  // maxRows 3000: one batch of all 30 images, so the same eps as drawn here.
  const [e, w] = tf.tidy(() => [
    Array.from(
      elbo(model, x, tf.randomNormal([30, 2], 0, 1, "float32", rng.seed()) as tf.Tensor2D).elbo.dataSync(),
    ),
    Array.from(
      iwaeBound(
        model,
        x,
        tf.randomNormal([100 * 30, 2], 0, 1, "float32", rng.seed()) as tf.Tensor2D,
      ).dataSync(),
    ),
  ]);
  const perElbo = perImageElbo(model, x, { seed: 6, maxRows: 3000 });
  assert.ok(e.every((v, i) => Math.abs(v - perElbo[i]) < 1e-4));
  const perIwae = perImageIwae(model, x, { k: 100, seed: 6, maxRows: 3000 });
  assert.equal(perIwae.length, 30);
  assert.ok(mean(perIwae) > mean(perElbo), "IWAE k=100 is above the ELBO on average");
  assert.ok(Math.abs(mean(perIwae) - mean(w)) < 0.3, `${mean(perIwae)} vs ${mean(w)}`);
  const q = posterior(model, x);
  assert.throws(
    () => perImageElbo(model, x, { q: { mu: q.mu.slice(0, 5), logVar: q.logVar.slice(0, 5) } }),
    /q has 5 rows for 30 images/,
  );
  tf.dispose([x, q.mu, q.logVar]);
  disposeModel(model);
});

/** The small 2-D VAE with q(z|x) narrowed to sigma about exp(-1) (its log-variance bias set to -2), so that a window holds it. */
function narrowVae() {
  const model = createVae(SMALL);
  const weights = model.encoder.getWeights();
  const bias = weights[weights.length - 1].arraySync() as number[];
  model.encoder.setWeights([...weights.slice(0, -1), tf.tensor1d([bias[0], bias[1], -2, -2])]);
  return model;
}

test("on a 2-D model the ELBO by quadrature on each image's window matches Monte Carlo", async () => {
  await selectBackend({ backend: "cpu" });
  const model = narrowVae();
  const set = binarizeStatic(syntheticImages(4, 8), 2);
  const x = tf.tensor2d(set.pixels, [4, 16]);
  const grid = latentGrid(3, 0.04);
  const joint = logJointOnGrid(model, x, grid);
  const q = posterior(model, x);
  const windows = gridWindows(joint, grid, q.mu.arraySync(), 101);
  const { elbo: exact, qMass } = gridElbo(windows, q);
  qMass.arraySync().forEach((m) => assert.ok(Math.abs(m - 1) < 1e-3, `q's mass on its window ${m}`));
  const mc = perImageElbo(model, x, { samples: 4000, seed: 1 });
  exact
    .arraySync()
    .forEach((v, i) => assert.ok(Math.abs(v - mc[i]) < 0.1, `image ${i}: grid ${v}, Monte Carlo ${mc[i]}`));
  assert.throws(() => gridWindows(joint, grid, [[0, 0]], 5), /one centre per image \(4\)/);
  tf.dispose([x, grid.z, joint, q.mu, q.logVar, windows.logJoint, windows.z0, windows.z1, exact, qMass]);
  disposeModel(model);
});

test("fitting q on the grid to a Gaussian posterior finds it, so the ELBO reaches log p(x); a q that leaves its window is refused", async () => {
  await selectBackend({ backend: "cpu" });
  const grid = latentGrid(2, 0.05);
  const gaussian = (m: number[], s: number[], logPx: number) =>
    grid.values.flatMap((b) =>
      grid.values.map(
        (a) =>
          logPx -
          0.5 * (((a - m[0]) / s[0]) ** 2 + ((b - m[1]) / s[1]) ** 2) -
          Math.log(2 * Math.PI * s[0] * s[1]),
      ),
    );
  // Two images with Gaussian posteriors of different widths: two window widths.
  const joint = tf.tensor2d([
    gaussian([0.3, -0.4], [0.2, 0.1], -42),
    gaussian([-0.5, 0.2], [0.08, 0.06], -17),
  ]);
  const init = {
    mu: tf.tensor2d([
      [0, 0],
      [-0.4, 0.25],
    ]),
    logVar: tf.tensor2d([
      [-2, -2],
      [-4, -4],
    ]),
  };
  const fit = fitGaussiansOnGrid(joint, grid, init, { steps: 400, learningRate: 0.03 });
  const [mu, sigma] = [
    fit.q.mu.arraySync(),
    fit.q.logVar.arraySync().map((r) => r.map((v) => Math.exp(v / 2))),
  ];
  const expected = [
    [
      [0.3, -0.4],
      [0.2, 0.1],
    ],
    [
      [-0.5, 0.2],
      [0.08, 0.06],
    ],
  ];
  expected.forEach(([m, s], i) => {
    m.forEach((v, u) => assert.ok(Math.abs(mu[i][u] - v) < 2e-3, `image ${i}: mu ${mu[i]}`));
    s.forEach((v, u) => assert.ok(Math.abs(sigma[i][u] / v - 1) < 0.02, `image ${i}: sigma ${sigma[i]}`));
  });
  assert.ok(Math.abs(fit.elbo[0] + 42) < 1e-3 && Math.abs(fit.elbo[1] + 17) < 1e-3, `ELBO(q*) ${fit.elbo}`);
  assert.ok(fit.startElbo.every((v, i) => v < fit.elbo[i]) && fit.qMass.every((m) => m > 0.999));
  assert.equal(fit.trace.length, 400);
  // A flat log joint: the best q spreads out until it leaves its window.
  const flat = tf.zeros([1, grid.values.length ** 2]) as tf.Tensor2D;
  const one = { mu: tf.tensor2d([[0, 0]]), logVar: tf.tensor2d([[-3, -3]]) };
  assert.throws(
    () => fitGaussiansOnGrid(flat, grid, one, { steps: 200, learningRate: 0.05 }),
    /of its mass on its window: refine the grid/,
  );
  tf.dispose([grid.z, joint, flat, init.mu, init.logVar, one.mu, one.logVar, fit.q.mu, fit.q.logVar]);
});
