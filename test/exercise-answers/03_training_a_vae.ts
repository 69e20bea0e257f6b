import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    wrong: `const answer1: ((natsPerImage: number) => number) | undefined = (n) => n / 784;`,
    right: `const answer1: ((natsPerImage: number) => number) | undefined = (n) => n / (784 * Math.LN2);`,
  },
  "2": {
    wrong: `const answer2: "higher" | "lower" | undefined = "higher";`,
    right: `const answer2: "higher" | "lower" | undefined = "lower";`,
  },
  "3": {
    wrong: `const answer3: "higher" | "lower" | undefined = "lower";`,
    right: `const answer3: "higher" | "lower" | undefined = "higher";`,
  },
};
