import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // Plain slerp: its norm is not linear in t when the ends differ in norm.
    wrong: `const answer1: ((a: number[], b: number[], t: number) => number[]) | undefined = slerp;`,
    right: `const answer1:
  | ((a: number[], b: number[], t: number) => number[])
  | undefined = (a, b, t) => {
  const [na, nb] = [norm(a), norm(b)];
  const direction = slerp(a.map((v) => v / na), b.map((v) => v / nb), t);
  return direction.map((v) => v * ((1 - t) * na + t * nb));
};`,
  },
  "2": {
    // The spread of the means alone misses the posteriors' own variance.
    wrong: `const answer2:
  | ((mu: tf.Tensor2D, logVar: tf.Tensor2D) => number[])
  | undefined = (mu) =>
  tf.tidy(() => Array.from(tf.moments(mu, 0).variance.dataSync()));`,
    right: `const answer2:
  | ((mu: tf.Tensor2D, logVar: tf.Tensor2D) => number[])
  | undefined = (mu, logVar) =>
  tf.tidy(() =>
    Array.from(tf.add(tf.moments(mu, 0).variance, tf.mean(tf.exp(logVar), 0)).dataSync()),
  );`,
  },
  "3": {
    // The norm of a prior draw: the midpoint is not on the shell.
    wrong: `const answer3: number | undefined = Math.sqrt(100);`,
    right: `const answer3: number | undefined = Math.sqrt(50);`,
  },
};
