/**
 * Image completion, the structured-output task of Sohn, Lee and Yan (2015) as Pyro's CVAE tutorial
 * runs it: the input x is one, two or three quadrants of a digit, the output y is the rest.
 *
 *   deterministic baseline   y_hat = f(x), scored by -log p(y | y_hat) on the missing pixels
 *   CVAE                     conditional prior p(z | x), recognition q(z | x, y), generation p(y | z)
 *
 *   -log p(y | x) <= E_q[-log p(y | z)] + KL(q(z | x, y) || p(z | x))       (the CVAE's -ELBO)
 *
 * As in Pyro's example, the networks read missing pixels as -1, the prior network reads the
 * observed pixels with the baseline's guess in the missing ones, the recognition network reads the
 * whole digit, and the generation network reads z alone.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config";
import {
  type Encoding,
  type Model,
  createAutoencoder,
  createVae,
  decode,
  encode,
  splitEncoding,
} from "./model";
import { mlpEncoder } from "./networks";
import { klGaussians } from "./kl";
import { reparameterize } from "./reparameterize";
import type { LossParts } from "./losses";
import { randomStream } from "../random";

/** How many quadrants of the digit are observed. */
export type Quadrants = 1 | 2 | 3;

/** Where Pyro's example (and ours) marks a pixel the network must not see. */
export const MISSING = -1;

/**
 * 1 for the observed pixels, 0 for the missing ones (Pyro's choice): 1 quadrant observes the
 * bottom left, 2 the left half, 3 all but the bottom right.
 */
export function quadrantMask(observed: Quadrants, rows = 28, cols = 28): Float32Array {
  if (![1, 2, 3].includes(observed))
    throw new Error(`quadrantMask: observed must be 1, 2 or 3 quadrants, got ${observed}.`);
  const mask = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const bottom = r >= rows / 2;
      const left = c < cols / 2;
      const seen = observed === 1 ? bottom && left : observed === 2 ? left : !(bottom && !left);
      mask[r * cols + c] = seen ? 1 : 0;
    }
  return mask;
}

/** The images as the networks read them: observed pixels kept, missing ones set to {@link MISSING}. */
export function observedPart(x: tf.Tensor2D, mask: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.add(tf.mul(x, mask), tf.mul(MISSING, tf.sub(1, mask))) as tf.Tensor2D);
}

/** -log p(y | logits) of the missing pixels only (Bernoulli on logits, summed over them), per image. */
export function missingNegLogLikelihood(x: tf.Tensor2D, logits: tf.Tensor2D, mask: tf.Tensor): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.neg(
        tf.sum(tf.mul(tf.sub(1, mask), tf.sub(tf.mul(x, logits), tf.softplus(logits))), 1),
      ) as tf.Tensor1D,
  );
}

/**
 * The deterministic baseline: an MLP from the observed quadrants to logits of every pixel (an
 * autoencoder's networks, its code as wide as its last hidden layer, so no narrow bottleneck).
 */
export function createCompletionBaseline(options: Partial<ModelConfig> = {}): Model {
  const hidden = options.hidden ?? [256];
  return createAutoencoder({
    activation: "relu",
    latentDim: hidden[hidden.length - 1] ?? 256,
    ...options,
    hidden,
  });
}

/** The baseline's logits for the missing pixels of `x`. */
export function baselineLogits(baseline: Model, x: tf.Tensor2D, mask: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => decode(baseline, encode(baseline, observedPart(x, mask)).mu));
}

/** The CVAE of completion: recognition and generation networks (a VAE) and the prior network. */
export interface CompletionCvae {
  /** Its encoder is q(z | x, y) (reads the whole digit), its decoder p(y | z). */
  vae: Model;
  /** p(z | x): reads the observed pixels, with the baseline's guess in the missing ones. */
  prior: tf.Sequential;
}

/** A completion CVAE; the prior network has the recognition network's shape. */
export function createCompletionCvae(options: Partial<ModelConfig> = {}): CompletionCvae {
  const vae = createVae({ activation: "relu", ...options });
  const prior = mlpEncoder(vae.config, randomStream(vae.config.seed, "weights", PRIOR_WEIGHTS));
  return { vae, prior };
}

/** Index of the prior network's weight stream (the VAE's weights use index 0). */
const PRIOR_WEIGHTS = 1;

/** The prior p(z | x) of each image: `{ mu, logVar }`. */
export function completionPrior(
  cvae: CompletionCvae,
  baseline: Model,
  x: tf.Tensor2D,
  mask: tf.Tensor,
): Encoding {
  const h = tf.tidy(() => {
    const guess = tf.sigmoid(baselineLogits(baseline, x, mask));
    return cvae.prior.apply(tf.add(tf.mul(x, mask), tf.mul(guess, tf.sub(1, mask)))) as tf.Tensor2D;
  });
  return splitEncoding(cvae.vae, h);
}

/**
 * The CVAE's -ELBO of the missing pixels per batch (means, nats): recon = -log p(y | z) with one z
 * from q(z | x, y) (`eps`), kl = KL(q(z | x, y) || p(z | x)) in closed form, loss = recon + kl.
 */
export function completionLoss(
  cvae: CompletionCvae,
  baseline: Model,
  x: tf.Tensor2D,
  mask: tf.Tensor,
  eps: tf.Tensor2D,
): LossParts {
  return tf.tidy(() => {
    const q = encode(cvae.vae, x);
    const p = completionPrior(cvae, baseline, x, mask);
    const z = reparameterize(q.mu, q.logVar!, eps);
    const recon = tf.mean(missingNegLogLikelihood(x, decode(cvae.vae, z), mask)) as tf.Scalar;
    const kl = tf.mean(klGaussians(q.mu, q.logVar!, p.mu, p.logVar!)) as tf.Scalar;
    return { loss: tf.add(recon, kl) as tf.Scalar, recon, kl };
  });
}

/**
 * Completed digits, pixel means with the observed pixels pasted back: the baseline's one guess per
 * image (`[n, pixels]`), and `samples` of the CVAE per image, z drawn from p(z | x) (`[samples * n,
 * pixels]`, sample after sample).
 */
export function completeDigits(
  cvae: CompletionCvae,
  baseline: Model,
  x: tf.Tensor2D,
  mask: tf.Tensor,
  samples: number,
  seed: number,
): { baseline: tf.Tensor2D; samples: tf.Tensor2D } {
  return tf.tidy(() => {
    const paste = (guess: tf.Tensor2D, images: tf.Tensor2D) =>
      tf.add(tf.mul(images, mask), tf.mul(tf.sigmoid(guess), tf.sub(1, mask))) as tf.Tensor2D;
    const p = completionPrior(cvae, baseline, x, mask);
    const tile = (t: tf.Tensor2D) => tf.tile(t, [samples, 1]) as tf.Tensor2D;
    const eps = tf.randomNormal(tile(p.mu).shape, 0, 1, "float32", randomStream(seed, "sampling").seed());
    const z = reparameterize(tile(p.mu), tile(p.logVar!), eps as tf.Tensor2D);
    return {
      baseline: paste(baselineLogits(baseline, x, mask), x),
      samples: paste(decode(cvae.vae, z), tile(x)),
    };
  });
}
