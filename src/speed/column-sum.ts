/**
 * Replaces the wasm backend's `Sum` kernel (tfjs-backend-wasm 4.22) for float32 sums over leading
 * axes; every other `Sum` runs as shipped.
 *
 * The shipped kernel reduces only innermost axes; for any other axes it first transposes the whole
 * input. A bias gradient (dy summed over the batch, axis 0) is exactly that case. Here the rows are
 * added onto the output in row order (./kernels/column-sum.wat), without the transpose.
 */
import * as tf from "@tensorflow/tfjs";
import { type WasmKernelArgs, partialFix } from "./kernel-registry";
import { kernelFunction, memoryOffset } from "./wasm-kernels";

type ColumnSumFn = (x: number, out: number, rows: number, cols: number) => void;

export const columnSumFix = partialFix<WasmKernelArgs<tf.SumInputs, tf.SumAttrs>>(
  tf.Sum,
  ({ inputs: { x }, backend, attrs }) => {
    const leading = leadingAxes(x, attrs.axis);
    if (leading === 0) return undefined;
    const kept = x.shape.slice(leading);
    const out = backend.makeOutput(
      attrs.keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept,
      "float32",
    );
    kernelFunction<ColumnSumFn>(backend, "column-sum")(
      memoryOffset(backend, x),
      memoryOffset(backend, out),
      tf.util.sizeFromShape(x.shape.slice(0, leading)),
      tf.util.sizeFromShape(kept),
    );
    return out;
  },
);

/** k when `axis` is exactly the first k < rank axes of a non-empty float32 `x`, else 0 (not this case). */
function leadingAxes(x: tf.TensorInfo, axis: number | number[]): number {
  if (x.dtype !== "float32" || tf.util.sizeFromShape(x.shape) === 0) return 0;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  const isLeading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, k) => a === k);
  return isLeading ? axes.length : 0;
}
