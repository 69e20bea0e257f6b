/**
 * The element-wise and reduction kernels of the speed layer (src/speed/kernels/*.wat) against float64
 * or exact float32 arithmetic, on the single-threaded build (private memory) and the threaded one
 * (shared memory), with sizes that are not multiples of 4 so that every loop's tail runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { installWasmFixes, selectBackend } from "../src";
import { registerWasmBackend } from "../src/speed/wasm-threads";

const BUILDS = [
  ["wasm-kernels-1-thread", 1],
  ["wasm-kernels-2-threads", 2],
] as const;

/** Registers both builds (copies of the wasm kernels, fixes included); returns their names. */
async function builds(): Promise<string[]> {
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true });
  for (const [build, threads] of BUILDS) registerWasmBackend(threads, build);
  return BUILDS.map(([build]) => build);
}

/** The smallest positive float32 (a subnormal): the resolution of results below 2^-126. */
const SUBNORMAL_STEP = 2 ** -149;

/** Logits: a dense sweep over [-110, 110], both signs of every power of two, and special values. */
function logits(): Float32Array {
  const sweep = Array.from({ length: 44001 }, (_, i) => -110 + i / 200);
  const powers = Array.from({ length: 277 }, (_, k) => 2 ** (k - 149)).flatMap((p) => [
    p,
    -p,
    1.7 * p,
    -1.3 * p,
  ]);
  const special = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    3.4e38,
    -3.4e38,
    87.5,
    -87.5,
    103.9,
    -103.9,
    104.5,
    -104.5,
  ];
  // An odd total, so that the one-value tail runs after the four-lane loop.
  return Float32Array.from([...sweep, ...powers, ...special, 0.25]);
}

const softplus = (a: number) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a)));
const sigmoid = (a: number) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a)));

for (const [name, op, exact] of [
  ["Softplus", tf.softplus, softplus],
  ["Sigmoid", tf.sigmoid, sigmoid],
] as const) {
  test(`${name} on wasm is float64's to 3e-7 relative from -3.4e38 to 3.4e38, on 1 and 2 threads`, async () => {
    const a = logits();
    for (const build of await builds()) {
      await tf.setBackend(build);
      const got = tf.tidy(() => op(tf.tensor1d(a)).dataSync());
      a.forEach((value, i) => {
        const want = exact(value);
        if (Number.isNaN(value)) return assert.ok(Number.isNaN(got[i]), `${build}: ${name}(NaN) is NaN`);
        const error = Math.abs(got[i] - want);
        assert.ok(
          error <= 3e-7 * Math.abs(want) + SUBNORMAL_STEP ||
            (Number.isFinite(want) === false && got[i] === want),
          `${build}: ${name}(${value}) = ${got[i]}, float64 says ${want}`,
        );
      });
      for (const size of [1, 2, 3, 5]) {
        const small = tf.tidy(() => Array.from(op(tf.tensor1d(a.subarray(1000, 1000 + size))).dataSync()));
        assert.deepEqual(
          small,
          Array.from(got.subarray(1000, 1000 + size)),
          `${build}: ${name} of ${size} values`,
        );
      }
    }
    await selectBackend({ backend: "wasm" });
  });
}
