/**
 * Replaces the wasm backend's `Softplus` kernel (tfjs-backend-wasm 4.22) for float32 tensors.
 *
 * The Bernoulli log-likelihood, x l - softplus(l), calls it on every decoder output. The shipped
 * kernel is a scalar loop over C's exp and log1p; ./kernels/softplus.wat computes four values at a
 * time with its own exp and log1p, within 3e-7 relative of float64 over the whole float32 range.
 */
import * as tf from "@tensorflow/tfjs";
import { float32UnaryFix } from "./wasm-kernels";

export const softplusFix = float32UnaryFix(tf.Softplus, "softplus");
