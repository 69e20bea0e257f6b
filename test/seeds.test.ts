import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type TrainBatch,
  createDenoisingAutoencoder,
  createVae,
  disposeModel,
  evaluateElbo,
  maskingNoise,
  randomStream,
  sampleImages,
  saltAndPepperNoise,
  selectBackend,
  train,
  trainStep,
} from "../src";
import { syntheticImages } from "./library-fixtures";

test("a stream depends on the seed, the purpose and the index, and on nothing else", () => {
  const draws = (seed: number, purpose: "eps" | "noise", index = 0) => {
    const rng = randomStream(seed, purpose, index);
    return [rng.next(), rng.next(), rng.next()];
  };
  assert.deepEqual(draws(1, "eps"), draws(1, "eps"));
  assert.notDeepEqual(draws(1, "eps"), draws(1, "noise"));
  assert.notDeepEqual(draws(1, "eps"), draws(2, "eps"));
  assert.notDeepEqual(draws(1, "eps", 1), draws(1, "eps", 2));
  assert.notDeepEqual(draws(2 ** 40, "eps"), draws(2 ** 40 + 2 ** 33, "eps"), "high bits of a seed count");
  assert.throws(() => randomStream(NaN, "eps"), /finite number/);
});

// tfjs reads a seed as `seed ? seed : Math.random()`: a seed of 0 must still fix the noise.
test("seed 0 is a seed like any other, and a stream never hands tfjs a 0", async () => {
  await selectBackend({ backend: "cpu" });
  const rng = randomStream(0, "eps");
  for (let i = 0; i < 10_000; i++) assert.ok(rng.seed() >= 1);
  const model = createVae({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 0 });
  const set = syntheticImages(40);
  assert.deepEqual(evaluateElbo(model, set, { seed: 0 }), evaluateElbo(model, set, { seed: 0 }));
  const [a, b] = [sampleImages(model, 3, 0), sampleImages(model, 3, 0)];
  assert.deepEqual(a.arraySync(), b.arraySync());
  const x = tf.ones([2, 16]) as tf.Tensor2D;
  const [m1, m2] = [
    maskingNoise(0.5)(x, randomStream(0, "noise")),
    maskingNoise(0.5)(x, randomStream(0, "noise")),
  ];
  assert.deepEqual(m1.arraySync(), m2.arraySync());
  tf.dispose([a, b, x, m1, m2]);
  disposeModel(model);
});

test("dynamic binarization and salt-and-pepper noise draw independently (they agree on half the pixels, not all)", async () => {
  await selectBackend({ backend: "cpu" });
  // Every pixel 0.5: binarization makes each 0 or 1 with probability 1/2; salt-and-pepper at p = 1
  // replaces every pixel by 0 or 1 with probability 1/2. Shared draws would agree everywhere.
  const set = { ...syntheticImages(128, 1, 8, 8), labels: undefined };
  set.pixels.fill(0.5);
  const model = createDenoisingAutoencoder({ inputShape: [8, 8, 1], latentDim: 2, hidden: [8], seed: 3 });
  let agree = 0;
  let pixels = 0;
  const spy = (...args: Parameters<typeof trainStep>) => {
    const batch: TrainBatch = args[2];
    const same = tf.tidy(() => tf.sum(tf.cast(tf.equal(batch.x, batch.input), "int32")).dataSync()[0]);
    agree += same;
    pixels += batch.x.size;
    return trainStep(...args);
  };
  const { optimizer } = await train(model, set, {
    epochs: 2,
    batchSize: 32,
    seed: 5,
    binarization: "dynamic",
    noise: saltAndPepperNoise(1),
    step: spy,
    log: () => {},
  });
  const rate = agree / pixels;
  assert.equal(pixels, 2 * 128 * 64);
  assert.ok(Math.abs(rate - 0.5) < 0.03, `target and input agree on ${(100 * rate).toFixed(1)} % of pixels`);
  optimizer.dispose();
  disposeModel(model);
});
