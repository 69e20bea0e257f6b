/**
 * The VAE-versus-DAE experiment of notebooks 06 (MNIST) and 07 (Fashion-MNIST) as one protocol:
 * its settings per run mode, its data (binary inputs, grey targets), its factorial design, one call
 * that runs it all, and a file that keeps its table so another notebook can compare datasets.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ImageSet, binarizeStatic, sliceImageSet, toImageSet } from "../data/batches";
import { type DatasetName, loadDataset } from "../data/datasets";
import { PROJECT_RUNS_DIR, type Classifier, loadClassifier } from "../eval/classifier";
import { generationScores } from "../eval/generation";
import { makeFolders, replaceFile } from "../files";
import { type RunMode, isQuick, runMode } from "../mode";
import { NOISE_KINDS, type NoiseConfig } from "../model/config";
import { NOISE_LEVELS, mixedNoise } from "../model/noise";
import { type FactorialDesign, type FactorialOptions, type FactorialResult, runFactorial } from "./factorial";
import {
  type GeneratedImageScores,
  imageScores,
  type MeasureContext,
  type MeasureSettings,
  measureContext,
  measureVaeVersusDae,
} from "./vae-versus-dae-measures";

/** Every size and seed of the experiment. */
export interface VaeVersusDaeSettings extends MeasureSettings {
  /** The first this many training images train every model. */
  trainImages: number;
  /** The first this many test images are measured. */
  testImages: number;
  /** Training images whose codes train the probes and fit the ex-post densities. */
  codeImages: number;
  seeds: number[];
  /** Epochs after which every run is measured; the last is the length of every run. */
  budgets: number[];
  hidden: number[];
  latentDim: number;
  batchSize: number;
  learningRate: number;
  /** The noisy cells' training noise: one of these per batch, drawn uniformly. */
  trainingNoise: NoiseConfig[];
  /** Seed of the one binarization of the test images (the code images get the next seed). */
  binarizationSeed: number;
  /** Images the classifier trains on (the full training set when undefined). */
  classifierImages?: number;
}

/** The three kinds of noise of notebook 05 at three levels each, mild to strong. */
export const TRAINING_NOISE: readonly NoiseConfig[] = NOISE_KINDS.flatMap((kind) =>
  NOISE_LEVELS[kind].map((level) => ({ kind, level })),
);

/**
 * The settings of the experiment in the given run mode (default: the current one). Full mode is
 * sized for the capstone's time limit (15 minutes on 2 cores): twelve runs of ten epochs fit it
 * on 10,000 training images, with 2,000 test images and 50 importance samples per IWAE estimate.
 */
export function vaeVersusDaeSettings(mode: RunMode = runMode()): VaeVersusDaeSettings {
  const quick = mode === "quick";
  return {
    trainImages: quick ? 384 : 10000,
    testImages: quick ? 200 : 2000,
    codeImages: quick ? 200 : 2000,
    samples: quick ? 100 : 2000,
    iwaeImages: quick ? 20 : 200,
    iwaeK: quick ? 5 : 50,
    probeSteps: quick ? 30 : 150,
    probePathSteps: quick ? 10 : 50,
    shiftImages: quick ? 100 : 2000,
    mixtureComponents: 10,
    seeds: [1, 2, 3],
    budgets: quick ? [1, 2, 3] : [1, 3, 10],
    hidden: [400],
    latentDim: 20,
    batchSize: 128,
    learningRate: 1e-3,
    trainingNoise: [...TRAINING_NOISE],
    testNoise: [TRAINING_NOISE[1], TRAINING_NOISE[4], TRAINING_NOISE[7]],
    binarizationSeed: 1000,
    classifierImages: quick ? 3000 : undefined,
  };
}

/** The sets of the experiment: grey training images, grey and binary test images, binary code images. */
export interface VaeVersusDaeData {
  trainSet: ImageSet;
  testGrey: ImageSet;
  testBinary: ImageSet;
  codeSet: ImageSet;
}

/** Loads the dataset and cuts and binarizes its sets as the settings say. */
export async function vaeVersusDaeData(
  dataset: DatasetName,
  settings: VaeVersusDaeSettings,
): Promise<VaeVersusDaeData> {
  const trainSet = toImageSet(await loadDataset(dataset, "train"), settings.trainImages);
  const testGrey = toImageSet(await loadDataset(dataset, "test"), settings.testImages);
  const codes = sliceImageSet(trainSet, 0, settings.codeImages);
  return {
    trainSet,
    testGrey,
    testBinary: binarizeStatic(testGrey, settings.binarizationSeed),
    codeSet: binarizeStatic(codes, settings.binarizationSeed + 1),
  };
}

/** The factorial design of the experiment on `trainSet`. */
export function vaeVersusDaeDesign(trainSet: ImageSet, settings: VaeVersusDaeSettings): FactorialDesign {
  return {
    trainSet,
    seeds: settings.seeds,
    budgets: settings.budgets,
    noise: mixedNoise(settings.trainingNoise),
    model: { hidden: settings.hidden, latentDim: settings.latentDim },
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    binarization: "dynamic",
  };
}

/** The test accuracy the course asks of its classifier, per dataset (when trained on the full set). */
export const CLASSIFIER_ACCURACY_FLOOR: Record<DatasetName, number> = { mnist: 0.98, "fashion-mnist": 0.88 };

/**
 * The course's classifier for `dataset` (cached): trained on the full training set and tested on
 * the full test set, or, when the settings say so (quick mode), on fewer images of each.
 */
export async function experimentClassifier(
  dataset: DatasetName,
  settings: VaeVersusDaeSettings,
  log?: (line: string) => void,
): Promise<Classifier> {
  const n = settings.classifierImages;
  const few = async (split: "train" | "test", count: number) =>
    toImageSet(await loadDataset(dataset, split), count);
  return loadClassifier(dataset, {
    trainSet: n === undefined ? undefined : await few("train", n),
    testSet: n === undefined ? undefined : await few("test", settings.testImages),
    minTestAccuracy: n === undefined ? CLASSIFIER_ACCURACY_FLOOR[dataset] : 0,
    log,
  });
}

/** Everything the experiment produced on one dataset, as stored. */
export interface VaeVersusDaeResult extends Omit<FactorialResult, "models"> {
  dataset: DatasetName;
  mode: RunMode;
  settings: VaeVersusDaeSettings;
  classifier: { testAccuracy: number; testImages: number; trainImages: number };
  /** Real training images scored like generated ones: the floor of each generation score. */
  real: GeneratedImageScores;
}

/** Scores `samples` real training images (grey) against the real test reference: the floor. */
export function realScores(context: MeasureContext, trainSet: ImageSet): GeneratedImageScores {
  const real = sliceImageSet(trainSet, trainSet.n - context.settings.samples, context.settings.samples);
  return imageScores(generationScores(context.classifier, context.reference, real));
}

/**
 * Runs the whole experiment on `dataset`: data (or `data`, loaded before with the same settings),
 * classifier, every cell and seed, every budget. Models asked for with `keep` are returned (the
 * caller disposes them); the classifier is freed.
 */
export async function runVaeVersusDae(
  dataset: DatasetName,
  settings: VaeVersusDaeSettings = vaeVersusDaeSettings(),
  options: FactorialOptions & { data?: VaeVersusDaeData } = {},
): Promise<VaeVersusDaeResult & Pick<FactorialResult, "models">> {
  const data = options.data ?? (await vaeVersusDaeData(dataset, settings));
  const classifier = await experimentClassifier(dataset, settings, options.log);
  try {
    const context = measureContext(classifier, data, settings);
    const run = await runFactorial(
      vaeVersusDaeDesign(data.trainSet, settings),
      measureVaeVersusDae(context),
      options,
    );
    const { testAccuracy, testImages, trainImages } = classifier;
    return {
      dataset,
      mode: isQuick() ? "quick" : "full",
      settings,
      classifier: { testAccuracy, testImages, trainImages },
      real: realScores(context, data.trainSet),
      ...run,
    };
  } finally {
    classifier.dispose();
  }
}

const FORMAT = "vae-lab-vae-versus-dae-1";

/** Where the experiment's table on `dataset` in `mode` is kept (in the project's runs/ folder). */
export function experimentFile(
  dataset: DatasetName,
  mode: RunMode = runMode(),
  dir = PROJECT_RUNS_DIR,
): string {
  return join(dir, "experiments", `vae-versus-dae-${dataset}-${mode}.json`);
}

/** Saves a result (without its models) to `file` in one rename; returns the file. */
export function saveExperiment(
  result: VaeVersusDaeResult,
  file = experimentFile(result.dataset, result.mode),
): string {
  const { dataset, mode, settings, classifier, real, rows, times } = result;
  makeFolders(join(file, ".."));
  const stored = {
    format: FORMAT,
    saved: new Date().toISOString(),
    dataset,
    mode,
    settings,
    classifier,
    real,
    rows,
    times,
  };
  replaceFile(file, JSON.stringify(stored));
  return file;
}

/**
 * The result saved in `file` when it was run with exactly `settings`, else the reason it cannot
 * be used (missing, other settings, damaged).
 */
export function loadExperiment(
  file: string,
  settings: VaeVersusDaeSettings,
): { result: VaeVersusDaeResult & { saved: string }; why?: undefined } | { result?: undefined; why: string } {
  if (!existsSync(file))
    return { why: `${file} does not exist (its notebook has not been run in this mode)` };
  let stored: VaeVersusDaeResult & { format?: string; saved: string };
  try {
    stored = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    return { why: `${file} is not valid JSON (${(err as Error).message})` };
  }
  if (stored.format !== FORMAT)
    return { why: `${file} has format ${JSON.stringify(stored.format)}, expected "${FORMAT}"` };
  if (JSON.stringify(stored.settings) !== JSON.stringify(settings))
    return { why: `${file} was run with other settings` };
  return { result: stored };
}
