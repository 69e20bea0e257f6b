/**
 * The training loop: seeded epochs of {@link trainStep}, per-epoch train and test metrics in a
 * history of plain objects, progress lines, a clear stop on NaN/Inf, and stopping between epochs.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import type { LossOptions } from "../model/losses";
import type { BetaSchedule } from "../model/schedules";
import { type ImageSet, batches, binarize, checkImageSet } from "../data/batches";
import { Rng } from "../random";
import { flattenRecord } from "../records";
import { NonFiniteLossError, createOptimizer, trainStep } from "./step";
import { type Metrics, evaluateLoss } from "../eval/loss";

/** One epoch in the history (plain numbers: `new dfd.DataFrame(history.map(...))` works). */
export interface EpochRecord {
  /** 1, 2, ... */
  epoch: number;
  /** Means over the epoch's steps of the loss that was minimised and its parts. */
  train: Metrics;
  /** The same terms on the test set with beta = 1 (the negative ELBO for a VAE), if a test set was given. */
  test?: Metrics;
  /** beta at the epoch's last step. */
  beta: number;
  steps: number;
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  seconds: number;
}

/** Options of {@link train}. */
export interface TrainOptions extends Omit<LossOptions, "beta" | "seed"> {
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate, default 1e-3 (ignored when `optimizer` is given). */
  learningRate?: number;
  /** Continue with this optimiser (e.g. from a previous `train` call). */
  optimizer?: tf.Optimizer;
  /** Seed of the data order and the sampling noise. Default: the model's seed (which fixed its initial weights). */
  seed?: number;
  /** Evaluated after every epoch. */
  testSet?: ImageSet;
  /** KL weight: a number or a schedule (`linearWarmup(...)`, your own function). Default 1. */
  beta?: number | BetaSchedule;
  /** "dynamic": redraw binary pixels from the grey values every batch. Default "none". */
  binarization?: "none" | "dynamic";
  /** A progress line every this many steps (0: only epoch lines). Default 100. */
  logEvery?: number;
  /** Where lines go (default console.log; works in a terminal and in a notebook). */
  log?: (line: string) => void;
  /** Stop after the current epoch once this signal is aborted. */
  signal?: AbortSignal;
  /** Stop when this returns true after an epoch. */
  shouldStop?: (record: EpochRecord) => boolean;
  /** Called after each epoch (e.g. to save a checkpoint). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
}

/** What {@link train} returns. */
export interface TrainResult {
  history: EpochRecord[];
  /** True when stopped early by `signal` or `shouldStop`. */
  stopped: boolean;
  /** The optimiser, to continue training where it left off. */
  optimizer: tf.Optimizer;
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

/**
 * Trains `model` on `trainSet` for `epochs` epochs and returns the history. The model keeps
 * what it learnt whether training finishes, is stopped, or fails on a NaN (then the weights are
 * those before the bad step).
 */
export async function train(model: Model, trainSet: ImageSet, options: TrainOptions): Promise<TrainResult> {
  checkImageSet(trainSet, "training set");
  if (options.testSet) checkImageSet(options.testSet, "test set");
  if (!(Number.isInteger(options.epochs) && options.epochs >= 0))
    throw new Error(`epochs must be a non-negative integer, got ${options.epochs}.`);
  const batchSize = options.batchSize ?? 128;
  const log = options.log ?? console.log;
  const logEvery = options.logEvery ?? 100;
  const optimizer = options.optimizer ?? createOptimizer(options.learningRate ?? 1e-3);
  const rng = new Rng(options.seed ?? model.config.seed);
  const orderRng = rng.fork();
  const noiseRng = rng.fork();
  const testSeed = rng.seed();
  const betaOf =
    typeof options.beta === "function" ? options.beta : () => (options.beta as number | undefined) ?? 1;
  const stepsPerEpoch = Math.ceil(trainSet.n / batchSize);
  const history: EpochRecord[] = [];
  let step = 0;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const start = Date.now();
    const sums = { loss: 0, recon: 0, kl: 0 };
    let seen = 0;
    let beta = betaOf({ step, epoch, stepsPerEpoch });
    let i = 0;
    for (const { x } of batches(trainSet, batchSize, { rng: orderRng })) {
      beta = betaOf({ step, epoch, stepsPerEpoch });
      const seed = noiseRng.seed();
      const input = options.binarization === "dynamic" ? binarize(x, seed + 2) : x;
      let result;
      try {
        result = trainStep(model, optimizer, input, { ...options, beta, seed });
      } catch (err) {
        if (err instanceof NonFiniteLossError)
          throw nanError(err, epoch, i + 1, stepsPerEpoch, options, history);
        throw err;
      } finally {
        if (input !== x) input.dispose();
      }
      const n = x.shape[0];
      sums.loss += result.loss * n;
      sums.recon += result.recon * n;
      sums.kl += result.kl * n;
      seen += n;
      step++;
      i++;
      if (logEvery > 0 && i % logEvery === 0) {
        const ms = (Date.now() - start) / i;
        log(
          `epoch ${epoch}/${options.epochs}  step ${i}/${stepsPerEpoch}  loss ${(sums.loss / seen).toFixed(2)}  recon ${(sums.recon / seen).toFixed(2)}  kl ${(sums.kl / seen).toFixed(2)}  (${ms.toFixed(0)} ms/step)`,
        );
        await nextTick(); // lets notebooks print and Ctrl-C handlers run
      }
    }
    const seconds = (Date.now() - start) / 1000;
    const record: EpochRecord = {
      epoch,
      train: { loss: sums.loss / seen, recon: sums.recon / seen, kl: sums.kl / seen },
      beta,
      steps: i,
      seconds,
    };
    if (options.testSet) {
      record.test = evaluateLoss(model, options.testSet, {
        reconLoss: options.reconLoss,
        klTerm: options.klTerm,
        noise: options.noise,
        seed: testSeed,
      });
    }
    history.push(record);
    log(formatEpoch(record, options.epochs));
    await options.onEpochEnd?.(record);
    await nextTick();
    if (options.signal?.aborted || options.shouldStop?.(record)) {
      if (epoch < options.epochs) log(`stopped after epoch ${epoch}; the model keeps what it has learnt.`);
      return { history, stopped: epoch < options.epochs, optimizer };
    }
  }
  return { history, stopped: false, optimizer };
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

/** One line per epoch: train and test loss with their parts, and the time. */
export function formatEpoch(record: EpochRecord, epochs?: number): string {
  const parts = (m: Metrics) => `${m.loss.toFixed(2)} (recon ${m.recon.toFixed(2)} + kl ${m.kl.toFixed(2)})`;
  const test = record.test ? `  test ${parts(record.test)}` : "";
  return `epoch ${record.epoch}${epochs ? `/${epochs}` : ""}  train ${parts(record.train)}${test}  ${record.seconds.toFixed(1)} s`;
}

function nanError(
  err: NonFiniteLossError,
  epoch: number,
  step: number,
  steps: number,
  options: TrainOptions,
  history: EpochRecord[],
): TrainingError {
  const lr = options.optimizer ? "" : ` (now ${options.learningRate ?? 1e-3})`;
  return new TrainingError(
    `Training stopped at epoch ${epoch}, step ${step}/${steps}: ${err.message} ` +
      `The model keeps the weights from before this step. Try a lower learning rate${lr}, check that inputs are in [0, 1] without NaN, ` +
      `or, for a Gaussian likelihood with learnSigma, a larger or fixed sigma.`,
    history,
  );
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
