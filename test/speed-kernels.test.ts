/**
 * The element-wise, reduction and matrix-product kernels of the speed layer (src/speed/kernels/*.wat)
 * against float64 or exact float32 arithmetic, on the single-threaded build (private memory) and the threaded one
 * (shared memory), with sizes that are not multiples of 4 so that every loop's tail runs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src";
import { installWasmFixes, wasmFixesState } from "../src/speed/wasm-fixes";
import { kernelThreads } from "../src/speed/kernel-threads";
import { registerWasmBackend } from "../src/speed/wasm-threads";

const BUILDS = [
  ["wasm-kernels-1-thread", 1],
  ["wasm-kernels-2-threads", 2],
] as const;

/**
 * Registers both builds (copies of the wasm kernels, fixes included); returns their names. Fails
 * the test when the fixes did not install, or a build runs other kernels than the fixed ones (a
 * refusing version check would otherwise test the shipped kernels).
 */
async function builds(): Promise<string[]> {
  await selectBackend({ backend: "wasm" });
  assert.equal(installWasmFixes({ force: true }), true, `fixes not installed: ${wasmFixesState().reason}`);
  for (const [build, threads] of BUILDS) registerWasmBackend(threads, build);
  for (const [build] of BUILDS) {
    for (const kernel of [tf.Softplus, tf.Sigmoid, tf.Square, tf.Sum, tf.BatchMatMul, tf._FusedMatMul]) {
      const fixed = tf.getKernel(kernel, "wasm").kernelFunc;
      assert.equal(tf.getKernel(kernel, build)?.kernelFunc, fixed, `${build} runs the fixed ${kernel}`);
    }
  }
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

test("Square on wasm is x x in float32 to the last bit, NaN, infinities and subnormals included, on 1 and 2 threads", async () => {
  const x = Float32Array.from([...logits(), 1e-23, -1e-23, 3e19, -3e19]);
  const want = Array.from(x, (v) => Math.fround(v * v));
  for (const build of await builds()) {
    await tf.setBackend(build);
    const got = tf.tidy(() => Array.from(tf.square(tf.tensor1d(x)).dataSync()));
    assert.deepEqual(got, want, `${build}: square`);
  }
  await selectBackend({ backend: "wasm" });
});

test("Sum over trailing axes on wasm (rows, and every axis) is float64's sum to 1e-6 of the sum of magnitudes, with NaN and infinities propagated, on 1 and 2 threads", async () => {
  // [shape, axis]: rows of 784 (the likelihood of each image), of 3 (shorter than one group of 16),
  // of 17 and of 35 (groups and a tail), then every axis.
  const cases: [number[], number | number[] | undefined][] = [
    [[128, 784], 1],
    [[5, 3], -1],
    [
      [2, 3, 17],
      [1, 2],
    ],
    [[7, 35], 1],
    [[784, 400], undefined],
    [[7], 0],
    [[1], undefined],
    [
      [2, 3, 17],
      [0, 1, 2],
    ],
  ];
  for (const build of await builds()) {
    await tf.setBackend(build);
    for (const [shape, axis] of cases) {
      for (const keepDims of [false, true]) {
        const label = `${build} [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
        const x = tf.randomNormal(shape, 1, 3, "float32", shape.length + (axis === undefined ? 0 : 1));
        const values = x.dataSync();
        const axes =
          axis === undefined
            ? shape.map((_, k) => k)
            : [axis].flat().map((a) => (a + shape.length) % shape.length);
        const cols = axes.reduce((p, a) => p * shape[a], 1);
        const sum = tf.sum(x, axis, keepDims);
        const expectedShape = keepDims
          ? shape.map((d, a) => (axes.includes(a) ? 1 : d))
          : shape.filter((_, a) => !axes.includes(a));
        assert.deepEqual(sum.shape, expectedShape, `${label}: shape`);
        sum.dataSync().forEach((got, row) => {
          let exact = 0;
          let magnitude = 0;
          for (const v of values.subarray(row * cols, (row + 1) * cols))
            ((exact += v), (magnitude += Math.abs(v)));
          assert.ok(Math.abs(got - exact) <= 1e-6 * magnitude, `${label}, row ${row}: ${got} vs ${exact}`);
        });
        tf.dispose([x, sum]);
      }
    }
    const specials = [
      [1, 2, NaN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
      [1, -Infinity, 3],
      [Infinity, -Infinity, 0, 0],
    ].map((values) => tf.tidy(() => tf.sum(tf.tensor1d(values)).dataSync()[0]));
    assert.ok(Number.isNaN(specials[0]), `${build}: NaN should propagate`);
    assert.equal(specials[1], -Infinity, `${build}: -Infinity should propagate`);
    assert.ok(Number.isNaN(specials[2]), `${build}: Infinity - Infinity is NaN`);
  }
  await selectBackend({ backend: "wasm" });
});

/**
 * C = act(bias + A B) as the product kernel defines it: each value is bias[j] plus A[i][0] B[0][j],
 * then A[i][1] B[1][j], ..., each product and each sum rounded to float32 (no fused multiply-add).
 */
function float32Product(
  a: Float32Array,
  b: Float32Array,
  bias: Float32Array | undefined,
  [m, k, n]: number[],
  [transposeA, transposeB]: boolean[],
  relu: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      for (let kk = 0; kk < k; kk++) {
        const aik = transposeA ? a[kk * m + i] : a[i * k + kk];
        const bkj = transposeB ? b[j * k + kk] : b[kk * n + j];
        sum = Math.fround(sum + Math.fround(aik * bkj));
      }
      out.push(relu && sum < 0 ? 0 : sum);
    }
  }
  return out;
}

test("matrix products on wasm are float32's in-order sums to the last bit (every transpose form, bias, relu, NaN, batches), split over 2 threads or not, and the same on a second run", async () => {
  // [m, k, n]: fewer than 8 columns; k over the kernel's blocks of 256 with row and column tails;
  // the reference layer's shape; one large enough to be split over the threads.
  const shapes = [
    [7, 13, 5],
    [9, 300, 19],
    [128, 784, 40],
    [301, 257, 45],
  ];
  for (const build of await builds()) {
    await tf.setBackend(build);
    for (const [m, k, n] of shapes) {
      for (const transposes of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ]) {
        const [transposeA, transposeB] = transposes;
        const label = `${build} ${m}x${k}x${n} tA=${transposeA} tB=${transposeB}`;
        const a = tf.tidy(() => {
          const x = tf.randomNormal(transposeA ? [k, m] : [m, k], 0, 1, "float32", m + k);
          return tf.where(tf.equal(tf.range(0, x.size).reshape(x.shape), 3), NaN, x); // one NaN in A
        });
        const b = tf.randomNormal(transposeB ? [n, k] : [k, n], 0, 1, "float32", n);
        const bias = tf.randomNormal([n], 0, 1, "float32", 7);
        const [av, bv, biasv] = [a, b, bias].map((t) => t.dataSync() as Float32Array);
        const fused = (act: "linear" | "relu") =>
          tf.tidy(() =>
            Array.from(
              tf.fused
                .matMul({
                  a: a as tf.Tensor2D,
                  b: b as tf.Tensor2D,
                  bias,
                  transposeA,
                  transposeB,
                  activation: act,
                })
                .dataSync(),
            ),
          );
        const plain = tf.tidy(() => Array.from(tf.matMul(a, b, transposeA, transposeB).dataSync()));
        const shape = [m, k, n];
        assert.deepEqual(plain, float32Product(av, bv, undefined, shape, transposes, false), `${label}`);
        assert.deepEqual(
          fused("linear"),
          float32Product(av, bv, biasv, shape, transposes, false),
          `${label} +bias`,
        );
        const relu = fused("relu");
        assert.deepEqual(relu, float32Product(av, bv, biasv, shape, transposes, true), `${label} relu`);
        assert.deepEqual(fused("relu"), relu, `${label}: a second run`);
        tf.dispose([a, b, bias]);
      }
    }
    const threads = kernelThreads(tf.backend() as never, "matmul");
    assert.equal(threads, build.endsWith("2-threads") ? 2 : 1, `${build}: the product's threads`);
    // Batches: equal ones (also over two axes), and one matrix broadcast against a batch of 3.
    const [m, k, n] = [5, 270, 11];
    for (const [outerA, outerB] of [
      [[3], [3]],
      [
        [2, 3],
        [2, 3],
      ],
      [[1], [3]],
      [[], [3]],
      [[3], [1]],
    ]) {
      const a = tf.randomNormal([...outerA, m, k], 0, 1, "float32", 11);
      const b = tf.randomNormal([...outerB, k, n], 0, 1, "float32", 12);
      const c = tf.matMul(a, b);
      const [av, bv] = [a, b].map((t) => t.dataSync() as Float32Array);
      const batch = Math.max(a.size / (m * k), b.size / (k * n));
      const want = Array.from({ length: batch }, (_, i) =>
        float32Product(
          av.subarray(a.size > m * k ? i * m * k : 0),
          bv.subarray(b.size > k * n ? i * k * n : 0),
          undefined,
          [m, k, n],
          [false, false],
          false,
        ),
      ).flat();
      const label = `${build}: [${outerA}] against [${outerB}]`;
      assert.deepEqual(
        c.shape,
        [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n],
        label,
      );
      assert.deepEqual(Array.from(c.dataSync()), want, label);
      tf.dispose([a, b, c]);
    }
  }
  await selectBackend({ backend: "wasm" });
});
