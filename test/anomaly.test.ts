import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  anomalyScores,
  batchScores,
  compressedBits,
  createModel,
  disposeModel,
  evaluateElbo,
  iwaeNll,
  maskingNoise,
  randomStream,
  reconstructionErrors,
  rocAuc,
  rocChart,
  rocCurve,
  scoreImages,
  scoreNames,
  selectBackend,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("each score of a VAE averages to the library's evaluation of the same quantity, with no tensor left", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(50, 3);
  const before = tf.memory().numTensors;
  const scores = scoreImages(model, set, { seed: 4, k: 7, batchSize: 20 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Object.keys(scores).sort(), [...scoreNames(model)].sort());
  for (const s of Object.values(scores)) assert.equal(s.length, 50);
  const recon = reconstructionErrors(model, set);
  close(mean(scores.bce!), recon.bce, 1e-4, "BCE through mu");
  close(mean(scores.mse!), recon.mse, 1e-4, "MSE through mu");
  const elbo = evaluateElbo(model, set, { seed: 4, batchSize: 20 });
  close(
    mean(scoreImages(model, set, { seed: 4, scores: ["negElbo"], batchSize: 20 }).negElbo!),
    elbo.loss,
    1e-5,
    "-ELBO",
  );
  close(mean(scores.kl!), elbo.kl, 1e-5, "KL");
  const iwae = iwaeNll(model, set, { k: 7, seed: 4, batchSize: 20 });
  close(
    mean(scoreImages(model, set, { seed: 4, k: 7, scores: ["iwae"], batchSize: 20 }).iwae!),
    iwae,
    1e-5,
    "IWAE",
  );
  disposeModel(model);
});

test("the prior score is -log N(mu; 0, I) of the code mu, written out", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(6, 1);
  const x = tf.tensor2d(set.pixels, [6, 16]);
  const mu = (model.encoder.apply(x) as tf.Tensor2D).slice([0, 0], [6, 2]).arraySync();
  const prior = batchScores(model, x, ["priorNll"]).priorNll!;
  const got = prior.arraySync();
  mu.forEach((m, i) =>
    close(got[i], 0.5 * (m[0] ** 2 + m[1] ** 2) + Math.log(2 * Math.PI), 1e-5, `image ${i}`),
  );
  tf.dispose([x, prior]);
  disposeModel(model);
});

test("an autoencoder has the two reconstruction errors; asking it for a VAE score says what it has", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({ ...SMALL, kind: "ae" });
  const set = syntheticImages(10, 2);
  assert.deepEqual(scoreNames(model), ["bce", "mse"]);
  assert.deepEqual(anomalyScores(model, set), scoreImages(model, set).bce);
  assert.throws(() => scoreImages(model, set, { scores: ["kl"] }), /ae has no kl .*bce, mse/);
  assert.throws(
    () => scoreImages(model, set, { scores: ["likelihood" as "kl"] }),
    /Unknown score likelihood: the scores are bce, mse, negElbo, iwae, kl, priorNll/,
  );
  assert.throws(() => scoreImages(model, set, { k: 0 }), /k must be a positive integer/);
  disposeModel(model);
});

test("with noise, the scores are those of the corrupted images, drawn from the seed's noise stream", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(12, 5);
  const noise = maskingNoise(0.5);
  const noisy = tf.tidy(() => noise(tf.tensor2d(set.pixels, [12, 16]), randomStream(3, "noise")));
  const corrupted = { ...set, pixels: noisy.dataSync() as Float32Array };
  noisy.dispose();
  const scores = scoreImages(model, set, { noise, seed: 3, scores: ["bce", "kl"] });
  const direct = scoreImages(model, corrupted, { seed: 3, scores: ["bce", "kl"] });
  assert.deepEqual(scores, direct);
  assert.notDeepEqual(scores.bce, scoreImages(model, set, { seed: 3, scores: ["bce"] }).bce);
  disposeModel(model);
});

test("the ROC curve runs from (0, 0) to (1, 1), and the area under its segments is rocAuc, ties included", () => {
  const rng = randomStream(1, "evaluation");
  const scores = Array.from({ length: 300 }, () => Math.round(rng.next() * 20)); // many ties
  const isAnomaly = scores.map((s) => rng.next() < 0.2 + s / 40);
  const { fpr, tpr, thresholds } = rocCurve(scores, isAnomaly);
  assert.deepEqual([fpr[0], tpr[0], fpr.at(-1), tpr.at(-1)], [0, 0, 1, 1]);
  assert.equal(thresholds[0], Infinity);
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  close(area, rocAuc(scores, isAnomaly), 1e-12, "area");
  assert.deepEqual(rocCurve([3, 1, 2], [true, false, false]), {
    fpr: [0, 0, 0.5, 1],
    tpr: [0, 1, 1, 1],
    thresholds: [Infinity, 3, 2, 1],
  });
  assert.throws(() => rocCurve([1, 2], [true, true]), /at least one anomaly and one normal/);
  assert.throws(() => rocCurve([1, NaN], [true, false]), /score 1 is NaN/);
});

test("a ROC chart draws each curve through at most its points budget, ending where the curve ends", () => {
  const n = 1001;
  const curve = {
    fpr: Array.from({ length: n }, (_, i) => i / (n - 1)),
    tpr: Array.from({ length: n }, () => 1),
  };
  const fig = rocChart({ score: curve }, { points: 50 });
  const trace = fig.data[0] as unknown as { x: number[]; y: number[] };
  assert.equal(trace.x.length, 50);
  assert.deepEqual([trace.x[0], trace.x.at(-1)], [0, 1]);
  assert.equal(fig.data.at(-1)!.name, "chance");
  assert.throws(() => rocChart({ bad: { fpr: [0], tpr: [0] } }), /curve "bad" needs/);
});

test("compressed length: a noisy image codes at least a bit per pixel longer than a blank one, one number per image", () => {
  const rng = randomStream(2, "evaluation");
  const pixels = new Float32Array(2 * 784);
  for (let j = 0; j < 784; j++) pixels[784 + j] = rng.next() < 0.5 ? 1 : 0;
  const bits = compressedBits({ pixels, n: 2, rows: 28, cols: 28, channels: 1 });
  assert.equal(bits.length, 2);
  // 784 random bits cannot be coded in fewer than 784 bits (on average): the noisy image pays them.
  assert.ok(bits[0] % 8 === 0 && bits[1] > bits[0] + 784, `${bits}`);
  assert.throws(
    () => compressedBits({ pixels: new Float32Array(12), n: 1, rows: 2, cols: 2, channels: 3 }),
    /grey images/,
  );
});
