/**
 * LeanAdamOptimizer (src/speed/adam.ts) against tfjs's own Adam: same weights after several steps,
 * same optimizer state, on cpu and on wasm.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import { LeanAdamOptimizer } from "../src/speed/adam";

const SHAPES = [[31, 17], [17], [5, 3, 2], []];

/** Runs `steps` updates of `optimizer` from seeded weights with seeded gradients; returns the weights and the optimizer's state. */
async function train(optimizer: tf.Optimizer, steps: number): Promise<{ weights: Float32Array[]; state: { name: string; tensor: tf.Tensor }[] }> {
  const variables = SHAPES.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, "float32", 10 + i)));
  for (let t = 0; t < steps; t++) {
    const grads: tf.NamedTensorMap = {};
    // Gradients of varied scale (tiny to large) so that epsilon and the bias correction matter.
    variables.forEach((v, i) => (grads[v.name] = tf.randomNormal(v.shape, 0, 10 ** (i - 2), "float32", 1 + 100 * t + i)));
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const weights = variables.map((v) => v.dataSync() as Float32Array);
  const state = await optimizer.getWeights();
  tf.dispose(variables);
  return { weights, state };
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`LeanAdamOptimizer gives tf.train.adam's weights and state over 6 steps (${backend})`, async () => {
    await selectBackend({ backend });
    for (const [lr, epsilon] of [[1e-3, undefined], [0.05, 1e-3]] as const) {
      // getWeights hands out the moment variables themselves; each optimizer's dispose frees them.
      const run = async (optimizer: tf.Optimizer) => {
        const before = tf.memory().numTensors;
        const { weights, state } = await train(optimizer, 6);
        const values = state.map((s) => ({ name: s.name.replace(/^\d+/, ""), data: s.tensor.dataSync() }));
        state[0].tensor.dispose(); // the iteration count, a new scalar
        optimizer.dispose();
        return { weights, values, leaked: tf.memory().numTensors - before };
      };
      const want = await run(tf.train.adam(lr, 0.9, 0.999, epsilon));
      const got = await run(new LeanAdamOptimizer(lr, 0.9, 0.999, epsilon));
      want.weights.forEach((w, i) => {
        for (let j = 0; j < w.length; j++) {
          assert.ok(Math.abs(got.weights[i][j] - w[j]) <= 1e-6 * Math.max(1, Math.abs(w[j])), `lr ${lr}, variable ${i}[${j}]: ${got.weights[i][j]} vs ${w[j]}`);
        }
      });
      assert.deepEqual(got.values.map((s) => s.name), want.values.map((s) => s.name));
      want.values.forEach(({ name, data }, i) => {
        for (let j = 0; j < data.length; j++) assert.ok(Math.abs(got.values[i].data[j] - data[j]) <= 1e-6 * Math.max(1, Math.abs(data[j])), `state ${name}[${j}]: ${got.values[i].data[j]} vs ${data[j]}`);
      });
      assert.equal(got.leaked, want.leaked, "LeanAdamOptimizer keeps more tensors than tf.train.adam");
    }
  });
}
