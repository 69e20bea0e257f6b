/**
 * A generative adversarial network (Goodfellow et al., NeurIPS 2014) of the VAE's size: the
 * generator has the VAE decoder's shape (z -> hidden -> one logit per pixel) and the discriminator
 * the encoder's (pixels -> hidden -> one logit). D(x) = sigmoid(discriminator logit) is the
 * probability that x is a training image; log D = -softplus(-a) and log(1 - D) = -softplus(a)
 * for the logit a, so no loss ever takes the log of a rounded probability.
 */
import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, modelConfig } from "./config";
import { mlpDecoder, mlpEncoder } from "./networks";
import { randomStream } from "../random";

/** The sizes of a GAN: the VAE config's `latentDim`, `hidden`, `activation`, `inputShape`, `seed`. */
export type GanConfig = Pick<ModelConfig, "inputShape" | "latentDim" | "hidden" | "activation" | "seed">;

/** A generator and a discriminator. Build one with {@link createGan}. */
export interface Gan {
  readonly config: GanConfig;
  /** `z -> logits`, one per pixel; the image is their sigmoid. */
  readonly generator: tf.Sequential;
  /** `x -> [batch, 1]` logits a, with D(x) = sigmoid(a). */
  readonly discriminator: tf.Sequential;
}

/** A GAN with the VAE's sizes (default 784-400-20); the seed fixes both networks' initial weights. */
export function createGan(options: Partial<GanConfig> = {}): Gan {
  const { inputShape, latentDim, hidden, activation, seed } = modelConfig({ ...options, kind: "ae" });
  const config: GanConfig = { inputShape, latentDim, hidden, activation, seed };
  const rng = randomStream(seed, "weights");
  const generator = mlpDecoder(modelConfig({ ...config, kind: "ae" }), rng);
  const discriminator = mlpEncoder(modelConfig({ ...config, kind: "ae", latentDim: 1 }), rng);
  return { config, generator, discriminator };
}

/** Generated images `G(z)`: the sigmoid of the generator's logits, pixels in (0, 1). */
export function generate(gan: Gan, z: tf.Tensor2D): tf.Tensor2D {
  if (z.rank !== 2 || z.shape[1] !== gan.config.latentDim) {
    throw new Error(`Expected codes of shape [batch, ${gan.config.latentDim}], got [${z.shape.join(", ")}].`);
  }
  return tf.tidy(() => tf.sigmoid(gan.generator.apply(z) as tf.Tensor2D));
}

/** The discriminator's logits a(x), `[batch]`: D(x) = sigmoid(a). */
export function discriminate(gan: Gan, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(gan.discriminator.apply(x) as tf.Tensor2D, [-1]) as tf.Tensor1D);
}

/** The discriminator's loss, minimised: -mean log D(x) - mean log(1 - D(G(z))), in nats. */
export function discriminatorLoss(realLogits: tf.Tensor, fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const real = tf.mean(tf.softplus(tf.neg(realLogits))); // -log D(x)
    const fake = tf.mean(tf.softplus(fakeLogits)); // -log(1 - D(G(z)))
    return tf.add(real, fake) as tf.Scalar;
  });
}

/** The generator's non-saturating loss, minimised: -mean log D(G(z)) = mean softplus(-a). */
export function generatorLoss(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.softplus(tf.neg(fakeLogits))) as tf.Scalar);
}

/** The variables of each player. */
export function discriminatorVariables(gan: Gan): tf.Variable[] {
  return gan.discriminator.trainableWeights.map((w) => w.read() as tf.Variable);
}
/** The generator's variables. */
export function generatorVariables(gan: Gan): tf.Variable[] {
  return gan.generator.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Frees both networks' weights. */
export function disposeGan(gan: Gan): void {
  gan.generator.dispose();
  gan.discriminator.dispose();
}
