/**
 * Replaces the wasm backend's `Identity` kernel (tfjs-backend-wasm 4.22) for numeric tensors: the
 * output shares the input's memory (one more reference) instead of a copy.
 *
 * While a gradient tape records, tfjs clones (Identity) every tensor a gradient will need, about 60
 * per step of the reference VAE. The cpu backend's Identity also just counts a reference, which is
 * safe because no tfjs kernel writes into its inputs. Strings are copied as shipped.
 */
import * as tf from "@tensorflow/tfjs";
import { type WasmKernelArgs, partialFix } from "./kernel-registry";

export const identityFix = partialFix<WasmKernelArgs<tf.IdentityInputs>>(
  tf.Identity,
  [],
  ({ inputs: { x }, backend }) => {
    if (x.dtype === "string") return undefined;
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
);
