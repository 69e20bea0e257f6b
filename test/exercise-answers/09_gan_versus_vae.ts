import type { Answers } from "./answers";

const cell1 = (loss: string, recall: string) => `const answer1: {
  generatorLoss: (fakeLogits: tf.Tensor) => tf.Scalar;
  recall: "higher" | "lower" | "about the same";
} | undefined = { generatorLoss: ${loss}, recall: ${recall} };`;

export const answers: Answers = {
  "1": {
    // Still the non-saturating loss: the check's hint says so before any training.
    wrong: cell1(`(a) => tf.mean(tf.softplus(tf.neg(a))) as tf.Scalar`, `"lower"`),
    right: cell1(`(a) => tf.neg(tf.mean(tf.softplus(a))) as tf.Scalar`, `"about the same"`),
  },
  "2": {
    // The textbook sum, without the care for points of probability 0 (0 log 0 gives NaN).
    wrong: `const answer2: ((p: number[], q: number[]) => number) | undefined = (p, q) =>
  p.reduce((v, pi, i) => v + pi * Math.log(pi / (pi + q[i])) + q[i] * Math.log(q[i] / (pi + q[i])), 0);`,
    right: `const answer2: ((p: number[], q: number[]) => number) | undefined = (p, q) =>
  p.reduce((v, pi, i) => v + (pi > 0 ? pi * Math.log(pi / (pi + q[i])) : 0) +
    (q[i] > 0 ? q[i] * Math.log(q[i] / (pi + q[i])) : 0), 0);`,
  },
};
