import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  classifierAccuracy,
  createLabelClassifier,
  createM2,
  labelledNegBound,
  m2Step,
  selectBackend,
  splitLabelled,
  train,
  trainOnLabelsAlone,
  unlabelledNegBound,
} from "../src";

/** `n` images with a label each; pixel values depend on the label, so the labels can be learnt. */
function labelledSet(n: number) {
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 784; j++) pixels[i * 784 + j] = j % 10 === labels[i] ? 0.9 : 0.05;
  return { pixels, labels, n, rows: 28, cols: 28, channels: 1 };
}

test("a labelled split keeps perClass images of each class, disjoint from the rest, the same for the same seed", () => {
  const set = labelledSet(200);
  const a = splitLabelled(set, 3, 7);
  assert.equal(a.labelled.n, 30);
  assert.equal(a.unlabelled.n, 170);
  assert.equal(a.unlabelled.labels, undefined, "the rest loses its labels");
  assert.deepEqual(
    Array.from(a.labelled.labels!),
    [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9],
  );
  assert.deepEqual(splitLabelled(set, 3, 7).labelled.pixels, a.labelled.pixels);
  assert.throws(() => splitLabelled(set, 21, 7), /class 0 has 20 images, fewer than perClass = 21/);
  assert.throws(() => splitLabelled({ ...set, labels: undefined }, 1, 1), /needs a set with labels/);
});

test("-U(x) is every label's -L(x, y) weighted by q(y | x), minus the entropy of q(y | x)", async () => {
  await selectBackend({ backend: "cpu" });
  const m2 = createM2({ hidden: [16], latentDim: 3, seed: 1 });
  const x = tf.tensor2d(labelledSet(4).pixels, [4, 784]);
  const eps = tf.randomNormal([4, 3], 0, 1, "float32", 2) as tf.Tensor2D;
  const q = tf.softmax(m2.classifier.apply(x) as tf.Tensor2D);
  const negL = tf.stack(
    Array.from({ length: 10 }, (_, c) =>
      labelledNegBound(m2, x, tf.oneHot(tf.fill([4], c, "int32") as tf.Tensor1D, 10) as tf.Tensor2D, eps),
    ),
    1,
  );
  const byHand = tf.add(tf.sum(tf.mul(q, negL), 1), tf.sum(tf.mul(q, tf.log(q)), 1));
  const got = unlabelledNegBound(m2, x, eps);
  assert.ok(tf.max(tf.abs(tf.sub(got, byHand))).dataSync()[0] < 1e-3);
});

test("M2 trains through train with its step, updating the classifier too; the baseline learns from labels alone", async () => {
  await selectBackend({ backend: "cpu" });
  const { labelled, unlabelled } = splitLabelled(labelledSet(120), 2, 1);
  const m2 = createM2({ hidden: [16], latentDim: 3, seed: 3 });
  const before = m2.classifier.getWeights()[0].dataSync().slice();
  const result = await train(m2.vae, unlabelled, {
    epochs: 1,
    batchSize: 50,
    seed: 1,
    logEvery: 0,
    log: () => {},
    step: m2Step(m2, { labelled, weights: { labelled: 1, alpha: 10 }, binarization: "dynamic", seed: 1 }),
  });
  result.optimizer.dispose();
  assert.equal(result.history[0].steps, 2);
  assert.ok(Number.isFinite(result.history[0].train.loss));
  assert.notDeepEqual(m2.classifier.getWeights()[0].dataSync(), before, "the classifier moved");
  assert.throws(
    () => m2Step(m2, { labelled: unlabelled, weights: { labelled: 1, alpha: 1 }, seed: 1 }),
    /has no labels/,
  );
  const baseline = createLabelClassifier({ hidden: [16], seed: 3 });
  trainOnLabelsAlone(baseline, labelled, { steps: 60, learningRate: 0.01, seed: 1 });
  assert.equal(classifierAccuracy(baseline, labelled), 1, "20 easy labelled images are learnt");
});
