import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  CELLS,
  type CellName,
  type FactorialRow,
  type ImageSet,
  MEASURE,
  Rng,
  SAMPLERS,
  Summaries,
  binarizeStatic,
  cellModel,
  codeShift,
  contrast,
  differenceParts,
  drawsInHoles,
  effectVerdict,
  factorialEffects,
  flippedVerdicts,
  gaussianNoise,
  judgeClaim,
  loadClassifier,
  loadExperiment,
  maskingNoise,
  measureContext,
  measureVaeVersusDae,
  mixedNoise,
  randomStream,
  reconstructionErrors,
  runFactorial,
  sampleCodes,
  samplerMeasure,
  saveExperiment,
  selectBackend,
  summarise,
  vaeVersusDaeClaims,
  vaeVersusDaeSettings,
  verdicts,
  welchT,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

const s = (mean: number, std: number, n = 3) => ({ mean, std, n });

test("Welch's t is the contrast (1, -1): means 2 and 5, variances 1 and 4, three values each", () => {
  const expected = -3 / Math.sqrt(1 / 3 + 4 / 3);
  assert.ok(Math.abs(welchT(s(2, 1), s(5, 2)) - expected) < 1e-12);
  const c = contrast([s(2, 1), s(5, 2)], [1, -1]);
  assert.equal(c.effect, -3);
  assert.ok(Math.abs(c.se - Math.sqrt(5 / 3)) < 1e-12);
  assert.equal(welchT(s(1, 0), s(1, 0)), 0, "no spread and no difference: t = 0");
  assert.equal(welchT(s(2, 0), s(1, 0)), Infinity, "no spread: any difference is beyond it");
});

test("summarise: mean, standard deviation with n - 1, and a clear error for no values", () => {
  assert.deepEqual(summarise([1, 2, 3, 6]), { mean: 3, std: Math.sqrt(14 / 3), n: 4 });
  assert.deepEqual(summarise([5]), { mean: 5, std: 0, n: 1 });
  assert.throws(() => summarise([]), /no values/);
});

test("factorial effects of an additive design: the interaction is 0 and VAE - DAE = kl - noise exactly", () => {
  // AE 10, DAE 10 + 3, VAE 10 - 4, denoising VAE 10 - 4 + 3: the KL term lowers by 4, noise raises by 3.
  const cells = { AE: s(10, 1), DAE: s(13, 1), VAE: s(6, 1), "denoising VAE": s(9, 1) };
  const e = factorialEffects(cells);
  assert.equal(e.kl.effect, -4);
  assert.equal(e.noise.effect, 3);
  assert.equal(e.interaction.effect, 0);
  assert.equal(cells.VAE.mean - cells.DAE.mean, e.kl.effect - e.noise.effect);
  assert.ok(Math.abs(e.kl.se - 0.5 * Math.sqrt(4 / 3)) < 1e-12, "se of a half-sum contrast over 4 cells");
  const crossed = factorialEffects({ ...cells, "denoising VAE": s(20, 1) });
  assert.equal(crossed.interaction.effect, 20 - 6 - 13 + 10);
});

/** Tidy rows of one measure with per-cell means, seeds 1..3 spread by -d, 0, +d. */
function rowsOf(measure: string, means: Record<CellName, number>, d = 0.1, epochs = 10): FactorialRow[] {
  return CELLS.flatMap((c) =>
    [1, 2, 3].map((seed) => ({
      model: c.name,
      kl: c.kl,
      noisy: c.noisy,
      seed,
      epochs,
      measure,
      value: means[c.name] + (seed - 2) * d,
    })),
  );
}

test("the effect verdict names the factor with the largest |t| beyond the spread, or none", () => {
  const rows = [
    ...rowsOf("denoising", { AE: 12, DAE: 16, VAE: 11.5, "denoising VAE": 15.5 }),
    ...rowsOf("flat", { AE: 1, DAE: 1.01, VAE: 0.99, "denoising VAE": 1 }),
  ];
  const summaries = new Summaries(rows);
  const v = effectVerdict(summaries, "denoising", 10)!;
  assert.equal(v.cause, "noise");
  assert.equal(v.signs.noise, "raises");
  assert.equal(v.signs.kl, "lowers");
  assert.equal(v.signs.interaction, "no effect beyond the spread");
  assert.match(v.sentence, /mainly from noise training/);
  assert.equal(effectVerdict(summaries, "flat", 10)!.cause, undefined);
  assert.equal(effectVerdict(summaries, "missing", 10), undefined);
});

test("a claim holds, fails or is not settled by its rule, and the DAE-VAE difference is split into its causes", () => {
  const noise = [{ kind: "masking" as const, level: 0.5 }];
  const claim = vaeVersusDaeClaims(noise).find((c) => c.id === "c")!;
  const measure = claim.comparisons[0].better.measure;
  const judge = (means: Record<CellName, number>, d = 0.1) =>
    judgeClaim(claim, new Summaries(rowsOf(measure, means, d)), 10);
  // Noise training raises the PSNR by 4, the KL term lowers it by 0.5: the DAE wins because of noise.
  const holds = judge({ AE: 12, DAE: 16, VAE: 11.5, "denoising VAE": 15.5 });
  assert.equal(holds.verdict, "holds");
  assert.equal(holds.factor, "noise training");
  const parts = holds.outcomes[0].parts;
  const total = parts.reduce((sum, p) => sum + p.effect.effect, 0);
  assert.ok(Math.abs(total - (16 - 11.5)) < 1e-12, "the parts add up to DAE - VAE");
  assert.equal(judge({ AE: 12, DAE: 11, VAE: 13, "denoising VAE": 12 }).verdict, "fails");
  assert.equal(judge({ AE: 12, DAE: 12.05, VAE: 12, "denoising VAE": 12 }, 1).verdict, "is not settled");
});

test("a comparison across samplers adds the part due to how codes are drawn, and the parts still add up", () => {
  const fr = (sampler: (typeof SAMPLERS)[number]) => samplerMeasure("Fréchet", sampler);
  const rows = [
    ...rowsOf(fr("N(0, I)"), { AE: 90, DAE: 95, VAE: 30, "denoising VAE": 32 }),
    ...rowsOf(fr("fitted Gaussian"), { AE: 20, DAE: 21, VAE: 25, "denoising VAE": 27 }),
  ];
  const summaries = new Summaries(rows);
  const parts = differenceParts(
    summaries,
    { model: "VAE", measure: fr("N(0, I)") },
    { model: "DAE", measure: fr("fitted Gaussian") },
    10,
  );
  assert.deepEqual(
    parts.map((p) => p.factor),
    ["how codes are drawn", "the KL term", "noise training"],
  );
  const total = parts.reduce((sum, p) => sum + p.effect.effect, 0);
  assert.ok(Math.abs(total - (30 - 21)) < 1e-12, `parts add to ${total}`);
});

test("verdicts that flip between two experiments are listed with both verdicts", () => {
  const claims = vaeVersusDaeClaims([{ kind: "gaussian", level: 0.5 }]).filter((c) => c.id === "b");
  const shift = (means: Record<CellName, number>) => new Summaries(rowsOf(MEASURE.codeShift, means, 0.01));
  const first = verdicts(claims, shift({ AE: 0.5, DAE: 0.2, VAE: 0.4, "denoising VAE": 0.1 }));
  const second = verdicts(claims, shift({ AE: 0.3, DAE: 0.45, VAE: 0.2, "denoising VAE": 0.35 }));
  const flips = flippedVerdicts(first, second);
  const claimFlip = flips.find((f) => f.verdict.startsWith("(b)"));
  assert.deepEqual(claimFlip && [claimFlip.first, claimFlip.second], ["holds", "fails"]);
  assert.ok(flips.some((f) => f.verdict === `noise training on ${MEASURE.codeShift}`));
  assert.deepEqual(flippedVerdicts(first, first), []);
});

test("mixed noise draws each of its noises from the batch's stream, and refuses an empty list", async () => {
  await selectBackend();
  const noise = mixedNoise([
    { kind: "masking", level: 1 },
    { kind: "gaussian", level: 0 },
  ]);
  const x = tf.ones([1, 16]) as tf.Tensor2D;
  const rng = new Rng(3);
  const kinds = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const y = noise(x, rng);
    kinds.add(y.sum().dataSync()[0]); // 0 when masked entirely, 16 when untouched
    y.dispose();
  }
  assert.deepEqual(
    [...kinds].sort((a, b) => a - b),
    [0, 16],
  );
  x.dispose();
  assert.throws(() => mixedNoise([]), /at least one noise/);
});

test("reconstruction errors against a target set: the same images in another form, checked for size", async () => {
  await selectBackend();
  const grey = syntheticImages(64, 1);
  const binary = binarizeStatic(grey, 2);
  const model = cellModel(
    CELLS[0],
    { trainSet: grey, seeds: [1], budgets: [1], noise: gaussianNoise(0), model: SMALL },
    1,
  );
  const own = reconstructionErrors(model, binary);
  const againstGrey = reconstructionErrors(model, binary, { target: grey });
  assert.notEqual(own.mse, againstGrey.mse);
  const expected = tf.tidy(() => {
    const y = tf.sigmoid(
      model.decoder.apply(model.encoder.apply(tf.tensor2d(binary.pixels, [64, 16]))) as tf.Tensor,
    );
    return tf.mean(tf.squaredDifference(tf.tensor2d(grey.pixels, [64, 16]), y)).dataSync()[0];
  });
  assert.ok(Math.abs(againstGrey.mse - expected) < 1e-6, `${againstGrey.mse} vs ${expected}`);
  assert.throws(
    () => reconstructionErrors(model, binary, { target: syntheticImages(32, 1) }),
    /same images in the same order/,
  );
  model.encoder.dispose();
  model.decoder.dispose();
});

test("code shift is 0 for noise that changes nothing and positive for noise that does", async () => {
  await selectBackend();
  const set = syntheticImages(100, 4);
  const model = cellModel(
    CELLS[2],
    { trainSet: set, seeds: [1], budgets: [1], noise: gaussianNoise(0), model: SMALL },
    1,
  );
  assert.equal(codeShift(model, set, gaussianNoise(0), new Rng(1)), 0);
  assert.ok(codeShift(model, set, maskingNoise(0.5), new Rng(1)) > 0);
  model.encoder.dispose();
  model.decoder.dispose();
});

test("codes drawn from a fitted Gaussian have the codes' mean and spread; N(0, I) draws are seeded", () => {
  const rng = randomStream(5, "evaluation");
  const n = 2000;
  const values = Float32Array.from(
    { length: n * 2 },
    (_, i) => (i % 2 === 0 ? 3 : -1) + (i % 2 === 0 ? 2 : 0.5) * gauss(rng),
  );
  const codes = { values, labels: new Uint8Array(n), n, dim: 2 };
  const z = sampleCodes("fitted Gaussian", codes, n, 1);
  const column = (d: number) => summarise(Array.from({ length: n }, (_, i) => z[i * 2 + d]));
  assert.ok(
    Math.abs(column(0).mean - 3) < 0.2 && Math.abs(column(0).std - 2) < 0.15,
    JSON.stringify(column(0)),
  );
  assert.ok(
    Math.abs(column(1).mean + 1) < 0.05 && Math.abs(column(1).std - 0.5) < 0.04,
    JSON.stringify(column(1)),
  );
  assert.deepEqual(sampleCodes("N(0, I)", codes, 4, 9), sampleCodes("N(0, I)", codes, 4, 9));
});

test("draws in holes: draws on the training codes are not in holes, draws far from all of them are", () => {
  const grid = Float32Array.from(
    { length: 200 },
    (_, i) => (Math.floor(i / 2) % 10) + (i % 2) * Math.floor(i / 20),
  );
  const codes = (values: Float32Array) => ({
    values,
    labels: new Uint8Array(values.length / 2),
    n: values.length / 2,
    dim: 2,
  });
  const train = codes(grid);
  const test = codes(grid.map((v, i) => v + (i % 3) * 0.01));
  const draws = Float32Array.from({ length: 40 }, (_, i) => (i < 20 ? grid[i] : 50 + i));
  assert.equal(drawsInHoles(draws, train, test), 0.5);
});

function gauss(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** `n` images of 10 pixels; image i shows class i % 10 as its one bright pixel, the rest dim. */
function tenClasses(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Float32Array(n * 10);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    for (let p = 0; p < 10; p++)
      pixels[i * 10 + p] = p === labels[i] ? 0.7 + 0.3 * rng.next() : 0.3 * rng.next();
  }
  return { pixels, labels, n, rows: 2, cols: 5, channels: 1 };
}

test("a tiny grid: every cell and seed measured after every budget, one tidy row per measure, nothing leaked", async () => {
  await selectBackend();
  const classifier = await loadClassifier("mnist", {
    dir: join(mkdtempSync(join(tmpdir(), "vae-lab-experiments-")), "classifier"),
    trainSet: tenClasses(500, 1),
    testSet: tenClasses(200, 2),
    settings: { hidden: [16, 8], epochs: 3, batchSize: 100, learningRate: 0.03, seed: 1 },
  });
  const settings = {
    ...vaeVersusDaeSettings("quick"),
    samples: 40,
    iwaeImages: 5,
    iwaeK: 3,
    probeSteps: 5,
    mixtureComponents: 2,
  };
  const testGrey = tenClasses(60, 3);
  const context = measureContext(
    classifier,
    { testGrey, testBinary: binarizeStatic(testGrey, 1), codeSet: binarizeStatic(tenClasses(50, 4), 2) },
    settings,
  );
  const before = tf.memory().numTensors;
  const model = { inputShape: [2, 5, 1] as [number, number, number], latentDim: 2, hidden: [8] };
  const design = {
    trainSet: tenClasses(64, 5),
    seeds: [1, 2],
    budgets: [1, 2],
    noise: mixedNoise(settings.trainingNoise),
    model,
    batchSize: 32,
  };
  const result = await runFactorial(design, measureVaeVersusDae(context));
  assert.equal(tf.memory().numTensors, before, "models and measurements leave no tensors behind");
  const measuresOf = (name: CellName) =>
    new Set(result.rows.filter((r) => r.model === name).map((r) => r.measure));
  assert.ok(
    measuresOf("VAE").has(MEASURE.iwae) && !measuresOf("AE").has(MEASURE.iwae),
    "likelihoods for VAEs only",
  );
  const perRun = measuresOf("VAE").size;
  assert.equal(result.rows.filter((r) => r.model === "VAE").length, perRun * 2 * 2, "every seed and budget");
  assert.deepEqual([...new Set(result.rows.map((r) => r.epochs))], [1, 2]);
  assert.equal(result.times.length, 4 * 2 * 2);
  assert.ok(result.rows.every((r) => Number.isFinite(r.value)));
  classifier.dispose();
});

test("a measure that is not finite stops the grid with an error naming it, the model, the seed and the budget", async () => {
  await selectBackend();
  const before = tf.memory().numTensors;
  const design = {
    trainSet: syntheticImages(32, 1),
    seeds: [1],
    budgets: [1],
    noise: gaussianNoise(0.1),
    model: SMALL,
  };
  await assert.rejects(
    runFactorial(design, () => ({ broken: NaN })),
    /"broken" of the AE, seed 1, after 1 epochs is NaN/,
  );
  assert.equal(tf.memory().numTensors, before, "the failed run's model and optimizer are freed");
  await assert.rejects(
    runFactorial({ ...design, budgets: [3, 1] }, () => ({})),
    /budgets must be increasing/,
  );
  await assert.rejects(
    runFactorial({ ...design, seeds: [1, 1] }, () => ({})),
    /distinct integers/,
  );
});

test("a saved experiment is loaded back only with the settings it was run with", () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-experiment-file-"));
  const settings = vaeVersusDaeSettings("quick");
  const result = {
    dataset: "mnist" as const,
    mode: "quick" as const,
    settings,
    classifier: { testAccuracy: 0.9, testImages: 10, trainImages: 10 },
    real: { Fréchet: 1, precision: 1, recall: 1, "classes present": 10, "label entropy": 2.3 },
    rows: rowsOf("x", { AE: 1, DAE: 2, VAE: 3, "denoising VAE": 4 }),
    times: [],
  };
  const file = saveExperiment(result, join(dir, "experiments", "result.json"));
  const loaded = loadExperiment(file, settings);
  assert.deepEqual(loaded.result?.rows, result.rows);
  assert.match(loadExperiment(file, { ...settings, seeds: [1] }).why!, /other settings/);
  assert.match(loadExperiment(join(dir, "none.json"), settings).why!, /does not exist/);
  writeFileSync(join(dir, "bad.json"), "{");
  assert.match(loadExperiment(join(dir, "bad.json"), settings).why!, /not valid JSON/);
});
