import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // A perfect reconstruction scores 0: true for binary pixels only.
    wrong: `const answer1: ((x: tf.Tensor2D) => tf.Tensor) | undefined = (x) => tf.zeros([x.shape[0]]);`,
    right: `const answer1: ((x: tf.Tensor2D) => tf.Tensor) | undefined = (x) =>
  tf.tidy(() => {
    const p = tf.clipByValue(x, 1e-7, 1 - 1e-7);
    const h = tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p))));
    return tf.neg(tf.sum(h, 1));
  });`,
  },
  "2": {
    // The variance the components keep, not the variance they leave.
    wrong: `const answer2: ((k: number) => number) | undefined = (k) =>
  pca.variances.slice(0, k).reduce((a, b) => a + b, 0);`,
    right: `const answer2: ((k: number) => number) | undefined = (k) =>
  pca.totalVariance - pca.variances.slice(0, k).reduce((a, b) => a + b, 0);`,
  },
  "3": {
    // Without the correlations the Gaussian spreads over more volume (Hadamard's inequality).
    wrong: `const answer3: "nearer" | "farther" | undefined = "nearer";`,
    right: `const answer3: "nearer" | "farther" | undefined = "farther";`,
  },
  "4": {
    // The standard normal the articles use.
    wrong: `const answer4: ((n: number, rng: vl.Rng) => tf.Tensor2D) | undefined = (n, rng) =>
  tf.randomNormal([n, 20], 0, 1, "float32", rng.seed()) as tf.Tensor2D;`,
    right: `const answer4: ((n: number, rng: vl.Rng) => tf.Tensor2D) | undefined = (n, rng) =>
  tf.tidy(() => {
    const eps = tf.randomNormal([n, 20], 0, 1, "float32", rng.seed());
    return tf.add(tf.mul(eps, tf.tensor1d(codeMoments.std)), tf.tensor1d(codeMoments.mean));
  }) as tf.Tensor2D;`,
  },
};
