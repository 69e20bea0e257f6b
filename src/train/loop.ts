/**
 * The training loop: epochs of a training step ({@link trainStep} unless you pass your own), with
 * per-epoch train and test numbers in a history of plain objects, progress lines, a clear stop on
 * NaN/Inf, and stopping between epochs. Every random draw comes from the run's seed, one stream
 * per purpose and epoch: data order, eps, input noise, binarization.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import type { LossOptions, TrainBatch } from "../model/losses";
import type { BetaSchedule } from "../model/schedules";
import { type NoiseFn, configuredNoise } from "../model/noise";
import { type ImageSet, batches, binarize, checkImageSet } from "../data/batches";
import { type Rng, randomStream } from "../random";
import { flattenRecord } from "../records";
import { NonFiniteLossError, type StepFunction, type StepResult, createOptimizer, trainStep } from "./step";
import { type Metrics, evaluateElbo } from "../eval/loss";

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
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate, default 1e-3 (ignored when `optimizer` is given). */
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

/** The random streams of one epoch. */
interface EpochStreams {
  order: Rng;
  eps: Rng;
  noise: Rng;
  binarization: Rng;
}

/**
 * Trains `model` on `trainSet` for `epochs` epochs and returns the history. The model keeps
 * what it learnt whether training finishes, is stopped, or fails on a NaN (then the weights are
 * those before the bad step).
 */
export async function train(model: Model, trainSet: ImageSet, options: TrainOptions): Promise<TrainResult> {
  checkImageSet(trainSet, "training set");
  if (options.testSet) checkImageSet(options.testSet, "test set");
  if (!(Number.isInteger(options.epochs) && options.epochs >= 0)) {
    throw new Error(`epochs must be a non-negative integer, got ${options.epochs}.`);
  }
  const batchSize = options.batchSize ?? 128;
  const log = options.log ?? console.log;
  const logEvery = options.logEvery ?? 100;
  const seed = options.seed ?? model.config.seed;
  const step = options.step ?? trainStep;
  const noise = options.noise ?? configuredNoise(model.config);
  const optimizer = options.optimizer ?? createOptimizer(options.learningRate ?? 1e-3);
  const betaOf = typeof options.beta === "function" ? options.beta : () => (options.beta as number) ?? 1;
  const stepsPerEpoch = Math.ceil(trainSet.n / batchSize);
  const history: EpochRecord[] = [];
  let globalStep = 0;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const start = Date.now();
    const streams: EpochStreams = {
      order: randomStream(seed, "order", epoch),
      eps: randomStream(seed, "eps", epoch),
      noise: randomStream(seed, "noise", epoch),
      binarization: randomStream(seed, "binarization", epoch),
    };
    const sums = { loss: 0, recon: 0, kl: 0 };
    let seen = 0;
    let beta = betaOf({ step: globalStep, epoch, stepsPerEpoch });
    let i = 0;
    for (const { x: images } of batches(trainSet, batchSize, { rng: streams.order })) {
      beta = betaOf({ step: globalStep, epoch, stepsPerEpoch });
      const batch = trainBatch(model, images, streams, options.binarization === "dynamic", noise);
      let result: StepResult;
      try {
        result = step(model, optimizer, batch, {
          reconLoss: options.reconLoss,
          klTerm: options.klTerm,
          beta,
        });
      } catch (err) {
        if (err instanceof NonFiniteLossError)
          throw nanError(err, epoch, i + 1, stepsPerEpoch, options, history);
        throw err;
      } finally {
        tf.dispose([batch.x, batch.input, batch.eps].filter((t) => t && t !== images) as tf.Tensor[]);
      }
      const n = images.shape[0];
      sums.loss += result.loss * n;
      sums.recon += result.recon * n;
      sums.kl += result.kl * n;
      seen += n;
      globalStep++;
      i++;
      if (logEvery > 0 && i % logEvery === 0) {
        const ms = (Date.now() - start) / i;
        log(
          `epoch ${epoch}/${options.epochs}  step ${i}/${stepsPerEpoch}  ${objectiveText(
            { loss: sums.loss / seen, recon: sums.recon / seen, kl: sums.kl / seen },
            beta,
          )}  (${ms.toFixed(0)} ms/step)`,
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
    if (options.testSet) record.test = evaluateElbo(model, options.testSet, { seed });
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

/** The optimised objective with beta in the sum: `objective 120.31 = recon 100.11 + 4 × kl 5.05`. */
function objectiveText(m: Metrics, beta: number): string {
  const weight = beta === 1 ? "" : `${Number(beta.toPrecision(3))} × `;
  return `objective ${m.loss.toFixed(2)} = recon ${m.recon.toFixed(2)} + ${weight}kl ${m.kl.toFixed(2)}`;
}

/**
 * One line per epoch: the objective that was optimised on the training batches (beta in the sum)
 * and the true negative ELBO on the test set, each labelled, and the time.
 */
export function formatEpoch(record: EpochRecord, epochs?: number): string {
  const t = record.test;
  const test = t
    ? ` | test -ELBO ${t.loss.toFixed(2)} = recon ${t.recon.toFixed(2)} + kl ${t.kl.toFixed(2)}`
    : "";
  const of = epochs ? `/${epochs}` : "";
  return `epoch ${record.epoch}${of}  train ${objectiveText(record.train, record.beta)}${test}  ${record.seconds.toFixed(1)} s`;
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
