/**
 * Swapping kernels of one tfjs backend in and out (tfjs-core 4.22's kernel registry). A fix
 * registers its own kernel function under the backend's kernel name and keeps the original, so
 * uninstalling restores the backend as shipped (the bench measures both in one process).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * What tfjs passes a kernel function of the wasm backend, typed with a kernel's `Inputs` and `Attrs`
 * (tfjs types every input as possibly undefined; only optional ones are).
 */
export interface WasmKernelArgs<Inputs, Attrs = Record<string, never>> {
  inputs: { [K in keyof Inputs]: Exclude<Inputs[K], undefined> };
  backend: BackendWasm;
  attrs: Attrs;
}

/**
 * One fix of the wasm backend: the tfjs kernel it registers, what it runs and what it relies on.
 * The speed layer installs the fixes listed in ./wasm-fixes.ts, after checking what they rely on.
 */
export interface KernelFix {
  /** The tfjs kernel it registers: a replacement of the shipped one, or one the backend lacks. */
  kernelName: string;
  /** The library's wasm kernels it runs (./kernels/NAME.wat, built into dist/kernels/). */
  wasmKernels: readonly string[];
  /** The shipped wasm kernels it replaces or calls, which must exist before anything installs. */
  shippedKernels: readonly string[];
  /** Returns the kernel function to register, given the backend's original kernel (if any). */
  make(original: tf.KernelConfig | undefined): tf.KernelFunc;
  /** What else it changes while installed, outside the kernel registry; returns how to undo it. */
  patch?(): Uninstall;
}

/** Undoes an installed fix. */
export type Uninstall = () => void;

/**
 * Registers every fix on `backendName` and applies its patch; the returned function undoes them
 * all, putting the original kernels back.
 */
export function replaceKernels(backendName: string, fixes: readonly KernelFix[]): Uninstall {
  const undo: Uninstall[] = [];
  for (const fix of fixes) {
    const { kernelName } = fix;
    const original = findKernel(kernelName, backendName);
    const kernelFunc = fix.make(original);
    if (original) tf.unregisterKernel(kernelName, backendName);
    // The original setupFunc (which binds the wasm functions) must still run if the backend is re-initialised.
    tf.registerKernel({ ...original, kernelName, backendName, kernelFunc });
    undo.push(() => {
      tf.unregisterKernel(kernelName, backendName);
      if (original) tf.registerKernel(original);
    });
    if (fix.patch) undo.push(fix.patch());
  }
  return () => {
    for (const step of undo.reverse()) step();
  };
}

/** The kernel registered for (name, backend), or undefined. */
export function findKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return tf.getKernelsForBackend(backendName).find((k) => k.kernelName === kernelName);
}

/** The kernel function of a shipped kernel, typed for the caller's arguments; a clear error if this tfjs build lacks it. */
export function shippedKernel<Args>(
  kernelName: string,
  config: tf.KernelConfig | undefined,
): (args: Args) => tf.TensorInfo {
  if (!config)
    throw new Error(
      `The wasm backend has no ${kernelName} kernel: is @tensorflow/tfjs-backend-wasm 4.22 loaded?`,
    );
  return config.kernelFunc as unknown as (args: Args) => tf.TensorInfo;
}

/**
 * A fix for the calls `fast` accepts (it returns their result), running `wasmKernels`; every other
 * call runs the shipped kernel.
 */
export function partialFix<Args>(
  kernelName: string,
  wasmKernels: readonly string[],
  fast: (args: Args) => tf.TensorInfo | undefined,
): KernelFix {
  return {
    kernelName,
    wasmKernels,
    shippedKernels: [kernelName],
    make: (original) => {
      const shipped = shippedKernel<Args>(kernelName, original);
      return ((args: Args) => fast(args) ?? shipped(args)) as unknown as tf.KernelFunc;
    },
  };
}
