/**
 * Swapping kernels of one tfjs backend in and out. A fix registers its own kernel function under
 * the backend's kernel name and keeps the original, so uninstalling restores the backend as shipped
 * (the bench measures both in one process).
 */
import * as tf from "@tensorflow/tfjs";

/** A kernel function as tfjs calls it (inputs, attrs and the backend instance). */
export type KernelFunc = tf.KernelConfig["kernelFunc"];

/** A kernel replacement: the new function is built from the original (undefined when the backend has none). */
export interface KernelFix {
  kernelName: string;
  /** Returns the kernel function to register, given the backend's original kernel (if any). */
  make(original: tf.KernelConfig | undefined): KernelFunc;
}

/** Kernels replaced by {@link applyKernelFixes}, with what was there before, to restore them. */
export interface AppliedFixes {
  backendName: string;
  replaced: { kernelName: string; original: tf.KernelConfig | undefined }[];
}

/** Registers every fix on `backendName`, remembering the original kernels. */
export function applyKernelFixes(backendName: string, fixes: readonly KernelFix[]): AppliedFixes {
  const replaced: AppliedFixes["replaced"] = [];
  for (const fix of fixes) {
    const original = findKernel(fix.kernelName, backendName);
    const kernelFunc = fix.make(original);
    if (original) tf.unregisterKernel(fix.kernelName, backendName);
    // The original setupFunc (which binds the wasm functions) must still run if the backend is re-initialised.
    tf.registerKernel({ ...original, kernelName: fix.kernelName, backendName, kernelFunc });
    replaced.push({ kernelName: fix.kernelName, original });
  }
  return { backendName, replaced };
}

/** Puts back the kernels that {@link applyKernelFixes} replaced (or removes the ones it added). */
export function restoreKernels(applied: AppliedFixes): void {
  for (const { kernelName, original } of [...applied.replaced].reverse()) {
    tf.unregisterKernel(kernelName, applied.backendName);
    if (original) tf.registerKernel(original);
  }
}

/** The kernel registered for (name, backend), or undefined. */
export function findKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return tf.getKernelsForBackend(backendName).find((k) => k.kernelName === kernelName);
}
