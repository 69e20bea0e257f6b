/**
 * The KL divergence between the encoder's q(z|x) = N(mu, diag(exp(logVar))) and the prior
 * p(z) = N(0, I): in closed form and as a Monte-Carlo estimate. One value per example, `[batch]`.
 */
import * as tf from "@tensorflow/tfjs";

const LOG_2PI = Math.log(2 * Math.PI);

/** Closed-form KL per latent dimension: (exp(logVar) + mu^2 - 1 - logVar) / 2, shape `[batch, latentDim]`. */
export function klPerDimension(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(0.5, tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(1, logVar))));
}

/** Closed-form KL(q(z|x) || N(0, I)) per example. */
export function klStandardNormal(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(klPerDimension(mu, logVar), 1));
}

/** log N(z | mu, diag(exp(logVar))) per example. */
export function logNormal(z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const sq = tf.mul(tf.square(tf.sub(z, mu)), tf.exp(tf.neg(logVar)));
    return tf.mul(-0.5, tf.sum(tf.add(tf.add(sq, logVar), LOG_2PI), 1));
  });
}

/** log N(z | 0, I) per example. */
export function logStandardNormal(z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.add(tf.square(z), LOG_2PI), 1)));
}

/**
 * One-sample Monte-Carlo estimate of the KL: log q(z|x) - log p(z) at a sample `z` of q(z|x).
 * Unbiased; averaging over many samples gives {@link klStandardNormal}.
 */
export function klMonteCarlo(mu: tf.Tensor2D, logVar: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sub(logNormal(z, mu, logVar), logStandardNormal(z)));
}

/**
 * Closed-form KL(N(mu1, diag(exp(logVar1))) || N(mu2, diag(exp(logVar2)))) per example, a learnt
 * prior's in place of N(0, I): sum over dimensions of
 * (logVar2 - logVar1 + (exp(logVar1) + (mu1 - mu2)^2) / exp(logVar2) - 1) / 2.
 */
export function klGaussians(
  mu1: tf.Tensor2D,
  logVar1: tf.Tensor2D,
  mu2: tf.Tensor2D,
  logVar2: tf.Tensor2D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const ratio = tf.mul(tf.add(tf.exp(logVar1), tf.square(tf.sub(mu1, mu2))), tf.exp(tf.neg(logVar2)));
    return tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.sub(logVar2, logVar1), ratio), 1), 1));
  });
}
