import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    wrong: `const answer1: number | undefined = 0.5;`,
    right: `const answer1: number | undefined = 0.8;`,
  },
  "2": {
    // Counts pixels of exactly 0.5 too: the check's hint says so.
    wrong: `const answer2: ((images: tf.Tensor2D) => tf.Tensor) | undefined = (images) =>
  tf.mean(tf.cast(tf.greaterEqual(images, 0.5), "float32"), 1);`,
    right: `const answer2: ((images: tf.Tensor2D) => tf.Tensor) | undefined = (images) =>
  tf.mean(tf.cast(tf.greater(images, 0.5), "float32"), 1);`,
  },
};
