import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // The noise effect averaged over both rows, forgetting the interaction.
    wrong: `const answer1: ((e: { kl: number; noise: number; interaction: number }) => number) | undefined =
  (e) => e.noise;`,
    right: `const answer1: ((e: { kl: number; noise: number; interaction: number }) => number) | undefined =
  (e) => e.noise - e.interaction / 2;`,
  },
  "2": {
    // Treats each side as one value, not a mean of three.
    wrong: `const answer2: number | undefined = 2 * Math.sqrt(2);`,
    right: `const answer2: number | undefined = 1.63;`,
  },
  "3": {
    // Exact near the components, but the densities underflow far from them.
    wrong: `type MixtureLogDensity = (z: number[], w: number[], m: number[][], v: number[][]) => number;
const answer3: MixtureLogDensity | undefined = (z, w, m, v) =>
  Math.log(w.reduce((sum, wk, k) => sum + wk * Math.exp(z.reduce((s, zd, d) =>
    s - 0.5 * (Math.log(2 * Math.PI * v[k][d]) + (zd - m[k][d]) ** 2 / v[k][d]), 0)), 0));`,
    right: `type MixtureLogDensity = (z: number[], w: number[], m: number[][], v: number[][]) => number;
const answer3: MixtureLogDensity | undefined = (z, w, m, v) => {
  const logs = w.map((wk, k) => Math.log(wk) + z.reduce((s, zd, d) =>
    s - 0.5 * (Math.log(2 * Math.PI * v[k][d]) + (zd - m[k][d]) ** 2 / v[k][d]), 0));
  const top = Math.max(...logs);
  return top + Math.log(logs.reduce((s, l) => s + Math.exp(l - top), 0));
};`,
  },
};
