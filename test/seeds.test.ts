import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createVae,
  disposeModel,
  evaluateLoss,
  maskingNoise,
  sampleImages,
  selectBackend,
  tfSeed,
} from "../src";
import * as tf from "@tensorflow/tfjs";
import { syntheticImages } from "./library-fixtures";

// tfjs reads a seed as `seed ? seed : Math.random()`: a seed of 0 must still fix the noise.
test("seed 0 is a seed like any other", async () => {
  await selectBackend({ backend: "cpu" });
  assert.equal(tfSeed(undefined), undefined);
  assert.notEqual(tfSeed(0), 0);
  assert.equal(tfSeed(5), 5);
  const model = createVae({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 0 });
  const set = syntheticImages(40);
  assert.deepEqual(evaluateLoss(model, set, { seed: 0 }), evaluateLoss(model, set, { seed: 0 }));
  const [a, b] = [sampleImages(model, 3, 0), sampleImages(model, 3, 0)];
  assert.deepEqual(a.arraySync(), b.arraySync());
  const x = tf.ones([2, 16]) as tf.Tensor2D;
  const [m1, m2] = [maskingNoise(0.5)(x, 0), maskingNoise(0.5)(x, 0)];
  assert.deepEqual(m1.arraySync(), m2.arraySync());
  tf.dispose([a, b, x, m1, m2]);
  disposeModel(model);
});
