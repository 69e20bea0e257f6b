/**
 * The exercises of notebook 07 (the replication on Fashion-MNIST): whether an effect differs between
 * two datasets beyond the spread, and the list of verdicts that flip.
 */
import { BEYOND_SPREAD, type Effect } from "../experiments/effects";
import { flippedVerdicts } from "../experiments/claims";
import { defineExercise } from "./check";

/** 07.1: whether one factor's effect on one measure differs between two datasets beyond the spread. */
const effectsDiffer = defineExercise<(first: Effect, second: Effect) => boolean>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function (first, second) => boolean.";
    for (let round = 0; round < 40; round++) {
      const effect = (): Effect => {
        const e = 10 * rng.next() - 5;
        const se = 0.1 + 2 * rng.next();
        return { effect: e, se, t: e / se };
      };
      const [a, b] = [effect(), effect()];
      const z = Math.abs(a.effect - b.effect) / Math.sqrt(a.se ** 2 + b.se ** 2);
      if (Math.abs(z - BEYOND_SPREAD) < 0.05) continue; // too close to the boundary to tell rules apart
      const got = answer(a, b);
      if (typeof got !== "boolean") return "return true or false.";
      if (got === z >= BEYOND_SPREAD) continue;
      if (got === Math.abs(a.t - b.t) >= BEYOND_SPREAD)
        return "the difference of two t values is not a t value: put the difference of the effects over its own standard error.";
      if (got === Math.abs(a.effect - b.effect) >= BEYOND_SPREAD * (a.se + b.se))
        return "independent uncertainties add in squares, not in plain sums.";
      return "for some pairs of effects your rule disagrees with the course's: what is the standard error of a difference of two independent estimates?";
    }
    return true;
  },
});

/** 07.2: the names of the verdicts that differ between two lists of verdicts. */
const flips = defineExercise<(first: Map<string, string>, second: Map<string, string>) => string[]>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function (first, second) => string[].";
    const words = ["holds", "fails", "is not settled"];
    for (let round = 0; round < 5; round++) {
      const first = new Map<string, string>();
      const second = new Map<string, string>();
      for (let i = 0; i < 8; i++) {
        first.set(`verdict ${i}`, words[rng.int(3)]);
        if (rng.next() < 0.8) second.set(`verdict ${i}`, words[rng.int(3)]);
      }
      second.set("only in the second list", "holds");
      const want = flippedVerdicts(first, second).map((f) => f.verdict);
      const got = answer(first, second);
      if (!Array.isArray(got)) return "return an array of the verdicts' names.";
      if (got.length === want.length && want.every((w, i) => got[i] === w)) continue;
      if (got.some((g) => !first.has(g) || !second.has(g)))
        return "a verdict missing from one list cannot flip: compare only the verdicts both lists hold.";
      return "keep the verdicts in the first list's order, each once, when the second list says something else.";
    }
    return true;
  },
});

/** Notebook 07's exercises, by ID. */
export const nb07 = {
  "07.1": effectsDiffer,
  "07.2": flips,
};
