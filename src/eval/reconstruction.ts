/**
 * Reconstruction quality: binary cross-entropy, mean squared error and PSNR between images and
 * their reconstructions through the code `mu` (no sampling), optionally from corrupted inputs.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, reconstruct } from "../model/model";
import type { NoiseFn } from "../model/noise";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { randomStream } from "../random";

/** Reconstruction errors, averaged over images. */
export interface ReconstructionErrors {
  /** Binary cross-entropy summed over pixels (nats per image). */
  bce: number;
  /** Mean squared error per pixel. */
  mse: number;
  /** Mean over images of 10 log10(1 / MSE) for pixels in [0, 1] (dB). */
  psnr: number;
}

/** Options of {@link reconstructionErrors}. */
export interface ReconstructionEvalOptions {
  batchSize?: number;
  /** Corrupt the input with this noise first (reconstruction is compared with the clean image). */
  noise?: NoiseFn;
  /** Seed of the noise (its noise stream). */
  seed?: number;
  /**
   * Compare with these images instead of the inputs: the same images in the same order in another
   * form, e.g. the grey images of a set the model sees binarized.
   */
  target?: ImageSet;
}

/** Per image: BCE (nats), MSE and PSNR between `x` and `y` (pixels in [0, 1]). */
function imageErrors(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const p = tf.clipByValue(y, 1e-7, 1 - 1e-7);
    const bce = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))), 1));
    const mse = tf.mean(tf.squaredDifference(x, y), 1);
    // 1e-10 caps the PSNR of a perfect reconstruction at 100 dB instead of Infinity.
    const psnr = tf.mul(-10 / Math.LN10, tf.log(tf.add(mse, 1e-10)));
    return tf.stack([bce, mse, psnr], 1) as tf.Tensor2D;
  });
}

/** Sums of the columns of `[n, 3]` per-image errors, read back as numbers. */
function sumErrors(errors: tf.Tensor2D): number[] {
  const sums = tf.sum(errors, 0);
  const values = Array.from(sums.dataSync());
  sums.dispose();
  return values;
}

/** Error sums of the reconstructions and of the (possibly corrupted) inputs, over a set. */
function errorTotals(model: Model, set: ImageSet, options: ReconstructionEvalOptions) {
  checkImageSet(set, "evaluation set");
  const target = options.target ?? set;
  if (options.target) checkTarget(set, options.target);
  const rng = randomStream(options.seed ?? 0, "noise");
  const reconstructed = [0, 0, 0];
  const inputs = [0, 0, 0];
  const batchSize = options.batchSize ?? 1000;
  const targets = batches(target, batchSize);
  try {
    for (const { x } of batches(set, batchSize)) {
      const y = options.target ? targets.next().value!.x : x;
      const errors = tf.tidy(() => {
        const input = options.noise ? options.noise(x, rng) : x;
        return [imageErrors(y, reconstruct(model, input)), imageErrors(y, input)];
      });
      errors.forEach((e, k) => sumErrors(e).forEach((v, j) => ((k === 0 ? reconstructed : inputs)[j] += v)));
      tf.dispose(errors);
    }
  } finally {
    targets.return(undefined); // frees its last batch
  }
  const mean = ([bce, mse, psnr]: number[]) => ({ bce: bce / set.n, mse: mse / set.n, psnr: psnr / set.n });
  return { reconstructed: mean(reconstructed), inputs: mean(inputs) };
}

function checkTarget(set: ImageSet, target: ImageSet): void {
  checkImageSet(target, "target set");
  if (target.n !== set.n || target.pixels.length !== set.pixels.length)
    throw new Error(
      `The target set has ${target.n} images of ${target.pixels.length / target.n} pixels, the evaluation set ` +
        `${set.n} of ${set.pixels.length / set.n}: give the same images in the same order.`,
    );
}

/** BCE, MSE and PSNR of the model's reconstructions of `set` (from noisy inputs when `noise` is given). */
export function reconstructionErrors(
  model: Model,
  set: ImageSet,
  options: ReconstructionEvalOptions = {},
): ReconstructionErrors {
  return errorTotals(model, set, options).reconstructed;
}

/**
 * PSNR (dB) of the corrupted inputs (`noisy`) and of the model's reconstructions from those same
 * inputs (`denoised`), against the clean images (or `target`).
 */
export function denoisingPsnr(
  model: Model,
  set: ImageSet,
  noise: NoiseFn,
  options: Omit<ReconstructionEvalOptions, "noise"> = {},
): { noisy: number; denoised: number } {
  const { reconstructed, inputs } = errorTotals(model, set, { ...options, noise });
  return { noisy: inputs.psnr, denoised: reconstructed.psnr };
}
