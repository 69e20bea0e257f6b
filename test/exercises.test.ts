import { test } from "node:test";
import assert from "node:assert/strict";
import { checkExercise } from "../src";

/** The lines a call printed. */
function capture(f: () => void): string {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    f();
    return lines.join("\n");
  } finally {
    console.log = log;
  }
}

test("an untouched exercise is 'not attempted'; an answer holds or gets a hint that hides the answer", () => {
  const secret = 42;
  const holds = (a: number) => a === secret || (a < secret ? "your number is too small." : "too large.");
  const untouched = capture(() => checkExercise<number>("Exercise 1", undefined, holds));
  assert.match(untouched, /^Exercise 1: not attempted yet/);
  const right = capture(() => checkExercise("Exercise 1", 42, holds));
  assert.match(right, /^Exercise 1: ✓ your answer holds/);
  const wrong = capture(() => checkExercise("Exercise 1", 7, holds));
  assert.match(wrong, /^Exercise 1: ✗ not yet\. your number is too small\./);
  for (const printed of [untouched, right, wrong]) assert.doesNotMatch(printed, /42/);
});

test("an answer that throws is 'not yet', with the error in the hint", () => {
  const printed = capture(() =>
    checkExercise(
      "Exercise 2",
      () => 1,
      () => {
        throw new Error("shapes [2] and [3] differ");
      },
    ),
  );
  assert.match(printed, /✗ not yet\. running your answer raised an error: shapes \[2\] and \[3\] differ/);
});
