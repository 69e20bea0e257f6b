/**
 * Convolution gradients on the wasm backend (tfjs-backend-wasm 4.22), as matrix products
 * (im2col / col2im):
 * - adds `Conv2DBackpropFilter`, which the wasm backend ships without, so that training any
 *   convolutional layer (conv2d, conv2dTranspose) on wasm does not throw "Kernel not registered";
 * - replaces `Conv2DBackpropInput` (the gradient of conv2d, and the forward pass of
 *   conv2dTranspose), a plain loop that took most of a conv VAE training step.
 *
 * With P the [positions, fh*fw*inC] matrix of input patches (one row per batch item and output
 * pixel) and dY the [positions, outC] output gradient: dW = P^T.dY, and dX is P' = dY.W^T scattered
 * back onto the input pixels (col2im). The products run on the wasm `BatchMatMul` kernel (the fixed
 * one, which avoids the slow transposed path); gather and scatter are wasm loops (./im2col.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { gatherPatches, patchSize, positions, scatterPatches } from "./im2col";
import { type KernelFix, type WasmKernelArgs, findKernel } from "./kernel-registry";

type FilterArgs = WasmKernelArgs<tf.Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>;
type InputArgs = WasmKernelArgs<tf.Conv2DBackpropInputInputs, tf.Conv2DBackpropInputAttrs>;
type MatMulKernel = (args: WasmKernelArgs<tf.BatchMatMulInputs, tf.BatchMatMulAttrs>) => tf.TensorInfo;

/** Adds the missing filter-gradient kernel (there is no original to keep). */
export const conv2DBackpropFilterFix: KernelFix = {
  kernelName: tf.Conv2DBackpropFilter,
  wasmKernels: ["gather-patches"],
  shippedKernels: [tf.BatchMatMul],
  make: () => conv2DBackpropFilter as unknown as tf.KernelFunc,
};

/** Replaces the input-gradient kernel (a plain loop) with a product and a scatter. */
export const conv2DBackpropInputFix: KernelFix = {
  kernelName: tf.Conv2DBackpropInput,
  wasmKernels: ["scatter-patches"],
  shippedKernels: [tf.Conv2DBackpropInput, tf.BatchMatMul],
  make: () => conv2DBackpropInput as unknown as tf.KernelFunc,
};

function conv2DBackpropFilter({ inputs, backend, attrs }: FilterArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const patches = gatherPatches(backend, info, x);
  try {
    const dy2d = { dataId: dy.dataId, shape: [positions(info), info.outChannels], dtype: dy.dtype };
    const dW = matMul()({
      inputs: { a: patches, b: dy2d },
      backend,
      attrs: { transposeA: true, transposeB: false },
    });
    return { ...dW, shape: attrs.filterShape };
  } finally {
    backend.disposeData(patches.dataId);
  }
}

function conv2DBackpropInput({ inputs, backend, attrs }: InputArgs): tf.TensorInfo {
  const { dy, filter } = inputs;
  const info = convInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs);
  const dy2d = { dataId: dy.dataId, shape: [positions(info), info.outChannels], dtype: dy.dtype };
  const w2d = { dataId: filter.dataId, shape: [patchSize(info), info.outChannels], dtype: filter.dtype };
  const patches = matMul()({
    inputs: { a: dy2d, b: w2d },
    backend,
    attrs: { transposeA: false, transposeB: true },
  });
  try {
    return scatterPatches(backend, info, patches, attrs.inputShape);
  } finally {
    backend.disposeData(patches.dataId);
  }
}

function convInfo(
  xShape: number[],
  filterShape: [number, number, number, number],
  attrs: Omit<tf.Conv2DBackpropFilterAttrs, "filterShape">,
): tf.backend_util.Conv2DInfo {
  if (attrs.dataFormat === "NCHW")
    throw new Error(
      "Convolution gradients on wasm support only NHWC (channels last), like the wasm Conv2D kernel.",
    );
  const { strides, pad, dimRoundingMode } = attrs;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
}

/** The wasm BatchMatMul kernel registered now (the fixed one while the fixes are installed). */
function matMul(): MatMulKernel {
  return findKernel(tf.BatchMatMul, "wasm")!.kernelFunc as unknown as MatMulKernel;
}
