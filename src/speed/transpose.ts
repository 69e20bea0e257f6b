/**
 * Replaces the wasm backend's `Transpose` kernel (tfjs-backend-wasm 4.22) for swaps of the last two
 * axes of float32 and int32 tensors; every other permutation runs as shipped.
 *
 * The matrix-product fixes (./matmul.ts) transpose operands and results so that every product takes
 * XNNPACK's fast untransposed path, about ten times a training step. The shipped kernel is a scalar
 * loop; ./kernels/transpose.wat moves 4x4 blocks with SIMD lane shuffles, the same bits.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type WasmKernelArgs, partialFix } from "./kernel-registry";
import { kernelFunction, memoryOffset } from "./wasm-kernels";

type TransposeFn = (x: number, out: number, batches: number, rows: number, cols: number) => void;

export const transposeFix = partialFix<WasmKernelArgs<tf.TransposeInputs, tf.TransposeAttrs>>(
  tf.Transpose,
  ["transpose"],
  ({ inputs: { x }, backend, attrs }) =>
    swapsLastTwoAxes(attrs.perm) && (x.dtype === "float32" || x.dtype === "int32")
      ? transposeLastTwoAxes(x, backend)
      : undefined,
);

/** True for [0, 1, ..., k-1, k+1, k]: the last two axes swapped, any leading (batch) axes in place. */
function swapsLastTwoAxes(perm: number[]): boolean {
  const rank = perm.length;
  return (
    rank >= 2 &&
    perm[rank - 2] === rank - 1 &&
    perm[rank - 1] === rank - 2 &&
    perm.slice(0, -2).every((p, i) => p === i)
  );
}

/** A new tensor (backend only) with the last two axes of the float32 or int32 tensor `x` swapped. */
export function transposeLastTwoAxes(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const [rows, cols] = x.shape.slice(-2);
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  if (rows * cols === 0) return out;
  const batches = tf.util.sizeFromShape(x.shape.slice(0, -2));
  kernelFunction<TransposeFn>(backend, "transpose")(
    memoryOffset(backend, x),
    memoryOffset(backend, out),
    batches,
    rows,
    cols,
  );
  return out;
}
