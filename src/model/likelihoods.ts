/**
 * Log-likelihoods of a batch under the decoder's output distribution, summed over pixels:
 * one number (nats) per image, shape `[batch]`.
 */
import * as tf from "@tensorflow/tfjs";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log p(x | logits) of independent Bernoulli pixels with p = sigmoid(logits):
 * x log p + (1 - x) log(1 - p) = x * logits - softplus(logits), softplus(l) = log(1 + e^l).
 * On logits it never takes the log of a rounded probability; `tf.softplus` never overflows.
 * For x in [0, 1] that are not 0 or 1, minus it is pytorch's binary cross-entropy, but not
 * the log of a normalised probability of x.
 */
export function bernoulliLogLikelihood(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  if (!tf.util.arraysEqual(x.shape, logits.shape)) {
    throw new Error(
      `bernoulliLogLikelihood needs x and logits of one shape, got [${x.shape}] and [${logits.shape}]: tile or slice x to match.`,
    );
  }
  return tf.tidy(() => tf.sum(tf.sub(tf.mul(x, logits), tf.softplus(logits)), 1));
}

/**
 * log N(x | mean, sigma^2 I) with sigma = exp(logSigma) (a number or a scalar/broadcastable tensor):
 * sum over pixels of -(x - mean)^2 / (2 sigma^2) - logSigma - log(2 pi) / 2.
 */
export function gaussianLogLikelihood(
  x: tf.Tensor2D,
  mean: tf.Tensor2D,
  logSigma: number | tf.Tensor,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logS = typeof logSigma === "number" ? tf.scalar(logSigma) : logSigma;
    const z = tf.mul(tf.sub(x, mean), tf.exp(tf.neg(logS)));
    const perPixel = tf.sub(tf.mul(-0.5, tf.square(z)), tf.add(logS, 0.5 * LOG_2PI));
    return tf.sum(perPixel, 1);
  });
}
