/**
 * The exercises of notebook 00 (getting started): a prediction about the data, and a first formula
 * written with TensorFlow.js.
 */
import * as tf from "@tensorflow/tfjs";
import { loadDataset } from "../data/datasets";
import type { Rng } from "../random";
import { defineExercise } from "./check";

/** 00.1: the share of MNIST training pixels that are exactly 0, predicted to within 0.05. */
const backgroundShare = defineExercise<number>({
  async check(share) {
    if (typeof share !== "number" || !(share >= 0 && share <= 1))
      return "answer a number between 0 and 1: the share of the pixels, not a count or a percentage.";
    const { images } = await loadDataset("mnist", "train");
    let zeros = 0;
    for (const p of images) if (p === 0) zeros++;
    const reference = zeros / images.length;
    if (Math.abs(share - reference) <= 0.05) return true;
    return share > reference
      ? "too high: a stroke has soft grey edges, and those pixels are not exactly 0."
      : "too low: look again at the digits above, small strokes in a large black square.";
  },
});

/** A function of a batch of images `[n, 784]` giving one number per image. */
export type PerImage = (images: tf.Tensor2D) => tf.Tensor;

/** 00.2: the share of each image's pixels brighter than 0.5, as a tensor formula. */
const inkShare = defineExercise<PerImage>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function of a batch: (images) => ...";
    for (let round = 0; round < 5; round++) {
      const n = 1 + rng.int(12);
      const verdict = tf.tidy(() => compareInkShare(answer, randomImages(n, rng)));
      if (verdict !== true) return verdict;
    }
    return true;
  },
});

/** `n` images whose pixels are exactly 0, 0.5 or 1, or uniform in [0, 1], in random proportions per image. */
export function randomImages(n: number, rng: Rng): tf.Tensor2D {
  const pixels = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    const [zero, half, one] = [rng.next() / 3, rng.next() / 3, rng.next() / 3];
    for (let j = 0; j < 784; j++) {
      const u = rng.next();
      pixels[i * 784 + j] = u < zero ? 0 : u < zero + half ? 0.5 : u < zero + half + one ? 1 : rng.next();
    }
  }
  return tf.tensor2d(pixels, [n, 784]);
}

/**
 * The answer's numbers for a batch, one per image, or a hint when it does not return a tensor of
 * that shape (`[n]`, or `[n, 1]`).
 */
export function perImageNumbers(answer: PerImage, images: tf.Tensor2D): number[] | string {
  const n = images.shape[0];
  const out = answer(images);
  if (!(out instanceof tf.Tensor)) return "return a tensor with one number per image.";
  if (out.size !== n || out.shape.filter((s) => s !== 1).length > 1)
    return `for a batch of ${n} images your function returned shape [${out.shape}]: give one number per image (reduce over the pixels, axis 1).`;
  return Array.from(out.dataSync());
}

function compareInkShare(answer: PerImage, images: tf.Tensor2D): true | string {
  const got = perImageNumbers(answer, images);
  if (typeof got === "string") return got;
  const share = (brighter: tf.Tensor) => tf.mean(tf.cast(brighter, "float32"), 1).dataSync();
  const close = (want: ArrayLike<number>, scale = 1) =>
    Array.from(got).every((g, i) => Math.abs(g - want[i] * scale) <= 1e-5 * Math.max(1, scale));
  if (close(share(tf.greater(images, 0.5)))) return true;
  if (close(share(tf.greaterEqual(images, 0.5))))
    return "you also counted pixels of exactly 0.5; brighter than 0.5 means strictly above it.";
  if (close(share(tf.greater(images, 0.5)), 784))
    return "that is a count of pixels; a share lies between 0 and 1.";
  return "for some images your numbers differ from the share of their pixels that are brighter than 0.5.";
}

/** Notebook 00's exercises, by ID. */
export const nb00 = {
  "00.1": backgroundShare,
  "00.2": inkShare,
};
