/**
 * One training step: encode, reparameterize, decode, loss, gradients, optimizer update.
 * Written with tf.variableGrads and optimizer.applyGradients rather than model.fit, because the
 * loss is ours and readers swap its formulas.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, trainableVariables } from "../model/model";
import { type LossOptions, type TrainBatch, trainingLoss } from "../model/losses";
import { TRAINING_DEFAULTS } from "./defaults";

/** The numbers of one step (nats per image, batch means), read back after it. */
export interface StepResult {
  loss: number;
  recon: number;
  kl: number;
  /** Global norm of the gradient, a first thing to look at when training diverges. */
  gradNorm: number;
}

/** A training step; `train` runs {@link trainStep} unless given your own. */
export type StepFunction = (
  model: Model,
  optimizer: tf.Optimizer,
  batch: TrainBatch,
  options: LossOptions,
) => StepResult;

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

/** Adam with the reference recipe's settings (learning rate 1e-3, beta1 0.9, beta2 0.999). */
export function createOptimizer(learningRate: number = TRAINING_DEFAULTS.learningRate): tf.Optimizer {
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new Error(`learningRate must be a finite positive number, got ${learningRate}.`);
  }
  return tf.train.adam(learningRate);
}

/**
 * The loss on `batch`, its gradient, and one update of the weights. If the loss or the gradient
 * is NaN/Inf the update is skipped and a {@link NonFiniteLossError} is thrown.
 */
export function trainStep(
  model: Model,
  optimizer: tf.Optimizer,
  batch: TrainBatch,
  options: LossOptions = {},
): StepResult {
  const { numbers, grads } = tf.tidy(() => {
    let parts!: tf.Tensor;
    const { grads } = tf.variableGrads(() => {
      const { loss, recon, kl } = trainingLoss(model, batch, options);
      parts = tf.keep(tf.stack([loss, recon, kl])); // outlives variableGrads' own clean-up
      return loss;
    }, trainableVariables(model));
    const gradNorm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const numbers = tf.concat([parts, tf.reshape(gradNorm, [1])]);
    parts.dispose();
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
