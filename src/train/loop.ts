/**
 * The training loop: epochs of a training step ({@link trainStep} unless you pass your own), with
 * per-epoch train and test numbers in a history of plain objects, progress lines, a clear stop on
 * NaN/Inf, stopping between epochs, and resuming a saved run. Every random draw comes from the
 * run's seed, one stream per purpose and epoch: data order, eps, input noise, binarization.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, namedWeights, trainableVariables } from "../model/model";
import type { LossOptions, TrainBatch } from "../model/losses";
import type { BetaSchedule } from "../model/schedules";
import type { ModelKind } from "../model/config";
import { type NoiseFn, configuredNoise } from "../model/noise";
import { type ImageSet, batches, binarize, checkImageSet } from "../data/batches";
import { type Rng, randomStream } from "../random";
import { flattenRecord } from "../records";
import { NonFiniteLossError, type StepFunction, type StepResult, createOptimizer, trainStep } from "./step";
import { type Metrics, evaluateElbo } from "../eval/loss";
import { yieldToEventLoop } from "../event-loop";
import { type ProgressReporter, lineProgress, objectiveText, progressReporter } from "./progress";
import { type TrainingState, adamState, checkResume, isAdam, restoreAdam } from "./resume";

/** One epoch in the history (plain numbers: `new dfd.DataFrame(historyRows(history))` works). */
export interface EpochRecord {
  /** 1, 2, ... */
  epoch: number;
  /** Means over the epoch's steps of the objective that was minimised (recon + beta * kl) and its parts. */
  train: Metrics;
  /** The true negative ELBO on the test set (see `evaluateElbo`), if a test set was given. */
  test?: Metrics;
  /** beta at the epoch's last step. */
  beta: number;
  steps: number;
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  seconds: number;
}

/** Options of {@link train}. */
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
  /** The training step to run (default {@link trainStep}); the notebooks pass the one they define. */
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

/** What {@link train} returns. */
export interface TrainResult {
  /** Every finished epoch (a resumed run's earlier ones first). */
  history: EpochRecord[];
  /** True when stopped early by `signal` or `shouldStop`. */
  stopped: boolean;
  /** The optimiser, to continue training where it left off. */
  optimizer: tf.Optimizer;
  /** Where training stands, to save beside the model; undefined when the optimizer is not Adam. */
  state?: TrainingState;
}

/** Raised when training meets NaN/Inf; `history` holds the finished epochs. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly history: EpochRecord[],
  ) {
    super(message);
    this.name = "TrainingError";
  }
}

/** The random streams of one epoch. */
interface EpochStreams {
  order: Rng;
  eps: Rng;
  noise: Rng;
  binarization: Rng;
}

/**
 * Trains `model` on `trainSet` until `epochs` epochs are done and returns the history. The model
 * keeps what it learnt whether training finishes, is stopped, or fails on a NaN (then the weights
 * are those before the bad step). Every option is checked before anything is allocated, and a
 * failure frees what training allocated (the optimizer, unless you passed it).
 */
export async function train(model: Model, trainSet: ImageSet, options: TrainOptions): Promise<TrainResult> {
  const run = checkOptions(model, trainSet, options);
  const resume = options.resumeFrom;
  if (resume) {
    const { epochs, learningRate } = options;
    checkResume(resume, { ...run, config: model.config, epochs, learningRate });
  }
  // A caller's `log` or logEvery 0 gets plain lines; otherwise an updating line in a notebook, a
  // bar on a terminal.
  const progress =
    options.progress ??
    (options.log || run.logEvery === 0
      ? lineProgress({ log: options.log, everySteps: run.logEvery })
      : progressReporter({ everySteps: run.logEvery }));
  const log = (line: string) => progress.epoch(line);
  if (run.batchSize < (options.batchSize ?? 128)) {
    log(
      `batchSize ${options.batchSize ?? 128} is more than the ${trainSet.n} training images: one batch per epoch.`,
    );
  }
  const step = options.step ?? trainStep;
  const noise = options.noise ?? configuredNoise(model.config);
  const betaOf =
    typeof options.beta === "function" ? options.beta : () => (options.beta as number | undefined) ?? 1;
  const stepsPerEpoch = Math.ceil(trainSet.n / run.batchSize);
  const history: EpochRecord[] = resume ? [...resume.history] : [];
  let globalStep = resume?.step ?? 0;
  let done = resume?.epoch ?? 0;
  const optimizer = resume
    ? await restoreAdam(resume.adam, trainableVariables(model))
    : (options.optimizer ?? createOptimizer(options.learningRate ?? 1e-3));
  const { seed, batchSize, trainSize, binarization } = run;
  const state = async (): Promise<TrainingState | undefined> =>
    isAdam(optimizer)
      ? {
          epoch: done,
          step: globalStep,
          seed,
          batchSize,
          trainSize,
          binarization,
          config: model.config,
          history: [...history],
          adam: await adamState(optimizer),
        }
      : undefined;

  try {
    let stopped = false;
    for (let epoch = done + 1; epoch <= options.epochs; epoch++) {
      if (
        options.signal?.aborted ||
        (history.length > 0 && options.shouldStop?.(history[history.length - 1]))
      ) {
        stopped = true;
        break;
      }
      const start = Date.now();
      const streams: EpochStreams = {
        order: randomStream(run.seed, "order", epoch),
        eps: randomStream(run.seed, "eps", epoch),
        noise: randomStream(run.seed, "noise", epoch),
        binarization: randomStream(run.seed, "binarization", epoch),
      };
      const sums = { loss: 0, recon: 0, kl: 0 };
      let seen = 0;
      let beta = 0;
      let i = 0;
      for (const { x: images, indices } of batches(trainSet, run.batchSize, { rng: streams.order })) {
        beta = betaOf({ step: globalStep, epoch, stepsPerEpoch });
        if (!(Number.isFinite(beta) && beta >= 0)) {
          throw new Error(
            `train: the beta schedule gave ${beta} at step ${globalStep} (epoch ${epoch}); beta must be a finite number >= 0.`,
          );
        }
        const batch = trainBatch(model, images, streams, run.binarization === "dynamic", noise);
        if (trainSet.labels) batch.labels = batchLabels(trainSet.labels, indices);
        let result: StepResult;
        try {
          result = step(model, optimizer, batch, {
            reconLoss: options.reconLoss,
            klTerm: options.klTerm,
            beta,
          });
        } catch (err) {
          if (err instanceof NonFiniteLossError)
            throw nanError(
              `at epoch ${epoch}, step ${i + 1}/${stepsPerEpoch}`,
              err.message,
              options,
              history,
            );
          throw err;
        } finally {
          const made = [batch.x, batch.input, batch.eps, batch.labels];
          tf.dispose(made.filter((t) => t && t !== images) as tf.Tensor[]);
        }
        const n = images.shape[0];
        sums.loss += result.loss * n;
        sums.recon += result.recon * n;
        sums.kl += result.kl * n;
        seen += n;
        globalStep++;
        i++;
        const msPerStep = (Date.now() - start) / i;
        const stepsLeft = (options.epochs - epoch) * stepsPerEpoch + stepsPerEpoch - i;
        progress.step({
          epoch,
          epochs: options.epochs,
          step: i,
          stepsPerEpoch,
          loss: sums.loss / seen,
          recon: sums.recon / seen,
          kl: sums.kl / seen,
          beta,
          msPerStep,
          secondsLeft: (stepsLeft * msPerStep) / 1000,
        });
        await yieldToEventLoop(); // lets notebooks show progress and Ctrl-C handlers run
      }
      const seconds = (Date.now() - start) / 1000;
      const record: EpochRecord = {
        epoch,
        train: { loss: sums.loss / seen, recon: sums.recon / seen, kl: sums.kl / seen },
        beta,
        steps: i,
        seconds,
      };
      if (options.testSet) record.test = evaluateElbo(model, options.testSet, { seed: run.seed });
      const diverged = nonFinite(model, record);
      if (diverged) throw nanError(`after epoch ${epoch} (${i} steps)`, diverged, options, history, DIVERGED);
      history.push(record);
      done = epoch;
      log(formatEpoch(record, options.epochs, model.config.kind));
      if (options.onEpochEnd) await options.onEpochEnd(record, await state());
      await yieldToEventLoop();
    }
    if (stopped) log(`stopped after epoch ${done}; the model keeps what it has learnt.`);
    return { history, stopped, optimizer, state: await state() };
  } catch (err) {
    if (!options.optimizer) optimizer.dispose();
    throw err;
  } finally {
    progress.done();
  }
}

/** The settings of a run with defaults filled in, checked before anything is allocated. */
function checkOptions(model: Model, trainSet: ImageSet, options: TrainOptions) {
  const must = (ok: boolean, problem: string) => {
    if (!ok) throw new Error(`train: ${problem}`);
  };
  checkImageSet(trainSet, "training set");
  if (options.testSet) checkImageSet(options.testSet, "test set");
  must(
    Number.isInteger(options.epochs) && options.epochs >= 0,
    `epochs must be a non-negative integer, got ${options.epochs}.`,
  );
  const batchSize = options.batchSize ?? 128;
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
  const logEvery = options.logEvery ?? 100;
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
    seed,
    trainSize: trainSet.n,
    binarization,
    logEvery,
  };
}

/**
 * What is not finite after an epoch, or undefined: the mean training loss (a step of your own may
 * not check), the test -ELBO, or a weight (the last update can diverge even when every loss
 * before it was finite).
 */
function nonFinite(model: Model, record: EpochRecord): string | undefined {
  for (const [what, m] of [
    ["mean training loss", record.train],
    ["test -ELBO", record.test],
  ] as const) {
    if (m && ![m.loss, m.recon, m.kl].every(Number.isFinite))
      return `the ${what} is not finite (loss ${m.loss}, recon ${m.recon}, kl ${m.kl}).`;
  }
  const weights = namedWeights(model);
  // x * 0 is 0 for a finite x and NaN for NaN or Inf: one number per weight tensor, read at once.
  const checks = tf.tidy(() => tf.stack(weights.map(({ tensor }) => tf.sum(tf.mul(tensor, 0)))));
  const bad = Array.from(checks.dataSync()).findIndex((v) => !Number.isFinite(v));
  checks.dispose();
  return bad < 0 ? undefined : `weight ${weights[bad].name} is not finite after the epoch's last update.`;
}

/** The step's inputs from a batch of images: binarized target, corrupted input, eps. */
function trainBatch(
  model: Model,
  images: tf.Tensor2D,
  streams: EpochStreams,
  dynamicBinarization: boolean,
  noise: NoiseFn | undefined,
): TrainBatch {
  const x = dynamicBinarization ? binarize(images, streams.binarization) : images;
  const input = noise ? noise(x, streams.noise) : x;
  if (model.config.kind !== "vae") return { x, input };
  const eps = tf.randomNormal([x.shape[0], model.config.latentDim], 0, 1, "float32", streams.eps.seed());
  return { x, input, eps: eps as tf.Tensor2D };
}

/** The labels of a batch's rows (`indices` into the set), as the int32 tensor a step receives. */
function batchLabels(labels: Uint8Array, indices: Int32Array): tf.Tensor1D {
  return tf.tensor1d(
    Int32Array.from(indices, (i) => labels[i]),
    "int32",
  );
}

/**
 * The history as flat rows (`{ epoch, train_loss, train_recon, train_kl, test_loss, ..., seconds }`),
 * the shape a DataFrame or a chart wants.
 */
export function historyRows(history: EpochRecord[]): Record<string, number>[] {
  return history.map(
    ({ epoch, train, test, beta, steps, seconds }) =>
      flattenRecord({ epoch, train, ...(test ? { test } : {}), beta, steps, seconds }, "_") as Record<
        string,
        number
      >,
  );
}

/**
 * One line per epoch: the objective that was optimised on the training batches (beta in the sum)
 * and, labelled, the true negative ELBO on the test set (for an AE/DAE, its -log p(x|z) alone),
 * and the time.
 */
export function formatEpoch(record: EpochRecord, epochs?: number, kind: ModelKind = "vae"): string {
  const t = record.test;
  const trueLoss =
    kind === "vae"
      ? `-ELBO ${t?.loss.toFixed(2)} = recon ${t?.recon.toFixed(2)} + kl ${t?.kl.toFixed(2)}`
      : `-log p(x|z) ${t?.recon.toFixed(2)}`;
  const test = t ? ` | test ${trueLoss}` : "";
  const of = epochs ? `/${epochs}` : "";
  return `epoch ${record.epoch}${of}  train ${objectiveText(record.train, record.beta, kind)}${test}  ${record.seconds.toFixed(1)} s`;
}

/** What the model holds when the weights or the test loss turned non-finite only after an epoch's last update. */
const DIVERGED =
  "The model's weights are those after the epoch's last update: go back to a checkpoint saved after an earlier epoch.";

function nanError(
  where: string,
  problem: string,
  options: TrainOptions,
  history: EpochRecord[],
  kept = "The model keeps the weights from before this step.",
): TrainingError {
  const lr = options.optimizer
    ? ""
    : ` (now ${options.resumeFrom?.adam.learningRate ?? options.learningRate ?? 1e-3})`;
  return new TrainingError(
    `Training stopped ${where}: ${problem} ${kept} Try a lower learning rate${lr}, check that inputs are in [0, 1] without NaN, ` +
      `or, for a Gaussian likelihood with learnSigma, a larger or fixed sigma.`,
    history,
  );
}
