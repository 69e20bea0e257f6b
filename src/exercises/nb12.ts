/**
 * The exercises of notebook 12 (better priors): a prediction about the holes of a learned prior's
 * model, and the log-density of a mixture of Gaussians written with TensorFlow.js.
 */
import * as tf from "@tensorflow/tfjs";
import type { GaussianQ } from "../model/elbo";
import { type Prior, logGaussianMixture, standardNormalPrior } from "../model/priors";
import { holeShare } from "../eval/aggregate-posterior";
import type { Rng } from "../random";
import { defineExercise } from "./check";

type MoreOrFewer = "more" | "fewer";

/**
 * 12.1: the model trained with the VampPrior, its codes measured against N(0, I) instead: more or
 * fewer of the prior's draws in holes than against its own prior?
 */
const holesUnderStandardNormal = defineExercise<
  MoreOrFewer,
  { codes: GaussianQ; prior: Prior; seed: number }
>({
  check(answer, { codes, prior, seed }) {
    if (answer !== "more" && answer !== "fewer") return 'answer "more" or "fewer".';
    const draws = 20000;
    const own = holeShare(codes, prior, { draws, seed }).share;
    const standard = holeShare(codes, standardNormalPrior(prior.latentDim), { draws, seed }).share;
    const reference: MoreOrFewer = standard > own ? "more" : "fewer";
    return answer === reference
      ? true
      : "not in this run. Where does N(0, I) put mass, and where did the VampPrior's model put its codes?";
  },
});

/** A log-density of each row of z, given K Gaussians of equal weight. */
type MixtureDensity = (z: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D) => tf.Tensor;

/** 12.2: log p(z) = log (1/K) sum_k N(z | mu_k, diag exp(logVar_k)), for each row of z. */
const mixtureLogDensity = defineExercise<MixtureDensity>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function (z, mu, logVar) => ...";
    for (let round = 0; round < 4; round++) {
      const [n, k, d] = [1 + rng.int(6), 1 + rng.int(5), 1 + rng.int(4)];
      const verdict = tf.tidy(() => compare(answer, n, k, d, rng));
      if (verdict !== true) return verdict;
    }
    return true;
  },
});

function compare(answer: MixtureDensity, n: number, k: number, d: number, rng: Rng): true | string {
  const normal = (rows: number, scale: number, shift = 0) =>
    tf.tensor2d(
      Array.from({ length: rows * d }, () => shift + scale * rng.normal()),
      [rows, d],
    );
  const [z, mu, logVar] = [normal(n, 2), normal(k, 1.5), normal(k, 0.5, -0.5)];
  const out = answer(z, mu, logVar);
  if (!(out instanceof tf.Tensor) || out.size !== n)
    return `for ${n} codes your function returned ${out instanceof tf.Tensor ? `shape [${out.shape}]` : "no tensor"}: give one log-density per row of z.`;
  const got = out.dataSync();
  const want = logGaussianMixture(z, mu, logVar).dataSync();
  if (Array.from(got).every((g, i) => Math.abs(g - want[i]) <= 1e-3 * Math.max(1, Math.abs(want[i]))))
    return true;
  const sum = tf.add(logGaussianMixture(z, mu, logVar), Math.log(k)).dataSync();
  if (Array.from(got).every((g, i) => Math.abs(g - sum[i]) <= 1e-3 * Math.max(1, Math.abs(sum[i]))))
    return "close: the components have equal weights 1/K, and your densities add up to K times too much.";
  return `with ${k} components in ${d} dimensions your log-densities differ from the mixture's: add the K densities (log-sum-exp of their logs), each weighted 1/K.`;
}

/** Notebook 12's exercises, by ID. */
export const nb12 = {
  "12.1": holesUnderStandardNormal,
  "12.2": mixtureLogDensity,
};
