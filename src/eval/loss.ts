/**
 * Test-set losses: the (negative) ELBO with its parts, and the IWAE estimate of -log p(x).
 * All numbers are nats per image (summed over pixels, averaged over images).
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode, encode } from "../model/model";
import { type LossOptions, computeLoss, elbo, iwaeBound, negLogLikelihood } from "../model/losses";
import { type ImageSet, batches, checkImageSet } from "../data/batches";

/** Per-image means of a loss and its parts. */
export interface Metrics {
  /** recon + beta * kl; the negative ELBO for a VAE with the default terms and beta = 1. */
  loss: number;
  /** -log p(x|z). */
  recon: number;
  kl: number;
}

/** Options of the evaluations: batch size (memory) and the seed of the sampling noise. */
export interface EvalOptions {
  batchSize?: number;
  seed?: number;
}

/**
 * The loss and its parts averaged over a whole set, without training. With the default options
 * this is the test negative ELBO of a VAE, with one seeded sample `z` per image.
 */
export function evaluateLoss(model: Model, set: ImageSet, options: LossOptions & EvalOptions = {}): Metrics {
  checkImageSet(set, "evaluation set");
  const seed = options.seed ?? 0;
  const sums = { loss: 0, recon: 0, kl: 0 };
  let i = 0;
  for (const { x } of batches(set, options.batchSize ?? 1000)) {
    // A different seed per batch; +2 because computeLoss also uses seed + 1 (input noise).
    const parts = tf.tidy(() => {
      const { loss, recon, kl } = computeLoss(model, x, { ...options, seed: seed + 2 * i++ });
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

/** Options of {@link iwaeNll}. */
export interface IwaeNllOptions extends EvalOptions {
  /** Number of importance samples per image. */
  k: number;
  /** At most this many decoder rows at once (bounds memory). Default 4096. */
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
  const maxRows = options.maxRows ?? 4096;
  const batchSize = options.batchSize ?? Math.max(1, Math.floor(maxRows / options.k));
  const seed = options.seed ?? 0;
  let sum = 0;
  let done = 0;
  for (const { x } of batches(set, batchSize)) {
    const total = tf.tidy(() =>
      tf.sum(iwaeBound(model, x, options.k, { seed: seed + done * options.k, maxRows })),
    );
    sum -= total.dataSync()[0];
    total.dispose();
    done += x.shape[0];
    options.onProgress?.(done, set.n);
  }
  return sum / set.n;
}

/**
 * One score per image, for anomaly detection (`rocAuc(scores, isAnomaly)`): the negative ELBO for
 * a VAE (one seeded sample), the reconstruction loss -log p(x | decode(encode(x))) for an AE/DAE.
 * Higher means less like the training data.
 */
export function anomalyScores(model: Model, set: ImageSet, options: EvalOptions = {}): Float32Array {
  checkImageSet(set, "evaluation set");
  const scores = new Float32Array(set.n);
  let row = 0;
  for (const { x } of batches(set, options.batchSize ?? 1000)) {
    const s = tf.tidy(() =>
      model.config.kind === "vae"
        ? tf.neg(elbo(model, x, (options.seed ?? 0) + row).elbo)
        : negLogLikelihood(x, decode(model, encode(model, x).mu), model),
    );
    scores.set(s.dataSync(), row);
    s.dispose();
    row += x.shape[0];
  }
  return scores;
}
