import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkExercise,
  createModel,
  disposeModel,
  exercise,
  klGaussians,
  loadClassifier,
  mixturePrior,
  realReference,
  selectBackend,
  sliceImageSet,
  train,
} from "../src";
import { capture } from "./console-capture";
import { SMALL, syntheticImages } from "./library-fixtures";

test("an untouched exercise is 'not attempted'; an answer holds or gets a hint that hides the answer", async () => {
  const secret = 42;
  const holds = (a: number) => a === secret || (a < secret ? "your number is too small." : "too large.");
  const untouched = await capture(() => checkExercise<number>("Exercise 1", undefined, holds));
  assert.match(untouched, /^Exercise 1: not attempted yet/);
  const right = await capture(() => checkExercise("Exercise 1", 42, holds));
  assert.match(right, /^Exercise 1: ✓ your answer holds/);
  const wrong = await capture(() => checkExercise("Exercise 1", 7, holds));
  assert.match(wrong, /^Exercise 1: ✗ not yet\. your number is too small\./);
  for (const printed of [untouched, right, wrong]) assert.doesNotMatch(printed, /42/);
});

test("an answer that throws is 'not yet', with the error in the hint", async () => {
  const printed = await capture(() =>
    checkExercise(
      "Exercise 2",
      () => 1,
      () => {
        throw new Error("shapes [2] and [3] differ");
      },
    ),
  );
  assert.match(printed, /✗ not yet\. running your answer raised an error: shapes \[2\] and \[3\] differ/);
});

test("exercise 00.1 checks a prediction against the whole training set and never prints the share", async () => {
  assert.match(await capture(() => exercise("00.1", undefined)), /^Exercise 00\.1: not attempted yet/);
  assert.match(await capture(() => exercise("00.1", 0.81)), /^Exercise 00\.1: ✓ your answer holds\.$/);
  const high = await capture(() => exercise("00.1", 0.95));
  const low = await capture(() => exercise("00.1", 0.5));
  assert.match(high, /^Exercise 00\.1: ✗ not yet\. too high/);
  assert.match(low, /^Exercise 00\.1: ✗ not yet\. too low/);
  assert.match(await capture(() => exercise("00.1", 81)), /✗ not yet\. answer a number between 0 and 1/);
  // The share of exactly-0 pixels is 0.8088: no printed line may carry it.
  for (const printed of [high, low]) assert.doesNotMatch(printed, /0\.8|80\.|81/);
});

test("exercise 00.2 runs the formula on seeded random batches and hints at the mistake without the formula", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const right = (x: tf.Tensor2D) => tf.mean(tf.cast(tf.greater(x, 0.5), "float32"), 1);
  const verdicts = {
    right: await capture(() => exercise("00.2", right)),
    atLeast: await capture(() =>
      exercise("00.2", (x) => tf.mean(tf.cast(tf.greaterEqual(x, 0.5), "float32"), 1)),
    ),
    count: await capture(() => exercise("00.2", (x) => tf.sum(tf.cast(tf.greater(x, 0.5), "float32"), 1))),
    perPixel: await capture(() => exercise("00.2", (x) => tf.cast(tf.greater(x, 0.5), "float32"))),
    mean: await capture(() => exercise("00.2", (x) => tf.mean(x, 1))),
    column: await capture(() => exercise("00.2", (x) => tf.reshape(right(x), [-1, 1]))),
  };
  assert.match(verdicts.right, /^Exercise 00\.2: ✓ your answer holds\.$/);
  assert.match(verdicts.column, /✓/, "a [n, 1] column is one number per image too");
  assert.match(verdicts.atLeast, /✗ not yet\. you also counted pixels of exactly 0\.5/);
  assert.match(verdicts.count, /✗ not yet\. that is a count of pixels/);
  assert.match(
    verdicts.perPixel,
    /✗ not yet\. for a batch of \d+ images your function returned shape \[\d+,784\]/,
  );
  assert.match(verdicts.mean, /✗ not yet\. for some images your numbers differ/);
  assert.equal(await capture(() => exercise("00.2", right)), verdicts.right, "the same cases every time");
  assert.equal(tf.memory().numTensors, before, "no tensor left behind by the answers or the cases");
});

test("an exercise ID that does not exist is an error listing the ones that do", () => {
  assert.throws(
    () => exercise("99.1" as "00.1", 1),
    /There is no exercise "99\.1": IDs look like "03\.1" \(00\.1, 00\.2/,
  );
});

test("exercise 01.1 checks the loss floor on seeded grey images, pixels of exactly 0 and 1 included", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const xLogX = (p: tf.Tensor) => tf.mul(p, tf.log(tf.clipByValue(p, 1e-7, 1)));
  const right = (x: tf.Tensor2D) => tf.neg(tf.sum(tf.add(xLogX(x), xLogX(tf.sub(1, x))), 1));
  const naive = (x: tf.Tensor2D) =>
    tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(x)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, x)))), 1));
  const verdicts = {
    right: await capture(() => exercise("01.1", right)),
    zero: await capture(() => exercise("01.1", (x) => tf.zeros([x.shape[0]]))),
    naive: await capture(() => exercise("01.1", naive)),
    perPixel: await capture(() => exercise("01.1", (x) => tf.mul(x, 0.5))),
    half: await capture(() => exercise("01.1", (x) => tf.mul(right(x), 0.5))),
  };
  assert.match(verdicts.right, /^Exercise 01\.1: ✓ your answer holds\.$/);
  assert.match(verdicts.zero, /✗ not yet\. zero holds only for pixels that are exactly 0 or 1/);
  assert.match(verdicts.naive, /✗ not yet\. some images give NaN or infinity/);
  assert.match(verdicts.perPixel, /✗ not yet\. for a batch of \d+ images your function returned shape/);
  assert.match(verdicts.half, /✗ not yet\. for some images your numbers differ from the smallest loss/);
  assert.equal(tf.memory().numTensors, before, "no tensor left behind by the answers or the cases");
});

test("exercises 01.3 and 01.4 measure the independent Gaussian against correlated codes", async () => {
  await selectBackend({ backend: "cpu" });
  // Codes whose two halves are strongly correlated: dropping the correlations spreads the draws.
  const codes = tf.tidy(() => {
    const eps = tf.randomNormal([2000, 3], 0, 1, "float32", 7);
    const noise = tf.randomNormal([2000, 6], 0, 0.1, "float32", 8);
    return tf.add(tf.concat([eps, tf.mul(eps, 2)], 1), noise) as tf.Tensor2D;
  });
  const before = tf.memory().numTensors;
  assert.match(await capture(() => exercise("01.3", "farther", { codes: codes })), /✓/);
  const nearer = await capture(() => exercise("01.3", "nearer", { codes: codes }));
  assert.match(nearer, /✗ not yet\. the measurement disagrees/);
  assert.doesNotMatch(nearer, /farther/, "the hint never names the other choice");
  const sampler = (n: number, rng: { seed(): number }) =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(codes, 0);
      const eps = tf.randomNormal([n, 6], 0, 1, "float32", rng.seed());
      return tf.add(tf.mul(eps, tf.sqrt(variance)), mean) as tf.Tensor2D;
    });
  const standard = (n: number, rng: { seed(): number }) =>
    tf.randomNormal([n, 6], 0, 1, "float32", rng.seed()) as tf.Tensor2D;
  assert.match(await capture(() => exercise("01.4", sampler, { codes: codes })), /✓ your answer holds/);
  assert.match(
    await capture(() => exercise("01.4", standard, { codes: codes })),
    /✗ not yet\. the draws' (means|spread) differ/,
  );
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  codes.dispose();
});

test("exercise 10.1 passes the closed form on random cases and names a reversed KL without the formula", async () => {
  await selectBackend({ backend: "cpu" });
  const right = (m1: tf.Tensor2D, l1: tf.Tensor2D, m2: tf.Tensor2D, l2: tf.Tensor2D) =>
    klGaussians(m1, l1, m2, l2);
  assert.match(await capture(() => exercise("10.1", right)), /✓ your answer holds/);
  const reversed = await capture(() => exercise("10.1", (m1, l1, m2, l2) => klGaussians(m2, l2, m1, l1)));
  assert.match(reversed, /✗ not yet\. that is the KL the other way round/);
  const twice = await capture(() =>
    exercise("10.1", (m1, l1, m2, l2) => tf.mul(2, klGaussians(m1, l1, m2, l2))),
  );
  assert.match(twice, /twice the KL/);
  const perDim = await capture(() => exercise("10.1", (m1) => tf.zerosLike(m1)));
  assert.match(perDim, /one number per row/);
});

test("exercise 10.2 reruns every label draw with the count asked for and grades only a change beyond the noise", async () => {
  const asked: string[] = [];
  const leads: Record<number, number> = { 1: 0.021, 2: 0.019, 3: 0.02 }; // with the count asked for
  const run = async (perClass: number, seed: number) => {
    asked.push(`${perClass}/${seed}`);
    return { m2: 0.9, baseline: 0.9 - leads[seed] };
  };
  const given = { run, draws: [1, 2, 3].map((seed) => ({ seed, lead: 0.1 + 0.001 * seed })) };
  assert.match(await capture(() => exercise("10.2", { labelsPerDigit: 50, lead: "shrinks" }, given)), /✓/);
  assert.match(
    await capture(() => exercise("10.2", { labelsPerDigit: 50, lead: "grows" }, given)),
    /✗ not yet\. compare what each model gains/,
  );
  assert.match(
    await capture(() => exercise("10.2", { labelsPerDigit: 10, lead: "grows" }, given)),
    /above 10/,
  );
  assert.deepEqual(asked, ["50/1", "50/2", "50/3", "50/1", "50/2", "50/3"]);
  // Draws that disagree: the mean change is within twice its standard error, so neither answer passes.
  const noisy = { run, draws: [0.01, 0.04, -0.05].map((lead, i) => ({ seed: i + 1, lead })) };
  for (const lead of ["grows", "shrinks"] as const) {
    const said = await capture(() => exercise("10.2", { labelsPerDigit: 50, lead }, noisy));
    assert.match(
      said,
      /✗ not yet\. with 50 labels per digit the change of the lead is within twice its standard error/,
    );
  }
});

/** A small VAE trained on class 0 of the synthetic images, with class-0 and class-1 test images. */
async function detection() {
  await selectBackend({ backend: "cpu" });
  const images = syntheticImages(300, 4);
  const only = (label: number) => {
    const rows = Array.from(images.labels!.keys()).filter((i) => images.labels![i] === label);
    const pixels = new Float32Array(rows.length * 16);
    rows.forEach((i, r) => pixels.set(images.pixels.subarray(i * 16, (i + 1) * 16), r * 16));
    return { ...images, pixels, labels: new Uint8Array(rows.length).fill(label), n: rows.length };
  };
  const model = createModel({ ...SMALL, seed: 3 });
  const { optimizer } = await train(model, sliceImageSet(only(0), 0, 100), {
    epochs: 20,
    batchSize: 25,
    learningRate: 0.01,
    log: () => {},
  });
  optimizer.dispose();
  return { model, normal: sliceImageSet(only(0), 100, 50), anomalous: only(1) };
}

test("exercise 08.1 checks the side of 0.5 on the given model and sets, and its hint names no side", async () => {
  const given = await detection();
  const before = tf.memory().numTensors;
  assert.match(await capture(() => exercise("08.1", undefined, given)), /not attempted yet/);
  // Class 1 is bright where class 0 is dark: less probable under a model of class 0.
  assert.match(await capture(() => exercise("08.1", "above 0.5", given)), /✓ your answer holds/);
  const wrong = await capture(() => exercise("08.1", "below 0.5", given));
  assert.match(wrong, /✗ not yet\. not what these models do/);
  assert.doesNotMatch(wrong.replace(/^Exercise 08\.1: /, ""), /above|below|0\.5/);
  const swapped = { ...given, normal: given.anomalous, anomalous: given.normal };
  assert.match(await capture(() => exercise("08.1", "below 0.5", swapped)), /✓/);
  assert.match(
    await capture(() => exercise("08.1", "under" as "below 0.5", given)),
    /one of the two strings/,
  );
  assert.equal(tf.memory().numTensors, before);
  disposeModel(given.model);
});

test("exercise 08.2 measures the AUROC of the reader's score and says which way it fails", async () => {
  const given = await detection();
  const before = tf.memory().numTensors;
  const brightRight = (_: unknown, x: tf.Tensor2D) => tf.sum(tf.slice(x, [0, 2], [-1, 2]), 1);
  assert.match(await capture(() => exercise("08.2", brightRight, given)), /✓ your answer holds/);
  const flipped = await capture(() => exercise("08.2", (m, x) => tf.neg(brightRight(m, x)), given));
  assert.match(flipped, /✗ not yet\. its AUROC is 0\.\d{3}: it ranks the anomalies as more normal/);
  const constant = await capture(() => exercise("08.2", (_, x) => tf.zeros([x.shape[0]]), given));
  assert.match(constant, /its AUROC is 0\.500, below 0\.9: .* they overlap/);
  const perPixel = await capture(() => exercise("08.2", (_, x) => x, given));
  assert.match(perPixel, /your score has shape \[\d+,16\]: give one number per image/);
  const nan = await capture(() => exercise("08.2", (_, x) => tf.div(tf.sum(x, 1), 0).mul(0), given));
  assert.match(nan, /NaN or infinite/);
  assert.equal(tf.memory().numTensors, before);
  disposeModel(given.model);
});

/** What the check cell of exercise 09.1 passes, on 4 x 4 synthetic images and a small classifier. */
async function ganGiven() {
  await selectBackend({ backend: "cpu" });
  const trainSet = syntheticImages(64, 1);
  const classifier = await loadClassifier("mnist", {
    dir: join(mkdtempSync(join(tmpdir(), "vae-lab-exercise-09-")), "classifier"),
    trainSet,
    testSet: syntheticImages(32, 2),
    settings: { hidden: [8, 6], epochs: 2, batchSize: 32 },
  });
  const reference = realReference(classifier, syntheticImages(40, 3));
  const z = tf.randomNormal([40, 3], 0, 1, "float32", 4) as tf.Tensor2D;
  return { trainSet, epochs: 1, batchSize: 16, seed: 1, z, reference, recall: 0.2, classifier };
}

test("exercise 09.1 checks the saturating loss before training, then the recall prediction, hinting without the answer", async () => {
  const { classifier, ...given } = await ganGiven();
  const before = tf.memory().numTensors;
  const answer = (
    generatorLoss: (a: tf.Tensor) => tf.Scalar,
    recall: "higher" | "lower" | "about the same",
  ) => capture(() => exercise("09.1", { generatorLoss, recall }, given));
  const saturating = (a: tf.Tensor) => tf.neg(tf.mean(tf.softplus(a))) as tf.Scalar;
  const still = await answer((a) => tf.mean(tf.softplus(tf.neg(a))) as tf.Scalar, "lower");
  assert.match(still, /✗ not yet\. that is still the non-saturating loss/);
  const sign = await answer((a) => tf.mean(tf.softplus(a)) as tf.Scalar, "lower");
  assert.match(sign, /✗ not yet\. the sign/);
  const summed = await answer((a) => tf.neg(tf.sum(tf.softplus(a))) as tf.Scalar, "lower");
  assert.match(summed, /✗ not yet\. average over the batch/);
  const predictions: string[] = [];
  for (const p of ["higher", "lower", "about the same"] as const)
    predictions.push(await answer(saturating, p));
  assert.equal(predictions.filter((p) => /✓/.test(p)).length, 1, predictions.join("\n"));
  for (const p of predictions.filter((p) => !/✓/.test(p))) {
    assert.match(p, /your loss is right, but not your prediction/);
    assert.doesNotMatch(p, /higher|lower|about the same/);
  }
  assert.equal(tf.memory().numTensors, before, "the trained GANs and their samples are freed");
  tf.dispose(given.z);
  classifier.dispose();
});

test("exercise 09.2 checks V(D*, G) on seeded distributions, with points of probability 0", async () => {
  const value = (p: number[], q: number[]) =>
    p.reduce(
      (v, pi, i) =>
        v +
        (pi > 0 ? pi * Math.log(pi / (pi + q[i])) : 0) +
        (q[i] > 0 ? q[i] * Math.log(q[i] / (pi + q[i])) : 0),
      0,
    );
  assert.match(await capture(() => exercise("09.2", value)), /^Exercise 09\.2: ✓ your answer holds\.$/);
  const textbook = (p: number[], q: number[]) =>
    p.reduce((v, pi, i) => v + pi * Math.log(pi / (pi + q[i])) + q[i] * Math.log(q[i] / (pi + q[i])), 0);
  assert.match(await capture(() => exercise("09.2", textbook)), /✗ not yet\. where q\(x\) = 0/);
  const bits = (p: number[], q: number[]) => value(p, q) / Math.LN2;
  assert.match(await capture(() => exercise("09.2", bits)), /✗ not yet\. use natural logarithms/);
  const constant = await capture(() => exercise("09.2", () => -Math.log(4)));
  assert.match(constant, /✗ not yet\./);
  assert.doesNotMatch(constant, /1\.386|log 4|JSD|Jensen/);
});

test("exercise 11.1 compares the area of q with that of the grid posterior, image by image", async () => {
  const post = (v0: number, v1: number) =>
    ({
      cov: [
        [v0, 0],
        [0, v1],
      ],
    }) as unknown as import("../src").GridPosterior;
  // q's sd 0.1 x 0.1 against posterior sds 0.2, 0.2, 0.05: narrower for two of three images.
  const given = {
    posteriors: [post(0.04, 0.04), post(0.04, 0.04), post(0.0025, 0.0025)],
    logVar: [
      [-4.6, -4.6],
      [-4.6, -4.6],
      [-4.6, -4.6],
    ],
  };
  assert.match(await capture(() => exercise("11.1", "narrower", given)), /✓/);
  const wrong = await capture(() => exercise("11.1", "wider", given));
  assert.match(wrong, /✗ not yet/);
  assert.doesNotMatch(wrong, /narrower/);
  assert.match(
    await capture(() => exercise("11.1", "thin" as "wider", given)),
    /answer "narrower" or "wider"/,
  );
});

test("exercise 11.2 compares the approximation gaps of images with one and with several modes", async () => {
  const given = { approximation: [0.1, 0.2, 1.5, 0.1], modes: [1, 1, 2, 1] };
  assert.match(await capture(() => exercise("11.2", "larger", given)), /✓/);
  assert.match(await capture(() => exercise("11.2", "smaller", given)), /✗ not yet/);
  const none = await capture(() => exercise("11.2", "larger", { approximation: [0.1, 0.2], modes: [1, 1] }));
  assert.match(none, /no image with several modes/);
});

test("exercise 11.3 wants the KL of N(0, 0.5^2) against N(0, 1), and hints without giving it", async () => {
  assert.match(await capture(() => exercise("11.3", 0.5 * (0.25 - 1 - Math.log(0.25)))), /✓/);
  const negative = await capture(() => exercise("11.3", -0.375));
  assert.match(negative, /never negative/);
  const far = await capture(() => exercise("11.3", 2));
  assert.match(far, /\(sigma\^2 \+ mu\^2 - 1 - log sigma\^2\) \/ 2/);
  assert.doesNotMatch(far + negative, /0\.318/);
});

test("exercise 06.1 tries random cell means and names the forgotten interaction", async () => {
  type E = { kl: number; noise: number; interaction: number };
  const right = await capture(() => exercise("06.1", (e: E) => e.noise - e.interaction / 2));
  assert.match(right, /✓ your answer holds/);
  const averaged = await capture(() => exercise("06.1", (e: E) => e.noise));
  assert.match(averaged, /✗ not yet\. that is the noise effect averaged over both rows/);
  const sign = await capture(() => exercise("06.1", (e: E) => e.noise + e.interaction / 2));
  assert.match(sign, /✗ not yet\. the interaction enters with the other sign/);
});

test("exercise 06.2 accepts the gap of Welch's rule for three seeds and never prints it", async () => {
  assert.match(await capture(() => exercise("06.2", 1.63)), /✓ your answer holds/);
  const single = await capture(() => exercise("06.2", 2 * Math.sqrt(2)));
  assert.match(single, /✗ not yet\. each side is a mean of three values/);
  const oneSided = await capture(() => exercise("06.2", 2 / Math.sqrt(3)));
  assert.match(oneSided, /✗ not yet\. both means are uncertain/);
  for (const printed of [single, oneSided]) assert.doesNotMatch(printed, /1\.6|1\.63/);
});

test("exercise 06.3 checks a mixture's log-density far from its components, where a plain sum underflows", async () => {
  type Mix = (z: number[], w: number[], m: number[][], v: number[][]) => number;
  const logComponent = (z: number[], m: number[], v: number[]) =>
    z.reduce((s, zd, d) => s - 0.5 * (Math.log(2 * Math.PI * v[d]) + (zd - m[d]) ** 2 / v[d]), 0);
  const naive: Mix = (z, w, m, v) =>
    Math.log(w.reduce((s, wk, k) => s + wk * Math.exp(logComponent(z, m[k], v[k])), 0));
  const stable: Mix = (z, w, m, v) => {
    const logs = w.map((wk, k) => Math.log(wk) + logComponent(z, m[k], v[k]));
    const top = Math.max(...logs);
    return top + Math.log(logs.reduce((s, l) => s + Math.exp(l - top), 0));
  };
  assert.match(await capture(() => exercise("06.3", stable)), /✓ your answer holds/);
  assert.match(await capture(() => exercise("06.3", naive)), /✗ not yet\. .*log-sum-exp/);
});

test("exercise 07.1 asks for the standard error of a difference, not a difference of t values", async () => {
  type E = { effect: number; se: number; t: number };
  const right = (a: E, b: E) => Math.abs(a.effect - b.effect) / Math.hypot(a.se, b.se) >= 2;
  assert.match(await capture(() => exercise("07.1", right)), /✓ your answer holds/);
  const tGap = await capture(() => exercise("07.1", (a: E, b: E) => Math.abs(a.t - b.t) >= 2));
  assert.match(tGap, /✗ not yet\. the difference of two t values is not a t value/);
  const plain = (a: E, b: E) => Math.abs(a.effect - b.effect) >= 2 * (a.se + b.se);
  assert.match(await capture(() => exercise("07.1", plain)), /✗ not yet\. .*squares/);
});

test("exercise 07.2 lists only verdicts both lists hold, in the first list's order", async () => {
  type V = Map<string, string>;
  const right = (a: V, b: V) => [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k));
  assert.match(await capture(() => exercise("07.2", right)), /✓ your answer holds/);
  const all = (a: V, b: V) => [...a.keys()].filter((k) => a.get(k) !== b.get(k));
  assert.match(await capture(() => exercise("07.2", all)), /✗ not yet\. a verdict missing from one list/);
});

test("exercise 12.1 measures the holes of a model's codes under its own prior and under N(0, I)", async () => {
  await selectBackend({ backend: "cpu" });
  const codes = tf.tidy(() => ({
    mu: tf.add(tf.randomNormal([200, 2], 0, 0.3, "float32", 1), 3) as tf.Tensor2D,
    logVar: tf.fill([200, 2], -2) as tf.Tensor2D,
  }));
  const prior = mixturePrior({ latentDim: 2, components: 1, seed: 1 });
  prior.variables[0].assign(tf.tensor2d([[3, 3]]));
  prior.variables[1].assign(tf.tensor2d([[-1.5, -1.5]]));
  const given = { codes: codes, prior: prior, seed: 2 };
  assert.match(await capture(() => exercise("12.1", "more", given)), /✓/);
  assert.match(await capture(() => exercise("12.1", "fewer", given)), /✗ not yet/);
  prior.dispose();
  tf.dispose([codes.mu, codes.logVar]);
});

test("exercise 12.2 checks a mixture's log-density on seeded random cases and names a missing 1/K", async () => {
  await selectBackend({ backend: "cpu" });
  const logN = (z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D) =>
    tf.mul(
      -0.5,
      tf.sum(
        tf.add(
          tf.div(tf.square(tf.sub(tf.expandDims(z, 1), mu)), tf.exp(logVar)),
          tf.add(logVar, Math.log(2 * Math.PI)),
        ),
        2,
      ),
    );
  const right = (z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D) =>
    tf.sub(tf.logSumExp(logN(z, mu, logVar), 1), Math.log(mu.shape[0]));
  const noWeights = (z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D) =>
    tf.logSumExp(logN(z, mu, logVar), 1);
  assert.match(await capture(() => exercise("12.2", right)), /✓/);
  assert.match(await capture(() => exercise("12.2", noWeights)), /equal weights 1\/K/);
  assert.match(
    await capture(() => exercise("12.2", (z) => tf.zeros([z.shape[0]]))),
    /differ from the mixture's/,
  );
});
