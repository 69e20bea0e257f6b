/**
 * Test-set losses: the true negative ELBO with its parts, the trained objective, the IWAE
 * estimate of -log p(x), and anomaly scores. All numbers are nats per image (summed over pixels,
 * averaged over images); sampling noise comes from the seed's evaluation stream.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { forward } from "../model/forward";
import { type LossOptions, negLogLikelihood, trainingLoss } from "../model/losses";
import { elbo, iwaeBound } from "../model/elbo";
import { type NoiseFn, configuredNoise } from "../model/noise";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { type Rng, randomStream } from "../random";

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
 * The true negative ELBO of a set, -log p(x|z) + KL(q(z|x) || p(z)) under the model's own
 * likelihood, closed-form KL, beta = 1, clean inputs, one sample z per image; for an AE/DAE the
 * reconstruction term -log p(x | decoded code) alone. Whatever a model was trained with, this is
 * the number to compare models by.
 */
export function evaluateElbo(model: Model, set: ImageSet, options: EvalOptions = {}): Metrics {
  return evaluate(model, set, options, {});
}

/**
 * The objective a model was trained with, on a set: recon + beta * kl with your `reconLoss`,
 * `klTerm` and `beta`, from inputs corrupted by `noise` (default: a DAE's configured noise).
 */
export function evaluateLoss(
  model: Model,
  set: ImageSet,
  options: LossOptions & EvalOptions & { noise?: NoiseFn } = {},
): Metrics {
  return evaluate(model, set, options, options, options.noise ?? configuredNoise(model.config));
}

function evaluate(
  model: Model,
  set: ImageSet,
  options: EvalOptions,
  objective: LossOptions,
  noise?: NoiseFn,
): Metrics {
  checkImageSet(set, "evaluation set");
  const rng = randomStream(options.seed ?? 0, "evaluation");
  const sums = { loss: 0, recon: 0, kl: 0 };
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
  }
  return { loss: sums.loss / set.n, recon: sums.recon / set.n, kl: sums.kl / set.n };
}

/** Standard-normal eps for `samples` codes per image of a VAE; undefined for an AE/DAE. */
function draw(model: Model, x: tf.Tensor2D, rng: Rng, samples = 1): tf.Tensor2D | undefined {
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
 * on -log p(x) in nats per image that tightens as k grows.
 */
export function iwaeNll(model: Model, set: ImageSet, options: IwaeNllOptions): number {
  checkImageSet(set, "evaluation set");
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1)) {
    throw new Error(`k must be a positive integer (importance samples per image), got ${k}.`);
  }
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
  }
  return sum / set.n;
}

/**
 * One score per image, for anomaly detection (`rocAuc(scores, isAnomaly)`): the negative ELBO for
 * a VAE (one sample), the reconstruction loss -log p(x | decoded code) for an AE/DAE. Higher means
 * less like the training data.
 */
export function anomalyScores(model: Model, set: ImageSet, options: EvalOptions = {}): Float32Array {
  checkImageSet(set, "evaluation set");
  const rng = randomStream(options.seed ?? 0, "evaluation");
  const scores = new Float32Array(set.n);
  let row = 0;
  for (const { x } of batches(set, options.batchSize ?? 1000)) {
    const s = tf.tidy(() =>
      model.config.kind === "vae"
        ? tf.neg(elbo(model, x, draw(model, x, rng)!).elbo)
        : negLogLikelihood(x, forward(model, x).output, model),
    );
    scores.set(s.dataSync(), row);
    s.dispose();
    row += x.shape[0];
  }
  return scores;
}
