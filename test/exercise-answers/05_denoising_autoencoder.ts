import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    wrong: "const answer1: ((p: number) => vl.NoiseFn) | undefined = saltAndPepper;",
    right: `const answer1: ((p: number) => vl.NoiseFn) | undefined = (p) => (x, rng) =>
  tf.tidy(() => {
    const hit = tf.less(tf.randomUniform(x.shape, 0, 1, "float32", rng.seed()), p);
    return tf.where(hit, tf.onesLike(x), x) as tf.Tensor2D;
  });`,
  },
  "2": {
    wrong: "const answer2: number | undefined = 10 * Math.log10(1 / 0.25);",
    right: "const answer2: number | undefined = 10 * Math.log10(1 / 0.25 ** 2);",
  },
  "3": {
    wrong: `const answer3: ((pixels: Float32Array, p: number) => number) | undefined = (x, p) =>
  (p * x.reduce((s, v) => s + v, 0)) / x.length;`,
    right: `const answer3: ((pixels: Float32Array, p: number) => number) | undefined = (x, p) =>
  (p * x.reduce((s, v) => s + v * v, 0)) / x.length;`,
  },
};
