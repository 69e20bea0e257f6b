import type { Answers } from "./answers";

/** Exercises of notebooks/02_vae_objective.ipynb: a wrong and a right answer for each. */
export const answers: Answers = {
  // "squared error averaged over D pixels + w KL": 2 sigma² = D w. Wrong: the average read as a sum.
  "1": {
    wrong:
      "const answer1: ((pixels: number, klWeight: number) => number) | undefined = (D, w) => Math.sqrt(w / 2);",
    right:
      "const answer1: ((pixels: number, klWeight: number) => number) | undefined = (D, w) => Math.sqrt((D * w) / 2);",
  },
  // The variance ratio of d/d mu_1 at D = 100; wrong: scaled linearly from D = 20.
  "2": {
    wrong: "const answer2: number | undefined = 5 * 360;",
    right: "const answer2: number | undefined = 7800;",
  },
  // log C of the continuous Bernoulli in logits: C = l / tanh(l / 2), 2 at l = 0. Wrong: NaN at 0.
  "3": {
    wrong: "const answer3: ((logit: number) => number) | undefined = (l) => Math.log(l / Math.tanh(l / 2));",
    right: [
      "const answer3: ((logit: number) => number) | undefined = (l) =>",
      "  Math.abs(l) < 1e-4 ? Math.log(2 + (l * l) / 6) : Math.log(l / Math.tanh(l / 2));",
    ].join("\n"),
  },
};
