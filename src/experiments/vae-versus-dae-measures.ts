/**
 * What the VAE-versus-DAE experiment measures of each trained model, and on which target:
 *
 * - likelihood (VAEs only): the test -ELBO and the IWAE estimate of -log p(x), in nats, on test
 *   images binarized once (a Bernoulli likelihood of binary pixels is a likelihood);
 * - reconstruction: -log p(x | z = mu) of the binary test images (every model), and the PSNR of the
 *   decoder's pixel means against the grey test images the binary ones were drawn from;
 * - denoising: the PSNR against the grey images of the reconstruction from corrupted binary inputs;
 * - codes: how far noise moves them (relative to their spread), linear-probe and k-NN accuracy;
 * - generation: images decoded from codes drawn three ways (N(0, I), a Gaussian and a mixture of
 *   Gaussians fitted to the training codes after training), scored against grey real test images
 *   in the classifier's features: Fréchet distance, precision, recall, classes present, label
 *   entropy; and the share of the drawn codes that fall in the holes between the training codes.
 */
import * as tf from "@tensorflow/tfjs";
import { type ImageSet, batches, sliceImageSet } from "../data/batches";
import type { Classifier } from "../eval/classifier";
import {
  type GenerationScores,
  type RealReference,
  generationScores,
  realReference,
} from "../eval/generation";
import { evaluateElbo, iwaeNll } from "../eval/loss";
import { fitMixture } from "../eval/mixture";
import { type Codes, encodeSet } from "../eval/codes";
import { nearestDistances } from "../eval/nearest";
import { knnAccuracy, linearProbeAccuracy } from "../eval/probe";
import { denoisingPsnr, reconstructionErrors } from "../eval/reconstruction";
import type { NoiseConfig } from "../model/config";
import { type Model, decodeMean, encode } from "../model/model";
import { type NoiseFn, noiseFunction, noiseLabel } from "../model/noise";
import { type Rng, randomStream } from "../random";
import { quantile } from "../statistics";
import type { MeasureRun } from "./factorial";

/** How codes are drawn to generate: the VAEs' prior, or a density fitted to the training codes. */
export type Sampler = "N(0, I)" | "fitted Gaussian" | "fitted mixture";
/** The three ways to draw codes, every model alike. */
export const SAMPLERS: readonly Sampler[] = ["N(0, I)", "fitted Gaussian", "fitted mixture"];

/** The generation scores recorded per sampler. */
export const GENERATION_SCORES = [
  "Fréchet",
  "precision",
  "recall",
  "classes present",
  "label entropy",
  "draws in holes",
] as const;
export type GenerationScore = (typeof GENERATION_SCORES)[number];

/** The name of a generation measure: "Fréchet, z ~ fitted Gaussian". */
export function samplerMeasure(score: GenerationScore, sampler: Sampler): string {
  return `${score}, z ~ ${sampler}`;
}

/** The name of the denoising measure for one noise: "denoising PSNR (dB), masking p = 0.5". */
export function denoisingMeasure(noise: NoiseConfig): string {
  return `denoising PSNR (dB), ${noiseLabel(noise)}`;
}

/** The measures that are not per sampler or per noise. */
export const MEASURE = {
  elbo: "test -ELBO (nats)",
  iwae: "test IWAE -log p(x) (nats)",
  reconNll: "reconstruction -log p(x | mu) (nats)",
  reconPsnr: "reconstruction PSNR (dB)",
  denoisingMean: "denoising PSNR (dB), mean over noises",
  codeShift: "code shift under noise",
  probe: "linear probe accuracy",
  knn: "5-NN accuracy",
} as const;

/** Whether lower or higher values of a measure are better. */
export function betterDirection(measure: string): "lower" | "higher" {
  return /-ELBO|IWAE|-log p|code shift|Fréchet|holes/.test(measure) ? "lower" : "higher";
}

/** The sizes and seeds of the measurements. */
export interface MeasureSettings {
  /** Generated images per sampler, and real test images they are compared with. */
  samples: number;
  /** Test images of the IWAE estimate, and its importance samples per image. */
  iwaeImages: number;
  iwaeK: number;
  /** Full-batch steps of the linear probe's fit, and of each further fit along its penalty path. */
  probeSteps: number;
  probePathSteps: number;
  /** Test images whose codes the code shift compares, clean against corrupted. */
  shiftImages: number;
  /** Components of the fitted mixture. */
  mixtureComponents: number;
  /** The noises of the denoising and code-stability measures. */
  testNoise: NoiseConfig[];
}

/** What every run is measured against, prepared once. */
export interface MeasureContext {
  settings: MeasureSettings;
  classifier: Classifier;
  /** The real side of the generation scores: `samples` grey test images. */
  reference: RealReference;
  /** Grey test images: the targets of the PSNRs. */
  testGrey: ImageSet;
  /** The same test images binarized once: the models' inputs and the likelihoods' targets. */
  testBinary: ImageSet;
  /** Training images binarized once: their codes train the probes and fit the ex-post densities. */
  codeSet: ImageSet;
}

/** The context of the measurements (the classifier's real reference is computed here, once). */
export function measureContext(
  classifier: Classifier,
  sets: { testGrey: ImageSet; testBinary: ImageSet; codeSet: ImageSet },
  settings: MeasureSettings,
): MeasureContext {
  const real = sliceImageSet(sets.testGrey, 0, settings.samples);
  if (real.n < settings.samples)
    throw new Error(`${settings.samples} samples are asked for but the test set has ${real.n} images.`);
  return { settings, classifier, reference: realReference(classifier, real), ...sets };
}

/**
 * The measure function of the experiment. Random draws (evaluation noise, codes to decode) come
 * from the run's seed, so that within a seed every model and budget gets the same draws.
 */
export function measureVaeVersusDae(context: MeasureContext): MeasureRun {
  return (model, run) => {
    const trainCodes = encodeSet(model, context.codeSet);
    const testCodes = encodeSet(model, context.testBinary);
    return {
      ...likelihoodMeasures(model, context, run.seed),
      ...reconstructionMeasures(model, context, run.seed),
      [MEASURE.probe]: linearProbeAccuracy(trainCodes, testCodes, {
        seed: run.seed,
        steps: context.settings.probeSteps,
        pathSteps: context.settings.probePathSteps,
      }),
      [MEASURE.knn]: knnAccuracy(trainCodes, testCodes, 5),
      ...generationMeasures(model, context, trainCodes, testCodes, run.seed),
    };
  };
}

function likelihoodMeasures(model: Model, context: MeasureContext, seed: number): Record<string, number> {
  if (model.config.kind !== "vae") return {};
  const { iwaeImages, iwaeK } = context.settings;
  const iwaeSet = sliceImageSet(context.testBinary, 0, iwaeImages);
  return {
    [MEASURE.elbo]: evaluateElbo(model, context.testBinary, { seed }).loss,
    [MEASURE.iwae]: iwaeNll(model, iwaeSet, { k: iwaeK, seed }),
  };
}

function reconstructionMeasures(model: Model, context: MeasureContext, seed: number): Record<string, number> {
  const { testBinary, testGrey } = context;
  const out: Record<string, number> = {
    [MEASURE.reconNll]: reconstructionErrors(model, testBinary).bce,
    [MEASURE.reconPsnr]: reconstructionErrors(model, testBinary, { target: testGrey }).psnr,
  };
  const psnrs = context.settings.testNoise.map((noise) => {
    const psnr = denoisingPsnr(model, testBinary, noiseFunction(noise), { seed, target: testGrey }).denoised;
    out[denoisingMeasure(noise)] = psnr;
    return psnr;
  });
  out[MEASURE.denoisingMean] = psnrs.reduce((s, v) => s + v, 0) / psnrs.length;
  const shiftSet = sliceImageSet(testBinary, 0, context.settings.shiftImages);
  const shifts = context.settings.testNoise.map((noise, k) =>
    codeShift(model, shiftSet, noiseFunction(noise), randomStream(seed, "noise", 1000 + k)),
  );
  out[MEASURE.codeShift] = shifts.reduce((s, v) => s + v, 0) / shifts.length;
  return out;
}

/**
 * How far input noise moves the codes, relative to their spread: E|mu(x~) - mu(x)|^2 divided by
 * the total variance of mu(x) over the set, with the noise drawn from `rng`. 0 when the noise
 * changes nothing; about 2 when a noisy code is as far from its clean code as an unrelated image's.
 */
export function codeShift(model: Model, set: ImageSet, noise: NoiseFn, rng: Rng): number {
  let shift = 0;
  const codes: tf.Tensor2D[] = [];
  try {
    for (const { x } of batches(set, 1000)) {
      const [moved, mu] = tf.tidy(() => {
        const clean = encode(model, x).mu;
        const noisy = encode(model, noise(x, rng)).mu;
        return [tf.sum(tf.square(tf.sub(noisy, clean))), clean];
      });
      shift += moved.dataSync()[0];
      moved.dispose();
      codes.push(mu);
    }
    const spread = tf.tidy(() => tf.sum(tf.moments(tf.concat(codes), 0).variance).dataSync()[0]);
    return shift / set.n / spread;
  } finally {
    tf.dispose(codes);
  }
}

/**
 * `n` codes drawn one of three ways: N(0, I), or a Gaussian or a mixture of Gaussians fitted by EM
 * (maximum likelihood) to `codes` after training ("ex-post density estimation").
 */
export function sampleCodes(
  sampler: Sampler,
  codes: Codes,
  n: number,
  seed: number,
  mixtureComponents = 10,
): Float32Array {
  if (sampler === "N(0, I)") {
    const rng = randomStream(seed, "sampling");
    return tf.tidy(
      () => tf.randomNormal([n, codes.dim], 0, 1, "float32", rng.seed()).dataSync() as Float32Array,
    );
  }
  const components = sampler === "fitted Gaussian" ? 1 : mixtureComponents;
  return fitMixture(codes.values, codes.n, codes.dim, { components, seed }).sample(n, seed);
}

/** The decoder's pixel means for codes given as `n` rows of numbers: images `[n, pixels]`. */
export function decodeCodes(model: Model, z: Float32Array): tf.Tensor2D {
  const dim = model.config.latentDim;
  return tf.tidy(() => decodeMean(model, tf.tensor2d(z, [z.length / dim, dim])));
}

/** The scores of a set of images (every generation score but the holes, which are about codes). */
export type GeneratedImageScores = Record<Exclude<GenerationScore, "draws in holes">, number>;

/** The recorded scores of a set of images, by name. */
export function imageScores(s: GenerationScores): GeneratedImageScores {
  return {
    Fréchet: s.frechet,
    precision: s.precision,
    recall: s.recall,
    "classes present": s.classesPresent,
    "label entropy": s.labelEntropy,
  };
}

/** Generation scores of the images a model decodes from codes `z` (`n` rows of numbers). */
export function scoreCodes(model: Model, context: MeasureContext, z: Float32Array): GenerationScores {
  const images = decodeCodes(model, z);
  try {
    return generationScores(context.classifier, context.reference, images);
  } finally {
    images.dispose();
  }
}

/**
 * The share of drawn codes `z` that lie in the holes between the training codes: farther from
 * every training code than 99 % of the test codes are (notebook 01's measure).
 */
export function drawsInHoles(z: Float32Array, trainCodes: Codes, testCodes: Codes): number {
  const dim = trainCodes.dim;
  const [train, test, draws] = [trainCodes.values, testCodes.values, z].map((v) =>
    tf.tensor2d(v, [v.length / dim, dim]),
  );
  try {
    const far = quantile(nearestDistances(test, train), 0.99);
    const nearest = nearestDistances(draws, train);
    return nearest.filter((d) => d > far).length / nearest.length;
  } finally {
    tf.dispose([train, test, draws]);
  }
}

function generationMeasures(
  model: Model,
  context: MeasureContext,
  trainCodes: Codes,
  testCodes: Codes,
  seed: number,
): Record<string, number> {
  const { samples, mixtureComponents } = context.settings;
  const out: Record<string, number> = {};
  for (const sampler of SAMPLERS) {
    const z = sampleCodes(sampler, trainCodes, samples, seed, mixtureComponents);
    const values: Record<GenerationScore, number> = {
      ...imageScores(scoreCodes(model, context, z)),
      "draws in holes": drawsInHoles(z, trainCodes, testCodes),
    };
    for (const score of GENERATION_SCORES) out[samplerMeasure(score, sampler)] = values[score];
  }
  return out;
}
