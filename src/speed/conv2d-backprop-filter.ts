/**
 * `Conv2DBackpropFilter` for the wasm backend, which ships without one: without it, training any
 * convolutional layer (conv2d, conv2dTranspose) on wasm throws "Kernel not registered".
 *
 * The filter gradient is a matrix product (im2col): with P the [positions, fh*fw*inC] matrix of
 * input patches (one row per batch item and output pixel) and dY the [positions, outC] output
 * gradient, dW = P^T.dY. P is gathered in JavaScript straight into wasm memory, and the product runs
 * on the wasm `BatchMatMul` kernel (the fixed one, which avoids the slow transposed path).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { KernelFix, KernelFunc, findKernel } from "./kernel-registry";

interface BackpropFilterArgs {
  inputs: { x: tf.TensorInfo; dy: tf.TensorInfo };
  backend: BackendWasm;
  attrs: {
    strides: number | [number, number];
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
}
type MatMulKernel = (args: { inputs: { a: tf.TensorInfo; b: tf.TensorInfo }; backend: BackendWasm; attrs: { transposeA: boolean; transposeB: boolean } }) => tf.TensorInfo;

/** Adds the missing kernel (there is no original to keep). */
export const conv2DBackpropFilterFix: KernelFix = {
  kernelName: "Conv2DBackpropFilter",
  make: () => conv2DBackpropFilter as unknown as KernelFunc,
};

function conv2DBackpropFilter({ inputs, backend, attrs }: BackpropFilterArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter on wasm supports only NHWC (channels last), like the wasm Conv2D kernel.");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, "channelsLast",
  );
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const cols = info.filterHeight * info.filterWidth * info.inChannels;
  const patches = backend.makeOutput([rows, cols], "float32");
  try {
    gatherPatches(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(patches) as Float32Array, info);
    const matMul = findKernel("BatchMatMul", "wasm")!.kernelFunc as unknown as MatMulKernel;
    const dy2d = { dataId: dy.dataId, shape: [rows, info.outChannels], dtype: dy.dtype };
    const dW = matMul({ inputs: { a: patches, b: dy2d }, backend, attrs: { transposeA: true, transposeB: false } });
    return { ...dW, shape: filterShape };
  } finally {
    backend.disposeData(patches.dataId);
  }
}

/** im2col: one row per (batch, output row, output column), holding the input patch it saw (zeros outside). */
function gatherPatches(x: Float32Array, out: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * inChannels;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = oy * strideHeight + fy - top;
          if (iy < 0 || iy >= inHeight) {
            out.fill(0, o, o + filterWidth * inChannels);
            o += filterWidth * inChannels;
            continue;
          }
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = ox * strideWidth + fx - left;
            if (ix < 0 || ix >= inWidth) {
              out.fill(0, o, o + inChannels);
            } else {
              const start = xBatch + (iy * inWidth + ix) * inChannels;
              for (let c = 0; c < inChannels; c++) out[o + c] = x[start + c];
            }
            o += inChannels;
          }
        }
      }
    }
  }
}
