/**
 * The exercises of notebook 06 (VAE versus DAE): the algebra of the factorial design, what the
 * verdict rule asks of three seeds, and the log-density of a fitted mixture.
 */
import { factorialEffects } from "../experiments/effects";
import type { Rng } from "../random";
import { defineExercise } from "./check";

/** The design's effects as plain numbers. */
export interface EffectNumbers {
  kl: number;
  noise: number;
  interaction: number;
}

/** 06.1: DAE - AE (noise training on the autoencoder alone) from the main effects and interaction. */
const noiseOnAutoencoder = defineExercise<(effects: EffectNumbers) => number>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function of the effects: (e) => ...";
    for (let round = 0; round < 6; round++) {
      const mean = () => ({ mean: 20 * rng.next() - 10, std: 0, n: 3 });
      const cells = { AE: mean(), DAE: mean(), VAE: mean(), "denoising VAE": mean() };
      const e = factorialEffects(cells);
      const effects = { kl: e.kl.effect, noise: e.noise.effect, interaction: e.interaction.effect };
      const got = answer(effects);
      const want = cells.DAE.mean - cells.AE.mean;
      if (typeof got !== "number" || !Number.isFinite(got)) return "return a number.";
      if (Math.abs(got - want) < 1e-9) continue;
      if (Math.abs(got - effects.noise) < 1e-9)
        return "that is the noise effect averaged over both rows; on the row without the KL term the interaction moves it too.";
      if (Math.abs(got - (effects.noise + effects.interaction / 2)) < 1e-9)
        return "the interaction enters with the other sign on the row without the KL term.";
      return (
        "for some cell means your expression is not DAE - AE. Write each cell as " +
        "m + (k - 1/2) kl + (n - 1/2) noise + (k - 1/2)(n - 1/2) interaction, with k and n 0 or 1, and subtract."
      );
    }
    return true;
  },
});

/** 06.2: how many common standard deviations apart two means of three seeds must be for |t| >= 2. */
const separation = defineExercise<number>({
  check(answer) {
    if (typeof answer !== "number" || !(answer > 0))
      return "answer a positive number: the gap between the means in units of the common standard deviation s.";
    const want = 2 * Math.sqrt(2 / 3);
    if (Math.abs(answer - want) <= 0.02) return true;
    if (Math.abs(answer - 2 * Math.sqrt(2)) <= 0.02)
      return "each side is a mean of three values, and a mean varies less than a single value.";
    if (Math.abs(answer - 2 / Math.sqrt(3)) <= 0.02)
      return "both means are uncertain: the difference carries the squared standard errors of both.";
    return answer > want
      ? "too far apart: the rule is less demanding."
      : "too close: the rule asks for more.";
  },
});

/** A mixture of Gaussians with diagonal covariances: log p(z) of one point. */
export type MixtureLogDensity = (
  z: number[],
  weights: number[],
  means: number[][],
  variances: number[][],
) => number;

/** log p(z) of a diagonal-covariance mixture, by log-sum-exp. */
function mixtureLogDensity(z: number[], weights: number[], means: number[][], variances: number[][]): number {
  const logs = weights.map((w, k) => {
    let log = Math.log(w);
    z.forEach(
      (v, d) =>
        (log -= 0.5 * (Math.log(2 * Math.PI * variances[k][d]) + (v - means[k][d]) ** 2 / variances[k][d])),
    );
    return log;
  });
  const top = Math.max(...logs);
  return top + Math.log(logs.reduce((sum, l) => sum + Math.exp(l - top), 0));
}

/** A random mixture in `dim` dimensions and a point, `far` standard deviations from every component when asked. */
function mixtureCase(rng: Rng, far: boolean) {
  const dim = 1 + rng.int(5);
  const components = 1 + rng.int(4);
  const raw = Array.from({ length: components }, () => 0.2 + rng.next());
  const weights = raw.map((w) => w / raw.reduce((a, b) => a + b, 0));
  const means = raw.map(() => Array.from({ length: dim }, () => 4 * rng.next() - 2));
  const variances = raw.map(() => Array.from({ length: dim }, () => 0.1 + rng.next()));
  const z = Array.from({ length: dim }, () => (far ? 60 : 3 * rng.next() - 1.5));
  return { z, weights, means, variances };
}

/** 06.3: the log-density of a mixture of Gaussians (diagonal covariances), stable far from the components. */
const mixtureDensity = defineExercise<MixtureLogDensity>({
  check(answer, _given, rng) {
    if (typeof answer !== "function")
      return "your answer must be a function (z, weights, means, variances) => number.";
    for (const far of [false, false, false, false, true, true]) {
      const c = mixtureCase(rng, far);
      const got = answer(c.z, c.weights, c.means, c.variances);
      const want = mixtureLogDensity(c.z, c.weights, c.means, c.variances);
      if (Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want))) continue;
      if (far && !Number.isFinite(got))
        return "far from every component each density underflows to 0 in floating point: add the components' logarithms with log-sum-exp.";
      if (typeof got !== "number" || Number.isNaN(got))
        return "return a number (a log-density, not a density).";
      return "for some mixtures your value differs from log p(z): check the normalising constant of each Gaussian and the weights.";
    }
    return true;
  },
});

/** Notebook 06's exercises, by ID. */
export const nb06 = {
  "06.1": noiseOnAutoencoder,
  "06.2": separation,
  "06.3": mixtureDensity,
};
