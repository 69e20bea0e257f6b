/**
 * Replaces the wasm backend's `BatchMatMul` and `_FusedMatMul` kernels (tfjs-backend-wasm 4.22) for
 * float32 products with a transposed operand, so that every product takes XNNPACK's fast path.
 *
 * The shipped kernels are fast only when neither operand is transposed (a transposed operand takes a
 * slow generic loop instead of XNNPACK), and backpropagation through a dense layer uses exactly
 * the transposed forms (dW = x^T dy, dx = dy W^T). Here the operand is transposed first
 * (./transpose.ts). Besides, XNNPACK repacks the right operand B whenever it is a new tensor, which
 * in training it always is; so a product is computed either as A.B or as (B^T.A^T)^T, whichever
 * costs less by a model of transposes and packing (the two constants below, fitted to timings of this backend).
 */
import * as tf from "@tensorflow/tfjs";
import { type KernelFix, type WasmKernelArgs, findKernel, shippedKernel } from "./kernel-registry";
import { transposeLastTwoAxes } from "./transpose";

type ProductArgs = WasmKernelArgs<tf._FusedMatMulInputs, tf.BatchMatMulAttrs & Partial<tf._FusedMatMulAttrs>>;
type AddArgs = WasmKernelArgs<tf.AddInputs>;

/** Cost per element, in ns, of a transpose (./transpose.ts) and of XNNPACK's packing of B. */
const TRANSPOSE_NS = 0.3;
const PACK_NS = 4.6;

/** Both matrix-product kernels, rerouted to plain (untransposed) products. */
export const matMulFixes: readonly KernelFix[] = [tf.BatchMatMul, tf._FusedMatMul].map((kernelName) => ({
  kernelName,
  wasmKernels: ["transpose"],
  shippedKernels: [kernelName, tf.Add], // Add: a bias after a product computed transposed
  make: (original) => plainProducts(kernelName, original),
}));

function plainProducts(kernelName: string, original: tf.KernelConfig | undefined): tf.KernelFunc {
  const product = shippedKernel<ProductArgs>(kernelName, original);
  const add = shippedKernel<AddArgs>(tf.Add, findKernel(tf.Add, "wasm"));
  const fixed = (args: ProductArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    if (a.dtype !== "float32" || b.dtype !== "float32") return product(args);
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    // Outside a gradient tape (inference) plain products stay as shipped: the weights are constant
    // and XNNPACK reuses its packed copy of B, which swapping would throw away. While training, B is
    // new every step anyway. A bias is added after transposing back, so only without an activation
    // (the decoder's logits layer); PReLU weights never swap.
    const bias = inputs.bias;
    const packedBMayBeReused = !transposeA && !transposeB && !recordingGradients();
    const linear = (attrs.activation ?? "linear") === "linear";
    const canSwap = !packedBMayBeReused && inputs.preluActivationWeights == null && (bias == null || linear);
    const swap = canSwap && swapIsCheaper(a.shape, b.shape, transposeA, transposeB);
    if (!swap && !transposeA && !transposeB) return product(args);
    const temporaries: tf.TensorInfo[] = [];
    const plain = (x: tf.TensorInfo, transposed: boolean) => {
      if (!transposed) return x;
      const t = transposeLastTwoAxes(x, backend);
      temporaries.push(t);
      return t;
    };
    const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
    try {
      if (!swap) {
        return product({
          inputs: { ...inputs, a: plain(a, transposeA), b: plain(b, transposeB) },
          backend,
          attrs: plainAttrs,
        });
      }
      // C = A.B computed as (B^T.A^T)^T (an element-wise activation commutes with the transpose; the
      // bias is added after it; there are no PReLU weights).
      const cT = product({
        inputs: { a: plain(b, !transposeB), b: plain(a, !transposeA) },
        backend,
        attrs: plainAttrs,
      });
      temporaries.push(cT);
      const c = transposeLastTwoAxes(cT, backend);
      if (bias == null) return c;
      temporaries.push(c);
      return add({ inputs: { a: c, b: bias }, backend, attrs: {} });
    } finally {
      // These copies live only in the backend, not in the engine: free them here.
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  return fixed as unknown as tf.KernelFunc;
}

/** True inside tf.grad/variableGrads's forward pass (training). */
function recordingGradients(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

/** True when (B^T.A^T)^T is predicted cheaper than A.B (transposes plus packing of the right operand). */
function swapIsCheaper(
  aShape: number[],
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): boolean {
  const rank = aShape.length;
  const [aRows, aCols] = aShape.slice(-2);
  const [bRows, bCols] = bShape.slice(-2);
  const m = transposeA ? aCols : aRows;
  const n = transposeB ? bRows : bCols;
  const batchA = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = bShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const sizeA = batchA * aRows * aCols;
  const sizeB = batchB * bRows * bCols;
  const sizeC = Math.max(batchA, batchB) * m * n;
  const k = sizeA / (batchA * m);
  const direct =
    TRANSPOSE_NS * ((transposeA ? sizeA : 0) + (transposeB ? sizeB : 0)) + PACK_NS * batchB * k * n;
  const swapped =
    TRANSPOSE_NS * ((transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + sizeC) + PACK_NS * batchA * k * m;
  return rank >= 2 && swapped < direct;
}
