/** The evidence lower bound (ELBO) and the importance-weighted bound (IWAE) of each image. */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode, encode } from "./model";
import { klStandardNormal, logNormal, logStandardNormal } from "./kl";
import { negLogLikelihood } from "./losses";
import { reparameterize } from "./reparameterize";

/** The ELBO of each image and its parts (nats): `elbo = -(recon + kl)`, all `[batch]`. */
export interface ElboParts {
  elbo: tf.Tensor1D;
  recon: tf.Tensor1D;
  kl: tf.Tensor1D;
}

/**
 * A Gaussian q(z) = N(mu, diag(exp(logVar))) for each image, `[batch, latentDim]` each: the
 * encoder's q(z|x), or one fitted to each image on its own.
 */
export interface GaussianQ {
  mu: tf.Tensor2D;
  logVar: tf.Tensor2D;
}

/** log p(z) of each row of z, `[n]`: a prior other than N(0, I) (see `src/model/priors.ts`). */
export type LogPrior = (z: tf.Tensor2D) => tf.Tensor1D;

/** The encoder's q(z|x) of a batch (VAE only). */
export function posterior(model: Model, x: tf.Tensor2D): GaussianQ {
  requireVae(model, "posterior");
  const { mu, logVar } = encode(model, x);
  return { mu, logVar: logVar! };
}

/**
 * log p(x) >= ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)) per image, with one sample z from
 * `eps` (`[batch, latentDim]`) and the closed-form KL. VAE only.
 */
export function elbo(model: Model, x: tf.Tensor2D, eps: tf.Tensor2D): ElboParts {
  requireVae(model, "elbo");
  return withPosterior(model, x, (q) => gaussianElbo(model, x, q, eps));
}

/** Runs `f` on the encoder's q(z|x) for `x`, then disposes q's tensors, also when `f` throws. */
function withPosterior<T>(model: Model, x: tf.Tensor2D, f: (q: GaussianQ) => T): T {
  const q = posterior(model, x);
  try {
    return f(q);
  } finally {
    tf.dispose([q.mu, q.logVar]);
  }
}

/**
 * The ELBO of any Gaussian q per image, E_q[log p(x|z)] - KL(q || p(z)), with one sample
 * z = mu + sigma * eps. Under N(0, I) (no `logPrior`) the KL is in closed form; under another
 * prior it is estimated at the sample, log q(z) - log p(z).
 */
export function gaussianElbo(
  model: Model,
  x: tf.Tensor2D,
  q: GaussianQ,
  eps: tf.Tensor2D,
  logPrior?: LogPrior,
): ElboParts {
  return tf.tidy(() => {
    const z = reparameterize(q.mu, q.logVar, eps);
    const recon = negLogLikelihood(x, decode(model, z), model);
    const kl = logPrior
      ? tf.sub(logNormal(z, q.mu, q.logVar), logPrior(z))
      : klStandardNormal(q.mu, q.logVar);
    return { elbo: tf.neg(tf.add(recon, kl)) as tf.Tensor1D, recon, kl: kl as tf.Tensor1D };
  });
}

/**
 * The importance-weighted bound (Burda et al. 2015) per image, with k samples z_i ~ q(z|x) from
 * `eps` (`[k * batch, latentDim]`, sample after sample: rows i, i + batch, ... belong to image i):
 * log p(x) >= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), by log-sum-exp. k = 1 is the ELBO
 * (with a one-sample KL); the bound grows with k towards log p(x). VAE only.
 */
export function iwaeBound(model: Model, x: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor1D {
  requireVae(model, "iwaeBound");
  return withPosterior(model, x, (q) => gaussianIwaeBound(model, x, q, eps));
}

/**
 * The importance-weighted bound with any Gaussian proposal q per image (the encoder's, or one
 * fitted to each image) and any prior (default N(0, I)); `eps` as in {@link iwaeBound}.
 */
export function gaussianIwaeBound(
  model: Model,
  x: tf.Tensor2D,
  q: GaussianQ,
  eps: tf.Tensor2D,
  logPrior: LogPrior = logStandardNormal,
): tf.Tensor1D {
  const [batch, latentDim] = q.mu.shape;
  if (x.shape[0] !== batch)
    throw new Error(
      `The importance-weighted bound needs one q per image: ${x.shape[0]} images, q of ${batch} rows.`,
    );
  const k = eps.shape[0] / batch;
  if (!Number.isInteger(k) || k < 1 || eps.shape[1] !== latentDim)
    throw new Error(
      `The importance-weighted bound needs eps ~ N(0, I) of shape [k * ${batch}, ${latentDim}] (k samples per image), got [${eps.shape}].`,
    );
  return tf.tidy(() => {
    const perSample = (t: tf.Tensor2D) => (k === 1 ? t : tf.tile(t, [k, 1]));
    const [mu, logVar] = [perSample(q.mu), perSample(q.logVar)];
    const z = reparameterize(mu, logVar, eps);
    const logJoint = tf.sub(logPrior(z), negLogLikelihood(perSample(x), decode(model, z), model));
    const logW = tf.sub(logJoint, logNormal(z, mu, logVar));
    return tf.sub(tf.logSumExp(tf.reshape(logW, [k, batch]), 0), Math.log(k)) as tf.Tensor1D;
  });
}

function requireVae(model: Model, what: string): void {
  if (model.config.kind !== "vae") {
    throw new Error(
      `${what} needs a VAE (an encoder with mu and logVar); this model is a ${model.config.kind}.`,
    );
  }
}
