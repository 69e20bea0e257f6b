/**
 * The exercises of notebook 01 (a plain autoencoder): the floor of the loss on grey pixels, PCA's
 * error from its variances alone, and sampling codes from a Gaussian fitted per dimension (with a
 * prediction first).
 */
import * as tf from "@tensorflow/tfjs";
import { type ImageSet, batches } from "../data/batches";
import { type PrincipalComponents, pcaReconstruct } from "../eval/pca";
import { nearestDistances } from "../eval/nearest";
import { fitMixture } from "../eval/mixture";
import { median } from "../statistics";
import type { Rng } from "../random";
import { defineExercise } from "./check";
import { type PerImage, perImageNumbers, randomImages } from "./nb00";

/** 01.1: the smallest binary cross-entropy any logits can reach on an image, as a function of x. */
const lossFloor = defineExercise<PerImage>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function of a batch: (x) => ...";
    for (let round = 0; round < 5; round++) {
      const verdict = tf.tidy(() => compareFloor(answer, randomImages(1 + rng.int(12), rng)));
      if (verdict !== true) return verdict;
    }
    return true;
  },
});

/** Per image, the sum over pixels of -x log x - (1 - x) log(1 - x), with 0 log 0 = 0. */
function entropySum(x: tf.Tensor2D): tf.Tensor1D {
  const xLogX = (p: tf.Tensor) => tf.where(tf.greater(p, 0), tf.mul(p, tf.log(tf.maximum(p, 1e-30))), 0);
  return tf.neg(tf.sum(tf.add(xLogX(x), xLogX(tf.sub(1, x))), 1)) as tf.Tensor1D;
}

function compareFloor(answer: PerImage, x: tf.Tensor2D): true | string {
  const got = perImageNumbers(answer, x);
  if (typeof got === "string") return got;
  if (got.some((g) => !Number.isFinite(g)))
    return "some images give NaN or infinity: at a pixel of exactly 0 or 1 the term has a finite limit (x log x tends to 0 as x tends to 0).";
  if (got.every((g) => Math.abs(g) < 1e-6))
    return "zero holds only for pixels that are exactly 0 or 1; on a grey pixel no logit makes the term vanish.";
  const want = entropySum(x).dataSync();
  if (got.every((g, i) => Math.abs(g - want[i]) <= 1e-2 + 1e-4 * want[i])) return true;
  return "for some images your numbers differ from the smallest loss: minimise one pixel's term over its logit (where is its derivative zero?), then put that logit back into the term.";
}

/** What the check of 01.2 needs from the notebook: the PCA and the images it was fitted to. */
export interface PcaGiven {
  pca: PrincipalComponents;
  set: ImageSet;
}

/** 01.2: the mean squared error PCA leaves with its first k components, from the variances alone. */
const pcaError = defineExercise<(k: number) => number, PcaGiven>({
  check(answer, given, rng) {
    if (typeof answer !== "function") return "your answer must be a function of k: (k) => ...";
    const kMax = given.pca.variances.length;
    const ks = [1 + rng.int(5), 6 + rng.int(kMax - 10), kMax - rng.int(5)];
    const got = ks.map((k) => answer(k));
    if (got.some((g) => typeof g !== "number" || !Number.isFinite(g)))
      return "return a finite number for each k.";
    if (got[2] > got[0]) return "your numbers grow with k, but more components can only leave less error.";
    const off = ks.filter((k, i) => !(Math.abs(got[i] - leftError(given, k)) <= 1e-3 * leftError(given, k)));
    if (off.length === 0) return true;
    return `off at k = ${off.join(", ")}: on average, how much of each image's squared error does the j-th component remove?`;
  },
});

/** The mean over the set's images of |x - x_hat|^2 through the first k components, measured. */
function leftError({ pca, set }: PcaGiven, k: number): number {
  let total = 0;
  for (const { x } of batches(set, 10000)) {
    total += tf.tidy(() => tf.sum(tf.square(tf.sub(x, pcaReconstruct(pca, x, k)))).dataSync()[0]);
  }
  return total / set.n;
}

/** What the checks of 01.3 and 01.4 need from the notebook: the training codes, `[n, dim]`. */
export interface CodesGiven {
  codes: tf.Tensor2D;
}

/** Draws `[n, dim]` of the Gaussian with the codes' mean and standard deviation per dimension. */
function independentDraws(codes: tf.Tensor2D, n: number, rng: Rng): tf.Tensor2D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(codes, 0);
    const eps = tf.randomNormal([n, codes.shape[1]], 0, 1, "float32", rng.seed());
    return tf.add(tf.mul(eps, tf.sqrt(variance)), mean) as tf.Tensor2D;
  });
}

/** Median distance from `n` draws of each Gaussian (independent, full) to the nearest code. */
function medianDistances(codes: tf.Tensor2D, n: number, rng: Rng): [number, number] {
  const [rows, dim] = codes.shape;
  const full = fitMixture(codes.dataSync(), rows, dim, { components: 1, seed: rng.int(1000) + 1 });
  const fullDraws = tf.tensor2d(full.sample(n, rng.int(1000) + 1), [n, dim]);
  const independent = independentDraws(codes, n, rng);
  try {
    return [median(nearestDistances(independent, codes)), median(nearestDistances(fullDraws, codes))];
  } finally {
    tf.dispose([fullDraws, independent]);
  }
}

/** 01.3: a prediction, checked against a measurement made in the check. */
const independentVersusFull = defineExercise<"nearer" | "farther", CodesGiven>({
  check(answer, given, rng) {
    if (answer !== "nearer" && answer !== "farther") return 'answer "nearer" or "farther".';
    const [independent, full] = medianDistances(given.codes, 1000, rng);
    if (independent < full === (answer === "nearer")) return true;
    return "the measurement disagrees. Both Gaussians give each dimension the codes' spread; which one keeps their correlations, and over how much volume does each spread its draws?";
  },
});

/** 01.4: a sampler of the Gaussian with the codes' mean and standard deviation per dimension. */
const independentSampler = defineExercise<(n: number, rng: Rng) => tf.Tensor2D, CodesGiven>({
  check(answer, { codes }, rng) {
    if (typeof answer !== "function") return "your answer must be a function: (n, rng) => ...";
    const n = 2000;
    const dim = codes.shape[1];
    const z = answer(n, rng);
    try {
      if (!(z instanceof tf.Tensor) || z.shape[0] !== n || z.shape[1] !== dim)
        return `return a tensor of shape [${n}, ${dim}]: n codes of ${dim} numbers.`;
      const verdict = compareMoments(z, codes);
      if (verdict !== true) return verdict;
      const some = tf.slice(z, [0, 0], [200, -1]) as tf.Tensor2D;
      const distance = median(nearestDistances(some, codes));
      some.dispose();
      console.log(
        `median distance of 200 of your draws to the nearest training code: ${distance.toFixed(2)}`,
      );
      return true;
    } finally {
      if (z instanceof tf.Tensor) z.dispose();
    }
  },
});

/** True when the draws' mean and variance match the codes', dimension by dimension, within 5 standard errors. */
function compareMoments(z: tf.Tensor2D, codes: tf.Tensor2D): true | string {
  const n = z.shape[0];
  const [drawn, target] = [z, codes].map((t) =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(t, 0);
      return { mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync()) };
    }),
  );
  const meanOk = drawn.mean.every(
    (m, j) => Math.abs(m - target.mean[j]) < 5 * Math.sqrt(target.variance[j] / n),
  );
  if (!meanOk) return "the draws' means differ from the codes' means.";
  const varOk = drawn.variance.every(
    (v, j) => Math.abs(v - target.variance[j]) < 5 * target.variance[j] * Math.sqrt(2 / n),
  );
  return varOk ? true : "the draws' spread differs from the codes' spread, dimension by dimension.";
}

/** Notebook 01's exercises, by ID. */
export const nb01 = {
  "01.1": lossFloor,
  "01.2": pcaError,
  "01.3": independentVersusFull,
  "01.4": independentSampler,
};
