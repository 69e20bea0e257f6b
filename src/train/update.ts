/**
 * One optimiser update of a set of weights on a loss made of parts: for steps that train more than
 * a model's encoder and decoder (M2's classifier, a conditional prior network).
 */
import * as tf from "@tensorflow/tfjs";

/** The numbers of one step (nats per image, batch means), read back after it. */
export interface StepResult {
  loss: number;
  recon: number;
  kl: number;
  /** Global norm of the gradient, a first thing to look at when training diverges. */
  gradNorm: number;
}

/** Thrown when a loss or gradient is NaN or infinite; the weights are left as before the step. */
export class NonFiniteLossError extends Error {
  constructor(
    message: string,
    /** What the step computed (contains the NaN/Inf). */
    readonly result: StepResult,
  ) {
    super(message);
    this.name = "NonFiniteLossError";
  }
}

/**
 * Computes `terms()` ([loss, part, part], scalars), the gradient of the loss with respect to
 * `variables`, and applies it with `optimizer`. Returns the three numbers as `loss`, `recon` and
 * `kl`, with the gradient's global norm. If one is NaN or infinite the weights are left unchanged
 * and a {@link NonFiniteLossError} is thrown.
 */
export function updateOn(
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  terms: () => [tf.Scalar, tf.Scalar, tf.Scalar],
): StepResult {
  const { numbers, grads } = tf.tidy(() => {
    let parts!: tf.Tensor;
    const { grads } = tf.variableGrads(() => {
      const t = terms();
      parts = tf.keep(tf.stack(t));
      return t[0];
    }, variables);
    const gradNorm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const numbers = tf.concat([parts, tf.reshape(gradNorm, [1])]);
    parts.dispose(); // kept to outlive variableGrads' own clean-up; copied into numbers now
    return { numbers, grads };
  });
  const [loss, recon, kl, gradNorm] = numbers.dataSync();
  numbers.dispose();
  const result = { loss, recon, kl, gradNorm };
  if (![loss, recon, kl, gradNorm].every(Number.isFinite)) {
    tf.dispose(grads);
    throw new NonFiniteLossError(
      `The loss or its gradient is not finite (loss ${loss}, recon ${recon}, kl ${kl}, gradient norm ${gradNorm}); the weights were not updated.`,
      result,
    );
  }
  optimizer.applyGradients(grads);
  tf.dispose(grads);
  return result;
}
