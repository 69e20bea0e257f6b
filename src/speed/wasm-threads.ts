/**
 * The wasm backend on several cores: tfjs's own multithreaded build, started in Node.
 *
 * @tensorflow/tfjs-backend-wasm ships a threaded SIMD binary whose XNNPACK kernels (matrix products,
 * convolutions, most element-wise ops) split their work over a thread pool, but tfjs never selects it
 * in Node. Three things stop it, each handled here:
 * - its thread-support flag is hard-wired to false in Node, so we call the threaded factory ourselves;
 * - the pthread worker script is shipped as a string meant for a browser Blob URL, which Node's
 *   `worker_threads` cannot load, so each worker starts from a small `data:` module that evaluates it;
 * - the binary caps its pool at half the logical cores (it assumes two hyper-threads per core), read
 *   once while the module starts, so a 2-core machine would get 1 thread. `os.cpus()` reports twice
 *   the cores for exactly that moment.
 * Its shared memory also lets the library's own kernels split their work over Node workers
 * (./kernel-threads.ts), on as many threads. With the kernel fixes on, those kernels do the heavy
 * work and XNNPACK gets one thread (`xnnpackThreads`, chosen in ../backend.ts): after each of its
 * kernels XNNPACK's idle pool threads spin for a while, on the cores the library's workers need.
 * These rely on tfjs 4.22's internals (and the engine's private registry of started backends), so
 * nothing here runs unless ./compatibility.ts finds the version they were written for; otherwise
 * wasm starts as shipped, on one thread, and the report says why.
 */
import os = require("node:os");
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { threadedBuildMismatch } from "./compatibility";

/** Environment variable: `VAE_LAB_WASM_THREADS=1` keeps the single-threaded build; N asks for N threads. */
export const WASM_THREADS_ENV = "VAE_LAB_WASM_THREADS";

/** The threaded binary pre-starts 8 workers; XNNPACK can use at most that many. */
const MAX_THREADS = 8;
/** Default thread count: every core up to 4 (more threads barely help products of this size). */
const DEFAULT_MAX_THREADS = 4;

const PACKAGE = "@tensorflow/tfjs-backend-wasm";
const WASM_OUT = `${PACKAGE}/wasm-out`;

/** The wasm module as tfjs's BackendWasm expects it (the Emscripten module plus a `tfjs` namespace). */
interface WasmModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[] };
  tfjs?: Record<string, unknown>;
}

type Factory = () => Promise<tf.KernelBackend>;

/** What started under each backend name: the thread count, or why the threaded build fell back. */
const started = new Map<string, { threads: number; fallback?: string }>();
/** Threads the library's own kernels split their work over, per threaded backend (./kernel-threads.ts). */
const libraryThreadCounts = new WeakMap<object, number>();
/**
 * Backend names left as shipped because this tfjs is not the one the start-up was written for, with
 * the reason when more than one thread was asked for.
 */
const leftAsShipped = new Map<string, string | undefined>();
let stockFactory: Factory | undefined;

/** The thread count asked for by `VAE_LAB_WASM_THREADS`, or the default (every core, at most 4). */
export function wasmThreadsWanted(): number {
  const value = process.env[WASM_THREADS_ENV]?.trim();
  if (!value) return Math.max(1, Math.min(os.cpus().length, DEFAULT_MAX_THREADS));
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new Error(
      `${WASM_THREADS_ENV}=${JSON.stringify(value)} is not a thread count: set a whole number from 1 to ${MAX_THREADS}, or unset it.`,
    );
  }
  return n;
}

/**
 * Registers a wasm backend under `name` that starts on `threads` threads (1: the stock
 * single-threaded build): the library's own kernels split their work over `threads`, XNNPACK's over
 * `xnnpackThreads` (at most `threads`). Under another name than "wasm" it gets a copy of the kernels
 * registered for "wasm" now, fixes included, so that tests can run both builds in one process.
 * Takes effect when the backend first starts; returns false (changing nothing) if `name` has
 * already started, or when this tfjs is not the version the start-up was written for (see
 * {@link wasmThreads}).
 */
export function registerWasmBackend(threads: number, name = "wasm", xnnpackThreads = threads): boolean {
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new Error(`The wasm backend takes 1 to ${MAX_THREADS} threads, got ${threads}.`);
  }
  if (!(Number.isInteger(xnnpackThreads) && xnnpackThreads >= 1 && xnnpackThreads <= threads)) {
    throw new Error(`XNNPACK takes 1 to ${threads} of the backend's threads, got ${xnnpackThreads}.`);
  }
  require(PACKAGE); // registers the stock backend and its kernels
  const mismatch = threadedBuildMismatch();
  if (mismatch) {
    leftAsShipped.set(name, threads > 1 ? mismatch : undefined);
    return false;
  }
  if (backendStarted(name)) return false;
  stockFactory ??= tf.findBackendFactory("wasm") as Factory;
  const stock = stockFactory;
  const start = async (): Promise<tf.KernelBackend> => {
    if (threads === 1) {
      started.set(name, { threads: 1 });
      return stock();
    }
    try {
      const backend = await threadedBackend(xnnpackThreads);
      libraryThreadCounts.set(backend, threads);
      started.set(name, { threads });
      return backend;
    } catch (err) {
      started.set(name, {
        threads: 1,
        fallback: err instanceof Error ? err.message.split("\n")[0] : String(err),
      });
      return stock();
    }
  };
  const factory: Factory = () => withoutRethrowListeners(start);
  if (tf.findBackendFactory(name)) tf.removeBackend(name);
  tf.registerBackend(name, factory, name === "wasm" ? 2 : 1);
  if (name !== "wasm") {
    for (const kernel of tf.getKernelsForBackend("wasm")) {
      if (!tf.getKernel(kernel.kernelName, name)) tf.registerKernel({ ...kernel, backendName: name });
    }
  }
  return true;
}

/**
 * Threads of the wasm backend running under `name` (undefined before it starts), and why it fell back
 * to 1. When the threaded build was never registered because of the tfjs version, says so at once.
 */
export function wasmThreads(name = "wasm"): { threads: number; fallback?: string } | undefined {
  if (leftAsShipped.has(name)) {
    const mismatch = leftAsShipped.get(name);
    return mismatch ? { threads: 1, fallback: mismatch } : { threads: 1 };
  }
  return backendStarted(name) ? (started.get(name) ?? { threads: 1 }) : undefined;
}

/**
 * Both Emscripten builds add process listeners that rethrow every uncaught error and unhandled
 * rejection from inside their own minified source, so Node prints a megabyte line of it above
 * the real error. Removing them after start-up restores Node's own reporting.
 */
async function withoutRethrowListeners<T>(start: () => Promise<T>): Promise<T> {
  const events = ["uncaughtException", "unhandledRejection"];
  const emitter = process as NodeJS.EventEmitter;
  const before = events.map((event) => emitter.listeners(event));
  try {
    return await start();
  } finally {
    events.forEach((event, k) => {
      for (const listener of emitter.listeners(event)) {
        if (!before[k].includes(listener))
          emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    });
  }
}

/** Threads the library's own kernels split their work over on `backend`, this one included. */
export function libraryThreads(backend: object): number {
  return libraryThreadCounts.get(backend) ?? 1;
}

function backendStarted(name: string): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry[name] !== undefined;
}

/** Starts the threaded binary with `threads` XNNPACK threads and wraps it in tfjs's BackendWasm. */
async function threadedBackend(threads: number): Promise<tf.KernelBackend> {
  if (typeof SharedArrayBuffer === "undefined")
    throw new Error("SharedArrayBuffer is not available in this JavaScript engine");
  const wasmPackage = require(PACKAGE) as typeof import("@tensorflow/tfjs-backend-wasm");
  const script = require.resolve(`${WASM_OUT}/tfjs-backend-wasm-threaded-simd.js`);
  const factory = require(script) as (config: Record<string, unknown>) => Promise<WasmModule>;
  const cpus = os.cpus;
  const reported = Array.from({ length: 2 * threads }, () => cpus()[0]);
  os.cpus = () => reported; // the binary takes half of these; see the file comment
  let wasm: WasmModule;
  try {
    wasm = await factory({
      locateFile: (file: string) =>
        file.endsWith(".worker.js") ? pthreadWorkerUrl(script) : require.resolve(`${WASM_OUT}/${file}`),
      mainScriptUrlOrBlob: script,
    });
  } finally {
    os.cpus = cpus;
  }
  // The bindings tfjs's own loader adds (tf-backend-wasm's init()).
  wasm.tfjs = {
    init: wasm.cwrap("init", null, []),
    initWithThreadsCount: wasm.cwrap("init_with_threads_count", null, ["number"]),
    getThreadsCount: wasm.cwrap("get_threads_count", "number", []),
    registerTensor: wasm.cwrap("register_tensor", null, ["number", "number", "number"]),
    disposeData: wasm.cwrap("dispose_data", null, ["number"]),
    dispose: wasm.cwrap("dispose", null, []),
  };
  wasmPackage.setThreadsCount(threads);
  const backend = new wasmPackage.BackendWasm(wasm as never) as BackendWasm;
  // The pool's threads must not keep Node alive once the program is done.
  for (const worker of wasm.PThread.runningWorkers) worker.unref();
  return backend as unknown as tf.KernelBackend;
}

/**
 * A `data:` module for Node's Worker that runs tfjs's pthread worker script (shipped as a string,
 * with escaped newlines that a Blob would turn back into "\n") with CommonJS `require`.
 */
function pthreadWorkerUrl(script: string): URL {
  const code = [
    `import { createRequire } from "node:module";`,
    `const require = createRequire(${JSON.stringify(script)});`,
    `const { wasmWorkerContents } = require("./tfjs-backend-wasm-threaded-simd.worker.js");`,
    `new Function("require", "__filename", wasmWorkerContents.replace(/\\n/g, "\\\\n"))(require, ${JSON.stringify(script)});`,
  ].join("\n");
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
