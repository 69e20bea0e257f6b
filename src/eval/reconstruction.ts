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
  const rng = randomStream(options.seed ?? 0, "noise");
  const reconstructed = [0, 0, 0];
  const inputs = [0, 0, 0];
  for (const { x } of batches(set, options.batchSize ?? 1000)) {
    const errors = tf.tidy(() => {
      const input = options.noise ? options.noise(x, rng) : x;
      return [imageErrors(x, reconstruct(model, input)), imageErrors(x, input)];
    });
    errors.forEach((e, k) => sumErrors(e).forEach((v, j) => ((k === 0 ? reconstructed : inputs)[j] += v)));
    tf.dispose(errors);
  }
  const mean = ([bce, mse, psnr]: number[]) => ({ bce: bce / set.n, mse: mse / set.n, psnr: psnr / set.n });
  return { reconstructed: mean(reconstructed), inputs: mean(inputs) };
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
 * inputs (`denoised`), against the clean images.
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
