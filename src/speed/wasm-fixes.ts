/**
 * Kernel fixes for the wasm backend: one switch to turn them on and off.
 *
 * `selectBackend()` installs them when it starts wasm (unless `VAE_LAB_WASM_FIXES=0`); the bench
 * uninstalls and reinstalls them to measure the backend as shipped against the fixed one.
 * Each fix's module says what it fixes and the measurement that justifies it.
 */
import { adamUpdateFix, replaceAdamUpdate } from "./adam";
import { conv2DBackpropFilterFix, conv2DBackpropInputFix } from "./conv2d-backprop";
import { identityFix } from "./identity";
import { type Uninstall, replaceKernels } from "./kernel-registry";
import { matMulFixes } from "./matmul";
import { sigmoidFix } from "./sigmoid";
import { softplusFix } from "./softplus";
import { squareFix } from "./square";
import { sumFix } from "./sum";
import { transposeFix } from "./transpose";
import { compileKernels } from "./wasm-kernels";

/** Environment variable: `VAE_LAB_WASM_FIXES=0` leaves the wasm backend as shipped. */
export const WASM_FIXES_ENV = "VAE_LAB_WASM_FIXES";

/** The wasm kernels the fixes run (dist/kernels/NAME.wasm). */
const KERNELS = ["transpose", "column-sum", "gather-patches", "scatter-patches", "softplus", "sigmoid"];

let uninstall: Uninstall | undefined;

/**
 * Replaces slow or missing wasm kernels with the fixed ones. Does nothing when already installed,
 * or when `VAE_LAB_WASM_FIXES=0` (unless `force` is true). Returns whether the fixes are installed.
 */
export function installWasmFixes(options: { force?: boolean } = {}): boolean {
  if (uninstall) return true;
  if (!options.force && wasmFixesDisabledByEnv()) return false;
  require("@tensorflow/tfjs-backend-wasm"); // registers the kernels being fixed (a no-op when loaded)
  compileKernels(KERNELS); // a kernel that was never built is a clear error here, not inside a kernel
  const restoreKernels = replaceKernels("wasm", [
    ...matMulFixes,
    conv2DBackpropFilterFix,
    conv2DBackpropInputFix,
    identityFix,
    sumFix,
    squareFix,
    transposeFix,
    softplusFix,
    sigmoidFix,
    adamUpdateFix,
  ]);
  const restoreAdam = replaceAdamUpdate();
  uninstall = () => {
    restoreAdam();
    restoreKernels();
  };
  return true;
}

/** Restores the wasm backend as shipped. Does nothing when the fixes are not installed. */
export function uninstallWasmFixes(): void {
  uninstall?.();
  uninstall = undefined;
}

/** True while the fixes are installed. */
export function wasmFixesInstalled(): boolean {
  return uninstall !== undefined;
}

/** True when `VAE_LAB_WASM_FIXES` is set to 0/false/off. */
export function wasmFixesDisabledByEnv(): boolean {
  const value = (process.env[WASM_FIXES_ENV] ?? "").trim().toLowerCase();
  if (value === "" || value === "1" || value === "true" || value === "on") return false;
  if (value === "0" || value === "false" || value === "off") return true;
  throw new Error(
    `${WASM_FIXES_ENV}=${JSON.stringify(value)} is not understood: set it to 0 (fixes off) or 1 (on), or unset it.`,
  );
}
