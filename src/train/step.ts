/**
 * One training step: encode, reparameterize, decode, loss, gradients, optimizer update.
 * Written with tf.variableGrads and optimizer.applyGradients rather than model.fit, because the
 * loss is ours and readers swap its formulas.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, trainableVariables } from "../model/model";
import { type LossOptions, type TrainBatch, trainingLoss } from "../model/losses";
import { type StepResult, updateOn } from "./update";
import { TRAINING_DEFAULTS } from "./defaults";

/** A training step; `train` runs {@link trainStep} unless given your own. */
export type StepFunction = (
  model: Model,
  optimizer: tf.Optimizer,
  batch: TrainBatch,
  options: LossOptions,
) => StepResult;

export { NonFiniteLossError, type StepResult } from "./update";

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
  return updateOn(trainableVariables(model), optimizer, () => {
    const { loss, recon, kl } = trainingLoss(model, batch, options);
    return [loss, recon, kl];
  });
}
