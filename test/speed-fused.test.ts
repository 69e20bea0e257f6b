/**
 * The hand-assembled wasm kernels against the tfjs ops they replace, on the single-threaded build
 * (private memory) and the threaded one (shared memory), with sizes that are not multiples of 4 so
 * that the scalar tail of each loop runs. Fused Adam's numbers are tested in speed-adam.test.ts; the fused
 * Bernoulli kernel's place in training in likelihoods.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { installWasmFixes, selectBackend } from "../src";
import { fusedAdamUpdate } from "../src/speed/fused-adam";
import { fusedBernoulli } from "../src/speed/fused-bernoulli";
import { sumOfSquares } from "../src/speed/sum-of-squares";
import { registerWasmBackend } from "../src/speed/wasm-threads";
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
  assert.throws(
    () => fusedAdamUpdate(w, g, m, v, attrs),
    /VaeLabAdam: v must be float32 of w's shape \[4,3\], got float32 \[3,4\]/,
  );
  tf.dispose([w, g, m, v]);
});

test("sumOfSquares is the float64 sum to 1e-5, NaN and Infinity included, on both builds and on cpu", async () => {
  await builds();
  for (const backend of [...BUILDS.map(([name]) => name), "cpu"]) {
    await tf.setBackend(backend);
    for (const [shape, seed] of [
      [[784, 400], 1],
      [[7], 2],
      [[5, 3], 3],
      [[1], 4],
    ] as const) {
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

test("fused Bernoulli: softplus and sigmoid to 3e-7 relative over logits from -95 to 95, tails, NaN, on both builds", async () => {
  await builds();
  // 7 pixels per row, so every row has a vector part and a scalar tail; the last row holds the extremes.
  const cols = 7;
  const sweep = Array.from({ length: 7 * 2001 }, (_, i) => -95 + (190 * i) / (7 * 2001 - 1));
  const extremes = [-1e30, -87.5, -1e-8, 0, 1e-8, 88.5, 1e30];
  const logits = Float32Array.from([...sweep, ...extremes]);
  const targets = Float32Array.from(logits, (_, i) => (i % 5) / 4);
  const rows = logits.length / cols;
  for (const [name] of BUILDS) {
    await tf.setBackend(name);
    const a = tf.tensor2d(logits, [rows, cols]);
    const x = tf.tensor2d(targets, [rows, cols]);
    const [sums, residual] = fusedBernoulli(x, a);
    const [got, r] = [sums.dataSync(), residual.dataSync()];
    let worst = 0;
    for (let row = 0; row < rows; row++) {
      let want = 0;
      let scale = 0;
      for (let j = row * cols; j < (row + 1) * cols; j++) {
        const l = logits[j];
        const softplus = Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
        want += targets[j] * l - softplus;
        scale += Math.abs(targets[j] * l) + softplus;
        const sigmoid = 1 / (1 + Math.exp(-l));
        // x - sigmoid(a), to float32 accuracy of its two terms
        assert.ok(
          Math.abs(r[j] - (targets[j] - sigmoid)) <= 3e-7 * (targets[j] + sigmoid) + 1e-37,
          `${name}: residual at logit ${l}: ${r[j]} vs ${targets[j] - sigmoid}`,
        );
      }
      worst = Math.max(worst, Math.abs(got[row] - want) / scale);
    }
    assert.ok(worst <= 3e-7, `${name}: per-row sums off by ${worst} relative`);
    tf.tidy(() => {
      const [nanSums, nanResidual] = fusedBernoulli(
        tf.tensor2d([[0.5, 0.5, 0.5, 0.5, 0.5]]),
        tf.tensor2d([[1, 2, 3, 4, NaN]]),
      );
      assert.ok(
        Number.isNaN(nanSums.dataSync()[0]) && Number.isNaN(nanResidual.dataSync()[4]),
        `${name}: NaN should propagate`,
      );
      assert.throws(
        () => fusedBernoulli(x, tf.zeros([rows, cols + 1])),
        /VaeLabBernoulli: x and logits must be float32 of one shape/,
      );
    });
    tf.dispose([a, x, sums, residual]);
  }
  await selectBackend({ backend: "wasm" });
});
