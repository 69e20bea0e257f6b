/**
 * Log-likelihoods of a batch under the decoder's output distribution, summed over pixels:
 * one number (nats) per image, shape `[batch]`.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedBernoulli, fusedBernoulliAvailable } from "../speed/fused-bernoulli";

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * softplus(a) = log(1 + e^a), computed as max(a, 0) + log(1 + e^-|a|) so that e^a never
 * overflows for large logits.
 */
export function softplus(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(a), tf.log1p(tf.exp(tf.neg(tf.abs(a))))));
}

/**
 * log p(x | logits) of independent Bernoulli pixels with p = sigmoid(logits):
 * x log p + (1 - x) log(1 - p) = x * logits - softplus(logits). Works for x in [0, 1]
 * (then minus it is the binary cross-entropy of pytorch's BCE loss).
 */
export function bernoulliLogLikelihood(x: tf.Tensor2D, logits: tf.Tensor2D): tf.Tensor1D {
  if (!tf.util.arraysEqual(x.shape, logits.shape)) {
    throw new Error(
      `bernoulliLogLikelihood needs x and logits of one shape, got [${x.shape}] and [${logits.shape}]: tile or slice x to match.`,
    );
  }
  return bernoulliWithGradient(x, logits) as tf.Tensor1D;
}

/**
 * The formula above with its gradient written out: d/dlogits = x - sigmoid(logits), d/dx = logits
 * (times the incoming gradient dy of each image). Autodiff through {@link softplus}'s six kernels
 * needs about twenty backward kernels; this needs four. Reference VAE step on wasm with the kernel
 * fixes, median of 145 steps, two runs each: 36.7 and 36.2 ms -> 34.0 and 33.0 ms. On wasm with the
 * fixes the value and x - sigmoid(logits) come from one fused kernel (../speed/fused-bernoulli.ts).
 */
const bernoulliWithGradient = tf.customGrad((...args) => {
  const [x, logits, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  // The fused kernel gives x - sigmoid(logits) along with the value; elsewhere it is computed only
  // if a gradient is asked for, so that evaluation does not pay for it.
  const fused = fusedBernoulliAvailable(x, logits);
  const [value, residual] = fused
    ? fusedBernoulli(x, logits)
    : [tf.sum(tf.sub(tf.mul(x, logits), softplus(logits)), 1), x];
  save([residual, logits]);
  const gradFunc = (dy: tf.Tensor, [r, ls]: tf.Tensor[]) => {
    const perImage = tf.expandDims(dy, 1);
    return [tf.mul(perImage, ls), tf.mul(perImage, fused ? r : tf.sub(r, tf.sigmoid(ls)))];
  };
  return { value, gradFunc };
}) as (x: tf.Tensor2D, logits: tf.Tensor2D) => tf.Tensor;

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
