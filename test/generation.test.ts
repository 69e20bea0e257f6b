import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  type ImageSet,
  Rng,
  generationScores,
  labelScores,
  loadClassifier,
  realReference,
  selectBackend,
} from "../src";

/** `n` images of 10 pixels; image i shows class `label(i)` as its one bright pixel, the rest noise. */
function tenClasses(n: number, seed: number, label: (i: number) => number): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Float32Array(n * 10);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = label(i);
    for (let p = 0; p < 10; p++)
      pixels[i * 10 + p] = p === labels[i] ? 0.7 + 0.3 * rng.next() : 0.3 * rng.next();
  }
  return { pixels, labels, n, rows: 2, cols: 5, channels: 1 };
}

const allClasses = (i: number) => i % 10;

const dir = join(mkdtempSync(join(tmpdir(), "vae-lab-generation-")), "classifier");

/** A classifier of the ten one-pixel classes: trained by the first call, loaded from its cache after. */
async function classifier() {
  await selectBackend();
  return loadClassifier("mnist", {
    dir,
    trainSet: tenClasses(1000, 1, allClasses),
    testSet: tenClasses(500, 2, allClasses),
    settings: { hidden: [32, 16], epochs: 5, batchSize: 100, learningRate: 0.03, seed: 1 },
  });
}

test("real images scored against themselves: Fréchet 0, precision and recall 1, every class present", async () => {
  const c = await classifier();
  assert.equal(c.testAccuracy, 1, "the classifier knows the ten classes");
  const real = tenClasses(1000, 3, allClasses);
  const scores = generationScores(c, real, real);
  assert.ok(Math.abs(scores.frechet) < 1e-6, `Fréchet ${scores.frechet}`);
  assert.equal(scores.precision, 1);
  assert.equal(scores.recall, 1);
  assert.deepEqual(scores.labelShares, new Array(10).fill(0.1));
  assert.equal(scores.smallestClassShare, 0.1);
  assert.equal(scores.classesPresent, 10);
  assert.ok(Math.abs(scores.labelEntropy - Math.log(10)) < 1e-12);
  assert.equal(scores.n, 1000);
  c.dispose();
});

test("samples of half the classes: those classes' shares doubled, the others 0, recall near 0.5, Fréchet larger", async () => {
  const c = await classifier();
  const real = tenClasses(1000, 3, allClasses);
  const fresh = generationScores(c, real, tenClasses(1000, 4, allClasses));
  const half = generationScores(
    c,
    real,
    tenClasses(1000, 5, (i) => i % 5),
  );
  assert.deepEqual(half.labelShares, [0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0]);
  assert.equal(half.smallestClassShare, 0);
  assert.equal(half.classesPresent, 5);
  assert.ok(Math.abs(half.labelEntropy - Math.log(5)) < 1e-12);
  assert.ok(
    Math.abs(half.recall - fresh.recall / 2) < 0.05,
    `recall ${half.recall}, all classes ${fresh.recall}`,
  );
  assert.ok(
    half.precision > 0.9 * fresh.precision,
    `precision ${half.precision}, all classes ${fresh.precision}`,
  );
  assert.ok(half.frechet > 10 * fresh.frechet, `Fréchet ${half.frechet}, all classes ${fresh.frechet}`);
  c.dispose();
});

test("a real reference computed once gives the scores of the images themselves, for tensors too", async () => {
  const c = await classifier();
  const real = tenClasses(600, 3, allClasses);
  const generated = tenClasses(600, 6, (i) => (i * 7) % 10);
  const reference = realReference(c, real);
  const direct = generationScores(c, real, generated);
  assert.deepEqual(generationScores(c, reference, generated), direct);
  const x = tf.tensor2d(generated.pixels, [600, 10]);
  assert.deepEqual(generationScores(c, reference, x), direct);
  x.dispose();
  assert.throws(() => generationScores(c, reference, generated, { k: 5 }), /reference has k = 3 but k = 5/);
  const other = await classifier();
  assert.throws(() => generationScores(other, reference, generated), /computed with another classifier/);
  c.dispose();
  other.dispose();
});

test("label scores count predicted classes and refuse labels outside the classes", () => {
  const scores = labelScores([0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 4);
  assert.deepEqual(scores.labelShares, [0.15, 0.05, 0.8, 0]);
  assert.equal(scores.smallestClassShare, 0);
  assert.equal(scores.classesPresent, 3, "the default threshold is a tenth of a uniform share, 2.5 %");
  assert.equal(
    labelScores([0, 0, 0, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], 4, 0.1).classesPresent,
    2,
  );
  assert.throws(() => labelScores([0, 4], 4), /label 1 is 4, expected a class in 0\.\.3/);
  assert.throws(() => labelScores([], 4), /no labels/);
});
