import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // The KL the other way round (q and the prior swapped): the check's hint says so.
    wrong: `type KlOfTwo = (mu1: tf.Tensor2D, logVar1: tf.Tensor2D, mu2: tf.Tensor2D, logVar2: tf.Tensor2D) =>
  tf.Tensor;
const answer1: KlOfTwo | undefined = (mu1, logVar1, mu2, logVar2) =>
  tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.sub(logVar1, logVar2),
    tf.div(tf.add(tf.exp(logVar2), tf.square(tf.sub(mu2, mu1))), tf.exp(logVar1))), 1), 1));`,
    right: `type KlOfTwo = (mu1: tf.Tensor2D, logVar1: tf.Tensor2D, mu2: tf.Tensor2D, logVar2: tf.Tensor2D) =>
  tf.Tensor;
const answer1: KlOfTwo | undefined = (mu1, logVar1, mu2, logVar2) =>
  tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.sub(logVar2, logVar1),
    tf.div(tf.add(tf.exp(logVar1), tf.square(tf.sub(mu1, mu2))), tf.exp(logVar2))), 1), 1));`,
  },
  "2": {
    // Quick mode's tiny budget decides the direction here; the check compares with the run.
    wrong: `const answer2: { labelsPerDigit: number; lead: "grows" | "shrinks" } | undefined =
  { labelsPerDigit: 100, lead: "grows" };`,
    right: `const answer2: { labelsPerDigit: number; lead: "grows" | "shrinks" } | undefined =
  { labelsPerDigit: 100, lead: "shrinks" };`,
  },
};
