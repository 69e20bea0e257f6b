/** Small synthetic data for the library's tests (no dataset files needed, fast on any backend). */
import type { ImageSet, ModelConfig } from "../src";
import { Rng } from "../src";

/**
 * `n` images of `rows x cols`: class 0 is bright on the left half, class 1 on the right half,
 * with uniform noise; pixels in [0, 1].
 */
export function syntheticImages(n: number, seed = 0, rows = 4, cols = 4): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Float32Array(n * rows * cols);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const bright = c < cols / 2 === (labels[i] === 0);
        pixels[i * rows * cols + r * cols + c] = bright ? 0.7 + 0.3 * rng.next() : 0.3 * rng.next();
      }
    }
  }
  return { pixels, labels, n, rows, cols, channels: 1 };
}

/** A model small enough for {@link syntheticImages}' default 4 x 4 images: trains in milliseconds. */
export const SMALL: Partial<ModelConfig> = { inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed: 7 };
