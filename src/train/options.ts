/**
 * What `train` can be told, and the check of it: every option is validated, and its default
 * filled in, before anything is allocated.
 */
import type * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import type { LossOptions } from "../model/losses";
import type { BetaSchedule } from "../model/schedules";
import type { NoiseFn } from "../model/noise";
import { type ImageSet, checkImageSet } from "../data/batches";
import type { StepFunction } from "./step";
import type { ProgressReporter } from "./progress";
import type { EpochRecord } from "./history";
import type { TrainingState } from "./resume";
import { TRAINING_DEFAULTS } from "./defaults";

/** Options of `train`. */
export interface TrainOptions extends Omit<LossOptions, "beta"> {
  /** Epochs in all: a resumed run trains epochs `resumeFrom.epoch + 1` to `epochs`. */
  epochs: number;
  /** Default 128; more than the training set's size means one batch per epoch (a line says so). */
  batchSize?: number;
  /** Adam's learning rate, default 1e-3 (not with `optimizer`, which has its own). */
  learningRate?: number;
  /** Continue with this optimiser (e.g. from a previous `train` call). */
  optimizer?: tf.Optimizer;
  /** Seed of every random stream of the run. Default: the model's seed (which fixed its initial weights). */
  seed?: number;
  /** Evaluated after every epoch (the true negative ELBO). */
  testSet?: ImageSet;
  /** KL weight: a number or a schedule (`linearWarmup(...)`, your own function). Default 1. */
  beta?: number | BetaSchedule;
  /** "dynamic": redraw binary pixels from the grey values every batch. Default "none". */
  binarization?: "none" | "dynamic";
  /** Corrupts the encoder's input every batch (default: a DAE's configured noise, else none). */
  noise?: NoiseFn;
  /**
   * The training step to run (default `trainStep`); the notebooks pass the one they define. Its
   * batch holds the images' class labels when the training set has them.
   */
  step?: StepFunction;
  /** A progress line every this many steps (0: only epoch lines). Default 100. */
  logEvery?: number;
  /** Where lines go (default console.log; works in a terminal and in a notebook). */
  log?: (line: string) => void;
  /**
   * Shows progress (default: an updating line in a notebook, a bar on a terminal, else a line every
   * `logEvery` steps; plain lines to `log` when `log` is given or `logEvery` is 0).
   */
  progress?: ProgressReporter;
  /** Stop at the end of the current epoch once this signal is aborted. */
  signal?: AbortSignal;
  /** Stop when this returns true after an epoch. */
  shouldStop?: (record: EpochRecord) => boolean;
  /**
   * Called after each epoch with where training stands, e.g. to save a checkpoint that can resume:
   * `(record, state) => saveCheckpoint(model, dir, {}, state)`. `state` is undefined when the
   * optimizer is not Adam.
   */
  onEpochEnd?: (record: EpochRecord, state: TrainingState | undefined) => void | Promise<void>;
  /**
   * Continue a saved run (`loadCheckpoint(dir).training`) with the settings it was started with:
   * the result has the same bits as a run that never stopped. Other settings are refused.
   */
  resumeFrom?: TrainingState;
}

/** The settings of a run, checked, with their defaults filled in. */
export interface CheckedOptions {
  /** Images per batch, at most the training set's size. */
  batchSize: number;
  /** The batch size asked for (more than the training set holds, when it was clipped). */
  batchSizeAsked: number;
  seed: number;
  trainSize: number;
  binarization: "none" | "dynamic";
  logEvery: number;
}

/** Throws a clear error naming the first bad option; else the settings with defaults filled in. */
export function checkOptions(model: Model, trainSet: ImageSet, options: TrainOptions): CheckedOptions {
  const must = (ok: boolean, problem: string) => {
    if (!ok) throw new Error(`train: ${problem}`);
  };
  checkImageSet(trainSet, "training set");
  if (options.testSet) checkImageSet(options.testSet, "test set");
  must(
    Number.isInteger(options.epochs) && options.epochs >= 0,
    `epochs must be a non-negative integer, got ${options.epochs}.`,
  );
  const batchSize = options.batchSize ?? TRAINING_DEFAULTS.batchSize;
  must(
    Number.isInteger(batchSize) && batchSize > 0,
    `batchSize must be a positive integer, got ${batchSize}.`,
  );
  const lr = options.learningRate;
  must(
    lr === undefined || (Number.isFinite(lr) && lr > 0),
    `learningRate must be a finite positive number, got ${lr}.`,
  );
  must(
    !(options.optimizer && (lr !== undefined || options.resumeFrom)),
    "give optimizer alone: it has its own learning rate, and a resumed run restores its own optimizer.",
  );
  const beta = options.beta ?? 1;
  must(
    typeof beta === "function" || (Number.isFinite(beta) && beta >= 0),
    `beta must be a finite number >= 0 or a schedule, got ${beta}.`,
  );
  const logEvery = options.logEvery ?? TRAINING_DEFAULTS.logEvery;
  must(
    Number.isInteger(logEvery) && logEvery >= 0,
    `logEvery must be a non-negative integer, got ${logEvery}.`,
  );
  const seed = options.seed ?? model.config.seed;
  must(Number.isFinite(seed), `seed must be a finite number, got ${seed}.`);
  const binarization = options.binarization ?? "none";
  must(
    binarization === "none" || binarization === "dynamic",
    `binarization must be "none" or "dynamic", got ${JSON.stringify(binarization)}.`,
  );
  return {
    batchSize: Math.min(batchSize, trainSet.n),
    batchSizeAsked: batchSize,
    seed,
    trainSize: trainSet.n,
    binarization,
    logEvery,
  };
}
