/**
 * From stored images to training batches: float pixels in [0, 1], binarization, shuffled batches.
 *
 * Models see images as flat rows: a batch is a `[batchSize, rows * cols * channels]` tensor.
 */
import * as tf from "@tensorflow/tfjs";
import type { Dataset } from "./datasets";
import { type Rng, permutation, randomStream } from "../random";

/** Images as float pixels in [0, 1], one flat row per image, with optional labels. */
export interface ImageSet {
  /** `n * rows * cols * channels` pixels in [0, 1]. */
  pixels: Float32Array;
  /** `n` class labels, when known. */
  labels?: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  channels: number;
}

/** Number of values in one image of `set`. */
export function imageSize(set: Pick<ImageSet, "rows" | "cols" | "channels">): number {
  return set.rows * set.cols * set.channels;
}

/** Scales a loaded dataset's 0-255 pixels to [0, 1]. `limit` keeps the first examples only. */
export function toImageSet(dataset: Dataset, limit = dataset.n): ImageSet {
  if (!(Number.isInteger(limit) && limit > 0)) {
    throw new Error(
      `toImageSet: limit must be a positive integer (how many images to keep, at most ${dataset.n}), got ${limit}.`,
    );
  }
  const n = Math.min(limit, dataset.n);
  const size = dataset.rows * dataset.cols;
  const pixels = new Float32Array(n * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = dataset.images[i] / 255;
  return {
    pixels,
    labels: dataset.labels.slice(0, n),
    n,
    rows: dataset.rows,
    cols: dataset.cols,
    channels: 1,
  };
}

/** Checks that a set has data of the size its shape says, in [0, 1], and no NaN. */
export function checkImageSet(set: ImageSet, what = "image set"): void {
  if (!(set.n > 0))
    throw new Error(
      `The ${what} is empty (n = ${set.n}): load some images first (check the dataset name and limit).`,
    );
  const expected = set.n * imageSize(set);
  if (set.pixels.length !== expected) {
    throw new Error(
      `The ${what} holds ${set.pixels.length} pixels but n * rows * cols * channels = ${expected}: fix n or the image shape.`,
    );
  }
  for (let i = 0; i < set.pixels.length; i++) {
    const v = set.pixels[i];
    if (!(v >= 0 && v <= 1)) {
      throw new Error(
        `The ${what} has pixel ${i} = ${v}; pixels must be numbers in [0, 1] (divide 0-255 values by 255, remove NaN).`,
      );
    }
  }
  if (set.labels && set.labels.length !== set.n) {
    throw new Error(`The ${what} has ${set.labels.length} labels for ${set.n} images.`);
  }
}

/** The images `start .. start+count-1` (or fewer at the end), sharing no memory with `set`. */
export function sliceImageSet(set: ImageSet, start: number, count: number): ImageSet {
  const end = Math.min(set.n, start + count);
  const size = imageSize(set);
  return {
    ...set,
    pixels: set.pixels.slice(start * size, end * size),
    labels: set.labels?.slice(start, end),
    n: Math.max(0, end - start),
  };
}

/**
 * `count` images drawn at random without replacement (the first `count` of a seeded permutation,
 * from the seed's evaluation stream), kept in their order in `set`; `indices` says which.
 */
export function randomSubset(
  set: ImageSet,
  count: number,
  seed: number,
): { subset: ImageSet; indices: number[] } {
  if (!(Number.isInteger(count) && count >= 1 && count <= set.n))
    throw new Error(
      `randomSubset: count must be an integer from 1 to ${set.n} (the set's size), got ${count}.`,
    );
  const indices = Array.from(permutation(set.n, randomStream(seed, "evaluation")).subarray(0, count));
  indices.sort((a, b) => a - b);
  const size = imageSize(set);
  const pixels = new Float32Array(count * size);
  indices.forEach((image, row) =>
    pixels.set(set.pixels.subarray(image * size, (image + 1) * size), row * size),
  );
  const labels = set.labels ? Uint8Array.from(indices, (image) => set.labels![image]) : undefined;
  return { subset: { ...set, pixels, labels, n: count }, indices };
}

/**
 * Static binarization: every pixel becomes 1 with probability equal to its value, drawn once
 * (the fixed binarized MNIST of the literature) from the seed's binarization stream. Dynamic
 * binarization redraws every batch: see {@link binarize}.
 */
export function binarizeStatic(set: ImageSet, seed: number): ImageSet {
  const rng = randomStream(seed, "binarization");
  const pixels = new Float32Array(set.pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.next() < set.pixels[i] ? 1 : 0;
  return { ...set, pixels };
}

/** Dynamic binarization of a batch: each pixel is 1 with probability equal to its value. */
export function binarize(x: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf.cast(tf.less(tf.randomUniform(x.shape, 0, 1, "float32", rng.seed()), x), "float32") as tf.Tensor2D,
  );
}

/** One batch: the images as a `[size, imageSize]` tensor and which examples they are. */
export interface Batch {
  x: tf.Tensor2D;
  /** Index of each row in the image set. */
  indices: Int32Array;
}

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Visit the examples in a random order drawn from this generator (default: in order). */
  rng?: Rng;
  /** Skip the last batch when it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
}

/**
 * The batches of one pass over `set`. Rows are copied into one preallocated buffer, so there is
 * no garbage per step. Each batch tensor is disposed when the next batch is drawn (or the loop
 * ends): `tf.clone` a batch to keep it.
 */
export function* batches(set: ImageSet, batchSize: number, options: BatchOptions = {}): Generator<Batch> {
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new Error(`batchSize must be a positive integer, got ${batchSize}.`);
  if (!(set.n > 0)) throw new Error("Cannot make batches of an empty image set: load some images first.");
  const size = imageSize(set);
  const order = options.rng
    ? permutation(set.n, options.rng)
    : Int32Array.from({ length: set.n }, (_, i) => i);
  const buffer = new Float32Array(Math.min(batchSize, set.n) * size); // a batch is never larger than the set
  let x: tf.Tensor2D | undefined;
  try {
    for (let start = 0; start < set.n; start += batchSize) {
      const count = Math.min(batchSize, set.n - start);
      if (count < batchSize && options.dropLast) break;
      const indices = order.subarray(start, start + count);
      for (let r = 0; r < count; r++)
        buffer.set(set.pixels.subarray(indices[r] * size, (indices[r] + 1) * size), r * size);
      x?.dispose();
      // wasm and tensorflow copy the values into their own memory; the cpu backend keeps a
      // reference to the array instead, so it gets its own copy (the buffer is refilled next batch).
      const values =
        tf.getBackend() === "cpu" ? buffer.slice(0, count * size) : buffer.subarray(0, count * size);
      x = tf.tensor2d(values, [count, size]);
      yield { x, indices };
    }
  } finally {
    x?.dispose();
  }
}
