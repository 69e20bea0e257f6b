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

/** Undoes an installed fix. */
export type Uninstall = () => void;

/** Registers every fix on `backendName`; the returned function puts the original kernels back. */
export function replaceKernels(backendName: string, fixes: readonly KernelFix[]): Uninstall {
  const replaced: { kernelName: string; original: tf.KernelConfig | undefined }[] = [];
  for (const fix of fixes) {
    const original = findKernel(fix.kernelName, backendName);
    const kernelFunc = fix.make(original);
    if (original) tf.unregisterKernel(fix.kernelName, backendName);
    // The original setupFunc (which binds the wasm functions) must still run if the backend is re-initialised.
    tf.registerKernel({ ...original, kernelName: fix.kernelName, backendName, kernelFunc });
    replaced.push({ kernelName: fix.kernelName, original });
  }
  return () => {
    for (const { kernelName, original } of replaced.reverse()) {
      tf.unregisterKernel(kernelName, backendName);
      if (original) tf.registerKernel(original);
    }
  };
}

/** The kernel registered for (name, backend), or undefined. */
export function findKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return tf.getKernelsForBackend(backendName).find((k) => k.kernelName === kernelName);
}
