/**
 * Input corruption for denoising autoencoders. A noise function gets a clean batch (pixels in
 * [0, 1]) and a random stream, and returns a corrupted copy; training redraws it every batch.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random";
import type { ModelConfig, NoiseConfig, NoiseKind } from "./config";

/** Corrupts a batch. Write your own as `(x, rng) => tf.tidy(() => ...)`, seeding ops with `rng.seed()`. */
export type NoiseFn = (x: tf.Tensor2D, rng: Rng) => tf.Tensor2D;

/** Adds N(0, std^2) noise to every pixel, clipped back to [0, 1]. */
export function gaussianNoise(std: number): NoiseFn {
  return (x, rng) =>
    tf.tidy(
      () =>
        tf.clipByValue(
          tf.add(x, tf.randomNormal(x.shape, 0, std, "float32", rng.seed())),
          0,
          1,
        ) as tf.Tensor2D,
    );
}

/** Sets a random fraction `p` of the pixels to 0 (masking noise). */
export function maskingNoise(p: number): NoiseFn {
  return (x, rng) =>
    tf.tidy(() => {
      const kept = tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, "float32", rng.seed()), p);
      return tf.mul(x, tf.cast(kept, "float32")) as tf.Tensor2D;
    });
}

/** Sets a random fraction `p` of the pixels to 0 or 1, half each (salt-and-pepper noise). */
export function saltAndPepperNoise(p: number): NoiseFn {
  return (x, rng) =>
    tf.tidy(() => {
      const hit = tf.less(tf.randomUniform(x.shape, 0, 1, "float32", rng.seed()), p);
      const salt = tf.cast(tf.less(tf.randomUniform(x.shape, 0, 1, "float32", rng.seed()), 0.5), "float32");
      return tf.where(hit, salt, x) as tf.Tensor2D;
    });
}

/**
 * The course's three levels of each noise kind, mild to strong: the standard deviation of
 * Gaussian noise, the fraction of pixels masked or hit by salt and pepper.
 */
export const NOISE_LEVELS: Readonly<Record<NoiseKind, readonly number[]>> = {
  gaussian: [0.25, 0.5, 0.75],
  masking: [0.25, 0.5, 0.75],
  "salt-and-pepper": [0.1, 0.25, 0.4],
};

/** A noise and its level as a table label: "gaussian σ = 0.5", "masking p = 0.25". */
export function noiseLabel(noise: NoiseConfig): string {
  return `${noise.kind} ${noise.kind === "gaussian" ? "σ" : "p"} = ${noise.level}`;
}

/** The noise function a config describes. */
export function noiseFunction(config: NoiseConfig): NoiseFn {
  switch (config.kind) {
    case "gaussian":
      return gaussianNoise(config.level);
    case "masking":
      return maskingNoise(config.level);
    case "salt-and-pepper":
      return saltAndPepperNoise(config.level);
    default:
      throw new Error(
        `Unknown noise kind ${JSON.stringify((config as NoiseConfig).kind)}: use gaussian, masking or salt-and-pepper.`,
      );
  }
}

/** The input noise a model was configured with: a denoising autoencoder's, else none. */
export function configuredNoise(config: ModelConfig): NoiseFn | undefined {
  return config.kind === "dae" && config.noise ? noiseFunction(config.noise) : undefined;
}

/** Noise levels per kind, e.g. the course's {@link NOISE_LEVELS}. */
export type LevelsByKind = Readonly<Partial<Record<NoiseKind, readonly number[]>>>;

/**
 * One noise per batch, drawn with the batch's own random stream, so that one model trains for
 * several kinds and levels at once. Given a list of noises: one of them uniformly (notebook 06).
 * Given levels per kind (default the course's three of each): a kind uniformly, then one of its
 * levels (notebook 08).
 */
export function mixedNoise(noises: readonly NoiseConfig[] | LevelsByKind = NOISE_LEVELS): NoiseFn {
  if (isNoiseList(noises)) {
    if (noises.length === 0) throw new Error("mixedNoise needs at least one noise ({ kind, level }).");
    const fns = noises.map(noiseFunction);
    return (x, rng) => fns[rng.int(fns.length)](x, rng);
  }
  const kinds = Object.keys(noises) as NoiseKind[];
  if (kinds.length === 0 || kinds.some((kind) => !noises[kind]?.length))
    throw new Error("mixedNoise needs at least one level for each noise kind it is given.");
  return (x, rng) => {
    const kind = kinds[rng.int(kinds.length)];
    const levels = noises[kind]!;
    return noiseFunction({ kind, level: levels[rng.int(levels.length)] })(x, rng);
  };
}

function isNoiseList(noises: readonly NoiseConfig[] | LevelsByKind): noises is readonly NoiseConfig[] {
  return Array.isArray(noises);
}
