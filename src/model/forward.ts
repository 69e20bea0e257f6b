/** One pass of a batch through a model: encode, reparameterize, decode. */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode, encode } from "./model";
import { reparameterize } from "./reparameterize";

/** What one pass computes. Every loss, the ELBO and the IWAE bound start from it. */
export interface Forward {
  /** Mean of q(z|x) for a VAE; the code itself for an AE/DAE. `[batch, latentDim]`. */
  mu: tf.Tensor2D;
  /** Log-variance of q(z|x) (VAE only). `[batch, latentDim]`. */
  logVar?: tf.Tensor2D;
  /** The decoded code: mu + exp(logVar / 2) * eps for a VAE, mu for an AE/DAE. */
  z: tf.Tensor2D;
  /** The decoder's output for z: logits (Bernoulli) or means (Gaussian), one per pixel. */
  output: tf.Tensor2D;
}

/**
 * Encodes `x`, draws z = mu + sigma * eps (VAE) and decodes it. `eps` holds standard-normal draws,
 * `[batch, latentDim]` for one sample per image, or `[k * batch, latentDim]` for k samples (sample
 * after sample: rows i, i + batch, ... belong to image i); z and output then have k * batch rows.
 * An AE/DAE decodes its code and takes no eps.
 */
export function forward(model: Model, x: tf.Tensor2D, eps?: tf.Tensor2D): Forward {
  const { mu, logVar } = encode(model, x);
  if (!logVar) return { mu, z: mu, output: decode(model, mu) };
  const k = eps ? eps.shape[0] / mu.shape[0] : 0;
  if (!eps || !Number.isInteger(k) || k < 1 || eps.shape[1] !== mu.shape[1]) {
    tf.dispose([mu, logVar]);
    throw new Error(
      `A VAE's forward pass needs eps ~ N(0, I) of shape [k * ${mu.shape[0]}, ${mu.shape[1]}] (k samples per image), ` +
        `got ${eps ? `[${eps.shape}]` : "none"}: pass tf.randomNormal([${mu.shape[0]}, ${mu.shape[1]}], 0, 1, "float32", seed).`,
    );
  }
  const perSample = (t: tf.Tensor2D) => (k === 1 ? t : tf.tile(t, [k, 1]));
  const z = tf.tidy(() => reparameterize(perSample(mu), perSample(logVar), eps));
  return { mu, logVar, z, output: decode(model, z) };
}
