/**
 * The complexity of an image as a compressor measures it: the length of its lossless code. Serra et
 * al. (ICLR 2020) subtract it from a model's -log2 p(x) to take out what any compressor would
 * already pay for an image's intricacy.
 */
import { type ImageSet, checkImageSet, imageSize } from "../data/batches";
import { encodePng } from "../figures/png";

/**
 * The length in bits of each image of `set` stored as an 8-bit PNG file (pixels in [0, 1] scaled to
 * 0-255), compressed as hard as the library's PNG encoder can: one number per image.
 */
export function compressedBits(set: ImageSet): Float64Array {
  checkImageSet(set, "set to compress");
  if (set.channels !== 1)
    throw new Error(`compressedBits takes grey images (1 channel); this set has ${set.channels}.`);
  const size = imageSize(set);
  const bits = new Float64Array(set.n);
  const data = new Uint8Array(size);
  for (let i = 0; i < set.n; i++) {
    for (let j = 0; j < size; j++) data[j] = Math.round(set.pixels[i * size + j] * 255);
    bits[i] = 8 * encodePng({ width: set.cols, height: set.rows, channels: 1, data }).length;
  }
  return bits;
}
