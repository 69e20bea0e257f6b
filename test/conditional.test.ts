import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  conditionalElbo,
  conditionalLoss,
  createConditionalVae,
  decodeConditional,
  createVae,
  decode,
  decodeWithEachLabel,
  encode,
  encodeConditional,
  encodeEveryLabel,
  klGaussians,
  klStandardNormal,
  labelInfluence,
  randomStream,
  sampleConditional,
  selectBackend,
  train,
} from "../src";

const cpu = () => selectBackend({ backend: "cpu" });
const max = (t: tf.Tensor) => tf.max(tf.abs(t)).dataSync()[0];
const images = (n: number, seed: number) => tf.randomUniform([n, 784], 0, 1, "float32", seed) as tf.Tensor2D;
const oneHot = (labels: number[]) => tf.oneHot(tf.tensor1d(labels, "int32"), 10) as tf.Tensor2D;

test("a conditional VAE refuses the unconditional calls and labels of the wrong shape, saying what to pass", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, seed: 1 });
  const x = images(2, 1);
  assert.throws(() => encode(model, x), /conditioned on 10 classes: use encodeConditional\(model, x, y\)/);
  assert.throws(() => decode(model, tf.zeros([2, 3])), /use decodeConditional\(model, z, y\)/);
  assert.throws(
    () => encodeConditional(model, x, oneHot([1])),
    /one-hot labels y of shape \[2, 10\], got \[1, 10\]/,
  );
  assert.throws(() => createConditionalVae({ arch: "conv" }), /must be kind "vae" and arch "mlp"/);
  assert.throws(() => createVae({ classes: -1 }), /classes must be an integer >= 0/);
});

test("encoding with every label at once gives the numbers of encoding the tiled batch label by label", async () => {
  await cpu();
  const model = createConditionalVae({
    hidden: [32],
    latentDim: 4,
    activation: "softplus",
    labelScale: 3,
    seed: 2,
  });
  const x = images(3, 2);
  const all = encodeEveryLabel(model, x);
  const labels = Array.from({ length: 30 }, (_, r) => Math.floor(r / 3));
  const tiled = encodeConditional(model, tf.tile(x, [10, 1]) as tf.Tensor2D, oneHot(labels));
  assert.ok(max(tf.sub(all.mu, tiled.mu)) < 1e-5);
  assert.ok(max(tf.sub(all.logVar!, tiled.logVar!)) < 1e-5);
});

test("both networks read the label times labelScale, so training, evaluation and sampling see the same input", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, labelScale: 4, seed: 6 });
  const x = images(2, 6);
  const y = oneHot([2, 5]);
  const z = tf.randomNormal([2, 3], 0, 1, "float32", 7) as tf.Tensor2D;
  const scaled = tf.mul(4, y);
  const decoded = model.decoder.apply(tf.concat([z, scaled], 1)) as tf.Tensor;
  assert.ok(max(tf.sub(decodeConditional(model, z, y), decoded)) < 1e-6);
  const encoded = model.encoder.apply(tf.concat([x, scaled], 1)) as tf.Tensor;
  assert.ok(max(tf.sub(encodeConditional(model, x, y).mu, encoded.slice([0, 0], [2, 3]))) < 1e-6);
  const sampled = sampleConditional(model, [2, 5], 8);
  const sameCodes = tf.randomNormal([2, 3], 0, 1, "float32", randomStream(8, "sampling").seed());
  const expected = tf.sigmoid(model.decoder.apply(tf.concat([sameCodes, scaled], 1)) as tf.Tensor);
  assert.ok(max(tf.sub(sampled, expected)) < 1e-6, "samples decode z ~ N(0, I) with the scaled label");
  assert.throws(() => createConditionalVae({ labelScale: 0 }), /labelScale must be a finite positive number/);
});

test("the conditional loss is the batch mean of -log p(x | z, y) + beta * KL, and asks for labels when they are missing", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, seed: 3 });
  const x = images(4, 3);
  const eps = tf.randomNormal([4, 3], 0, 1, "float32", 4) as tf.Tensor2D;
  const labels = tf.tensor1d([0, 3, 9, 3], "int32");
  const parts = conditionalElbo(model, x, oneHot([0, 3, 9, 3]), eps);
  const loss = conditionalLoss(model, { x, input: x, eps, labels }, { beta: 2 });
  const expected = tf.mean(tf.add(parts.recon, tf.mul(2, parts.kl))).dataSync()[0];
  assert.ok(Math.abs(loss.loss.dataSync()[0] - expected) < 1e-4 * Math.abs(expected));
  assert.throws(() => conditionalLoss(model, { x, input: x, eps }), /needs batch.labels and batch.eps/);
});

test("one code decoded with each label gives ten images, and samples come one per label asked", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, seed: 4 });
  const out = decodeWithEachLabel(model, tf.zeros([2, 3]) as tf.Tensor2D);
  assert.deepEqual(out.shape, [20, 784]);
  const again = tf.tidy(() =>
    tf.sigmoid(model.decoder.apply(tf.concat([tf.zeros([1, 3]), oneHot([7])], 1)) as tf.Tensor),
  );
  assert.ok(max(tf.sub(out.slice([7, 0], [1, 784]), again)) < 1e-6, "row 7 is code 0 with label 7");
  assert.deepEqual(sampleConditional(model, [1, 2, 3], 5).shape, [3, 784]);
});

test("the KL between two Gaussians is 0 for equal ones and notebook 02's formula against N(0, I)", async () => {
  await cpu();
  const mu = tf.randomNormal([5, 4], 0, 1, "float32", 5) as tf.Tensor2D;
  const logVar = tf.randomNormal([5, 4], 0, 1, "float32", 6) as tf.Tensor2D;
  assert.ok(max(klGaussians(mu, logVar, mu, logVar)) < 1e-6);
  const zeros = tf.zeros([5, 4]) as tf.Tensor2D;
  assert.ok(max(tf.sub(klGaussians(mu, logVar, zeros, zeros), klStandardNormal(mu, logVar))) < 1e-5);
});

test("a conditional VAE trains through train with the labels the loop fills in", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, seed: 5 });
  const n = 40;
  const set = {
    pixels: Float32Array.from({ length: n * 784 }, (_, i) => (i % 7) / 7),
    labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
    n,
    rows: 28,
    cols: 28,
    channels: 1,
  };
  const seen: number[] = [];
  const result = await train(model, set, {
    epochs: 1,
    batchSize: 20,
    seed: 1,
    logEvery: 0,
    log: () => {},
    step: (m, optimizer, batch) => {
      seen.push(...batch.labels!.dataSync());
      const { loss, recon, kl } = conditionalLoss(m, batch);
      const numbers = [loss, recon, kl].map((t) => t.dataSync()[0]);
      tf.dispose([loss, recon, kl]);
      return { loss: numbers[0], recon: numbers[1], kl: numbers[2], gradNorm: 0 };
    },
  });
  result.optimizer.dispose();
  assert.equal(seen.length, n);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    Array.from(set.labels).sort((a, b) => a - b),
  );
});

test("the label's influence is 0 for a decoder whose label weights are 0, and the code's is not", async () => {
  await cpu();
  const model = createConditionalVae({ hidden: [16], latentDim: 3, seed: 9 });
  const kernel = model.decoder.layers[0].trainableWeights[0];
  const values = kernel.read().arraySync() as number[][];
  kernel.write(tf.tensor2d(values.map((row, r) => (r >= 3 ? row.map(() => 0) : row))));
  const influence = labelInfluence(model, tf.randomNormal([4, 3], 0, 1, "float32", 10) as tf.Tensor2D);
  assert.ok(influence.acrossLabels < 1e-5, `a deaf decoder changes by ${influence.acrossLabels}`);
  assert.ok(influence.acrossCodes > 1, `the codes change the image by ${influence.acrossCodes}`);
});
