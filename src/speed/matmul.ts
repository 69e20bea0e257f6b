/**
 * Replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels (tfjs-backend-wasm 4.22) for
 * float32 products, with a bias of one value per column or none and a linear or relu activation;
 * other products run as shipped, after transposing any transposed operand.
 *
 * The shipped kernels hand a product to XNNPACK only when neither operand is transposed (otherwise
 * a slow generic loop runs), and XNNPACK first packs a copy of B for every B it has not seen, which
 * in training is every B: the weights change at each update and the gradients' operands are new.
 * Backpropagation through a dense layer uses exactly the transposed forms (dW = x^T dy,
 * dx = dy W^T). ./kernels/matmul.wat needs no packed copy: it reads A, or A^T through strides, and
 * B row by row; a transposed B is transposed first (./transpose.ts). Its rows are split over the
 * threads of the threaded build (./kernel-threads.ts), which changes no bit of the result.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelFix, type WasmKernelArgs, shippedKernel } from "./kernel-registry";
import { splitRows } from "./kernel-threads";
import { transposeLastTwoAxes } from "./transpose";
import { backendMemory, memoryOffset } from "./wasm-kernels";

type ProductArgs = WasmKernelArgs<tf._FusedMatMulInputs, tf.BatchMatMulAttrs & Partial<tf._FusedMatMulAttrs>>;

/** Both matrix-product kernels. */
export const matMulFixes: readonly KernelFix[] = [tf.BatchMatMul, tf._FusedMatMul].map((kernelName) => ({
  kernelName,
  wasmKernels: ["matmul", "transpose"],
  shippedKernels: [kernelName],
  make: (original) => {
    const shipped = shippedKernel<ProductArgs>(kernelName, original);
    return ((args: ProductArgs) =>
      ownProductApplies(args) ? product(args) : shippedPlain(shipped, args)) as unknown as tf.KernelFunc;
  },
}));

/**
 * Float32 operands, each a whole batch or a single matrix (broadcast), a bias of one value per column (or
 * none), a linear or relu activation.
 */
function ownProductApplies({ inputs, attrs }: ProductArgs): boolean {
  const { a, b, bias } = inputs;
  if (a.dtype !== "float32" || b.dtype !== "float32" || inputs.preluActivationWeights != null) return false;
  if (!["linear", "relu"].includes(attrs.activation ?? "linear")) return false;
  const [outerA, outerB] = [a, b].map((t) => t.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB));
  if (![outerA, outerB].every((outer) => [1, batch].includes(tf.util.sizeFromShape(outer)))) return false;
  const inner = attrs.transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const columns = attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  const biasFits =
    bias == null ||
    (bias.dtype === "float32" &&
      bias.shape[bias.shape.length - 1] === columns &&
      tf.util.sizeFromShape(bias.shape) === columns);
  return inner > 0 && biasFits;
}

/** C = act(bias + A B) over the batch (a batch of one is broadcast), by ./kernels/matmul.wat. */
function product({ inputs, backend, attrs }: ProductArgs): tf.TensorInfo {
  const { a, bias } = inputs;
  const transposeA = Boolean(attrs.transposeA);
  const [aRows, aCols] = a.shape.slice(-2);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const temporaries: tf.TensorInfo[] = [];
  try {
    const b = attrs.transposeB ? transposeLastTwoAxes(inputs.b, backend) : inputs.b;
    if (b !== inputs.b) temporaries.push(b);
    const n = b.shape[b.shape.length - 1];
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const out = backend.makeOutput([...outer, m, n], "float32");
    const zeros = bias == null ? zeroBias(backend, n) : undefined;
    if (zeros) temporaries.push(zeros);
    const relu = attrs.activation === "relu" ? 1 : 0;
    for (let i = 0; i < batch; i++) {
      const at = (t: tf.TensorInfo, count: number, size: number) =>
        memoryOffset(backend, t) + (count > 1 ? i * size * 4 : 0);
      splitRows(backend, "matmul", m, k * n, (rowStart, rowEnd) => [
        at(a, batchA, m * k),
        transposeA ? 4 : k * 4, // bytes between rows of A', and between its columns
        transposeA ? m * 4 : 4,
        at(b, batchB, k * n),
        memoryOffset(backend, bias ?? zeros!),
        at(out, batch, m * n),
        k,
        n,
        relu,
        rowStart,
        rowEnd,
      ]);
    }
    return out;
  } finally {
    // These copies live only in the backend, not in the engine: free them here.
    for (const t of temporaries) backend.disposeData(t.dataId);
  }
}

function zeroBias(backend: BackendWasm, n: number): tf.TensorInfo {
  const zeros = backend.makeOutput([n], "float32");
  new Float32Array(backendMemory(backend).buffer, memoryOffset(backend, zeros), n).fill(0);
  return zeros;
}

/**
 * Products the kernel does not take (other activations, PReLU, other dtypes): the shipped kernel,
 * on untransposed operands (its transposed path is a slow generic loop).
 */
function shippedPlain(shipped: (args: ProductArgs) => tf.TensorInfo, args: ProductArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = inputs;
  const transposable = a.dtype === "float32" && b.dtype === "float32";
  if (!transposable || (!attrs.transposeA && !attrs.transposeB)) return shipped(args);
  const plainA = attrs.transposeA ? transposeLastTwoAxes(a, backend) : a;
  const plainB = attrs.transposeB ? transposeLastTwoAxes(b, backend) : b;
  try {
    return shipped({
      inputs: { ...inputs, a: plainA, b: plainB },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
  } finally {
    for (const t of [plainA, plainB]) if (t !== a && t !== b) backend.disposeData(t.dataId);
  }
}
