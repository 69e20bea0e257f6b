import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { number, numbers, selectBackend } from "../src";

test("number reads the one value of a tensor and disposes every tensor the function made", async () => {
  await selectBackend({ backend: "cpu" });
  const a = tf.tensor1d([1, -4, 2]);
  const before = tf.memory().numTensors;
  assert.equal(
    number(() => tf.max(tf.abs(a))),
    4,
  );
  assert.equal(
    number(() => tf.reshape(tf.sum(a), [1, 1])),
    -1,
    "a [1, 1] tensor holds one value too",
  );
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => number(() => tf.abs(a)),
    /one value; this one has shape \[3\] \(3 values\): reduce it first/,
  );
  assert.throws(() => number(() => 3 as unknown as tf.Tensor), /returns a tensor; it returned a number/);
  assert.equal(tf.memory().numTensors, before, "nothing left behind by the errors either");
  a.dispose();
});

test("numbers reads tensors at any depth into flat arrays, keeps other values, and disposes everything", async () => {
  await selectBackend({ backend: "cpu" });
  const x = tf.tensor2d([
    [1, 2],
    [3, 6],
  ]);
  const before = tf.memory().numTensors;
  const out = numbers(() => {
    const { mean, variance } = tf.moments(x, 0);
    return { mean: mean, parts: [tf.sqrt(variance), "label", 7], matrix: x.arraySync() as number[][] };
  });
  assert.deepEqual(out, {
    mean: [2, 4],
    parts: [[1, 2], "label", 7],
    matrix: [
      [1, 2],
      [3, 6],
    ],
  });
  const alone: number[] = numbers(() => tf.square(x));
  assert.deepEqual(alone, [1, 4, 9, 36], "row-major");
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () =>
      numbers(() => {
        tf.ones([5]);
        throw new Error("a formula went wrong");
      }),
    /a formula went wrong/,
  );
  assert.equal(tf.memory().numTensors, before, "disposed when the function throws");
  x.dispose();
});
