import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    wrong: `type IsoFrechet = (m1: number[], s1: number, m2: number[], s2: number) => number;
const answer1: IsoFrechet | undefined = (m1, s1, m2, s2) =>
  m1.reduce((s, v, i) => s + (v - m2[i]) ** 2, 0) + (s1 - s2) ** 2;`,
    right: `type IsoFrechet = (m1: number[], s1: number, m2: number[], s2: number) => number;
const answer1: IsoFrechet | undefined = (m1, s1, m2, s2) =>
  m1.reduce((s, v, i) => s + (v - m2[i]) ** 2, 0) + m1.length * (s1 - s2) ** 2;`,
  },
  "2": {
    wrong: `const answer2: ((cov: Float64Array, dim: number) => Float64Array) | undefined = (cov, dim) =>
  vl.sqrtSymmetric(cov, dim);`,
    right: `const answer2: ((cov: Float64Array, dim: number) => Float64Array) | undefined = (cov, dim) => {
  const l = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i * dim + j];
      for (let k = 0; k < j; k++) s -= l[i * dim + k] * l[j * dim + k];
      l[i * dim + j] = i === j ? Math.sqrt(s) : s / l[j * dim + j];
    }
  }
  return l;
};`,
  },
  "3": {
    wrong: `const answer3: ((a: Stat, b: Stat) => boolean) | undefined = (a, b) =>
  Math.abs(a.mean - b.mean) >= a.std + b.std;`,
    right: `const answer3: ((a: Stat, b: Stat) => boolean) | undefined = (a, b) =>
  Math.abs(a.mean - b.mean) >= Math.sqrt(a.std ** 2 + b.std ** 2);`,
  },
};
