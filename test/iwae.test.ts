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
import { linearGaussianData as data, linearGaussianVae } from "./linear-gaussian";

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
