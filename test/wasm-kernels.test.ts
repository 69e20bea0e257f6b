/**
 * The wasm kernel fixes against the cpu backend (plain JavaScript, the reference): forward values
 * and gradients on seeded random inputs, several shapes including odd sizes and batch dimensions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/backend";
import {
  installWasmFixes,
  uninstallWasmFixes,
  wasmFixesInstalled,
  wasmFixesState,
} from "../src/speed/wasm-fixes";

/** Seeded uniform numbers in [-1, 1) (mulberry32), so a failure reproduces. */
function randomArray(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/**
 * Installs the fixes even when the environment says VAE_LAB_WASM_FIXES=0, and fails the test if
 * they did not install (a refusing version check would otherwise test the shipped kernels).
 */
function installFixes(): void {
  assert.equal(installWasmFixes({ force: true }), true, `fixes not installed: ${wasmFixesState().reason}`);
}

type Inputs = { shape: number[]; seed: number }[];
/** f gets tensors built from the inputs and returns the tensors to compare (values, gradients). */
type Computation = (...xs: tf.Tensor[]) => tf.Tensor[];

/** Runs `f` on the named backend and returns its outputs as plain arrays. */
async function runOn(backend: "cpu" | "wasm", inputs: Inputs, f: Computation): Promise<Float32Array[]> {
  await selectBackend({ backend });
  if (backend === "wasm") installFixes();
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() =>
    f(
      ...inputs.map(({ shape, seed }) =>
        tf.tensor(
          randomArray(
            shape.reduce((p, d) => p * d, 1),
            seed,
          ),
          shape,
        ),
      ),
    ),
  );
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before, `${backend}: the computation leaked tensors`);
  return values;
}

/** Asserts wasm (with the fixes) and cpu agree to float32 accuracy, relative to the largest value. */
async function assertMatchesCpu(label: string, inputs: Inputs, f: Computation): Promise<void> {
  const expected = await runOn("cpu", inputs, f);
  const actual = await runOn("wasm", inputs, f);
  assert.equal(actual.length, expected.length);
  expected.forEach((want, i) => {
    const got = actual[i];
    assert.equal(got.length, want.length, `${label}, output ${i}: size`);
    let scale = 1;
    let worst = 0;
    for (let j = 0; j < want.length; j++) {
      scale = Math.max(scale, Math.abs(want[j]));
      worst = Math.max(worst, Math.abs(got[j] - want[j]));
    }
    assert.ok(
      worst <= 2e-5 * scale,
      `${label}, output ${i}: wasm differs from cpu by ${worst} (scale ${scale})`,
    );
  });
}

/**
 * Asserts that `op` gives the same shape and bits on wasm (with the fixes) as on cpu, on a float32
 * input of `shape` holding a NaN and on an int32 one.
 */
async function assertSameBitsAsCpu(label: string, shape: number[], op: (x: tf.Tensor) => tf.Tensor) {
  for (const dtype of ["float32", "int32"] as const) {
    const size = shape.reduce((p, d) => p * d, 1);
    const values = randomArray(size, size).map((v, i) =>
      i === 5 && dtype === "float32" ? NaN : dtype === "int32" ? Math.round(v * 1e6) : v,
    );
    const results: { shape: number[]; values: number[] }[] = [];
    for (const backend of ["cpu", "wasm"] as const) {
      await selectBackend({ backend });
      if (backend === "wasm") installFixes();
      const t = tf.tidy(() => op(tf.tensor(values, shape, dtype)));
      results.push({ shape: t.shape, values: Array.from(t.dataSync()) });
      t.dispose();
    }
    assert.deepEqual(results[1], results[0], `${label} ${dtype} [${shape}]`);
  }
}

/** Value and gradients of sum(f(...) * w) for a fixed random weighting w (so every output element matters). */
function withGradients(f: (...xs: tf.Tensor[]) => tf.Tensor): Computation {
  return (...xs) => {
    const y = f(...xs);
    const w = tf.tensor(randomArray(y.size, 99), y.shape);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), w)))(xs);
    return [y, ...grads];
  };
}

test("selecting wasm installs the fixes; uninstall restores the shipped kernels", async () => {
  uninstallWasmFixes();
  const env = process.env.VAE_LAB_WASM_FIXES;
  delete process.env.VAE_LAB_WASM_FIXES;
  await selectBackend({ backend: "wasm" });
  if (env !== undefined) process.env.VAE_LAB_WASM_FIXES = env;
  assert.ok(wasmFixesInstalled(), "selectBackend({ backend: 'wasm' }) should install the fixes");
  const fixed = tf.getKernel("BatchMatMul", "wasm").kernelFunc;
  uninstallWasmFixes();
  assert.equal(wasmFixesInstalled(), false);
  assert.notEqual(tf.getKernel("BatchMatMul", "wasm").kernelFunc, fixed);
  assert.equal(
    tf.getKernelsForBackend("wasm").some((k) => k.kernelName === "Conv2DBackpropFilter"),
    false,
  );
  installFixes();
  assert.ok(wasmFixesInstalled());
});

test("VAE_LAB_WASM_FIXES=0 leaves the backend as shipped", async () => {
  const env = process.env.VAE_LAB_WASM_FIXES;
  uninstallWasmFixes();
  process.env.VAE_LAB_WASM_FIXES = "0";
  try {
    await selectBackend({ backend: "wasm" });
    assert.equal(wasmFixesInstalled(), false);
    assert.equal(installWasmFixes(), false);
    assert.equal(installWasmFixes({ force: true }), true);
    uninstallWasmFixes();
    process.env.VAE_LAB_WASM_FIXES = "maybe";
    assert.throws(() => installWasmFixes(), /VAE_LAB_WASM_FIXES/);
  } finally {
    if (env === undefined) delete process.env.VAE_LAB_WASM_FIXES;
    else process.env.VAE_LAB_WASM_FIXES = env;
  }
  installFixes();
});

for (const [transposeA, transposeB] of [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
]) {
  test(`BatchMatMul transposeA=${transposeA} transposeB=${transposeB}: values and gradients match cpu`, async () => {
    // [m, k, n] triples: odd sizes, the reference layer shape, a wide-k and a single-row case.
    for (const [m, k, n] of [
      [7, 13, 5],
      [128, 784, 40],
      [3, 257, 31],
      [1, 9, 17],
    ]) {
      const aShape = transposeA ? [k, m] : [m, k];
      const bShape = transposeB ? [n, k] : [k, n];
      const product = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, transposeA, transposeB);
      const f = withGradients(product);
      await assertMatchesCpu(
        `${m}x${k}x${n}`,
        [
          { shape: aShape, seed: m },
          { shape: bShape, seed: n },
        ],
        f,
      );
      await assertMatchesCpu(
        `3 x ${m}x${k}x${n}`,
        [
          { shape: [3, ...aShape], seed: 1 },
          { shape: [3, ...bShape], seed: 2 },
        ],
        f,
      );
      // A batch of 1 broadcast against 3: values only (tfjs's BatchMatMul gradient rejects broadcasting on every backend).
      const bcast = [
        { shape: [1, ...aShape], seed: 3 },
        { shape: [3, ...bShape], seed: 4 },
      ];
      await assertMatchesCpu(`bcast ${m}x${k}x${n}`, bcast, (a, b) => [product(a, b)]);
    }
  });
}

test("_FusedMatMul with bias and activations: values and gradients match cpu", async () => {
  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    for (const activation of ["linear", "relu", "sigmoid", "elu"] as const) {
      for (const [m, k, n] of [
        [128, 400, 784],
        [5, 11, 3],
      ]) {
        const aShape = transposeA ? [k, m] : [m, k];
        const bShape = transposeB ? [n, k] : [k, n];
        const inputs = [
          { shape: aShape, seed: 5 },
          { shape: bShape, seed: 6 },
          { shape: [n], seed: 7 },
        ];
        const fused = (a: tf.Tensor, b: tf.Tensor, bias?: tf.Tensor) =>
          tf.fused.matMul({
            a: a as tf.Tensor2D,
            b: b as tf.Tensor2D,
            bias,
            transposeA,
            transposeB,
            activation,
          });
        const label = `${activation} tA=${transposeA} tB=${transposeB} ${m}x${k}x${n}`;
        // tfjs differentiates fused products only for linear and relu.
        const f =
          activation === "linear" || activation === "relu"
            ? withGradients(fused)
            : (...xs: tf.Tensor[]) => [fused(xs[0], xs[1], xs[2])];
        await assertMatchesCpu(`${label} +bias`, inputs, f);
        await assertMatchesCpu(`${label} no bias`, inputs.slice(0, 2), f);
      }
    }
  }
});

test("Transpose equals cpu bit for bit: last two axes (the SIMD kernel: odd sizes, partial bands of 16 rows, batches, int32, NaN) and other perms", async () => {
  const cases: [number[], number[]][] = [
    [
      [128, 784],
      [1, 0],
    ],
    [
      [7, 13],
      [1, 0],
    ],
    [
      [4, 4],
      [1, 0],
    ],
    [
      [1, 1],
      [1, 0],
    ],
    [
      [5, 3],
      [1, 0],
    ],
    [
      [1, 128, 400],
      [0, 2, 1],
    ],
    [
      [3, 9, 6],
      [0, 2, 1],
    ],
    [
      [37, 21],
      [1, 0],
    ],
    [
      [2, 50, 9],
      [0, 2, 1],
    ],
    [
      [2, 3, 5, 7],
      [0, 1, 3, 2],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [2, 3, 4],
      [1, 0, 2],
    ],
    [
      [0, 4],
      [1, 0],
    ],
  ];
  for (const [shape, perm] of cases) {
    await assertSameBitsAsCpu(`transpose perm [${perm}]`, shape, (x) => tf.transpose(x, perm));
  }
});

test("Sum matches cpu in values and shape: leading axes (column sums, bias gradients) and every other case", async () => {
  // Leading axes take the column-sum kernel (odd column counts run its scalar tail); the last
  // three cases (inner axis, all axes, an axis in the middle) must still run as shipped.
  const cases: [number[], number | number[]][] = [
    [[128, 784], 0],
    [
      [1, 128, 784],
      [0, 1],
    ],
    [
      [3, 5, 7],
      [1, 0],
    ],
    [[7, 3], -2],
    [[9, 1], 0],
    [[1, 5], 0],
    [[4, 6], 1],
    [
      [4, 6],
      [0, 1],
    ],
    [[2, 3, 4], 1],
  ];
  for (const [shape, axis] of cases) {
    for (const keepDims of [false, true]) {
      const label = `sum [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      await assertMatchesCpu(
        label,
        [{ shape, seed: shape.length }],
        withGradients((x) => tf.sum(x, axis, keepDims)),
      );
      const shapes = [];
      for (const backend of ["cpu", "wasm"] as const) {
        await selectBackend({ backend });
        shapes.push(tf.tidy(() => tf.sum(tf.zeros(shape), axis, keepDims).shape));
      }
      assert.deepEqual(shapes[1], shapes[0], `${label}: shape`);
    }
  }
});

test("conv2d and its gradients (Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput) match cpu: strides 1 and 2, same and valid, odd sizes", async () => {
  // [batch, height, width, inChannels, outChannels, filter size]
  for (const [batch, h, w, inC, outC, size] of [
    [2, 7, 9, 1, 4, 3],
    [3, 8, 8, 3, 8, 3],
    [1, 13, 11, 8, 5, 5],
    [4, 5, 5, 16, 2, 1],
  ]) {
    for (const strides of [1, 2] as const) {
      for (const pad of ["same", "valid"] as const) {
        const f = withGradients((x, filter) =>
          tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, strides, pad),
        );
        await assertMatchesCpu(
          `conv2d ${batch}x${h}x${w}x${inC}->${outC} k${size} s${strides} ${pad}`,
          [
            { shape: [batch, h, w, inC], seed: h },
            { shape: [size, size, inC, outC], seed: w },
          ],
          f,
        );
      }
    }
  }
});

test("fused conv2d (a bias, linear or relu) matches cpu with its gradients; dilated convolutions and other activations run as shipped", async () => {
  const x = { shape: [3, 9, 7, 5], seed: 21 };
  const filter = { shape: [3, 3, 5, 6], seed: 22 };
  const bias = { shape: [6], seed: 23 };
  type Options = Partial<Parameters<typeof tf.fused.conv2d>[0]>;
  const conv = (options: Options) => (xs: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.fused.conv2d({
      x: xs as tf.Tensor4D,
      filter: w as tf.Tensor4D,
      strides: 2,
      pad: "same",
      bias: b,
      ...options,
    });
  // Under gradients tfjs fuses only the linear activation; without them, relu too.
  await assertMatchesCpu("fused conv2d, linear, gradients", [x, filter, bias], withGradients(conv({})));
  for (const options of [
    { activation: "relu" },
    { activation: "linear", pad: "valid", strides: 1 },
    { activation: "leakyrelu", leakyreluAlpha: 0.2 }, // not the library's: as shipped
    { activation: "relu", dilations: 2, strides: 1 }, // dilated: as shipped
  ] as Options[]) {
    const label = `fused conv2d ${JSON.stringify(options)}`;
    await assertMatchesCpu(label, [x, filter, bias], (...xs) => [conv(options)(xs[0], xs[1], xs[2])]);
  }
  const dilated = (xs: tf.Tensor, w: tf.Tensor) =>
    tf.conv2d(xs as tf.Tensor4D, w as tf.Tensor4D, 1, "same", "NHWC", 2);
  await assertMatchesCpu("dilated conv2d", [x, filter], (...xs) => [dilated(xs[0], xs[1])]);
});

test("conv2dTranspose (Conv2DBackpropInput forward; both backprop kernels backward) matches cpu", async () => {
  // [batch, height, width, inChannels, outChannels, filter size, stride]: the decoder's upsampling shapes.
  for (const [batch, h, w, inC, outC, size, stride] of [
    [2, 7, 7, 8, 4, 3, 2],
    [3, 5, 6, 3, 1, 3, 1],
    [1, 4, 4, 2, 3, 4, 2],
  ]) {
    const outShape: [number, number, number, number] = [batch, h * stride, w * stride, outC];
    const f = withGradients((x, filter) =>
      tf.conv2dTranspose(x as tf.Tensor4D, filter as tf.Tensor4D, outShape, stride, "same"),
    );
    await assertMatchesCpu(
      `conv2dTranspose ${batch}x${h}x${w}x${inC}->${outC} k${size} s${stride}`,
      [
        { shape: [batch, h, w, inC], seed: 11 },
        { shape: [size, size, outC, inC], seed: 12 },
      ],
      f,
    );
  }
});

test("Tile equals cpu bit for bit: rows repeated k times (the IWAE samples), repeats on several axes, int32, NaN, and short runs", async () => {
  const cases: [number[], number[]][] = [
    [
      [1, 784],
      [50, 1],
    ], // one image, once per importance sample
    [
      [3, 20],
      [7, 1],
    ], // codes of three images
    [
      [2, 1, 16],
      [1, 3, 1],
    ], // an axis of size 1 repeated
    [
      [2, 3, 9],
      [2, 1, 3],
    ], // repeats on an inner axis too
    [
      [5, 10],
      [1, 3],
    ],
    [[11], [5]],
    [
      [4, 1],
      [1, 5],
    ], // runs of one value: as shipped
    [
      [0, 8],
      [3, 1],
    ],
  ];
  for (const [shape, reps] of cases) {
    await assertSameBitsAsCpu(`tile reps [${reps}]`, shape, (x) => tf.tile(x, reps));
  }
});

test("Identity on wasm shares memory: a clone outlives its source with the same values", async () => {
  await selectBackend({ backend: "wasm" });
  const source = tf.tensor(randomArray(10, 5), [2, 5]);
  const copy = tf.clone(source);
  const expected = Array.from(randomArray(10, 5));
  source.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), expected);
  copy.dispose();
});

test("the fixed kernels free their temporaries in the wasm backend", async () => {
  await selectBackend({ backend: "wasm" });
  installFixes();
  const backend = tf.backend();
  const x = tf.tensor(randomArray(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
  const filter = tf.tensor(randomArray(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
  const dataIds = backend.numDataIds();
  tf.tidy(() => {
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")),
    )([x, filter]);
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.matMul(a, b, true, true)))([
      filter.reshape([27, 4]),
      x.reshape([9, 24]).slice([0, 0], [4, 27]),
    ]);
  });
  assert.equal(backend.numDataIds(), dataIds);
  tf.dispose([x, filter]);
});
