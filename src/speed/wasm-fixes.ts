/**
 * The speed layer of the wasm backend: one switch that installs or removes all its fixes.
 *
 * `selectBackend()` installs them when it starts wasm (unless `VAE_LAB_WASM_FIXES=0`): replacements
 * of slow or missing tfjs-backend-wasm 4.22 kernels, each in its own module, and Adam's update as one
 * kernel (./adam.ts). Before installing anything it checks that tfjs is the version they were written
 * for (./compatibility.ts); if not, nothing is installed and the report says why. Tests uninstall
 * and reinstall them to compare with the backend as shipped.
 */
import { adamUpdateFix } from "./adam";
import { speedLayerMismatch } from "./compatibility";
import { conv2DBackpropFilterFix, conv2DBackpropInputFix, conv2DFixes } from "./conv2d";
import { identityFix } from "./identity";
import { type KernelFix, type Uninstall, replaceKernels } from "./kernel-registry";
import { matMulFixes } from "./matmul";
import { sigmoidFix } from "./sigmoid";
import { softplusFix } from "./softplus";
import { squareFix } from "./square";
import { sumFix } from "./sum";
import { tileFix } from "./tile";
import { transposeFix } from "./transpose";
import { compileKernels } from "./wasm-kernels";

/** Environment variable: `VAE_LAB_WASM_FIXES=0` leaves the wasm backend as shipped. */
export const WASM_FIXES_ENV = "VAE_LAB_WASM_FIXES";

/** Every fix; each says which tfjs kernel it registers, what it runs and what it relies on. */
const FIXES: readonly KernelFix[] = [
  ...matMulFixes,
  ...conv2DFixes,
  conv2DBackpropFilterFix,
  conv2DBackpropInputFix,
  identityFix,
  sumFix,
  squareFix,
  transposeFix,
  tileFix,
  softplusFix,
  sigmoidFix,
  adamUpdateFix,
];

let uninstall: Uninstall | undefined;
/** Why the last attempt installed nothing. */
let notInstalled: string | undefined;

/** Whether the speed layer is installed, and if not, why. */
export interface WasmFixesState {
  installed: boolean;
  reason?: string;
}

/**
 * Installs the fixes on the wasm backend. Does nothing when already installed, when
 * `VAE_LAB_WASM_FIXES=0` (unless `force` is true) or when tfjs is not the version they were written
 * for (see {@link wasmFixesState}). Returns whether the fixes are installed.
 */
export function installWasmFixes(options: { force?: boolean } = {}): boolean {
  if (uninstall) return true;
  if (!options.force && !wasmFixesWanted()) {
    notInstalled = `turned off by ${WASM_FIXES_ENV}=${process.env[WASM_FIXES_ENV]?.trim()}`;
    return false;
  }
  require("@tensorflow/tfjs-backend-wasm"); // registers the kernels being fixed (a no-op when loaded)
  notInstalled = speedLayerMismatch([...new Set(FIXES.flatMap((fix) => fix.shippedKernels))]);
  if (notInstalled) return false;
  // A kernel that was never built is a clear error here, not inside a kernel.
  compileKernels([...new Set(FIXES.flatMap((fix) => fix.wasmKernels))]);
  uninstall = replaceKernels("wasm", FIXES);
  return true;
}

/** Restores the wasm backend as shipped. Does nothing when the fixes are not installed. */
export function uninstallWasmFixes(): void {
  if (!uninstall) return;
  uninstall();
  uninstall = undefined;
  notInstalled = "removed by uninstallWasmFixes()";
}

/** True while the fixes are installed. */
export function wasmFixesInstalled(): boolean {
  return uninstall !== undefined;
}

/** Whether the fixes are installed now, and if not, why the last attempt installed nothing. */
export function wasmFixesState(): WasmFixesState {
  if (uninstall) return { installed: true };
  return { installed: false, reason: notInstalled ?? "not installed yet in this process" };
}

/** False when `VAE_LAB_WASM_FIXES` turns the fixes off; a clear error for a value it does not understand. */
export function wasmFixesWanted(): boolean {
  const value = (process.env[WASM_FIXES_ENV] ?? "").trim().toLowerCase();
  if (value === "" || value === "1" || value === "true" || value === "on") return true;
  if (value === "0" || value === "false" || value === "off") return false;
  throw new Error(
    `${WASM_FIXES_ENV}=${JSON.stringify(value)} is not understood: set it to 0, false or off (fixes off) or to 1, true or on (fixes on, the default), or unset it.`,
  );
}
