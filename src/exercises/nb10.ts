/**
 * The exercises of notebook 10 (conditional and semi-supervised VAEs): the KL between two diagonal
 * Gaussians, which the completion CVAE's learnt prior needs, and a prediction about labels.
 */
import * as tf from "@tensorflow/tfjs";
import { klGaussians } from "../model/kl";
import type { Rng } from "../random";
import { defineExercise } from "./check";
import { sampleStatistics } from "../statistics";

/** KL(N(mu1, diag e^logVar1) || N(mu2, diag e^logVar2)) per row, from `[batch, dim]` tensors. */
type KlFormula = (
  mu1: tf.Tensor2D,
  logVar1: tf.Tensor2D,
  mu2: tf.Tensor2D,
  logVar2: tf.Tensor2D,
) => tf.Tensor;

/** 10.1: the KL between two diagonal Gaussians, run on random cases against the library's. */
const klTwoGaussians = defineExercise<KlFormula>({
  check(answer, _given, rng) {
    if (typeof answer !== "function")
      return "your answer must be a function: (mu1, logVar1, mu2, logVar2) => a tensor, one number per row.";
    for (let round = 0; round < 5; round++) {
      const batch = 1 + rng.int(6);
      const dim = 1 + rng.int(8);
      const verdict = tf.tidy(() => compareKl(answer, randomCase(batch, dim, rng)));
      if (verdict !== true) return verdict;
    }
    return true;
  },
});

function randomCase(batch: number, dim: number, rng: Rng): tf.Tensor2D[] {
  const draw = (scale: number) =>
    tf.tensor2d(
      Float32Array.from({ length: batch * dim }, () => scale * (2 * rng.next() - 1)),
      [batch, dim],
    );
  return [draw(2), draw(1.5), draw(2), draw(1.5)];
}

function compareKl(answer: KlFormula, [mu1, logVar1, mu2, logVar2]: tf.Tensor2D[]): true | string {
  const batch = mu1.shape[0];
  const out = answer(mu1, logVar1, mu2, logVar2);
  if (!(out instanceof tf.Tensor)) return "return a tensor with one number per row.";
  if (out.size !== batch)
    return `for ${batch} rows of ${mu1.shape[1]} dimensions you returned shape [${out.shape}]: give one number per row (sum over the dimensions, axis 1).`;
  const got = out.dataSync();
  const want = klGaussians(mu1, logVar1, mu2, logVar2).dataSync();
  const close = (reference: ArrayLike<number>) =>
    Array.from(got).every((g, i) => Math.abs(g - reference[i]) <= 1e-4 * Math.max(1, Math.abs(reference[i])));
  if (close(want)) return true;
  if (close(want.map((v) => 2 * v)))
    return "your numbers are twice the KL: look at the factor in front of the sum.";
  if (close(klGaussians(mu2, logVar2, mu1, logVar1).dataSync()))
    return "that is the KL the other way round: KL is not symmetric, and the first distribution is the one the expectation is over.";
  if (Array.from(got).some((g) => g < -1e-4))
    return "a KL divergence is never negative: check the signs of the log-variance terms.";
  return "for some rows your numbers differ from the KL; with mu1 = mu2 and logVar1 = logVar2 it must be 0, and each dimension adds its own term.";
}

/** What the check of 10.2 needs from the notebook. */
export interface LabelRuns {
  /** Trains M2 and the baseline on `perClass` labels per digit of one label draw; their test accuracies. */
  run: (perClass: number, labelSeed: number) => Promise<{ m2: number; baseline: number }>;
  /** Section 5's label draws: each one's seed and M2's accuracy minus the baseline's with 10 per digit. */
  draws: { seed: number; lead: number }[];
}

/**
 * 10.2: with more labels, does M2's lead over the baseline grow or shrink? Checked by running every
 * label draw of section 5 again with the count asked for: the change of the lead, draw by draw, must
 * differ from 0 by more than twice its standard error (the notebook's rule), or the check cannot tell.
 */
const labelsAndLead = defineExercise<{ labelsPerDigit: number; lead: "grows" | "shrinks" }, LabelRuns>({
  async check(answer, given) {
    const { labelsPerDigit, lead } = answer ?? {};
    if (!(Number.isInteger(labelsPerDigit) && labelsPerDigit > 10 && labelsPerDigit <= 300))
      return "set labelsPerDigit to a whole number of labels per digit above 10 (and at most 300), the count you predict for.";
    if (lead !== "grows" && lead !== "shrinks") return 'answer lead: "grows" or "shrinks".';
    if (given.draws.length < 2)
      throw new Error("exercise 10.2 needs section 5's leads of at least 2 label draws.");
    const changes: number[] = [];
    for (const draw of given.draws) {
      const { m2, baseline } = await given.run(labelsPerDigit, draw.seed);
      changes.push(m2 - baseline - draw.lead);
    }
    const { mean, se } = sampleStatistics(changes);
    if (!(Math.abs(mean) > 2 * se))
      return `with ${labelsPerDigit} labels per digit the change of the lead is within twice its standard error over the ${changes.length} draws: the runs cannot tell. Choose a count further from 10.`;
    if (lead === (mean > 0 ? "grows" : "shrinks")) return true;
    return "compare what each model gains from the extra labels: the baseline learns from labels alone, M2 from every image.";
  },
});

/** Notebook 10's exercises, by ID. */
export const nb10 = {
  "10.1": klTwoGaussians,
  "10.2": labelsAndLead,
};
