/**
 * Replaces the wasm backend's `Sigmoid` kernel (tfjs-backend-wasm 4.22) for float32 tensors.
 *
 * The gradient of softplus is sigmoid, so every training step with a Bernoulli likelihood calls it
 * on every decoder output (as does the decoder's mean). The shipped kernel is a scalar loop over C's
 * exp; ./kernels/sigmoid.wat computes four values at a time with the exp of softplus.wat, within 3e-7
 * relative of float64 over the whole float32 range.
 */
import * as tf from "@tensorflow/tfjs";
import { float32UnaryFix } from "./wasm-kernels";

export const sigmoidFix = float32UnaryFix(tf.Sigmoid, "sigmoid");
