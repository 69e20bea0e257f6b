/**
 * What the speed layer relies on, checked before it changes anything: the package versions it was
 * written for, and the private parts of tfjs it uses (tfjs can change those in any release). On a
 * mismatch the kernel fixes stay off, or the threaded build is not started, and `selectBackend()`'s
 * report says why; wasm then runs as shipped.
 */
import * as tf from "@tensorflow/tfjs";
import type * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import type { AdamOptimizerFields } from "./adam";
import { backendMemory } from "./wasm-kernels";

/** The versions the kernels, their shipped counterparts and the private fields below were read from. */
export const WRITTEN_FOR = "4.22.0";

const WASM_PACKAGE = "@tensorflow/tfjs-backend-wasm";
const PRIVATE_PART_CHANGED = "a private part of tfjs they rely on changed";

/** Why the kernel fixes cannot install with the tfjs loaded now (undefined when they can), in one sentence. */
export function speedLayerMismatch(replacedKernels: readonly string[]): string | undefined {
  return versionMismatch() ?? missingPrivatePart(require(WASM_PACKAGE) as typeof tfWasm, replacedKernels);
}

/**
 * Why the threaded build cannot be started with the tfjs loaded now (undefined when it can): it
 * reads the engine's registry of started backends, starts the package's threaded binary itself and
 * binds its functions as the package's own loader does (./wasm-threads.ts).
 */
export function threadedBuildMismatch(): string | undefined {
  const mismatch = versionMismatch();
  if (mismatch) return mismatch;
  const wasm = require(WASM_PACKAGE) as typeof tfWasm;
  const registry = (tf.engine() as unknown as { registry?: unknown }).registry;
  if (typeof registry !== "object" || registry === null)
    return `${PRIVATE_PART_CHANGED}: the engine's registry of started backends`;
  if (typeof wasm.setThreadsCount !== "function" || typeof wasm.getThreadsCount !== "function")
    return `${PRIVATE_PART_CHANGED}: setThreadsCount and getThreadsCount`;
  return undefined;
}

function versionMismatch(): string | undefined {
  const wasm = require(WASM_PACKAGE) as typeof tfWasm;
  const versions: [string, string][] = [
    ["@tensorflow/tfjs-core", tf.version["tfjs-core"]],
    [WASM_PACKAGE, wasm.version_wasm],
  ];
  for (const [name, found] of versions) {
    if (found !== WRITTEN_FOR)
      return `${name} is ${found}, but vae-lab's wasm kernels were written for ${WRITTEN_FOR}: install ${name}@${WRITTEN_FOR} (package.json pins it) to get them back`;
  }
  return undefined;
}

function missingPrivatePart(wasm: typeof tfWasm, replacedKernels: readonly string[]): string | undefined {
  const registry = [tf.getKernel, tf.registerKernel, tf.unregisterKernel, tf.getKernelsForBackend];
  if (registry.some((f) => typeof f !== "function"))
    return `${PRIVATE_PART_CHANGED}: the kernel registry functions`;
  const state = tf.engine().state as unknown as { gradientDepth?: unknown };
  if (typeof state.gradientDepth !== "number")
    return `${PRIVATE_PART_CHANGED}: the engine state's gradientDepth`;
  const missing = replacedKernels.filter((name) => !tf.getKernel(name, "wasm"));
  if (missing.length > 0)
    return `${PRIVATE_PART_CHANGED}: the wasm backend has no ${missing.join(", ")} kernel`;
  const methods = ["makeOutput", "disposeData", "incRef", "typedArrayFromHeap"] as const;
  const prototype = wasm.BackendWasm.prototype as unknown as Record<string, unknown>;
  const absent = methods.filter((m) => typeof prototype[m] !== "function");
  if (absent.length > 0) return `${PRIVATE_PART_CHANGED}: BackendWasm.${absent.join(", ")}`;
  const backend = tf.findBackend("wasm") as tfWasm.BackendWasm | null;
  if (backend) {
    if (typeof backend.dataIdMap?.get !== "function") return `${PRIVATE_PART_CHANGED}: BackendWasm.dataIdMap`;
    try {
      backendMemory(backend);
    } catch (err) {
      return `${PRIVATE_PART_CHANGED}: ${(err as Error).message}`;
    }
  }
  return missingAdamField();
}

/** The AdamOptimizer fields ./adam.ts reads and writes, checked on a fresh optimizer. */
function missingAdamField(): string | undefined {
  const optimizer = new tf.AdamOptimizer(0.001, 0.9, 0.999);
  try {
    const s = optimizer as unknown as Partial<AdamOptimizerFields> & { incrementIterations?: unknown };
    const expected: Record<string, boolean> = {
      learningRate: typeof s.learningRate === "number",
      beta1: typeof s.beta1 === "number",
      beta2: typeof s.beta2 === "number",
      epsilon: typeof s.epsilon === "number",
      accBeta1: s.accBeta1 instanceof tf.Variable,
      accBeta2: s.accBeta2 instanceof tf.Variable,
      accumulatedFirstMoment: Array.isArray(s.accumulatedFirstMoment),
      accumulatedSecondMoment: Array.isArray(s.accumulatedSecondMoment),
      incrementIterations: typeof s.incrementIterations === "function",
    };
    const wrong = Object.keys(expected).filter((name) => !expected[name]);
    return wrong.length > 0 ? `${PRIVATE_PART_CHANGED}: AdamOptimizer.${wrong.join(", ")}` : undefined;
  } finally {
    optimizer.dispose();
  }
}
