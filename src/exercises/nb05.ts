/**
 * The exercises of notebook 05 (the denoising autoencoder): a noise function written with
 * TensorFlow.js, a prediction of the PSNR of noise, and the expected error of masking.
 */
import * as tf from "@tensorflow/tfjs";
import type { NoiseFn } from "../model/noise";
import { type Rng, randomStream } from "../random";
import { defineExercise } from "./check";

/** Five standard errors of a share `p` measured on `n` independent pixels. */
const tolerance = (p: number, n: number) => 5 * Math.sqrt((p * (1 - p)) / n);

/** The share of the values of `t` for which `test` holds. */
const share = (t: tf.Tensor, test: (v: number) => boolean) => {
  const values = t.dataSync();
  let k = 0;
  for (const v of values) if (test(v)) k++;
  return k / values.length;
};

/** 05.1: salt-only noise, a pixel set to 1 with probability p, else kept. */
const saltOnly = defineExercise<(p: number) => NoiseFn>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function of p: (p) => (x, rng) => ...";
    for (let round = 0; round < 3; round++) {
      const p = 0.1 + 0.5 * rng.next();
      const verdict = tf.tidy(() => checkSaltOnly(answer(p), p, rng));
      if (verdict !== true) return verdict;
    }
    return true;
  },
});

function checkSaltOnly(noise: NoiseFn, p: number, rng: Rng): true | string {
  const n = 100 * 784;
  const grey = Math.fround(0.05 + 0.9 * rng.next()); // as float32 stores it
  const input = tf.fill([100, 784], grey) as tf.Tensor2D;
  const out = noise(input, randomStream(rng.seed(), "noise"));
  if (!(out instanceof tf.Tensor) || out.shape.join() !== "100,784")
    return "the noise must return a tensor of the input's shape [n, 784].";
  if (share(out, (v) => v !== grey && v !== 1) > 0) return "every pixel must end up unchanged or exactly 1.";
  const white = share(out, (v) => v === 1);
  if (Math.abs(white - p) > tolerance(p, n))
    return white > p
      ? "too many pixels turn white: a pixel is hit with probability p."
      : "too few pixels turn white: a pixel is hit with probability p.";
  const seed = rng.seed();
  const again = (k: number) => noise(input, randomStream(seed, "noise", k)).dataSync();
  const [a, b, c] = [again(0), again(0), again(1)];
  if (!a.every((v, i) => v === b[i]))
    return "the same random stream must give the same corruption: seed tfjs's random op with rng.seed().";
  if (a.every((v, i) => v === c[i]))
    return "two different random streams gave the same corruption: draw from rng.";
  return true;
}

/** 05.2: the PSNR of Gaussian noise of standard deviation 0.25, without clipping, predicted. */
const unclippedPsnr = defineExercise<number>({
  check(psnr) {
    if (typeof psnr !== "number" || !Number.isFinite(psnr)) return "answer a number of decibels.";
    const sigma = 0.25;
    if (Math.abs(psnr - 10 * Math.log10(1 / sigma ** 2)) < 0.05) return true;
    if (Math.abs(psnr - 10 * Math.log10(1 / sigma)) < 0.05)
      return "the MSE of noise is the mean of its square: what is the mean of (σ ε)² for ε ~ N(0, 1)?";
    if (psnr < 0) return "the noise's MSE is below 1, so 10 log10(1 / MSE) is positive.";
    return "PSNR = 10 log10(1 / MSE): compute the expected squared error of one pixel first.";
  },
});

/** 05.3: the expected squared error per pixel between an image and its masked copy. */
const maskingMse = defineExercise<(pixels: Float32Array, p: number) => number>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function (pixels, p) => number.";
    for (let round = 0; round < 5; round++) {
      const pixels = Float32Array.from({ length: 784 }, () => (rng.next() < 0.6 ? 0 : rng.next()));
      const p = 0.05 + 0.9 * rng.next();
      const meanOf = (f: (v: number) => number) => pixels.reduce((s, v) => s + f(v), 0) / 784;
      const expected = p * meanOf((v) => v * v);
      const got = answer(pixels, p);
      if (typeof got !== "number") return "your function must return a number.";
      if (Math.abs(got - expected) <= 1e-6 * Math.max(expected, 1e-3)) continue;
      if (Math.abs(got - p * meanOf((v) => v)) <= 1e-6)
        return "a masked pixel's squared error is not its value.";
      if (Math.abs(got - (1 - p) * meanOf((v) => v * v)) <= 1e-6)
        return "p is the share of pixels masked, not kept.";
      return `for an image with p = ${p.toFixed(2)} your formula disagrees with what masking does on average: which pixels change, how often, and by how much?`;
    }
    return true;
  },
});

/** Notebook 05's exercises, by ID. */
export const nb05 = {
  "05.1": saltOnly,
  "05.2": unclippedPsnr,
  "05.3": maskingMse,
};
