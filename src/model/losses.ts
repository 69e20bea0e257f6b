/**
 * The loss a training step minimises, for all three models.
 *
 * Convention (pytorch/examples): every term is in nats per image, summed over pixels and latent
 * dimensions, averaged over the batch. `recon` is -log p(x|z), `kl` the KL term, and the VAE loss
 * is `recon + beta * kl`: the negative ELBO when beta = 1 and the terms are the defaults.
 *
 * Readers change a formula by passing a plain function: `reconLoss`, `klTerm`.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "./model";
import { forward } from "./forward";
import { bernoulliLogLikelihood, gaussianLogLikelihood } from "./likelihoods";
import { klPerDimension, klStandardNormal } from "./kl";

/** -log p(x | decoder output) per example, `[batch]`. Swap in e.g. a squared error. */
export type ReconLoss = (x: tf.Tensor2D, output: tf.Tensor2D, model: Model) => tf.Tensor;
/** The KL term from `mu`, `logVar` and the sample `z`: per example `[batch]`, or a batch scalar. */
export type KlTerm = (mu: tf.Tensor2D, logVar: tf.Tensor2D, z: tf.Tensor2D) => tf.Tensor;

/** The terms of the objective. */
export interface LossOptions {
  /** KL weight (VAE). Default 1. */
  beta?: number;
  /** Reconstruction term; default {@link negLogLikelihood} under the model's likelihood. */
  reconLoss?: ReconLoss;
  /** KL term (VAE); default the closed form {@link klStandardNormal}. */
  klTerm?: KlTerm;
}

/**
 * What one step trains on: the target `x`, the encoder's `input`, for a VAE the noise `eps`, and
 * the images' class `labels` when the training set has them.
 */
export interface TrainBatch {
  /** The images to reconstruct, `[batch, pixels]` in [0, 1]. */
  x: tf.Tensor2D;
  /** What the encoder sees: `x` itself, or a corrupted copy (denoising). */
  input: tf.Tensor2D;
  /** Standard-normal draws `[batch, latentDim]` for the reparameterization (VAE only). */
  eps?: tf.Tensor2D;
  /**
   * The class of each image, `[batch]` int32 (0, 1, ...), in the rows' order; present whenever
   * the training set has labels. A conditional model's step makes its condition from them, e.g.
   * `tf.oneHot(batch.labels, 10)`. The loop disposes them after the step.
   */
  labels?: tf.Tensor1D;
}

/** Batch means (scalars) of the loss that is minimised and its two parts. */
export interface LossParts {
  loss: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/** The model's negative log-likelihood of `x` given the decoder output, per example. */
export function negLogLikelihood(x: tf.Tensor2D, output: tf.Tensor2D, model: Model): tf.Tensor1D {
  return tf.tidy(() => {
    if (model.config.likelihood === "bernoulli") return tf.neg(bernoulliLogLikelihood(x, output));
    return tf.neg(gaussianLogLikelihood(x, output, model.logSigma ?? Math.log(model.config.sigma)));
  });
}

/**
 * Free bits (Kingma et al. 2016): each latent dimension's KL, averaged over the batch, counts at
 * least `lambda` nats, so the optimiser gains nothing by pushing it below. Returns a batch scalar.
 */
export function freeBits(lambda: number): KlTerm {
  if (!(Number.isFinite(lambda) && lambda >= 0))
    throw new Error(
      `freeBits: lambda (nats per latent dimension) must be a finite number >= 0, got ${lambda}.`,
    );
  return (mu, logVar) => tf.tidy(() => tf.sum(tf.maximum(tf.mean(klPerDimension(mu, logVar), 0), lambda)));
}

/**
 * The training loss on one batch: recon + beta * kl for a VAE (one reparameterized sample per
 * image), recon alone for an AE/DAE (kl = 0).
 */
export function trainingLoss(model: Model, batch: TrainBatch, options: LossOptions = {}): LossParts {
  return tf.tidy(() => {
    const { mu, logVar, z, output } = forward(model, batch.input, batch.eps);
    const recon = tf.mean((options.reconLoss ?? negLogLikelihood)(batch.x, output, model)) as tf.Scalar;
    if (!logVar) return { loss: recon, recon, kl: tf.scalar(0) };
    const kl = tf.mean((options.klTerm ?? klStandardNormal)(mu, logVar, z)) as tf.Scalar;
    const loss = tf.add(recon, tf.mul(options.beta ?? 1, kl)) as tf.Scalar;
    return { loss, recon, kl };
  });
}
