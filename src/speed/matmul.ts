/**
 * Matrix products on the wasm backend, arranged so they hit its fast path.
 *
 * The wasm `BatchMatMul`/`_FusedMatMul` kernels are fast (XNNPACK) only when neither operand is
 * transposed. Measured in tfjs 4.22, Node 20, one core, 128x784 by 784x400: plain 4.2 ms;
 * `transposeA` 46 ms; `transposeB` 55 ms; explicit wasm `Transpose` then a plain product 6-7 ms.
 * Backpropagation through a dense layer uses exactly the transposed forms (dW = x^T dy,
 * dx = dy W^T), so transposing first takes the reference VAE step from about 137 ms to 40 ms.
 *
 * Second effect: XNNPACK repacks the right operand B (K x N) whenever it is a new tensor, which
 * it always is in training (weights change every step). Measured: 128x784 by 784x400 takes 3.3 ms
 * with B already packed, 4.7 ms with a fresh B; 400x784 by 784x128 with fresh operands 3.7 ms.
 * Packing costs about 4.6 ns per element of B, a transpose (./transpose.ts) about 0.3 ns per element
 * (0.7 with the shipped wasm `Transpose`). So a product with a transposed operand is computed either
 * as A.B or as (B^T.A^T)^T, whichever costs less by that model (dy.W^T of the reference step:
 * 6.4 ms -> 4.1 ms). With the SIMD transpose, 0.3 instead of 0.7 in the model took the bench's
 * 2-thread step from 12.1 and 12.8 ms to 11.6 and 11.7 ms (two runs each, alternating).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelFix, KernelFunc, findKernel, shippedKernel } from "./kernel-registry";
import { transposeLastTwoAxes } from "./transpose";

/** Arguments tfjs passes to a kernel function. */
interface KernelArgs {
  inputs: Record<string, tf.TensorInfo | null | undefined>;
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}

/** Measured cost per element, in ns, of a transpose and of XNNPACK's packing of B. */
const TRANSPOSE_NS = 0.3;
const PACK_NS = 4.6;

/** Both matrix-product kernels, rerouted to plain (untransposed) products. */
export const matMulFixes: readonly KernelFix[] = ["BatchMatMul", "_FusedMatMul"].map((kernelName) => ({
  kernelName,
  make: (original) => plainProducts(kernelName, original),
}));

function plainProducts(kernelName: string, original: tf.KernelConfig | undefined): KernelFunc {
  const product = shippedKernel<KernelArgs>(kernelName, original);
  const add = shippedKernel<KernelArgs>("Add", findKernel("Add", "wasm"));
  const fixed = (args: KernelArgs): tf.TensorInfo => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    if (a.dtype !== "float32" || b.dtype !== "float32") return product(args);
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    // Outside a gradient tape (inference) plain products stay as shipped: the weights are constant
    // and XNNPACK reuses its packed copy of B, which swapping would throw away. While training, B is
    // new every step anyway. A bias is added after transposing back, so only without an activation
    // (the decoder's logits layer: 5.8 ms -> about 4.2 ms); PReLU weights never swap.
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
      // C = A.B computed as (B^T.A^T)^T (an element-wise activation commutes with the transpose).
      const cT = product({
        inputs: { ...inputs, a: plain(b, !transposeB), b: plain(a, !transposeA), bias: null },
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
  return fixed as unknown as KernelFunc;
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
