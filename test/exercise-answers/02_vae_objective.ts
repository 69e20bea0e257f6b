import type { Answers } from "./answers";

/** Exercises of notebooks/02_vae_objective.ipynb: a wrong and a right answer for each. */
export const answers: Answers = {
  // sigma of "mean squared error over 784 pixels + 0.001 KL": 2 sigma² = 784 * 0.001.
  "1": {
    wrong: "const answer1: number | undefined = Math.sqrt(0.001 / 2);",
    right: "const answer1: number | undefined = Math.sqrt((784 * 0.001) / 2);",
  },
  // The variance ratio of d/d mu_1 at D = 100 (about 7,800 when measured); D = 20 gave about 360.
  "2": {
    wrong: "const answer2: number | undefined = 5 * 363; // linear in D: too low",
    right: "const answer2: number | undefined = 7800;",
  },
  // log C of the continuous Bernoulli in logits: C = l / tanh(l / 2), 2 + l²/6 near l = 0.
  "3": {
    wrong: "const answer3: ((logit: number) => number) | undefined = (l) => Math.log(l / Math.tanh(l / 2));",
    right: [
      "const answer3: ((logit: number) => number) | undefined = (l) =>",
      "  Math.abs(l) < 1e-4 ? Math.log(2 + (l * l) / 6) : Math.log(l / Math.tanh(l / 2));",
    ].join("\n"),
  },
};
