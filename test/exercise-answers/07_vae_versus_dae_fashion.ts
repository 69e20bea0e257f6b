import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // Subtracts the two t values, as if a difference of t values were a t value.
    wrong: `const answer1: ((first: vl.Effect, second: vl.Effect) => boolean) | undefined = (a, b) =>
  Math.abs(a.t - b.t) >= 2;`,
    right: `const answer1: ((first: vl.Effect, second: vl.Effect) => boolean) | undefined = (a, b) =>
  Math.abs(a.effect - b.effect) / Math.sqrt(a.se ** 2 + b.se ** 2) >= 2;`,
  },
  "2": {
    // Also lists verdicts that only one list holds.
    wrong: `const answer2: ((first: Map<string, string>, second: Map<string, string>) => string[]) | undefined =
  (first, second) => [...first.keys()].filter((k) => first.get(k) !== second.get(k));`,
    right: `const answer2: ((first: Map<string, string>, second: Map<string, string>) => string[]) | undefined =
  (first, second) =>
    [...first.keys()].filter((k) => second.has(k) && first.get(k) !== second.get(k));`,
  },
};
