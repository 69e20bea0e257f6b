/**
 * The exercises of notebook 02 (the VAE objective): the sigma hidden in a loss, a prediction of the
 * score function's variance, and the continuous Bernoulli's normaliser written in logits.
 */
import type { Rng } from "../random";
import { defineExercise } from "./check";

/** A function of a loss's settings giving the sigma of the Gaussian likelihood it hides. */
type SigmaOf = (pixels: number, klWeight: number) => number;

/**
 * 02.1: "squared error averaged over D pixels + w KL" is a Gaussian VAE's -ELBO times 2 sigma² / D
 * when 2 sigma² = D w, so sigma = sqrt(D w / 2). Checked on settings drawn at random.
 */
const sigmaOfAveragedLoss = defineExercise<SigmaOf>({
  check(sigmaOf, _given, rng) {
    if (typeof sigmaOf !== "function") return "your answer must be a function (pixels, klWeight) => sigma.";
    for (let round = 0; round < 8; round++) {
      const pixels = [784, 3072, 64 + rng.int(4000)][round % 3];
      const klWeight = 10 ** (-4 + 3 * rng.next());
      const got = sigmaOf(pixels, klWeight);
      const want = Math.sqrt((pixels * klWeight) / 2);
      if (Math.abs(got - want) <= 1e-9 * want) continue;
      return sigmaHint(got, pixels, klWeight);
    }
    return true;
  },
});

/** A hint naming the slip `got` shows, without the reference. */
function sigmaHint(got: number, pixels: number, klWeight: number): string {
  const near = (v: number) => Math.abs(got - v) <= 1e-9 * Math.abs(v);
  if (!Number.isFinite(got)) return `for D = ${pixels} and w = ${klWeight} your function gave ${got}.`;
  if (near(Math.sqrt(klWeight / 2)))
    return "the tutorial averages the squared error over the pixels: scale its objective so that the squared error is summed, as in the Gaussian -ELBO, and see what the KL weight becomes.";
  if (near(Math.sqrt(pixels * klWeight)))
    return "a factor is missing: in the Gaussian -ELBO the summed squared error is divided by 2 sigma², not sigma².";
  if (near((pixels * klWeight) / 2)) return "that is sigma², not sigma.";
  return `for D = ${pixels} pixels and w = ${klWeight} your sigma does not make the two objectives proportional: write the Gaussian -ELBO, multiply it by a constant so that its squared-error term is the tutorial's, and compare the KL weights.`;
}

/** Section 4's setting: q = N(mu0, exp(logVar0) I), f(z) = |z|², gradients in mu_1. */
const MU0 = 0.7;
const LOG_VAR0 = -0.4;
const PREDICTED_DIMENSION = 100;

/**
 * Var(score-function estimate of d E f / d mu_1) / Var(reparameterized one) for f = c + |z|² in
 * `dim` dimensions, exactly, from the Gaussian moments of z_j = mu0 + sigma eps_j.
 */
function varianceRatio(dim: number, c: number): number {
  const s = Math.exp(LOG_VAR0);
  const m2 = MU0 ** 2 + s; // E z²
  const m4 = MU0 ** 4 + 6 * MU0 ** 2 * s + 3 * s * s; // E z⁴
  // score estimate f(z) eps_1 / sigma, with f = A + B: A = z_1² and B the rest, independent of eps_1.
  const a2e2 = MU0 ** 4 + 18 * MU0 ** 2 * s + 15 * s * s; // E[z_1⁴ eps_1²]
  const ae2 = MU0 ** 2 + 3 * s; // E[z_1² eps_1²]
  const meanB = (dim - 1) * m2 + c;
  const meanB2 = (dim - 1) * (m4 - m2 * m2) + meanB * meanB;
  const scoreVariance = (a2e2 + 2 * ae2 * meanB + meanB2) / s - (2 * MU0) ** 2;
  return scoreVariance / (4 * s); // the reparameterized estimate 2 z_1 has variance 4 sigma²
}

/** 02.2: the variance ratio at D = 100 (c = 0), predicted to within a factor 2. */
const scoreVarianceAt100 = defineExercise<number>({
  check(predicted) {
    if (typeof predicted !== "number" || !(predicted > 0))
      return "answer a positive number: the predicted ratio of the two variances.";
    const exact = varianceRatio(PREDICTED_DIMENSION, 0);
    if (predicted > exact / 2 && predicted < exact * 2) return true;
    const fromD20 = varianceRatio(20, 0);
    if (predicted > exact * 2)
      return "too high: f grows by about one square per dimension; how fast does the variance of a sum of D independent squares grow, and the square of its mean?";
    if (predicted <= (1.2 * fromD20 * PREDICTED_DIMENSION) / 20)
      return "too low: the score function multiplies the whole of f by the score, so its variance follows E[f²], not E[f]; how does E[f²] grow with D?";
    return "too low, by more than a factor 2: which part of E[f²] dominates when D is large?";
  },
});

/** A function of a logit giving log C(sigmoid(l)) of the continuous Bernoulli. */
type LogNormaliser = (logit: number) => number;

/** log C(sigmoid(l)) = log(l / tanh(l / 2)) in float64, its series 2 + l²/6 - l⁴/360 near 0. */
function logNormaliserOfLogit(l: number): number {
  if (Math.abs(l) < 1e-3) return Math.log(2 + (l * l) / 6 - l ** 4 / 360);
  return Math.log(l / Math.tanh(l / 2));
}

/** Logits drawn at random at every scale, from 1e-9 to 40, of both signs, and 0 itself. */
function randomLogits(rng: Rng): number[] {
  const logits = [0];
  for (let i = 0; i < 24; i++) {
    const magnitude = i < 8 ? 10 ** (-9 + 8 * rng.next()) : 40 * rng.next();
    logits.push(rng.next() < 0.5 ? -magnitude : magnitude);
  }
  return logits;
}

/** 02.3: log C of the continuous Bernoulli as a function of the logit, accurate at every logit. */
const logNormaliserInLogits = defineExercise<LogNormaliser>({
  check(logC, _given, rng) {
    if (typeof logC !== "function") return "your answer must be a function (logit) => log C.";
    const wrong: number[] = [];
    for (const l of randomLogits(rng)) {
      const want = logNormaliserOfLogit(l);
      if (!(Math.abs(logC(l) - want) <= 1e-9 * Math.max(1, Math.abs(want)))) wrong.push(l);
    }
    if (wrong.length === 0) return true;
    if (wrong.includes(0) && Number.isNaN(logC(0)))
      return "at logit 0 your function gives NaN: the formula is 0/0 there. What is its limit, and how does it behave just beside 0 (5.3 handles the same problem in lambda)?";
    if (wrong.every((l) => Math.abs(l) < 1e-2))
      return `near logit 0 (for example at ${wrong[0]}) your value is off: a difference of nearly equal numbers loses digits there; use a series.`;
    return `at logit ${wrong.find((l) => Math.abs(l) >= 1e-2) ?? wrong[0]} your value is not log C(sigmoid(l)): check the formula away from 0 first (1 - 2 sigmoid(l) = -tanh(l / 2)).`;
  },
});

/** Notebook 02's exercises, by ID. */
export const nb02 = {
  "02.1": sigmaOfAveragedLoss,
  "02.2": scoreVarianceAt100,
  "02.3": logNormaliserInLogits,
};
