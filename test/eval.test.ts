import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type Codes,
  type ImageSet,
  Rng,
  anomalyScores,
  createModel,
  denoisingPsnr,
  disposeModel,
  elbo,
  EvaluationStopped,
  encodeSet,
  evaluateElbo,
  evaluateLoss,
  randomStream,
  iwaeNll,
  knnAccuracy,
  linearProbeAccuracy,
  maskingNoise,
  reconstructionErrors,
  rocAuc,
  saltAndPepperNoise,
  selectBackend,
  sliceImageSet,
  train,
} from "../src";
import { syntheticImages } from "./library-fixtures";

test("ROC AUC: perfect, reversed, all tied, and a hand-counted case", () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]), 0);
  assert.equal(rocAuc([1, 1, 1, 1], [true, false, true, false]), 0.5);
  // Pairs (anomaly, normal): (0.5 vs 0.1) win, (0.5 vs 0.7) lose, (0.7 vs 0.1) win, (0.7 vs 0.7) tie = 2.5 / 4.
  assert.equal(rocAuc([0.1, 0.5, 0.7, 0.7], [0, 1, 1, 0]), 2.5 / 4);
  assert.throws(() => rocAuc([1, 2], [1, 1]), /at least one anomaly and one normal/);
  assert.throws(() => rocAuc([1, 2], [1]), /2 scores but 1 labels/);
});

/** Codes of two Gaussian clusters (label = cluster) in `dim` dimensions, separated by `gap`. */
function clusters(n: number, dim: number, gap: number, seed: number, shuffleLabels = false): Codes {
  const rng = new Rng(seed);
  const values = new Float32Array(n * dim);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let d = 0; d < dim; d++) {
      const u = Math.max(rng.next(), 1e-12);
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
      values[i * dim + d] = normal + (d === 0 && labels[i] === 1 ? gap : 0);
    }
  }
  if (shuffleLabels) for (let i = 0; i < n; i++) labels[i] = rng.int(2);
  return { values, labels, n, dim };
}

test("linear probe and kNN: near-perfect on separated clusters, near chance on random labels, no leaks", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const train = clusters(400, 3, 8, 1);
  const test = clusters(200, 3, 8, 2);
  assert.ok(linearProbeAccuracy(train, test, { seed: 1 }) > 0.97);
  assert.ok(knnAccuracy(train, test, 5) > 0.97);
  const noise = clusters(400, 3, 8, 3, true);
  const noiseTest = clusters(200, 3, 8, 4, true);
  const chance = [linearProbeAccuracy(noise, noiseTest, { seed: 1 }), knnAccuracy(noise, noiseTest, 5)];
  assert.ok(
    chance.every((a) => a > 0.3 && a < 0.7),
    `random labels: ${chance}`,
  );
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => knnAccuracy(train, clusters(10, 2, 1, 5)), /3 dimensions but test codes 2/);
});

test("evaluateElbo of a VAE equals the mean negative ELBO with the same eps; IWAE k=1 is close, no leaks", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 2 });
  const set = syntheticImages(50, 3);
  const before = tf.memory().numTensors;
  const metrics = evaluateElbo(model, set, { seed: 10, batchSize: 64 });
  assert.deepEqual(
    evaluateLoss(model, set, { seed: 10, batchSize: 64 }),
    metrics,
    "default objective = -ELBO",
  );
  const parts = tf.tidy(() => {
    const eps = tf.randomNormal([50, 2], 0, 1, "float32", randomStream(10, "evaluation").seed());
    const { elbo: e, recon, kl } = elbo(model, tf.tensor2d(set.pixels, [50, 16]), eps as tf.Tensor2D);
    return [e, recon, kl].map((t) => tf.mean(t).arraySync() as number);
  });
  assert.ok(Math.abs(metrics.loss + parts[0]) < 1e-3, `${metrics.loss} vs ${-parts[0]}`);
  assert.ok(Math.abs(metrics.recon - parts[1]) < 1e-3 && Math.abs(metrics.kl - parts[2]) < 1e-3);
  const nll1 = iwaeNll(model, set, { k: 1, seed: 3 });
  const nll50 = iwaeNll(model, set, { k: 50, seed: 3, batchSize: 7 });
  assert.ok(Math.abs(nll1 - metrics.loss) < 0.1 * metrics.loss, `k=1 ${nll1} vs -ELBO ${metrics.loss}`);
  assert.ok(nll50 < nll1, `k=50 ${nll50} should be tighter than k=1 ${nll1}`);
  reconstructionErrors(model, set);
  assert.equal(tf.memory().numTensors, before);
  disposeModel(model);
});

test("reconstruction metrics: PSNR of masked all-ones images is -10 log10(p); BCE and MSE are consistent", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({ kind: "ae", inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 2 });
  const ones = { pixels: new Float32Array(200 * 16).fill(1), n: 200, rows: 4, cols: 4, channels: 1 };
  const { noisy } = denoisingPsnr(model, ones, saltAndPepperNoise(0), { seed: 1 });
  assert.ok(Math.abs(noisy - 100) < 1e-3, `no noise: PSNR capped at 100 dB, got ${noisy}`);
  // Masking a fraction p of pixels of an all-ones image gives MSE = (fraction masked): PSNR ~ -10 log10(p).
  const masked = denoisingPsnr(model, ones, maskingNoise(0.25), { seed: 1 });
  assert.ok(Math.abs(masked.noisy - -10 * Math.log10(0.25)) < 1.2, `PSNR ${masked.noisy}`);
  const errors = reconstructionErrors(model, ones);
  assert.ok(errors.bce > 0 && errors.mse > 0 && errors.mse < 1);
  assert.throws(() => encodeSet(model, ones), /needs a labelled set/);
  disposeModel(model);
});

/** The images of `set` with the given label. */
function onlyLabel(set: ImageSet, label: number): ImageSet {
  const keep = Array.from(set.labels!, (l, i) => (l === label ? i : -1)).filter((i) => i >= 0);
  const size = set.rows * set.cols;
  const pixels = new Float32Array(keep.length * size);
  keep.forEach((i, r) => pixels.set(set.pixels.subarray(i * size, (i + 1) * size), r * size));
  return { ...set, pixels, labels: new Uint8Array(keep.length).fill(label), n: keep.length };
}

test("anomaly scores of models trained on one class separate the other class (ROC AUC), no leaks", async () => {
  await selectBackend({ backend: "cpu" });
  const normal = onlyLabel(syntheticImages(256, 1), 0);
  const test = syntheticImages(100, 2);
  const isAnomaly = Array.from(test.labels!, (l) => l === 1);
  for (const kind of ["vae", "ae"] as const) {
    const model = createModel({ kind, inputShape: [4, 4, 1], latentDim: 2, hidden: [16], seed: 4 });
    const { optimizer } = await train(model, normal, {
      epochs: 15,
      batchSize: 32,
      learningRate: 0.01,
      log: () => {},
    });
    const before = tf.memory().numTensors;
    const scores = anomalyScores(model, test, { seed: 1 });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(scores.length, 100);
    const auc = rocAuc(scores, isAnomaly);
    assert.ok(auc > 0.9, `${kind}: AUC ${auc}`);
    disposeModel(model);
    optimizer.dispose();
  }
});

test("with a signal, an evaluation lets the event loop run between batches and stops there, saying how far it got", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 2 });
  const set = syntheticImages(40, 3);
  const before = tf.memory().numTensors;
  const never = new AbortController().signal;
  assert.equal(
    await iwaeNll(model, set, { k: 5, seed: 1, batchSize: 8, signal: never }),
    iwaeNll(model, set, { k: 5, seed: 1, batchSize: 8 }),
  );
  assert.deepEqual(
    await evaluateElbo(model, set, { seed: 1, batchSize: 8, signal: never }),
    evaluateElbo(model, set, { seed: 1, batchSize: 8 }),
  );

  // A timer aborts the signal: it can only fire because the evaluation yields between batches.
  const stop = new AbortController();
  let batchesDone = 0;
  const onProgress = (done: number) => {
    batchesDone = done / 8;
    if (batchesDone === 2) setImmediate(() => stop.abort());
  };
  const stopped = await iwaeNll(model, set, {
    k: 5,
    seed: 1,
    batchSize: 8,
    onProgress,
    signal: stop.signal,
  }).catch((err: unknown) => err);
  assert.ok(stopped instanceof EvaluationStopped, String(stopped));
  assert.equal(stopped.message, "The evaluation was stopped after 16 of 40 images.");
  assert.equal(stopped.done, 16);
  assert.equal(stopped.total, 40);
  assert.equal(
    stopped.partial,
    iwaeNll(model, sliceImageSet(set, 0, 16), { k: 5, seed: 1, batchSize: 8 }),
    "the estimate over the images done",
  );
  assert.equal(batchesDone, 2, "no batch ran after the abort");

  const aborted = AbortSignal.abort();
  await assert.rejects(
    evaluateLoss(model, set, { signal: aborted }),
    (err: unknown) => err instanceof EvaluationStopped && err.done === 0 && err.partial === undefined,
  );
  assert.equal(tf.memory().numTensors, before, "a stopped evaluation frees its batch");
  disposeModel(model);
});
