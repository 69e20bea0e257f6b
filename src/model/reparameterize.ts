/** The reparameterization trick. */
import * as tf from "@tensorflow/tfjs";

/**
 * A sample z = mu + exp(logVar / 2) * eps of N(mu, diag(exp(logVar))), given eps ~ N(0, I).
 * The randomness sits in `eps`, so gradients flow to `mu` and `logVar`.
 */
export function reparameterize(mu: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  if (!tf.util.arraysEqual(mu.shape, logVar.shape)) {
    throw new Error(`mu and logVar must have the same shape, got [${mu.shape}] and [${logVar.shape}].`);
  }
  if (!tf.util.arraysEqual(mu.shape, eps.shape)) {
    throw new Error(`eps must have the shape of mu [${mu.shape}], got [${eps.shape}].`);
  }
  return tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)));
}
