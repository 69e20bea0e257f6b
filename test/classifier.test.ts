import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ClassifierSettings, type ImageSet, loadClassifier, selectBackend, sliceImageSet } from "../src";
import { syntheticImages } from "./library-fixtures";

/** Settings small enough for 4 x 4 synthetic images: trains in well under a second. */
const TINY: Partial<ClassifierSettings> = {
  hidden: [16, 8],
  epochs: 8,
  batchSize: 32,
  learningRate: 0.01,
  seed: 3,
};
const train = syntheticImages(400, 1);
const testSet = syntheticImages(200, 2);

const newDir = () => join(mkdtempSync(join(tmpdir(), "vae-lab-classifier-")), "classifier-mnist");
const load = (dir: string, more: Parameters<typeof loadClassifier>[1] = {}) =>
  loadClassifier("mnist", { dir, trainSet: train, testSet, settings: TINY, ...more });

/** The test set with the labels of its first `count` images swapped (0 <-> 1). */
function withWrongLabels(set: ImageSet, count: number): ImageSet {
  const labels = set.labels!.map((label, i) => (i < count ? 1 - label : label));
  return { ...set, labels };
}

test("a classifier trained on two separable classes is right on every test image, and on 80 % of them when 20 % of the labels are wrong", async () => {
  await selectBackend();
  const dir = newDir();
  const classifier = await load(dir);
  assert.equal(classifier.trained, true);
  assert.equal(classifier.testAccuracy, 1);
  assert.equal(classifier.testImages, 200);
  assert.equal(classifier.trainImages, 400);
  classifier.dispose();
  const noisy = await load(dir, { testSet: withWrongLabels(testSet, 40) });
  assert.equal(noisy.trained, false, "the test set is not part of the cache key");
  assert.equal(noisy.testAccuracy, 0.8);
  noisy.dispose();
});

test("a cached classifier reloads with the same weights: same probabilities, features and labels", async () => {
  await selectBackend();
  const dir = newDir();
  const first = await load(dir);
  const again = await load(dir);
  assert.equal(again.trained, false);
  assert.equal(again.file, first.file);
  assert.equal(again.trainSeconds, first.trainSeconds);
  const [a, b] = [first.classify(testSet), again.classify(testSet)];
  assert.deepEqual(b.probabilities, a.probabilities);
  assert.deepEqual(b.features, a.features);
  assert.deepEqual(b.labels, a.labels);
  first.dispose();
  again.dispose();
});

test("a classifier cached with other settings or other training images is never reused", async () => {
  await selectBackend();
  const dir = newDir();
  (await load(dir)).dispose();
  const moreEpochs = await load(dir, { settings: { ...TINY, epochs: 9 } });
  assert.equal(moreEpochs.trained, true, "other settings train a new classifier");
  moreEpochs.dispose();
  const fewer = await load(dir, { trainSet: sliceImageSet(train, 0, 100) });
  assert.equal(fewer.trained, true, "a smaller training set trains a new classifier");
  fewer.dispose();
  assert.equal(readdirSync(dir).filter((f) => f.endsWith(".json")).length, 3, "all three stay cached");
  await assert.rejects(
    load(dir, {
      settings: { ...TINY, epochs: 6 },
      trainSet: sliceImageSet(train, 0, 200),
      allowTraining: false,
    }),
    (err: Error) =>
      /No cached mnist classifier in .* was trained with these settings on these 200 images/.test(
        err.message,
      ) &&
      /epochs 8 \(asked: 6\)/.test(err.message) &&
      /trained on 100 images \(asked: 200\)/.test(err.message) &&
      /allowTraining: true/.test(err.message),
  );
});

test("a damaged cache file is an error that names it and says how to train again", async () => {
  await selectBackend();
  const dir = newDir();
  const classifier = await load(dir);
  classifier.dispose();
  const bin = classifier.file.replace(/\.json$/, ".bin");
  truncateSync(bin, 100);
  await assert.rejects(
    load(dir),
    /classifier-[0-9a-f]{16}\.bin has 100 bytes.*Delete classifier-[0-9a-f]{16}\.json and/,
  );
  writeFileSync(classifier.file, "{ not json");
  await assert.rejects(load(dir), /is not valid JSON.*to train the classifier again/);
});

test("the classifier reads tensors and image sets alike, checks their width, and leaves no tensor behind", async () => {
  await selectBackend();
  const atStart = tf.memory().numTensors;
  const classifier = await load(newDir()); // trained here: no tensor of the training stays
  const before = tf.memory().numTensors;
  const x = tf.tensor2d(testSet.pixels, [testSet.n, 16]);
  const fromTensor = classifier.classify(x);
  assert.deepEqual(fromTensor, classifier.classify(testSet));
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  const { features, probabilities, labels } = fromTensor;
  assert.deepEqual([features.n, features.dim, features.values.length], [200, 8, 1600]);
  assert.equal(probabilities.length, 200 * 10);
  const rowSum = probabilities.subarray(0, 10).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(rowSum - 1) < 1e-5, `probabilities sum to ${rowSum}`);
  assert.deepEqual(classifier.predict(testSet), labels);
  assert.deepEqual(classifier.features(testSet), features);
  const wide = tf.zeros([3, 20]) as tf.Tensor2D;
  assert.throws(() => classifier.predict(wide), /reads images of 16 pixels, got 20 per image/);
  wide.dispose();
  classifier.dispose();
  assert.equal(tf.memory().numTensors, atStart, "tensors left by training and disposing a classifier");
  assert.throws(() => classifier.predict(testSet), /was disposed/);
});

test("bad settings, unlabelled images and a weak classifier are refused with clear errors", async () => {
  await selectBackend();
  const dir = newDir();
  await assert.rejects(
    load(dir, { settings: { dropout: 1 } }),
    /setting dropout is 1; expected a rate in \[0, 1\)/,
  );
  await assert.rejects(load(dir, { settings: { hidden: [] } }), /setting hidden is \[\]/);
  await assert.rejects(
    load(dir, { trainSet: { ...train, labels: undefined } }),
    /training set has no labels/,
  );
  const labels = train.labels!.map((label, i) => (i === 7 ? 10 : label));
  await assert.rejects(
    load(dir, { trainSet: { ...train, labels } }),
    /has label 10 at 7; its classes are 0\.\.9/,
  );
  await assert.rejects(
    load(dir, { testSet: withWrongLabels(testSet, 100), minTestAccuracy: 0.9 }),
    /test accuracy 0\.5 < 0\.9 \(trained on 400 images\)/,
  );
  await assert.rejects(loadClassifier("digits" as never, { dir }), /Unknown dataset "digits"/);
  const before = tf.memory().numTensors;
  await assert.rejects(load(dir, { testSet: syntheticImages(10, 1, 5, 5) }), /16 pixels, got 25 per image/);
  assert.equal(tf.memory().numTensors, before, "a failed load frees the weights it read");
});
