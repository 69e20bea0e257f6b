/**
 * Test-set losses: the true negative ELBO with its parts, the trained objective, and the IWAE
 * estimate of -log p(x). All numbers are nats per image (summed over pixels, averaged over
 * images); sampling noise comes from the seed's evaluation stream.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { type LossOptions, trainingLoss } from "../model/losses";
import { iwaeBound } from "../model/elbo";
import { type NoiseFn, configuredNoise } from "../model/noise";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { type Rng, randomStream } from "../random";
import { yieldToEventLoop } from "../event-loop";

/** Per-image means of a loss and its parts. */
export interface Metrics {
  /** recon + beta * kl: the negative ELBO for a VAE with the default terms and beta = 1. */
  loss: number;
  /** -log p(x|z), or the reconstruction term that replaced it. */
  recon: number;
  kl: number;
}

/** Options of the evaluations: batch size (memory) and the seed of the sampling noise. */
export interface EvalOptions {
  batchSize?: number;
  /** Seed of the evaluation's random stream (default 0). */
  seed?: number;
}

/**
 * Stopping a long evaluation. With a `signal` an evaluation runs asynchronously (it returns a
 * promise and lets the event loop run between batches, so Ctrl-C handlers and timers run), and
 * once the signal is aborted it stops between batches with {@link EvaluationStopped}.
 */
export interface Stoppable {
  signal: AbortSignal;
}

/** An evaluation stopped by its signal: how far it got, and its result over the images done. */
export class EvaluationStopped<T> extends Error {
  constructor(
    /** Images evaluated. */
    readonly done: number,
    readonly total: number,
    /** The result over the first `done` images (undefined when none was done). */
    readonly partial: T | undefined,
  ) {
    super(`The evaluation was stopped after ${done} of ${total} images.`);
    this.name = "EvaluationStopped";
  }
}

/** Where an evaluation stands after a batch: images done and the result over them. */
interface Progress<T> {
  done: number;
  total: number;
  partial: T;
}

/** An evaluation, one batch per step (see {@link run}). */
type Evaluation<T> = Generator<Progress<T>, T, void>;

/**
 * Runs an evaluation: at once, or with a signal between batches (then it returns a promise).
 * A stopped evaluation is ended with `return()`, so its current batch tensor is freed.
 */
function run<T>(evaluation: Evaluation<T>, total: number, signal?: AbortSignal): T | Promise<T> {
  if (!signal) {
    for (;;) {
      const next = evaluation.next();
      if (next.done) return next.value;
    }
  }
  return (async () => {
    let last: Progress<T> | undefined;
    try {
      for (;;) {
        if (signal.aborted) throw new EvaluationStopped(last?.done ?? 0, total, last?.partial);
        const next = evaluation.next();
        if (next.done) return next.value;
        last = next.value;
        await yieldToEventLoop();
      }
    } finally {
      evaluation.return(undefined as T);
    }
  })();
}

/**
 * The true negative ELBO of a set, -log p(x|z) + KL(q(z|x) || p(z)) under the model's own
 * likelihood, closed-form KL, beta = 1, clean inputs, one sample z per image; for an AE/DAE the
 * reconstruction term -log p(x | decoded code) alone. Whatever a model was trained with, this is
 * the number to compare models by. With a `signal`, see {@link Stoppable}.
 */
export function evaluateElbo(model: Model, set: ImageSet, options: EvalOptions & Stoppable): Promise<Metrics>;
export function evaluateElbo(
  model: Model,
  set: ImageSet,
  options?: EvalOptions & { signal?: undefined },
): Metrics;
export function evaluateElbo(
  model: Model,
  set: ImageSet,
  options: EvalOptions & Partial<Stoppable> = {},
): Metrics | Promise<Metrics> {
  checkImageSet(set, "evaluation set");
  return run(evaluate(model, set, options, {}), set.n, options.signal);
}

/** Options of {@link evaluateLoss}: the objective's terms, the noise, and the evaluation's. */
export type EvaluateLossOptions = LossOptions & EvalOptions & { noise?: NoiseFn };

/**
 * The objective a model was trained with, on a set: recon + beta * kl with your `reconLoss`,
 * `klTerm` and `beta`, from inputs corrupted by `noise` (default: a DAE's configured noise).
 * With a `signal`, see {@link Stoppable}.
 */
export function evaluateLoss(
  model: Model,
  set: ImageSet,
  options: EvaluateLossOptions & Stoppable,
): Promise<Metrics>;
export function evaluateLoss(
  model: Model,
  set: ImageSet,
  options?: EvaluateLossOptions & { signal?: undefined },
): Metrics;
export function evaluateLoss(
  model: Model,
  set: ImageSet,
  options: EvaluateLossOptions & Partial<Stoppable> = {},
): Metrics | Promise<Metrics> {
  checkImageSet(set, "evaluation set");
  const noise = options.noise ?? configuredNoise(model.config);
  return run(evaluate(model, set, options, options, noise), set.n, options.signal);
}

function* evaluate(
  model: Model,
  set: ImageSet,
  options: EvalOptions,
  objective: LossOptions,
  noise?: NoiseFn,
): Evaluation<Metrics> {
  const rng = randomStream(options.seed ?? 0, "evaluation");
  const sums = { loss: 0, recon: 0, kl: 0 };
  let done = 0;
  const means = () => ({ loss: sums.loss / done, recon: sums.recon / done, kl: sums.kl / done });
  for (const { x } of batches(set, options.batchSize ?? 1000)) {
    const parts = tf.tidy(() => {
      const input = noise ? noise(x, rng) : x;
      const { loss, recon, kl } = trainingLoss(model, { x, input, eps: draw(model, x, rng) }, objective);
      return tf.stack([loss, recon, kl]);
    });
    const [loss, recon, kl] = parts.dataSync();
    parts.dispose();
    sums.loss += loss * x.shape[0];
    sums.recon += recon * x.shape[0];
    sums.kl += kl * x.shape[0];
    done += x.shape[0];
    yield { done, total: set.n, partial: means() };
  }
  return means();
}

/** Standard-normal eps for `samples` codes per image of a VAE; undefined for an AE/DAE. */
export function draw(model: Model, x: tf.Tensor2D, rng: Rng, samples = 1): tf.Tensor2D | undefined {
  if (model.config.kind !== "vae") return undefined;
  return tf.randomNormal([samples * x.shape[0], model.config.latentDim], 0, 1, "float32", rng.seed());
}

/** Options of {@link iwaeNll}. */
export interface IwaeNllOptions extends EvalOptions {
  /** Number of importance samples per image. */
  k: number;
  /** Decoder rows per batch (images * k) to aim for; bounds memory. Default 4096. */
  maxRows?: number;
  /** Called after each batch with the number of images done (long runs). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * The IWAE estimate of the negative log-likelihood, -1/n sum log (1/k sum_i w_i): an upper bound
 * on -log p(x) in nats per image that tightens as k grows. With a `signal`, see {@link Stoppable}.
 */
export function iwaeNll(model: Model, set: ImageSet, options: IwaeNllOptions & Stoppable): Promise<number>;
export function iwaeNll(
  model: Model,
  set: ImageSet,
  options: IwaeNllOptions & { signal?: undefined },
): number;
export function iwaeNll(
  model: Model,
  set: ImageSet,
  options: IwaeNllOptions & Partial<Stoppable>,
): number | Promise<number> {
  checkImageSet(set, "evaluation set");
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new Error(`k must be a positive integer (importance samples per image), got ${k}.`);
  }
  return run(iwae(model, set, options), set.n, options.signal);
}

function* iwae(model: Model, set: ImageSet, options: IwaeNllOptions): Evaluation<number> {
  const { k } = options;
  const rng = randomStream(options.seed ?? 0, "evaluation");
  const batchSize = options.batchSize ?? Math.max(1, Math.floor((options.maxRows ?? 4096) / k));
  let sum = 0;
  let done = 0;
  for (const { x } of batches(set, batchSize)) {
    const total = tf.tidy(() => tf.sum(iwaeBound(model, x, draw(model, x, rng, k)!)));
    sum -= total.dataSync()[0];
    total.dispose();
    done += x.shape[0];
    options.onProgress?.(done, set.n);
    yield { done, total: set.n, partial: sum / done };
  }
  return sum / set.n;
}
