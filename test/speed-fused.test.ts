/**
 * The hand-assembled wasm kernels against the tfjs ops they replace, on the single-threaded build
 * (private memory) and the threaded one (shared memory), with sizes that are not multiples of 4 so
 * that the scalar tail of each loop runs. Fused Adam's numbers are tested in speed-adam.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fusedAdamUpdate, installWasmFixes, registerWasmBackend, selectBackend, sumOfSquares } from "../src";
const BUILDS = [
  ["wasm-fused-1-thread", 1],
  ["wasm-fused-2-threads", 2],
] as const;

async function builds(): Promise<void> {
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true }); // the copies take the fused kernels
  for (const [name, threads] of BUILDS) registerWasmBackend(threads, name);
}

test("fused Adam rejects moments of another shape with a clear error", async () => {
  await builds();
  const [w, g, m] = [tf.zeros([4, 3]), tf.zeros([4, 3]), tf.zeros([4, 3])];
  const v = tf.zeros([3, 4]);
  const attrs = { beta1: 0.9, c1: 0.1, beta2: 0.999, c2: 0.001, step: 1e-3, epsHat: 1e-7 };
  assert.throws(() => fusedAdamUpdate(w, g, m, v, attrs), /VaeLabAdam: v must be float32 of w's shape \[4,3\], got float32 \[3,4\]/);
  tf.dispose([w, g, m, v]);
});

test("sumOfSquares is the float64 sum to 1e-5, NaN and Infinity included, on both builds and on cpu", async () => {
  await builds();
  for (const backend of [...BUILDS.map(([name]) => name), "cpu"]) {
    await tf.setBackend(backend);
    for (const [shape, seed] of [[[784, 400], 1], [[7], 2], [[5, 3], 3], [[1], 4]] as const) {
      const x = tf.randomNormal([...shape], 0, 1, "float32", seed);
      let exact = 0;
      for (const value of x.dataSync()) exact += value * value;
      const sum = sumOfSquares(x);
      const got = sum.dataSync()[0];
      assert.ok(Math.abs(got - exact) <= 1e-5 * exact, `${backend} [${shape}]: ${got} vs ${exact}`);
      tf.dispose([x, sum]);
    }
    const specials = [tf.tensor1d([1, 2, NaN, 3, 4, 5]), tf.tensor1d([1, 2, 3, 4, -Infinity])].map((t) => {
      const s = sumOfSquares(t);
      const value = s.dataSync()[0];
      tf.dispose([t, s]);
      return value;
    });
    assert.ok(Number.isNaN(specials[0]), `${backend}: NaN should propagate`);
    assert.equal(specials[1], Infinity, `${backend}: Infinity should propagate`);
  }
  await selectBackend({ backend: "wasm" });
});
