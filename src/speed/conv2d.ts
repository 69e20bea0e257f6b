/**
 * Convolutions on the wasm backend (tfjs-backend-wasm 4.22) as matrix products (im2col / col2im),
 * so that they run on the library's product and its threads (./matmul.ts):
 * - replaces `Conv2D` and `_FusedConv2D` (a bias per output channel or none, a linear or relu
 *   activation), which the backend hands to XNNPACK: the library keeps XNNPACK to one thread while
 *   its own kernels use the others (./wasm-threads.ts), so a convolution left there would run on one;
 * - adds `Conv2DBackpropFilter`, which the wasm backend ships without, so that training any
 *   convolutional layer (conv2d, conv2dTranspose) on wasm does not throw "Kernel not registered";
 * - replaces `Conv2DBackpropInput` (the gradient of conv2d, and the forward pass of
 *   conv2dTranspose), a plain loop that took most of a conv VAE training step.
 *
 * With P the [positions, fh*fw*inC] matrix of input patches (one row per batch item and output
 * pixel), W the filter as a [fh*fw*inC, outC] matrix and dY the [positions, outC] output gradient:
 * Y = act(bias + P.W), dW = P^T.dY, and dX is P' = dY.W^T scattered back onto the input pixels
 * (col2im). The products run on the wasm `BatchMatMul` and `_FusedMatMul` kernels (the fixed ones);
 * gather and scatter are wasm loops (./im2col.ts). Other convolutions (dilated, NCHW, other
 * activations or dtypes) run as shipped.
 */
import * as tf from "@tensorflow/tfjs";
import { gatherPatches, patchSize, positions, scatterPatches } from "./im2col";
import { type KernelFix, type WasmKernelArgs, findKernel } from "./kernel-registry";

type ForwardArgs = WasmKernelArgs<
  tf.FusedConv2DInputs,
  tf.Conv2DAttrs & Partial<Pick<tf.FusedConv2DAttrs, "activation">>
>;
type FilterArgs = WasmKernelArgs<tf.Conv2DBackpropFilterInputs, tf.Conv2DBackpropFilterAttrs>;
type InputArgs = WasmKernelArgs<tf.Conv2DBackpropInputInputs, tf.Conv2DBackpropInputAttrs>;
type MatMulKernel = (
  args: WasmKernelArgs<tf._FusedMatMulInputs, tf.BatchMatMulAttrs & Partial<tf._FusedMatMulAttrs>>,
) => tf.TensorInfo;

/** Replaces both forward kernels with a gather of patches and a product (with bias and activation). */
export const conv2DFixes: readonly KernelFix[] = [tf.Conv2D, tf.FusedConv2D].map((kernelName) => ({
  kernelName,
  wasmKernels: ["gather-patches"],
  shippedKernels: [kernelName, tf._FusedMatMul],
  make: (original) => {
    const shipped = original!.kernelFunc as unknown as (args: ForwardArgs) => tf.TensorInfo;
    return ((args: ForwardArgs) =>
      asProduct(args) ? conv2D(args) : shipped(args)) as unknown as tf.KernelFunc;
  },
}));

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

/** NHWC float32, no dilation, a bias of one value per output channel (or none), linear or relu. */
function asProduct({ inputs, attrs }: ForwardArgs): boolean {
  const { x, filter, bias } = inputs;
  const dilations = [attrs.dilations ?? 1].flat();
  const outChannels = filter.shape[3];
  return (
    attrs.dataFormat !== "NCHW" &&
    dilations.every((d) => d === 1) &&
    [x, filter, ...(bias ? [bias] : [])].every((t) => t.dtype === "float32") &&
    (bias == null || tf.util.sizeFromShape(bias.shape) === outChannels) &&
    inputs.preluActivationWeights == null &&
    ["linear", "relu"].includes(attrs.activation ?? "linear")
  );
}

function conv2D({ inputs, backend, attrs }: ForwardArgs): tf.TensorInfo {
  const { x, filter, bias } = inputs;
  const info = convInfo(x.shape, filter.shape as [number, number, number, number], attrs);
  const w2d = { dataId: filter.dataId, shape: [patchSize(info), info.outChannels], dtype: filter.dtype };
  const bias1d = bias && { dataId: bias.dataId, shape: [info.outChannels], dtype: bias.dtype };
  const patches = gatherPatches(backend, info, x);
  try {
    const y = product(tf._FusedMatMul)({
      inputs: { a: patches, b: w2d, ...(bias1d ? { bias: bias1d } : {}) },
      backend,
      attrs: { transposeA: false, transposeB: false, activation: attrs.activation ?? "linear" },
    });
    return { ...y, shape: info.outShape };
  } finally {
    backend.disposeData(patches.dataId);
  }
}

function conv2DBackpropFilter({ inputs, backend, attrs }: FilterArgs): tf.TensorInfo {
  const { x, dy } = inputs;
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const patches = gatherPatches(backend, info, x);
  try {
    const dy2d = { dataId: dy.dataId, shape: [positions(info), info.outChannels], dtype: dy.dtype };
    const dW = product(tf.BatchMatMul)({
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
  const patches = product(tf.BatchMatMul)({
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
  attrs: Pick<tf.Conv2DAttrs, "strides" | "pad" | "dataFormat" | "dimRoundingMode">,
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

/** A wasm product kernel as registered now (the fixed one while the fixes are installed). */
function product(kernelName: typeof tf.BatchMatMul | typeof tf._FusedMatMul): MatMulKernel {
  return findKernel(kernelName, "wasm")!.kernelFunc as unknown as MatMulKernel;
}
