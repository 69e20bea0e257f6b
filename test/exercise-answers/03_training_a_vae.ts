import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // Dividing by ln 2 converts nats to bits, the other way round.
    wrong: `const answer1: ((bitsPerDim: number, dims: number) => number) | undefined = (b, d) =>
  (b * d) / Math.LN2;`,
    right: `const answer1: ((bitsPerDim: number, dims: number) => number) | undefined = (b, d) =>
  b * d * Math.LN2;`,
  },
  "2": {
    // As if the standard error fell like 1 / n.
    wrong: `const answer2: number | undefined = (iwaeN * ourNll.se) / 0.1;`,
    right: `const answer2: number | undefined = iwaeN * (ourNll.se / 0.1) ** 2;`,
  },
  "3": {
    // Forgets that beta stays at 1 after the warm-up.
    wrong: `const answer3: ((step: number, warmupSteps: number) => number) | undefined = (s, w) => s / w;`,
    right: `const answer3: ((step: number, warmupSteps: number) => number) | undefined = (s, w) =>
  Math.min(1, s / w);`,
  },
};
