/**
 * Exercises at the end of a notebook: the reader edits a cell, runs it, and a check cell says
 * whether the answer holds, without ever printing the answer. This file holds the reporting and
 * what an exercise is; the exercises themselves live in one module per notebook (`nb00.ts` ...).
 */
import type { Rng } from "../random";

/** The outcome of a check: `true` when the answer holds, else a hint that does not give it away. */
export type Verdict = true | string;

/**
 * One exercise: its reference and cases live in `check`, never in the notebook. `check` runs the
 * reader's answer on its cases (drawn from `rng`, seeded per exercise, where a formula is asked)
 * and compares it with the reference; `given` is whatever the check cell passes from the notebook
 * (a trained model, a set), if anything.
 */
export interface Exercise<Answer, Given = undefined> {
  check(answer: Answer, given: Given, rng: Rng): Verdict | Promise<Verdict>;
}

/** An exercise, with its answer's type (and the notebook objects its check needs) spelled out. */
export function defineExercise<Answer, Given = undefined>(
  exercise: Exercise<Answer, Given>,
): Exercise<Answer, Given> {
  return exercise;
}

/**
 * Prints one line for exercise `name`: "not attempted yet" for an `answer` still `undefined` (the
 * cell as shipped), else "✓ your answer holds" or "✗ not yet" and the hint. An error thrown while
 * checking (by the reader's code) is a "not yet" whose hint quotes the error.
 */
export function report<Answer>(
  name: string,
  answer: Answer | undefined,
  holds: (answer: Answer) => Verdict | Promise<Verdict>,
): void | Promise<void> {
  if (answer === undefined) {
    console.log(`${name}: not attempted yet. Edit the exercise cell above, run it, then run this cell.`);
    return;
  }
  let verdict: Verdict | Promise<Verdict>;
  try {
    verdict = holds(answer);
  } catch (err) {
    verdict = raised(err);
  }
  if (verdict instanceof Promise)
    return verdict.then(
      (v) => print(name, v),
      (err) => print(name, raised(err)),
    );
  print(name, verdict);
}

function raised(err: unknown): string {
  return `running your answer raised an error: ${err instanceof Error ? err.message : String(err)}`;
}

function print(name: string, verdict: Verdict): void {
  console.log(verdict === true ? `${name}: ✓ your answer holds.` : `${name}: ✗ not yet. ${verdict}`);
}

/**
 * The check of an exercise whose reference sits in the notebook's own check cell. Notebooks move to
 * `exercise(id, answer)` (see `index.ts`), whose references live in the library.
 */
export function checkExercise<T>(name: string, answer: T | undefined, holds: (answer: T) => Verdict): void {
  void report(name, answer, holds);
}
