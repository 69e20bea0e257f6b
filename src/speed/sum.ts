/**
 * Replaces the wasm backend's `Sum` kernel (tfjs-backend-wasm 4.22) for float32 sums over leading
 * axes or over trailing ones (every axis included); sums over middle axes run as shipped.
 *
 * The shipped kernel adds one value at a time, and for axes other than the innermost it first
 * transposes the whole input. Leading axes are the bias gradients (dy summed over the batch): here
 * rows are added onto the output in row order, without the transpose (./kernels/column-sum.wat).
 * Trailing axes are the likelihood and KL of each image and, over every axis, the gradient norm's
 * sums of squares: here with sixteen running sums at once (./kernels/row-sums.wat).
 */
import * as tf from "@tensorflow/tfjs";
import { type WasmKernelArgs, partialFix } from "./kernel-registry";
import { kernelFunction, memoryOffset } from "./wasm-kernels";

type SumFn = (x: number, out: number, rows: number, cols: number) => void;

export const sumFix = partialFix<WasmKernelArgs<tf.SumInputs, tf.SumAttrs>>(
  tf.Sum,
  ["column-sum", "row-sums"],
  ({ inputs: { x }, backend, attrs }) => {
    if (x.dtype !== "float32" || tf.util.sizeFromShape(x.shape) === 0) return undefined;
    const rank = x.shape.length;
    const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((a, b) => a - b);
    const n = axes.length;
    const leading = n > 0 && n < rank && axes.every((a, i) => a === i);
    const trailing = n > 0 && axes.every((a, i) => a === rank - n + i);
    if (!leading && !trailing) return undefined;
    // x seen as a [rows, cols] matrix, summed over its rows (leading axes) or its columns (trailing).
    const split = leading ? n : rank - n;
    const outShape = attrs.keepDims
      ? x.shape.map((d, a) => (axes.includes(a) ? 1 : d))
      : x.shape.filter((_, a) => !axes.includes(a));
    const out = backend.makeOutput(outShape, "float32");
    kernelFunction<SumFn>(backend, leading ? "column-sum" : "row-sums")(
      memoryOffset(backend, x),
      memoryOffset(backend, out),
      tf.util.sizeFromShape(x.shape.slice(0, split)),
      tf.util.sizeFromShape(x.shape.slice(split)),
    );
    return out;
  },
);
