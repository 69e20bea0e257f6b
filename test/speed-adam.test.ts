/**
 * LeanAdamOptimizer (src/speed/adam.ts) against tfjs's own Adam: same weights after several steps,
 * same optimizer state, on cpu and on wasm; and its fused wasm kernel (src/speed/fused-adam.ts)
 * against its composed ops, to the last bit, on the single-threaded and the threaded build.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import { LeanAdamOptimizer } from "../src/speed/adam";
import { fusedAdamAvailable } from "../src/speed/fused-adam";
import { installWasmFixes, uninstallWasmFixes } from "../src/speed/wasm-fixes";
import { registerWasmBackend } from "../src/speed/wasm-threads";

const SHAPES = [[31, 17], [17], [5, 3, 2], []];

/** Runs `steps` updates of `optimizer` from seeded weights with seeded gradients; returns the weights and the optimizer's state. */
async function train(
  optimizer: tf.Optimizer,
  steps: number,
): Promise<{ weights: Float32Array[]; state: { name: string; tensor: tf.Tensor }[] }> {
  const variables = SHAPES.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, "float32", 10 + i)));
  for (let t = 0; t < steps; t++) {
    const grads: tf.NamedTensorMap = {};
    // Gradients of varied scale (tiny to large) so that epsilon and the bias correction matter.
    variables.forEach(
      (v, i) => (grads[v.name] = tf.randomNormal(v.shape, 0, 10 ** (i - 2), "float32", 1 + 100 * t + i)),
    );
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  const state = await optimizer.getWeights();
  tf.dispose(variables);
  return { weights, state };
}

/** Weights and state after 6 steps, and how many tensors the run left behind. */
async function run(optimizer: tf.Optimizer) {
  // getWeights hands out the moment variables themselves; each optimizer's dispose frees them.
  const before = tf.memory().numTensors;
  const { weights, state } = await train(optimizer, 6);
  const values = state.map((s) => ({ name: s.name.replace(/^\d+/, ""), data: s.tensor.dataSync() }));
  state[0].tensor.dispose(); // the iteration count, a new scalar
  optimizer.dispose();
  return { weights, values, leaked: tf.memory().numTensors - before };
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`LeanAdamOptimizer gives tf.train.adam's weights and state over 6 steps (${backend})`, async () => {
    await selectBackend({ backend });
    for (const [lr, epsilon] of [
      [1e-3, undefined],
      [0.05, 1e-3],
    ] as const) {
      const want = await run(tf.train.adam(lr, 0.9, 0.999, epsilon));
      const got = await run(new LeanAdamOptimizer(lr, 0.9, 0.999, epsilon));
      want.weights.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) {
          assert.ok(
            Math.abs(got.weights[i][j] - w[j]) <= 1e-6 * Math.max(1, Math.abs(w[j])),
            `lr ${lr}, variable ${i}[${j}]: ${got.weights[i][j]} vs ${w[j]}`,
          );
        }
      });
      assert.deepEqual(
        got.values.map((s) => s.name),
        want.values.map((s) => s.name),
      );
      want.values.forEach(({ name, data }, i) => {
        for (let j = 0; j < data.length; j++)
          assert.ok(
            Math.abs(got.values[i].data[j] - data[j]) <= 1e-6 * Math.max(1, Math.abs(data[j])),
            `state ${name}[${j}]: ${got.values[i].data[j]} vs ${data[j]}`,
          );
      });
      assert.equal(got.leaked, want.leaked, "LeanAdamOptimizer keeps more tensors than tf.train.adam");
    }
  });
}

test("the fused Adam kernel gives the composed update's weights and state to the last bit, on 1 and 2 threads", async () => {
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true }); // the copies below take the fused kernel
  const builds = [
    ["wasm-adam-1-thread", 1],
    ["wasm-adam-2-threads", 2],
  ] as const;
  for (const [name, threads] of builds) registerWasmBackend(threads, name);
  uninstallWasmFixes();
  assert.equal(fusedAdamAvailable(), false);
  const composed = await run(new LeanAdamOptimizer(0.05, 0.9, 0.999, 1e-3));
  for (const [name] of builds) {
    await tf.setBackend(name);
    assert.ok(fusedAdamAvailable(), `${name} should have the fused kernel`);
    const fused = await run(new LeanAdamOptimizer(0.05, 0.9, 0.999, 1e-3));
    // Sizes 527, 17, 30 and 1: the 4-lane loop and its scalar tail both run.
    fused.weights.forEach((w, i) =>
      assert.deepEqual(
        Array.from(w),
        Array.from(composed.weights[i]),
        `${name}: variable ${i} [${SHAPES[i]}]`,
      ),
    );
    fused.values.forEach((s, i) =>
      assert.deepEqual(Array.from(s.data), Array.from(composed.values[i].data), `${name}: state ${s.name}`),
    );
    assert.equal(fused.leaked, composed.leaked, `${name}: the fused update keeps more tensors`);
  }
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true });
});
