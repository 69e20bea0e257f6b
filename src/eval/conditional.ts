/**
 * A conditional VAE on a test set: its bound on log p(x | y), and how many nats its code carries
 * per latent dimension (beside an unconditional VAE's).
 */
import * as tf from "@tensorflow/tfjs";
import { type Encoding, type Model, encode } from "../model/model";
import { conditionalElbo, decodeWithEachLabel, encodeConditional } from "../model/conditional";
import { klPerDimension } from "../model/kl";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { randomStream } from "../random";
import type { Metrics } from "./loss";

/** The labels of a batch's rows as one-hot rows. */
function oneHotRows(set: ImageSet, indices: Int32Array, classes: number): tf.Tensor2D {
  return tf.oneHot(
    tf.tensor1d(
      Int32Array.from(indices, (i) => set.labels![i]),
      "int32",
    ),
    classes,
  ) as tf.Tensor2D;
}

function checkLabelled(model: Model, set: ImageSet, what: string): void {
  checkImageSet(set, what);
  if (model.config.classes > 0 && !set.labels)
    throw new Error(`The ${what} has no labels, and this conditional VAE reads each image's label.`);
}

/**
 * Means over `set` of the conditional VAE's -ELBO of log p(x | y) (loss = recon + kl), with each
 * image's own label and one z per image from the seed's "evaluation" stream.
 */
export function conditionalTestBound(model: Model, set: ImageSet, options: { seed: number }): Metrics {
  checkLabelled(model, set, "evaluation set");
  const sums = { recon: 0, kl: 0 };
  let index = 0;
  for (const { x, indices } of batches(set, 500)) {
    const eps = randomStream(options.seed, "evaluation", index++).seed();
    const values = tf.tidy(() => {
      const z = tf.randomNormal([x.shape[0], model.config.latentDim], 0, 1, "float32", eps) as tf.Tensor2D;
      const { recon, kl } = conditionalElbo(model, x, oneHotRows(set, indices, model.config.classes), z);
      return tf.stack([tf.sum(recon), tf.sum(kl)]);
    });
    const [recon, kl] = values.dataSync();
    values.dispose();
    sums.recon += recon;
    sums.kl += kl;
  }
  const recon = sums.recon / set.n;
  const kl = sums.kl / set.n;
  return { loss: recon + kl, recon, kl };
}

/**
 * KL(q(z | x[, y]) || N(0, I)) of each latent dimension, averaged over `set` (nats): q(z | x) of a
 * VAE, q(z | x, y) with each image's label for a conditional one.
 */
export function meanKlPerDimension(model: Model, set: ImageSet): Float32Array {
  checkLabelled(model, set, "set");
  const sums = new Float32Array(model.config.latentDim);
  for (const { x, indices } of batches(set, 500)) {
    const perDimension = tf.tidy(() => {
      const q: Encoding =
        model.config.classes > 0
          ? encodeConditional(model, x, oneHotRows(set, indices, model.config.classes))
          : encode(model, x);
      if (!q.logVar) throw new Error("meanKlPerDimension needs a VAE (an encoder with mu and logVar).");
      return tf.sum(klPerDimension(q.mu, q.logVar), 0);
    });
    perDimension.dataSync().forEach((v, d) => (sums[d] += v));
    perDimension.dispose();
  }
  return sums.map((s) => s / set.n);
}

/** How much a conditional VAE's images change with the label and with the code (see {@link labelInfluence}). */
export interface LabelInfluence {
  /** Mean summed |change| of the pixel means when only the label changes (same code). */
  acrossLabels: number;
  /** Mean summed |change| of the pixel means when only the code changes (same label). */
  acrossCodes: number;
}

/**
 * Decodes each code of `z` with every label and measures, in summed absolute pixel-mean differences
 * per image, how far each image is from the mean of its code over the labels (what the label
 * changes) and from the mean of its label over the codes (what the code changes).
 */
export function labelInfluence(model: Model, z: tf.Tensor2D): LabelInfluence {
  const spreads = tf.tidy(() => {
    const images = tf.reshape(decodeWithEachLabel(model, z), [z.shape[0], model.config.classes, -1]);
    const spread = (axis: number) => tf.mean(tf.sum(tf.abs(tf.sub(images, tf.mean(images, axis, true))), 2));
    return tf.stack([spread(1), spread(0)]);
  });
  const [acrossLabels, acrossCodes] = spreads.dataSync();
  spreads.dispose();
  return { acrossLabels, acrossCodes };
}
