/**
 * The course's exercises, one module per notebook, and the one call a check cell makes:
 *
 *     await vl.exercise("03.1", answer1);
 *
 * It prints "not attempted yet", "✓ your answer holds." or "✗ not yet." with a hint, and never the
 * reference: that and the cases stay here, in the library.
 */
import { randomStream } from "../random";
import { type Exercise, report } from "./check";
import { nb00 } from "./nb00";
import { nb01 } from "./nb01";
import { nb02 } from "./nb02";
import { nb03 } from "./nb03";
import { nb04 } from "./nb04";
import { nb05 } from "./nb05";
import { nb06 } from "./nb06";
import { nb07 } from "./nb07";
import { nb08 } from "./nb08";
import { nb09 } from "./nb09";
import { nb10 } from "./nb10";
import { nb11 } from "./nb11";
import { nb12 } from "./nb12";

const EXERCISES = {
  ...nb00,
  ...nb01,
  ...nb02,
  ...nb03,
  ...nb04,
  ...nb05,
  ...nb06,
  ...nb07,
  ...nb08,
  ...nb09,
  ...nb10,
  ...nb11,
  ...nb12,
};

/** The ID of an exercise: the notebook's number and the exercise's, as "03.1". */
export type ExerciseId = keyof typeof EXERCISES;
/** The type of the answer to exercise `Id`. */
export type AnswerOf<Id extends ExerciseId> =
  (typeof EXERCISES)[Id] extends Exercise<infer A, unknown> ? A : never;
/** What the check cell of exercise `Id` passes from the notebook (`undefined`: nothing). */
export type GivenOf<Id extends ExerciseId> =
  (typeof EXERCISES)[Id] extends Exercise<unknown, infer G> ? G : never;

/** The seed of every exercise's random cases (each exercise draws from its own stream). */
const CASES_SEED = 1;

/**
 * Checks the answer to exercise `id` ("00.1") against the reference and the cases in the library,
 * and prints the verdict. `given` passes notebook objects the check needs, where it needs any.
 * Returns a promise when the check loads data: `await` the call.
 */
export function exercise<Id extends ExerciseId>(
  id: Id,
  answer: AnswerOf<Id> | undefined,
  ...given: GivenOf<Id> extends undefined ? [] : [GivenOf<Id>]
): void | Promise<void> {
  const entry = EXERCISES[id] as Exercise<AnswerOf<Id>, GivenOf<Id>> | undefined;
  if (!entry)
    throw new Error(
      `There is no exercise ${JSON.stringify(id)}: IDs look like "03.1" (${Object.keys(EXERCISES).join(", ")}).`,
    );
  const [notebook, k] = String(id).split(".").map(Number);
  return report(`Exercise ${id}`, answer, (a) =>
    entry.check(a, given[0] as GivenOf<Id>, randomStream(CASES_SEED, "evaluation", 100 * notebook + k)),
  );
}
