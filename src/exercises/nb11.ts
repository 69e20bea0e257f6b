/**
 * The exercises of notebook 11 (when inference falls short): predictions about the true posterior,
 * the two gaps and posterior collapse, checked against the run's own numbers.
 */
import type { GridPosterior } from "../eval/posterior-grid";
import { defineExercise } from "./check";

type Width = "narrower" | "wider";

/** 11.1: is the encoder's q(z|x) mostly narrower or wider than the true posterior (by area)? */
const qWidth = defineExercise<Width, { posteriors: GridPosterior[]; logVar: number[][] }>({
  check(answer, { posteriors, logVar }) {
    if (answer !== "narrower" && answer !== "wider") return 'answer "narrower" or "wider".';
    // Areas of one-sigma regions, up to pi: sigma_0 sigma_1 for q, sqrt(det cov) for the posterior.
    const narrower = posteriors.filter((p, i) => {
      const det = p.cov[0][0] * p.cov[1][1] - p.cov[0][1] ** 2;
      return Math.exp((logVar[i][0] + logVar[i][1]) / 2) < Math.sqrt(det);
    }).length;
    const reference: Width = narrower > posteriors.length / 2 ? "narrower" : "wider";
    return answer === reference
      ? true
      : "not for most of these images. KL(q || p) averages log q - log p under q: ask where that is large, and what q gains by staying where p is high.";
  },
});

type Larger = "larger" | "smaller";

/** 11.2: is the approximation gap larger or smaller for images whose posterior has several modes? */
const gapOfModes = defineExercise<Larger, { approximation: ArrayLike<number>; modes: number[] }>({
  check(answer, { approximation, modes }) {
    if (answer !== "larger" && answer !== "smaller") return 'answer "larger" or "smaller".';
    const mean = (keep: (m: number) => boolean) => {
      const gaps = modes.flatMap((m, i) => (keep(m) ? [approximation[i]] : []));
      return gaps.length ? gaps.reduce((s, g) => s + g, 0) / gaps.length : NaN;
    };
    const [several, one] = [mean((m) => m > 1), mean((m) => m === 1)];
    if (!Number.isFinite(several) || !Number.isFinite(one))
      return "this run has no image with several modes (or none with one): run the notebook in full mode.";
    const reference: Larger = several > one ? "larger" : "smaller";
    return answer === reference
      ? true
      : "not in this run. Picture one Gaussian fitted inside a posterior with two separated bumps: what share of the posterior can it cover?";
  },
});

/** 11.3: the KL, in nats per image, of a unit whose q(z_u|x) is N(0, 0.5^2) for every image. */
const unusedUnitKl = defineExercise<number>({
  check(answer) {
    if (typeof answer !== "number" || !Number.isFinite(answer)) return "answer a number of nats.";
    const variance = 0.25;
    const reference = 0.5 * (variance - 1 - Math.log(variance));
    if (Math.abs(answer - reference) <= 0.005) return true;
    return answer <= 0
      ? "a KL is never negative, and this q differs from the prior N(0, 1)."
      : "write the KL of one dimension, (sigma^2 + mu^2 - 1 - log sigma^2) / 2, with this unit's mu and sigma.";
  },
});

/** Notebook 11's exercises, by ID. */
export const nb11 = {
  "11.1": qWidth,
  "11.2": gapOfModes,
  "11.3": unusedUnitKl,
};
