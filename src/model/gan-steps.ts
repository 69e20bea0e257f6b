/**
 * The two players' steps of a GAN, each its own gradient and Adam update: the discriminator
 * descends its loss with the generator fixed, then the generator descends the non-saturating loss
 * through the updated discriminator. The same z serves both steps of a round.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type Gan,
  discriminate,
  discriminatorLoss,
  discriminatorVariables,
  generate,
  generatorLoss,
  generatorVariables,
} from "./gan";

/** What one round trains on: real images `x` `[batch, pixels]` and codes `z ~ N(0, I)`. */
export interface GanBatch {
  x: tf.Tensor2D;
  z: tf.Tensor2D;
}

/** One Adam per player. */
export interface GanOptimizers {
  discriminator: tf.Optimizer;
  generator: tf.Optimizer;
}

/** The numbers of one round (batch means). */
export interface GanStepResult {
  /** The discriminator's loss before its update (nats). */
  dLoss: number;
  /** The generator's loss -log D(G(z)) through the updated discriminator, before its own update. */
  gLoss: number;
  /** Mean D(x) on the real images, before the discriminator's update. */
  dReal: number;
  /** Mean D(G(z)) on the generated images, before the discriminator's update. */
  dFake: number;
}

/** A round of training; {@link trainGan} runs {@link ganStep} unless given your own. */
export type GanStepFunction = (gan: Gan, optimizers: GanOptimizers, batch: GanBatch) => GanStepResult;

/** Adam's settings for the two players. */
export interface GanAdamSettings {
  /** The discriminator's learning rate (default 2e-4). */
  discriminatorRate: number;
  /** The generator's learning rate (default 1e-3, the VAE's). */
  generatorRate: number;
  /** Adam's beta1 for both (default 0.5, as Radford et al. for DCGAN; 0.9 is Adam's default). */
  beta1: number;
}

/** The settings a GAN of the VAE's size needs to train (notebook 09 shows a run without them). */
export const GAN_ADAM: Readonly<GanAdamSettings> = Object.freeze({
  discriminatorRate: 2e-4,
  generatorRate: 1e-3,
  beta1: 0.5,
});

/** One Adam per player (beta2 0.999 as Adam's default), from {@link GAN_ADAM} with `changes`. */
export function createGanOptimizers(changes: Partial<GanAdamSettings> = {}): GanOptimizers {
  const { discriminatorRate, generatorRate, beta1 } = { ...GAN_ADAM, ...changes };
  for (const [name, rate] of Object.entries({ discriminatorRate, generatorRate })) {
    if (!(Number.isFinite(rate) && rate > 0))
      throw new Error(`${name} must be a finite positive learning rate, got ${rate}.`);
  }
  if (!(beta1 >= 0 && beta1 < 1)) throw new Error(`beta1 must be in [0, 1), got ${beta1}.`);
  return {
    discriminator: tf.train.adam(discriminatorRate, beta1, 0.999),
    generator: tf.train.adam(generatorRate, beta1, 0.999),
  };
}

/** Applies `grads` unless a number in `values` is NaN/Inf (then throws; the weights stay). */
function applyIfFinite(optimizer: tf.Optimizer, grads: tf.NamedTensorMap, values: Record<string, number>) {
  if (!Object.values(values).every(Number.isFinite)) {
    tf.dispose(grads);
    const shown = Object.entries(values).map(([k, v]) => `${k} ${v}`);
    throw new Error(`a loss is not finite (${shown.join(", ")}); the weights were not updated.`);
  }
  optimizer.applyGradients(grads);
  tf.dispose(grads);
}

/** One discriminator update on real `x` and fakes G(z); the generator is not changed. */
export function discriminatorStep(
  gan: Gan,
  optimizer: tf.Optimizer,
  batch: GanBatch,
): Pick<GanStepResult, "dLoss" | "dReal" | "dFake"> {
  const { numbers, grads } = tf.tidy(() => {
    const fake = generate(gan, batch.z);
    let parts!: tf.Tensor;
    const { grads } = tf.variableGrads(() => {
      const realLogits = discriminate(gan, batch.x);
      const fakeLogits = discriminate(gan, fake);
      const loss = discriminatorLoss(realLogits, fakeLogits);
      const [dReal, dFake] = [realLogits, fakeLogits].map((a) => tf.mean(tf.sigmoid(a)));
      parts = tf.keep(tf.stack([loss, dReal, dFake]));
      return loss;
    }, discriminatorVariables(gan));
    return { numbers: parts, grads };
  });
  const [dLoss, dReal, dFake] = numbers.dataSync();
  numbers.dispose();
  applyIfFinite(optimizer, grads, { dLoss, dReal, dFake });
  return { dLoss, dReal, dFake };
}

/** A generator loss: a batch scalar from the discriminator's logits of G(z). */
export type GeneratorLoss = (fakeLogits: tf.Tensor) => tf.Scalar;

/**
 * One generator update on `loss` (default the non-saturating {@link generatorLoss}) through the
 * discriminator, which is not changed.
 */
export function generatorStep(
  gan: Gan,
  optimizer: tf.Optimizer,
  batch: GanBatch,
  loss: GeneratorLoss = generatorLoss,
): Pick<GanStepResult, "gLoss"> {
  const { value, grads } = tf.variableGrads(
    () => loss(discriminate(gan, generate(gan, batch.z))),
    generatorVariables(gan),
  );
  const gLoss = value.dataSync()[0];
  value.dispose();
  applyIfFinite(optimizer, grads, { gLoss });
  return { gLoss };
}

/** A round: one discriminator step, then one generator step on the same z. */
export function ganStep(gan: Gan, optimizers: GanOptimizers, batch: GanBatch): GanStepResult {
  const d = discriminatorStep(gan, optimizers.discriminator, batch);
  return { ...d, ...generatorStep(gan, optimizers.generator, batch) };
}
