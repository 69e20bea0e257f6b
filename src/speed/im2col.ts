/**
 * The patch matrix of a convolution (im2col) and its adjoint (col2im) on the wasm backend's memory,
 * for the convolution kernels (./conv2d.ts).
 *
 * Row r of the patch matrix holds the input pixels under the filter at output position r (batch
 * item, output row, output column), as filterHeight x filterWidth runs of inChannels values; a run
 * over the padding is zeros. Gathering copies every run from the input; scattering adds every run
 * back onto the input pixel it came from. Which input offset each run maps to depends only on the
 * convolution's shapes, so it is worked out once per shape (a table of offsets, kept here) and the
 * copying is a SIMD loop over the table (./kernels/gather-patches.wat, ./kernels/scatter-patches.wat).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { kernelFunction, memoryOffset } from "./wasm-kernels";

type ConvInfo = tf.backend_util.Conv2DInfo;
type RunsFn = (table: number, runs: number, channels: number, src: number, dst: number) => void;

/** Rows of the patch matrix: one per batch item and output pixel. */
export function positions(info: ConvInfo): number {
  return info.batchSize * info.outHeight * info.outWidth;
}

/** Columns of the patch matrix: filter height x width x input channels. */
export function patchSize(info: ConvInfo): number {
  return info.filterHeight * info.filterWidth * info.inChannels;
}

/** The [positions, patchSize] patch matrix of input `x` (a new backend-only tensor). */
export function gatherPatches(backend: BackendWasm, info: ConvInfo, x: tf.TensorInfo): tf.TensorInfo {
  const patches = backend.makeOutput([positions(info), patchSize(info)], "float32");
  runOverTable(backend, info, "gather-patches", x, patches);
  return patches;
}

/** A new input-shaped tensor with every run of `patches` added onto the input pixels it came from. */
export function scatterPatches(
  backend: BackendWasm,
  info: ConvInfo,
  patches: tf.TensorInfo,
  inputShape: number[],
): tf.TensorInfo {
  const dx = backend.makeOutput(inputShape, "float32");
  (backend.typedArrayFromHeap(dx) as Float32Array).fill(0);
  runOverTable(backend, info, "scatter-patches", patches, dx);
  return dx;
}

/** Copies the run-offset table into wasm memory for the duration of one gather or scatter. */
function runOverTable(
  backend: BackendWasm,
  info: ConvInfo,
  kernel: "gather-patches" | "scatter-patches",
  src: tf.TensorInfo,
  dst: tf.TensorInfo,
): void {
  const offsets = runOffsets(info);
  const table = backend.makeOutput([offsets.length], "int32");
  try {
    (backend.typedArrayFromHeap(table) as Int32Array).set(offsets);
    kernelFunction<RunsFn>(backend, kernel)(
      memoryOffset(backend, table),
      offsets.length,
      info.inChannels,
      memoryOffset(backend, src),
      memoryOffset(backend, dst),
    );
  } finally {
    backend.disposeData(table.dataId);
  }
}

/** Tables already worked out, by convolution shape (a model has a few). */
const tables = new Map<string, Int32Array>();

/**
 * For each run of the patch matrix, in row-major order, the byte offset of its first value in the
 * input, or -1 where the filter hangs over the padding.
 */
function runOffsets(info: ConvInfo): Int32Array {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
  } = info;
  const { top, left } = info.padInfo;
  const key = [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    top,
    left,
  ].join();
  const cached = tables.get(key);
  if (cached) return cached;
  const offsets = new Int32Array(positions(info) * filterHeight * filterWidth);
  let run = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * strideHeight + fy - top;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * strideWidth + fx - left;
            const inside = iy >= 0 && iy < inHeight && ix >= 0 && ix < inWidth;
            offsets[run++] = inside ? ((b * inHeight + iy) * inWidth + ix) * inChannels * 4 : -1;
          }
        }
      }
    }
  }
  tables.set(key, offsets);
  return offsets;
}
