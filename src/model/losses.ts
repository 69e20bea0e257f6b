/**
 * Losses of the three models, the ELBO and the importance-weighted bound (IWAE).
 *
 * Convention (pytorch/examples): every term is in nats per image, summed over pixels and
 * latent dimensions, averaged over the batch. `recon` is -log p(x|z), `kl` the KL term, and the
 * VAE loss is `recon + beta * kl`, the negative ELBO when beta = 1.
 *
 * Readers customise a formula by passing a plain function: `reconLoss`, `klTerm`, `noise`.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, checkBatch, decode, encode } from "./model";
import { bernoulliLogLikelihood, gaussianLogLikelihood } from "./likelihoods";
import { klPerDimension, klStandardNormal, logNormal, logStandardNormal } from "./kl";
import { reparameterize } from "./reparameterize";
import { type NoiseFn, noiseFunction } from "./noise";
import { tfSeed } from "../random";

/** -log p(x | decoder output) per example, `[batch]`. Swap in e.g. a squared error. */
export type ReconLoss = (x: tf.Tensor2D, output: tf.Tensor2D, model: Model) => tf.Tensor;
/** The KL term from `mu`, `logVar` and the sample `z`: per example `[batch]`, or a batch scalar. */
export type KlTerm = (mu: tf.Tensor2D, logVar: tf.Tensor2D, z: tf.Tensor2D) => tf.Tensor;

/** Options of {@link computeLoss}. */
export interface LossOptions {
  /** KL weight (VAE). Default 1. */
  beta?: number;
  /** Reconstruction term; default {@link negLogLikelihood} for the model's likelihood. */
  reconLoss?: ReconLoss;
  /** KL term (VAE); default the closed form {@link klStandardNormal}. */
  klTerm?: KlTerm;
  /** Input corruption (DAE; any model may use one). Default: the DAE's configured noise. */
  noise?: NoiseFn;
  /** Seed of the sampling noise (`eps`, and the input noise). Unseeded when absent. */
  seed?: number;
}

/** Scalars (means over the batch): the loss that is minimised and its two parts. */
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
  return (mu, logVar) => tf.tidy(() => tf.sum(tf.maximum(tf.mean(klPerDimension(mu, logVar), 0), lambda)));
}

/** The input the encoder sees: `x` corrupted by the given or configured noise, else `x` itself. */
function encoderInput(model: Model, x: tf.Tensor2D, options: LossOptions): tf.Tensor2D {
  const noise =
    options.noise ??
    (model.config.kind === "dae" && model.config.noise ? noiseFunction(model.config.noise) : undefined);
  return noise ? noise(x, noiseSeed(options.seed)) : x;
}

function noiseSeed(seed: number | undefined): number {
  return seed === undefined ? Math.floor(Math.random() * 0x7fffffff) : seed + 1;
}

/**
 * The training loss of any model on a batch `x` (`[batch, pixels]`, values in [0, 1]).
 * VAE: recon + beta * kl with one reparameterized sample per image. AE/DAE: recon, kl = 0.
 */
export function computeLoss(model: Model, x: tf.Tensor2D, options: LossOptions = {}): LossParts {
  checkBatch(model, x);
  return tf.tidy(() => {
    const reconLoss = options.reconLoss ?? negLogLikelihood;
    const { mu, logVar } = encode(model, encoderInput(model, x, options));
    if (!logVar) {
      const recon = tf.mean(reconLoss(x, decode(model, mu), model)) as tf.Scalar;
      return { loss: recon, recon, kl: tf.scalar(0) };
    }
    const eps = tf.randomNormal(mu.shape, 0, 1, "float32", tfSeed(options.seed)) as tf.Tensor2D;
    const z = reparameterize(mu, logVar, eps);
    const recon = tf.mean(reconLoss(x, decode(model, z), model)) as tf.Scalar;
    const kl = tf.mean((options.klTerm ?? ((m, v) => klStandardNormal(m, v)))(mu, logVar, z)) as tf.Scalar;
    const loss = tf.add(recon, tf.mul(options.beta ?? 1, kl)) as tf.Scalar;
    return { loss, recon, kl };
  });
}

/** The ELBO of each image and its parts (nats): `elbo = -(recon + kl)`, all `[batch]`. */
export interface ElboParts {
  elbo: tf.Tensor1D;
  recon: tf.Tensor1D;
  kl: tf.Tensor1D;
}

/**
 * The evidence lower bound log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z)) per image, with one
 * sample `z` (seeded when `seed` is given) and the closed-form KL. VAE only.
 */
export function elbo(model: Model, x: tf.Tensor2D, seed?: number): ElboParts {
  requireVae(model, "elbo");
  checkBatch(model, x);
  return tf.tidy(() => {
    const { mu, logVar } = encode(model, x) as Required<ReturnType<typeof encode>>;
    const z = reparameterize(
      mu,
      logVar,
      tf.randomNormal(mu.shape, 0, 1, "float32", tfSeed(seed)) as tf.Tensor2D,
    );
    const recon = negLogLikelihood(x, decode(model, z), model);
    const kl = klStandardNormal(mu, logVar);
    return { elbo: tf.neg(tf.add(recon, kl)) as tf.Tensor1D, recon, kl };
  });
}

/** Options of {@link iwaeBound}. */
export interface IwaeOptions {
  /** Seed of the k samples. */
  seed?: number;
  /** At most this many decoder rows at once (bounds memory). Default 4096. */
  maxRows?: number;
}

/**
 * The importance-weighted bound (Burda et al. 2015) per image:
 * log p(x) >= log (1/k) sum_i p(x, z_i) / q(z_i|x), z_i ~ q(z|x), computed with log-sum-exp.
 * k = 1 is the ELBO; the bound grows with k towards log p(x).
 */
export function iwaeBound(model: Model, x: tf.Tensor2D, k: number, options: IwaeOptions = {}): tf.Tensor1D {
  requireVae(model, "iwaeBound");
  checkBatch(model, x);
  if (!(Number.isInteger(k) && k >= 1))
    throw new Error(`k must be a positive integer (number of importance samples), got ${k}.`);
  const batch = x.shape[0];
  const samplesPerChunk = Math.max(1, Math.floor((options.maxRows ?? 4096) / batch));
  return tf.tidy(() => {
    const { mu, logVar } = encode(model, x) as Required<ReturnType<typeof encode>>;
    const chunks: tf.Tensor2D[] = [];
    for (let done = 0; done < k; done += samplesPerChunk) {
      const s = Math.min(samplesPerChunk, k - done);
      const seed = options.seed === undefined ? undefined : options.seed + done;
      chunks.push(tf.tidy(() => logWeights(model, x, mu, logVar, s, seed)));
    }
    const logW = chunks.length === 1 ? chunks[0] : tf.concat(chunks, 0);
    return tf.sub(tf.logSumExp(logW, 0), Math.log(k)) as tf.Tensor1D;
  });
}

/** log p(x, z) - log q(z|x) for `s` samples per image: `[s, batch]`. */
function logWeights(
  model: Model,
  x: tf.Tensor2D,
  mu: tf.Tensor2D,
  logVar: tf.Tensor2D,
  s: number,
  seed?: number,
): tf.Tensor2D {
  const batch = x.shape[0];
  const muS = tf.tile(mu, [s, 1]);
  const logVarS = tf.tile(logVar, [s, 1]);
  const z = reparameterize(
    muS,
    logVarS,
    tf.randomNormal(muS.shape, 0, 1, "float32", tfSeed(seed)) as tf.Tensor2D,
  );
  const logPxGivenZ = tf.neg(negLogLikelihood(tf.tile(x, [s, 1]), decode(model, z), model));
  const logW = tf.sub(tf.add(logPxGivenZ, logStandardNormal(z)), logNormal(z, muS, logVarS));
  return tf.reshape(logW, [s, batch]);
}

function requireVae(model: Model, what: string): void {
  if (model.config.kind !== "vae")
    throw new Error(
      `${what} needs a VAE (an encoder with mu and logVar); this model is a ${model.config.kind}.`,
    );
}
