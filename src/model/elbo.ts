/** The evidence lower bound (ELBO) and the importance-weighted bound (IWAE) of each image. */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "./model";
import { forward } from "./forward";
import { klStandardNormal, logNormal, logStandardNormal } from "./kl";
import { negLogLikelihood } from "./losses";

/** The ELBO of each image and its parts (nats): `elbo = -(recon + kl)`, all `[batch]`. */
export interface ElboParts {
  elbo: tf.Tensor1D;
  recon: tf.Tensor1D;
  kl: tf.Tensor1D;
}

/**
 * log p(x) >= ELBO = E_q[log p(x|z)] - KL(q(z|x) || p(z)) per image, with one sample z from
 * `eps` (`[batch, latentDim]`) and the closed-form KL. VAE only.
 */
export function elbo(model: Model, x: tf.Tensor2D, eps: tf.Tensor2D): ElboParts {
  requireVae(model, "elbo");
  return tf.tidy(() => {
    const { mu, logVar, output } = forward(model, x, eps);
    const recon = negLogLikelihood(x, output, model);
    const kl = klStandardNormal(mu, logVar!);
    return { elbo: tf.neg(tf.add(recon, kl)) as tf.Tensor1D, recon, kl };
  });
}

/**
 * The importance-weighted bound (Burda et al. 2015) per image, with k samples z_i ~ q(z|x) from
 * `eps` (`[k * batch, latentDim]`, see {@link forward}):
 * log p(x) >= log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), by log-sum-exp. k = 1 is the ELBO
 * (with a one-sample KL); the bound grows with k towards log p(x). VAE only.
 */
export function iwaeBound(model: Model, x: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor1D {
  requireVae(model, "iwaeBound");
  return tf.tidy(() => {
    const { mu, logVar, z, output } = forward(model, x, eps);
    const k = z.shape[0] / x.shape[0];
    const perSample = (t: tf.Tensor2D) => tf.tile(t, [k, 1]);
    const logJoint = tf.sub(logStandardNormal(z), negLogLikelihood(perSample(x), output, model));
    const logW = tf.sub(logJoint, logNormal(z, perSample(mu), perSample(logVar!)));
    return tf.sub(tf.logSumExp(tf.reshape(logW, [k, x.shape[0]]), 0), Math.log(k)) as tf.Tensor1D;
  });
}

function requireVae(model: Model, what: string): void {
  if (model.config.kind !== "vae") {
    throw new Error(
      `${what} needs a VAE (an encoder with mu and logVar); this model is a ${model.config.kind}.`,
    );
  }
}
