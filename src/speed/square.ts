/**
 * Replaces the wasm backend's `Square` kernel (tfjs-backend-wasm 4.22) for float32 tensors, with
 * the same bits (./kernels/square.wat, four values at a time).
 *
 * The gradient norm of each training step squares every gradient; the shipped kernel is a plain
 * scalar loop.
 */
import * as tf from "@tensorflow/tfjs";
import { float32UnaryFix } from "./wasm-kernels";

export const squareFix = float32UnaryFix(tf.Square, "square");
