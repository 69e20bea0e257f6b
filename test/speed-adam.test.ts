/**
 * tf.train.adam with the speed layer (src/speed/adam.ts: one wasm kernel per variable) against
 * tfjs's own AdamOptimizer.applyGradients: the same weights, moments and accumulated betas to the
 * last bit over several steps, on the single-threaded and the threaded wasm build; tfjs's method
 * everywhere else and after uninstalling.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import { installWasmFixes, uninstallWasmFixes, wasmFixesState } from "../src/speed/wasm-fixes";
import { registerWasmBackend } from "../src/speed/wasm-threads";

/** Sizes 527, 17, 30, 1 and 4: the four-lane loop and the one-value tail both run. */
const SHAPES = [[31, 17], [17], [5, 3, 2], [], [2, 2]];
const BUILDS = [
  ["wasm-adam-1-thread", 1],
  ["wasm-adam-2-threads", 2],
] as const;

interface Run {
  weights: number[][];
  moments: number[][];
  accBetas: number[];
  leaked: number;
}

/**
 * Five Adam steps from seeded weights with seeded gradients of scales 1e-2 to 1e2 (so that epsilon
 * and the bias corrections matter), half given as a map and half as a list of named tensors.
 */
async function train(lr: number, epsilon?: number): Promise<Run> {
  const before = tf.memory().numTensors;
  const optimizer: tf.Optimizer = tf.train.adam(lr, 0.9, 0.999, epsilon);
  const variables = SHAPES.map((shape, i) => tf.variable(tf.randomNormal(shape, 0, 1, "float32", 10 + i)));
  for (let t = 0; t < 5; t++) {
    const grads = variables.map((v, i) => ({
      name: v.name,
      tensor: tf.randomNormal(v.shape, 0, 10 ** (i - 2), "float32", 1 + 100 * t + i),
    }));
    optimizer.applyGradients(t % 2 ? grads : Object.fromEntries(grads.map((g) => [g.name, g.tensor])));
    tf.dispose(grads.map((g) => g.tensor));
  }
  const state = await optimizer.getWeights(); // the iteration count, then the moments m and v
  const s = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  const run = {
    weights: variables.map((v) => Array.from(v.dataSync())),
    moments: state.slice(1).map((w) => Array.from(w.tensor.dataSync())),
    accBetas: [s.accBeta1.dataSync()[0], s.accBeta2.dataSync()[0]],
  };
  state[0].tensor.dispose();
  tf.dispose(variables);
  optimizer.dispose();
  return { ...run, leaked: tf.memory().numTensors - before };
}

/** Installs the fixes; fails the test when they did not install (the comparison would be vacuous). */
function installFixes(): void {
  assert.equal(installWasmFixes({ force: true }), true, `fixes not installed: ${wasmFixesState().reason}`);
}

test("with the fixes, tf.train.adam gives tfjs's weights, moments and betas to the last bit, on 1 and 2 threads", async () => {
  await selectBackend({ backend: "wasm" });
  installFixes(); // the copies below take the Adam kernel
  for (const [name, threads] of BUILDS) registerWasmBackend(threads, name);
  for (const [name] of BUILDS) {
    await tf.setBackend(name);
    for (const [lr, epsilon] of [
      [1e-3, undefined],
      [0.05, 1e-3],
    ] as const) {
      installFixes();
      const fusedMethod = tf.AdamOptimizer.prototype.applyGradients;
      const fused = await train(lr, epsilon);
      uninstallWasmFixes();
      assert.notEqual(tf.AdamOptimizer.prototype.applyGradients, fusedMethod, "the fused update was on");
      const shipped = await train(lr, epsilon);
      assert.deepEqual(fused, shipped, `${name}, learning rate ${lr}, epsilon ${epsilon}`);
    }
  }
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true });
});

test("on a backend without the Adam kernel tfjs's own update runs, and uninstalling puts tfjs's method back", async () => {
  uninstallWasmFixes();
  const shippedMethod = tf.AdamOptimizer.prototype.applyGradients;
  await selectBackend({ backend: "cpu" });
  const shipped = await train(0.05, 1e-3);
  installFixes();
  assert.notEqual(tf.AdamOptimizer.prototype.applyGradients, shippedMethod);
  assert.deepEqual(await train(0.05, 1e-3), shipped, "cpu with the fixes installed");
  uninstallWasmFixes();
  assert.equal(tf.AdamOptimizer.prototype.applyGradients, shippedMethod);
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true });
});
