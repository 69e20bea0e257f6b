/**
 * Run mode of the notebooks. Every notebook runs the same cells in both modes; quick mode
 * only shrinks data sizes and step counts so the test suite can execute every notebook.
 */

/** `quick`: small data, few steps (tests). `full`: what a reader runs. */
export type RunMode = "quick" | "full";

/** Name of the environment variable that selects the run mode. */
export const MODE_ENV = "VAE_LAB_MODE";

/** The run mode from `VAE_LAB_MODE` (default `full`, the reader's mode). */
export function runMode(): RunMode {
  const value = (process.env[MODE_ENV] ?? "full").trim().toLowerCase();
  if (value === "quick" || value === "full") return value;
  throw new Error(
    `${MODE_ENV}=${JSON.stringify(value)} is not a run mode: set it to "quick" or "full" (or unset it for full).`,
  );
}

/** True in quick mode. */
export function isQuick(): boolean {
  return runMode() === "quick";
}

/** Chooses a setting by run mode: `pick(500, 60000)` is 500 in quick mode. */
export function pick<T>(quick: T, full: T): T {
  return isQuick() ? quick : full;
}
