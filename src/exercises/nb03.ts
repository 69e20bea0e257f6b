/**
 * The exercises of notebook 03 (training a VAE): a published figure in bits per dimension turned
 * into nats per image, the number of images a target standard error needs, and KL warm-up's beta.
 */
import type { Rng } from "../random";
import { sampleStatistics } from "../statistics";
import { defineExercise } from "./check";

/** Bits per dimension of images with `dims` values (pixels times channels) to nats per image. */
type ToNats = (bitsPerDim: number, dims: number) => number;

const near = (got: number, want: number) => Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want));

/** 03.1: b bits per dimension on images of D values is b D ln 2 nats per image; random cases. */
const bitsToNats = defineExercise<ToNats>({
  check(toNats, _given, rng) {
    if (typeof toNats !== "function") return "your answer must be a function (bitsPerDim, dims) => nats.";
    for (let round = 0; round < 8; round++) {
      const dims = [784, 3072, 12288, 100 + rng.int(5000)][round % 4];
      const bits = 0.05 + 8 * rng.next();
      const got = toNats(bits, dims);
      if (near(got, bits * dims * Math.LN2)) continue;
      return natsHint(got, bits, dims);
    }
    return true;
  },
});

/** A hint naming the slip `got` shows, without the reference. */
function natsHint(got: number, bits: number, dims: number): string {
  if (typeof got !== "number" || !Number.isFinite(got))
    return `for ${bits} bits per dimension and ${dims} values your function gave ${got}.`;
  if (near(got, (bits * dims) / Math.LN2))
    return "a bit is a smaller unit than a nat (2 < e): the same information is fewer nats than bits. Which way does the factor go?";
  if (near(got, bits * Math.LN2) || near(got, bits / Math.LN2))
    return "bits per dimension is per pixel value; nats per image count every value of the image.";
  if (near(got, bits * 784 * Math.LN2))
    return `right for 28 x 28 images only: for images of ${dims} values your conversion must use that size.`;
  return `for ${bits.toFixed(3)} bits per dimension on images of ${dims} values your number is off: convert the unit (bits to nats) and the count (per value to per image) separately.`;
}

/** What the check cell of 03.2 passes: the per-image estimates whose standard error is asked about. */
export interface PerImageEstimates {
  values: ArrayLike<number>;
}

/** The standard error 03.2 asks for, in nats. */
const TARGET_SE = 0.1;

/** 03.2: images needed for a standard error of 0.1 nats, within 10 %, from the sample's spread. */
const imagesForTargetSe = defineExercise<number, PerImageEstimates>({
  check(answer, given) {
    if (!given?.values || given.values.length < 2)
      throw new Error("the check cell must pass { values: ... } with the per-image estimates.");
    if (typeof answer !== "number" || !(answer > 0)) return "answer a positive number of images.";
    const { n, variance, se } = sampleStatistics(given.values);
    const needed = variance / TARGET_SE ** 2;
    if (Math.abs(answer - needed) <= 0.1 * needed) return true;
    if (Math.abs(answer - (n * se) / TARGET_SE) <= 0.1 * ((n * se) / TARGET_SE))
      return "the standard error does not fall in proportion to the number of images: how does the standard error of a mean scale with n?";
    return answer < needed
      ? "too few: the standard error of a mean shrinks like one over the square root of n."
      : "too many: the standard error of a mean shrinks like one over the square root of n.";
  },
});

/** KL warm-up's beta at global step `step` (0 for the first step) with `warmupSteps` steps of warm-up. */
type WarmupBeta = (step: number, warmupSteps: number) => number;

/** Warm-up lengths and steps drawn at random: the first step, the end of the warm-up, and after. */
function warmupCases(rng: Rng): [number, number][] {
  const cases: [number, number][] = [];
  for (let round = 0; round < 6; round++) {
    const w = 1 + rng.int(5000);
    cases.push([0, w], [rng.int(w), w], [w, w], [w + 1 + rng.int(10 * w), w]);
  }
  return cases;
}

/** 03.3: beta = min(1, step / W), as `vl.linearWarmup(W)` computes it, on random cases. */
const warmupBeta = defineExercise<WarmupBeta>({
  check(beta, _given, rng) {
    if (typeof beta !== "function") return "your answer must be a function (step, warmupSteps) => beta.";
    for (const [step, w] of warmupCases(rng)) {
      const got = beta(step, w);
      if (near(got, Math.min(1, step / w))) continue;
      if (typeof got !== "number" || !Number.isFinite(got))
        return `at step ${step} with ${w} warm-up steps your function gave ${got}.`;
      if (step === 0) return "at the first step (step 0) the KL term should not count at all yet.";
      if (step > w)
        return `after the warm-up (step ${step} of a ${w}-step warm-up) beta should stay where it arrived.`;
      return `at step ${step} of a ${w}-step warm-up your beta is off: it should rise in a straight line from the first step to the end of the warm-up.`;
    }
    return true;
  },
});

/** Notebook 03's exercises, by ID. */
export const nb03 = {
  "03.1": bitsToNats,
  "03.2": imagesForTargetSe,
  "03.3": warmupBeta,
};
