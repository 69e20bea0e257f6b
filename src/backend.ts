/**
 * Choosing the TensorFlow.js backend. Every notebook starts with `await selectBackend()`.
 *
 * Order of preference: `tensorflow` (native libtensorflow through @tensorflow/tfjs-node, when a
 * user has managed to install it), then `wasm` (SIMD WebAssembly, installs everywhere), then
 * `cpu` (plain JavaScript, much slower: `npm run bench` measures all three).
 */
import * as tf from "@tensorflow/tfjs";
import { type WasmFixesState, installWasmFixes, wasmFixesState, wasmFixesWanted } from "./speed/wasm-fixes";
import { registerWasmBackend, wasmThreads, wasmThreadsWanted } from "./speed/wasm-threads";

/** A backend vae-lab knows how to start. */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** All backends, fastest first. */
export const BACKENDS: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];

/** The optional package that brings the native `tensorflow` backend. */
const NATIVE_PACKAGE = "@tensorflow/tfjs-node";

/** Name of the environment variable that forces a backend. */
export const BACKEND_ENV = "VAE_LAB_BACKEND";

/** One attempt to start a backend. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it could not start, when `ok` is false. */
  error?: string;
}

/** Which backend runs, and why. */
export interface BackendReport {
  backend: BackendName;
  /** The backend that was asked for (argument or environment), if any. */
  requested?: BackendName;
  /** One sentence on why this backend runs. */
  reason: string;
  attempts: BackendAttempt[];
  /** The tfjs version in use. */
  tfjsVersion: string;
  /** wasm only: threads its kernels run on (the threaded build when more than 1). */
  threads?: number;
  /** wasm only: why `threads` is not what was asked for (`SelectBackendOptions.threads`, `VAE_LAB_WASM_THREADS`). */
  threadsNote?: string;
  /** wasm only: whether the library's kernel fixes are installed (`VAE_LAB_WASM_FIXES`), and if not, why. */
  speed?: WasmFixesState;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Force this backend; overrides `VAE_LAB_BACKEND`. */
  backend?: BackendName;
  /**
   * wasm only: threads for its kernels; overrides `VAE_LAB_WASM_THREADS`. Default: every core, at
   * most 4. Fixed when wasm first starts in this process (restart the kernel to change it).
   */
  threads?: number;
}

/**
 * Starts the fastest available backend (or the requested one) and reports which one runs and why.
 * A requested backend that cannot start is an error: silently training much slower is worse.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendReport> {
  const requested = options.backend ?? backendFromEnv();
  const source = options.backend ? "the caller" : `${BACKEND_ENV}=${requested}`;
  if (requested !== undefined && !BACKENDS.includes(requested)) {
    throw new Error(`Unknown backend ${JSON.stringify(requested)}: use one of ${BACKENDS.join(", ")}.`);
  }
  const candidates = requested ? [requested] : BACKENDS;
  const attempts: BackendAttempt[] = [];
  const threads = options.threads ?? wasmThreadsWanted();
  wasmFixesWanted(); // a value it does not understand is an error before anything starts
  for (const backend of candidates) {
    const error = await tryStart(backend, threads);
    attempts.push(error === undefined ? { backend, ok: true } : { backend, ok: false, error });
    if (error === undefined) {
      const reason = requested ? `requested by ${source}.` : explain(backend, attempts);
      const report: BackendReport = { backend, requested, reason, attempts, tfjsVersion: tf.version.tfjs };
      if (backend === "wasm") {
        installWasmFixes(); // outside tryStart: a missing kernel build is an error, not a fallback
        Object.assign(report, threadsReport(threads), { speed: wasmFixesState() });
      }
      return report;
    }
  }
  const failed = attempts.map((a) => `${a.backend}: ${a.error}`).join("; ");
  throw new Error(
    requested
      ? `The requested backend "${requested}" could not start (${failed}). Unset ${BACKEND_ENV} or pick another of ${BACKENDS.join(", ")}.`
      : `No TensorFlow.js backend could start (${failed}). Reinstall the npm packages with \`npm ci\`.`,
  );
}

/** A one-line summary of a report, for notebooks and logs. */
export function describeBackend(report: BackendReport): string {
  const threads =
    report.threads === undefined ? "" : `, ${report.threads} thread${report.threads === 1 ? "" : "s"}`;
  const note = report.threadsNote ? ` ${report.threadsNote}` : "";
  const speed = report.speed
    ? ` Kernel fixes: ${report.speed.installed ? "on" : `off (${report.speed.reason})`}.`
    : "";
  return `backend: ${report.backend} (tfjs ${report.tfjsVersion}${threads}); ${report.reason}${note}${speed}`;
}

/** The wasm threads that run, and a sentence when they differ from the ones asked for. */
function threadsReport(wanted: number): { threads: number; threadsNote?: string } {
  const running = wasmThreads() ?? { threads: 1 };
  if (running.fallback)
    return {
      threads: 1,
      threadsNote: `The threaded build could not start (${running.fallback}); wasm runs on 1 thread.`,
    };
  if (running.threads !== wanted) {
    return {
      threads: running.threads,
      threadsNote: `wasm had already started on ${running.threads} thread(s) in this process; restart it (the notebook kernel) to get ${wanted}.`,
    };
  }
  return { threads: running.threads };
}

function backendFromEnv(): BackendName | undefined {
  const value = process.env[BACKEND_ENV]?.trim().toLowerCase();
  if (!value) return undefined;
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(
    `${BACKEND_ENV}=${JSON.stringify(value)} is not a backend: use one of ${BACKENDS.join(", ")}, or unset it.`,
  );
}

/** Starts one backend; returns why it failed, or undefined when it runs. */
async function tryStart(backend: BackendName, threads: number): Promise<string | undefined> {
  try {
    if (backend === "tensorflow") {
      if (!nativeInstalled())
        return `${NATIVE_PACKAGE} is not installed; the README says how to add it for native speed`;
      require(NATIVE_PACKAGE);
    }
    // With the fixes on, the library's kernels take the threads (see ./speed/wasm-threads.ts).
    if (backend === "wasm") registerWasmBackend(threads, "wasm", wasmFixesWanted() ? 1 : threads);
    if (!(await tf.setBackend(backend))) return `tf.setBackend("${backend}") returned false`;
    await tf.ready();
    if (backend === "cpu") silenceCpuBanner();
    return undefined;
  } catch (err) {
    return firstLine(err);
  }
}

/**
 * True when the real @tensorflow/tfjs-node is installed. The package name alone is not enough:
 * the danfojs-node override installs plain @tensorflow/tfjs under that name (see package.json).
 */
function nativeInstalled(): boolean {
  try {
    return (
      require(`${NATIVE_PACKAGE}/package.json`).name === NATIVE_PACKAGE &&
      require.resolve(NATIVE_PACKAGE) !== ""
    );
  } catch {
    return false;
  }
}

/**
 * The cpu backend prints a "install our node backend" banner to stderr on first use. The report
 * already says which backend runs and the README says how to get native speed; stderr output would
 * also fail the notebook runner, which treats any stderr as an error.
 */
function silenceCpuBanner(): void {
  const backend = tf.backend() as unknown as { firstUse?: boolean };
  if (backend.firstUse !== undefined) backend.firstUse = false;
}

function explain(backend: BackendName, attempts: BackendAttempt[]): string {
  const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.backend} unavailable (${a.error})`);
  const why =
    backend === "tensorflow"
      ? "the fastest: native TensorFlow through @tensorflow/tfjs-node"
      : "the fastest that could start";
  return [why, ...skipped].join("; ") + ".";
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0];
}
