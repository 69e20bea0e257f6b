import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    wrong: `const answer1: number | undefined = 0.5;`,
    right: `const answer1: number | undefined = 0.13;`,
  },
  "2": {
    wrong: `const answer2: number | undefined = 5;`,
    right: `const answer2: number | undefined = 1;`,
  },
};
