/**
 * One optimisation step on a custom loss, with tf.variableGrads + optimizer.applyGradients
 * (not model.fit: the loss is ours, and readers can swap its formulas).
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { trainableVariables } from "../model/model";
import { type LossOptions, computeLoss } from "../model/losses";
import { LeanAdamOptimizer } from "../speed/adam";
import { sumOfSquares } from "../speed/sum-of-squares";

/** Numbers (nats per image, batch means) of one step, read back after it. */
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
 * Adam, the optimiser of the reference recipe: tfjs's `tf.train.adam(learningRate)`, with its
 * update rearranged into fewer kernels (see {@link LeanAdamOptimizer}: 0.7 ms less per step on wasm).
 */
export function createOptimizer(learningRate = 1e-3): tf.Optimizer {
  if (!(learningRate > 0)) throw new Error(`learningRate must be positive, got ${learningRate}.`);
  return new LeanAdamOptimizer(learningRate);
}

/**
 * Computes the loss on batch `x`, its gradient, and updates the weights. Only the four result
 * numbers leave the backend (one read). If any is NaN/Inf the update is skipped and a
 * {@link NonFiniteLossError} is thrown, so the model keeps its last good weights.
 */
export function trainStep(
  model: Model,
  optimizer: tf.Optimizer,
  x: tf.Tensor2D,
  options: LossOptions = {},
): StepResult {
  const variables = trainableVariables(model);
  const { numbers, grads } = tf.tidy(() => {
    let parts: tf.Tensor1D | undefined;
    const { grads } = tf.variableGrads(() => {
      const { loss, recon, kl } = computeLoss(model, x, options);
      parts = tf.keep(tf.stack([loss, recon, kl]) as tf.Tensor1D);
      return loss;
    }, variables);
    const gradNorm = tf.sqrt(tf.addN(Object.values(grads).map(sumOfSquares)));
    const numbers = tf.concat([parts!, tf.reshape(gradNorm, [1])]);
    parts!.dispose();
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
