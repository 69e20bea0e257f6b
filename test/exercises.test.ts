import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { checkExercise, exercise, selectBackend } from "../src";

/** The lines a call printed (awaited when it returns a promise). */
async function capture(f: () => void | Promise<void>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await f();
    return lines.join("\n");
  } finally {
    console.log = log;
  }
}

test("an untouched exercise is 'not attempted'; an answer holds or gets a hint that hides the answer", async () => {
  const secret = 42;
  const holds = (a: number) => a === secret || (a < secret ? "your number is too small." : "too large.");
  const untouched = await capture(() => checkExercise<number>("Exercise 1", undefined, holds));
  assert.match(untouched, /^Exercise 1: not attempted yet/);
  const right = await capture(() => checkExercise("Exercise 1", 42, holds));
  assert.match(right, /^Exercise 1: ✓ your answer holds/);
  const wrong = await capture(() => checkExercise("Exercise 1", 7, holds));
  assert.match(wrong, /^Exercise 1: ✗ not yet\. your number is too small\./);
  for (const printed of [untouched, right, wrong]) assert.doesNotMatch(printed, /42/);
});

test("an answer that throws is 'not yet', with the error in the hint", async () => {
  const printed = await capture(() =>
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

test("exercise 00.1 checks a prediction against the whole training set and never prints the share", async () => {
  assert.match(await capture(() => exercise("00.1", undefined)), /^Exercise 00\.1: not attempted yet/);
  assert.match(await capture(() => exercise("00.1", 0.81)), /^Exercise 00\.1: ✓ your answer holds\.$/);
  const high = await capture(() => exercise("00.1", 0.95));
  const low = await capture(() => exercise("00.1", 0.5));
  assert.match(high, /^Exercise 00\.1: ✗ not yet\. too high/);
  assert.match(low, /^Exercise 00\.1: ✗ not yet\. too low/);
  assert.match(await capture(() => exercise("00.1", 81)), /✗ not yet\. answer a number between 0 and 1/);
  // The share of exactly-0 pixels is 0.8088: no printed line may carry it.
  for (const printed of [high, low]) assert.doesNotMatch(printed, /0\.8|80\.|81/);
});

test("exercise 00.2 runs the formula on seeded random batches and hints at the mistake without the formula", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const right = (x: tf.Tensor2D) => tf.mean(tf.cast(tf.greater(x, 0.5), "float32"), 1);
  const verdicts = {
    right: await capture(() => exercise("00.2", right)),
    atLeast: await capture(() =>
      exercise("00.2", (x) => tf.mean(tf.cast(tf.greaterEqual(x, 0.5), "float32"), 1)),
    ),
    count: await capture(() => exercise("00.2", (x) => tf.sum(tf.cast(tf.greater(x, 0.5), "float32"), 1))),
    perPixel: await capture(() => exercise("00.2", (x) => tf.cast(tf.greater(x, 0.5), "float32"))),
    mean: await capture(() => exercise("00.2", (x) => tf.mean(x, 1))),
    column: await capture(() => exercise("00.2", (x) => tf.reshape(right(x), [-1, 1]))),
  };
  assert.match(verdicts.right, /^Exercise 00\.2: ✓ your answer holds\.$/);
  assert.match(verdicts.column, /✓/, "a [n, 1] column is one number per image too");
  assert.match(verdicts.atLeast, /✗ not yet\. you also counted pixels of exactly 0\.5/);
  assert.match(verdicts.count, /✗ not yet\. that is a count of pixels/);
  assert.match(
    verdicts.perPixel,
    /✗ not yet\. for a batch of \d+ images your function returned shape \[\d+,784\]/,
  );
  assert.match(verdicts.mean, /✗ not yet\. for some images your numbers differ/);
  assert.equal(await capture(() => exercise("00.2", right)), verdicts.right, "the same cases every time");
  assert.equal(tf.memory().numTensors, before, "no tensor left behind by the answers or the cases");
});

test("an exercise ID that does not exist is an error listing the ones that do", () => {
  assert.throws(
    () => exercise("99.1" as "00.1", 1),
    /There is no exercise "99\.1": IDs look like "03\.1" \(00\.1, 00\.2/,
  );
});
