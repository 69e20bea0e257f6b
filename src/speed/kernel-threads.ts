/**
 * The library's wasm kernels on every thread of the threaded build (./wasm-threads.ts).
 *
 * A kernel call over many rows is split into parts of whole rows, one per thread: this thread runs
 * the first part, helper threads the others, each helper a Node worker with its own instance of the
 * kernel on the backend's shared memory, woken and awaited through `Atomics` (the calling thread
 * blocks until its helpers are done; both sides check a while before they sleep). Each part writes
 * only its own rows and computes each row as a call over all rows would, so the result has the same
 * bits however it is split. The single-threaded build's memory is not shared: there, and for small
 * calls, the kernel runs whole.
 */
import { Worker } from "node:worker_threads";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { backendMemory, compiledKernel, kernelFunction, kernelImports } from "./wasm-kernels";
import { libraryThreads } from "./wasm-threads";

/** Below this much work per part (e.g. multiply-adds), waking a helper costs more than it saves. */
const MIN_WORK_PER_PART = 1 << 17;
/** A part that takes longer than this has lost its helper: an error rather than a hang. */
const HELPER_TIMEOUT_MS = 60_000;
/**
 * Times a waiting thread (a helper between parts, the caller for its helpers) checks before it
 * sleeps: waking a sleeping thread is slow next to the parts of a training step's products, which
 * follow each other closely.
 */
const SPIN_CHECKS = 100_000;

/** The words helpers and callers share: what to run (state, kernel, argument count, failed) and with what. */
const STATE = 0;
const KERNEL = 1;
const ARG_COUNT = 2;
const FAILED = 3;
const MAX_ARGS = 16;
const IDLE = 0;
const RUN = 1;

/** A helper's side: a loop that runs the kernel it is asked for on the arguments it is given. */
const HELPER_CODE = `
const { workerData } = require("node:worker_threads");
const { memory, control, modules } = workerData;
const words = new Int32Array(control, 0, 4);
const args = new Float64Array(control, 16, ${MAX_ARGS});
let run = []; // left empty when the kernels cannot start: every part then fails, and says so
try {
  run = Object.keys(modules).map((name) => new WebAssembly.Instance(modules[name], { env: { memory } }).exports[name]);
} catch (err) {}
for (;;) {
  for (let i = 0; i < ${SPIN_CHECKS} && Atomics.load(words, ${STATE}) === ${IDLE}; i++);
  Atomics.wait(words, ${STATE}, ${IDLE});
  try {
    run[words[${KERNEL}]](...args.subarray(0, words[${ARG_COUNT}]));
    words[${FAILED}] = 0;
  } catch (err) {
    words[${FAILED}] = 1;
  }
  Atomics.store(words, ${STATE}, ${IDLE});
  Atomics.notify(words, ${STATE});
}`;

interface Helper {
  words: Int32Array;
  args: Float64Array;
  /** Kernel names in the order the helper numbers them. */
  names: string[];
}

/** Helpers per backend (one fewer than its threads), by the kernels they were started with. */
const pools = new WeakMap<BackendWasm, Map<string, Helper[]>>();

/**
 * Runs `kernel` (a kernel file with no imports but the memory) over `rows` rows, in parts on every
 * thread when each part has at least MIN_WORK_PER_PART of work (`workPerRow` per row). `argsFor`
 * gives the kernel's arguments for the rows start..end-1; parts start at multiples of 4 rows.
 */
export function splitRows(
  backend: BackendWasm,
  kernel: string,
  rows: number,
  workPerRow: number,
  argsFor: (start: number, end: number) => number[],
): void {
  const helpers = helpersFor(backend, kernel);
  const parts = Math.max(
    1,
    Math.min(helpers.length + 1, Math.floor((rows * workPerRow) / MIN_WORK_PER_PART)),
  );
  const bound = (p: number) => (p === parts ? rows : 4 * Math.floor((rows * p) / parts / 4));
  for (let p = 1; p < parts; p++) start(helpers[p - 1], kernel, argsFor(bound(p), bound(p + 1)));
  try {
    kernelFunction<(...args: number[]) => void>(backend, kernel)(...argsFor(0, bound(1)));
  } finally {
    for (let p = 1; p < parts; p++) finish(helpers[p - 1], kernel);
  }
}

function start(helper: Helper, kernel: string, args: number[]): void {
  helper.args.set(args);
  helper.words[KERNEL] = helper.names.indexOf(kernel);
  helper.words[ARG_COUNT] = args.length;
  Atomics.store(helper.words, STATE, RUN);
  Atomics.notify(helper.words, STATE);
}

function finish(helper: Helper, kernel: string): void {
  for (let i = 0; i < SPIN_CHECKS && Atomics.load(helper.words, STATE) !== IDLE; i++);
  const waited = Date.now();
  while (Atomics.load(helper.words, STATE) !== IDLE) {
    Atomics.wait(helper.words, STATE, RUN, 1000);
    if (Date.now() - waited > HELPER_TIMEOUT_MS)
      throw new Error(`A helper thread of the wasm kernel ${kernel} did not finish: restart the process.`);
  }
  if (helper.words[FAILED]) throw new Error(`The wasm kernel ${kernel} failed on a helper thread.`);
}

/** Threads a large enough call of `kernel` runs on for this backend (1 until its first call). */
export function kernelThreads(backend: BackendWasm, kernel: string): number {
  return (pools.get(backend)?.get(kernel)?.length ?? 0) + 1;
}

/** The backend's helpers for `kernel`, started on first use; none on a build without shared memory. */
function helpersFor(backend: BackendWasm, kernel: string): Helper[] {
  let byKernel = pools.get(backend);
  if (!byKernel) pools.set(backend, (byKernel = new Map()));
  let helpers = byKernel.get(kernel);
  if (!helpers) {
    const memory = backendMemory(backend);
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const count = shared && kernelImports(kernel).length === 0 ? libraryThreads(backend) - 1 : 0;
    helpers = Array.from({ length: count }, () => startHelper(memory, kernel));
    byKernel.set(kernel, helpers);
  }
  return helpers;
}

function startHelper(memory: object, kernel: string): Helper {
  const control = new SharedArrayBuffer(16 + 8 * MAX_ARGS);
  const modules = { [kernel]: compiledKernel(kernel, true) };
  const worker = new Worker(HELPER_CODE, { eval: true, workerData: { memory, control, modules } });
  worker.unref(); // a waiting helper must not keep Node alive
  return {
    words: new Int32Array(control, 0, 4),
    args: new Float64Array(control, 16, MAX_ARGS),
    names: [kernel],
  };
}
