/**
 * A run of `train`: its checked settings, its optimiser and progress display, and where it stands
 * (epochs and steps done, the history), from the start or from a saved training state.
 */
import type * as tf from "@tensorflow/tfjs";
import { type Model, trainableVariables } from "../model/model";
import type { BetaSchedule } from "../model/schedules";
import type { KlTerm, ReconLoss } from "../model/losses";
import { type NoiseFn, configuredNoise } from "../model/noise";
import type { ImageSet } from "../data/batches";
import { type StepFunction, createOptimizer, trainStep } from "./step";
import { type ProgressReporter, lineProgress, progressReporter } from "./progress";
import type { EpochRecord } from "./history";
import { type CheckedOptions, type TrainOptions, checkOptions } from "./options";
import { type TrainingState, adamState, checkResume, isAdam, restoreAdam } from "./resume";
import { TRAINING_DEFAULTS } from "./defaults";

/** A run of `train` while it goes. */
export interface Run extends CheckedOptions {
  model: Model;
  /** Epochs in all. */
  epochs: number;
  stepsPerEpoch: number;
  /** The training step (`trainStep` unless the caller gave one). */
  trainStep: StepFunction;
  noise?: NoiseFn;
  beta: BetaSchedule;
  /** The caller's terms of the loss, if any. */
  reconLoss?: ReconLoss;
  klTerm?: KlTerm;
  optimizer: tf.Optimizer;
  /** The learning rate, for messages; undefined with the caller's own optimizer. */
  learningRate?: number;
  progress: ProgressReporter;
  /** Prints a line (between progress updates). */
  log: (line: string) => void;
  history: EpochRecord[];
  /** Epochs done. */
  epoch: number;
  /** Steps done: the step a beta schedule sees next. */
  steps: number;
}

/**
 * Checks the options (and the saved state when resuming) before anything is allocated, then
 * makes or restores the optimiser and the progress display.
 */
export async function startRun(model: Model, trainSet: ImageSet, options: TrainOptions): Promise<Run> {
  const checked = checkOptions(model, trainSet, options);
  const resume = options.resumeFrom;
  const { epochs, learningRate } = options;
  if (resume) checkResume(resume, { ...checked, config: model.config, epochs, learningRate });
  const optimizer = resume
    ? await restoreAdam(resume.adam, trainableVariables(model))
    : (options.optimizer ?? createOptimizer(learningRate));
  const progress = options.progress ?? defaultProgress(options, checked.logEvery);
  const log = (line: string) => progress.epoch(line);
  if (checked.batchSize < checked.batchSizeAsked)
    log(
      `batchSize ${checked.batchSizeAsked} is more than the ${trainSet.n} training images: one batch per epoch.`,
    );
  const { beta } = options;
  return {
    ...checked,
    model,
    epochs,
    stepsPerEpoch: Math.ceil(trainSet.n / checked.batchSize),
    trainStep: options.step ?? trainStep,
    noise: options.noise ?? configuredNoise(model.config),
    beta: typeof beta === "function" ? beta : () => beta ?? 1,
    reconLoss: options.reconLoss,
    klTerm: options.klTerm,
    optimizer,
    learningRate: options.optimizer
      ? undefined
      : (resume?.adam.learningRate ?? learningRate ?? TRAINING_DEFAULTS.learningRate),
    progress,
    log,
    history: resume ? [...resume.history] : [],
    epoch: resume?.epoch ?? 0,
    steps: resume?.step ?? 0,
  };
}

/**
 * A caller's `log` or logEvery 0 gets plain lines; otherwise an updating line in a notebook, a bar
 * on a terminal.
 */
function defaultProgress(options: TrainOptions, logEvery: number): ProgressReporter {
  return options.log || logEvery === 0
    ? lineProgress({ log: options.log, everySteps: logEvery })
    : progressReporter({ everySteps: logEvery });
}

/** Where the run stands, to save for resuming; undefined when the optimizer is not Adam. */
export async function trainingState(run: Run): Promise<TrainingState | undefined> {
  if (!isAdam(run.optimizer)) return undefined;
  const { epoch, steps, seed, batchSize, trainSize, binarization, model, history } = run;
  return {
    epoch,
    step: steps,
    seed,
    batchSize,
    trainSize,
    binarization,
    config: model.config,
    history: [...history],
    adam: await adamState(run.optimizer),
  };
}
