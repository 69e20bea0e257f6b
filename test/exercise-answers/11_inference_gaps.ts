import type { Answers } from "./answers";

export const answers: Answers = {
  "1": {
    // The opposite of what this run's posteriors and q say.
    wrong: `const narrowerCount = posteriors.filter(
  (p, i) =>
    Math.exp((q2.logVar[i][0] + q2.logVar[i][1]) / 2) <
    Math.sqrt(p.cov[0][0] * p.cov[1][1] - p.cov[0][1] ** 2),
).length;
const answer1: "narrower" | "wider" | undefined =
  narrowerCount > posteriors.length / 2 ? "wider" : "narrower";`,
    right: `const narrowerCount = posteriors.filter(
  (p, i) =>
    Math.exp((q2.logVar[i][0] + q2.logVar[i][1]) / 2) <
    Math.sqrt(p.cov[0][0] * p.cov[1][1] - p.cov[0][1] ** 2),
).length;
const answer1: "narrower" | "wider" | undefined =
  narrowerCount > posteriors.length / 2 ? "narrower" : "wider";`,
  },
  "2": {
    wrong: `const meanGap = (keep: (m: number) => boolean) => {
  const gaps = posteriors.flatMap((p, i) => (keep(p.modes) ? [approx2[i]] : []));
  return gaps.reduce((s, g) => s + g, 0) / gaps.length;
};
const answer2: "larger" | "smaller" | undefined =
  meanGap((m) => m > 1) > meanGap((m) => m === 1) ? "smaller" : "larger";`,
    right: `const meanGap = (keep: (m: number) => boolean) => {
  const gaps = posteriors.flatMap((p, i) => (keep(p.modes) ? [approx2[i]] : []));
  return gaps.reduce((s, g) => s + g, 0) / gaps.length;
};
const answer2: "larger" | "smaller" | undefined =
  meanGap((m) => m > 1) > meanGap((m) => m === 1) ? "larger" : "smaller";`,
  },
  "3": {
    // The KL of the standard deviation's mismatch forgotten: (sigma^2 - 1) / 2.
    wrong: `const answer3: number | undefined = (0.25 - 1) / 2;`,
    right: `const answer3: number | undefined = (0.25 - 1 - Math.log(0.25)) / 2;`,
  },
};
