/**
 * The library's own wasm kernels, run on the wasm backend's memory.
 *
 * Each kernel is WebAssembly text, src/speed/kernels/NAME.wat, compiled by `npm run build`
 * (scripts/build-kernels.ts) into dist/kernels/NAME.wasm, plus NAME.shared.wasm for the threaded
 * build, whose memory is shared. A module exports one function, NAME, and imports the backend's
 * memory as env.memory and any routine it shares with other kernels as the export of that kernel file
 * (`(import "exp-neg-abs" "exp-neg-abs" ...)`). Modules are compiled once per process and instantiated
 * once per backend.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelFix, type WasmKernelArgs, partialFix } from "./kernel-registry";

/** The parts of the WebAssembly JS API used here (TypeScript declares them only in its DOM library). */
interface WasmMemory {
  buffer: ArrayBufferLike;
}
interface WasmImport {
  module: string;
  name: string;
}
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: { new (bytes: Uint8Array): object; imports(module: object): WasmImport[] };
    Instance: new (
      module: object,
      imports: Record<string, Record<string, unknown>>,
    ) => { exports: Record<string, unknown> };
  };
};

/** Where `npm run build` writes the binaries, found from this file in src/speed or dist/speed. */
export function kernelDirectory(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`No package.json above ${__dirname}: cannot find vae-lab's dist/kernels.`);
    dir = parent;
  }
  return path.join(dir, "dist", "kernels");
}

const compiled = new Map<string, object>();

/** The compiled module of dist/kernels/NAME(.shared).wasm; a clear error when it was never built. */
export function compiledKernel(name: string, sharedMemory: boolean): object {
  const file = `${name}${sharedMemory ? ".shared" : ""}.wasm`;
  let module = compiled.get(file);
  if (!module) {
    const where = path.join(kernelDirectory(), file);
    if (!existsSync(where))
      throw new Error(
        `vae-lab's wasm kernel ${file} is missing from ${path.dirname(where)}: run \`npm run build\` (or set VAE_LAB_WASM_FIXES=0 to run wasm as shipped).`,
      );
    module = new Wasm.Module(readFileSync(where));
    compiled.set(file, module);
  }
  return module;
}

/** Compiles the kernels in `names` (both variants) and the modules they import now, so that a missing binary is reported when the fixes install. */
export function compileKernels(names: readonly string[]): void {
  for (const name of names) {
    compiledKernel(name, true);
    compileKernels(kernelImports(name));
  }
}

/** The kernel files whose routines kernel `name` imports (besides the memory). */
export function kernelImports(name: string): string[] {
  return Wasm.Module.imports(compiledKernel(name, false))
    .map((i) => i.module)
    .filter((from) => from !== "env");
}

/** Instances per backend (each has its own memory), by kernel name. */
const instances = new WeakMap<BackendWasm, Map<string, Record<string, unknown>>>();

function instantiate(backend: BackendWasm, name: string): Record<string, unknown> {
  const cached = instances.get(backend)?.get(name);
  if (cached) return cached;
  const memory = backendMemory(backend);
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const module = compiledKernel(name, shared);
  const imports: Record<string, Record<string, unknown>> = { env: { memory } };
  for (const { module: from, name: field } of Wasm.Module.imports(module)) {
    if (from !== "env") (imports[from] ??= {})[field] = instantiate(backend, from)[field];
  }
  const exports = new Wasm.Instance(module, imports).exports;
  instances.set(backend, (instances.get(backend) ?? new Map()).set(name, exports));
  return exports;
}

/** The function a kernel file exports, instantiated on this backend's memory. */
export function kernelFunction<F>(backend: BackendWasm, name: string): F {
  return instantiate(backend, name)[name] as F;
}

/** The wasm backend's memory: where the single-threaded and the threaded Emscripten builds keep it. */
export function backendMemory(backend: BackendWasm): WasmMemory {
  const module = backend.wasm as unknown as { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!memory) throw new Error("Cannot find the wasm backend's memory (wasm.wasmMemory or wasm.asm.memory).");
  return memory;
}

/** Where a tensor's data starts in the wasm backend's memory (a byte address). */
export function memoryOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/**
 * A fix of the element-wise tfjs kernel `kernelName` that runs the wasm kernel `kernel`
 * (x, out, n: out[i] = f(x[i])) on float32 tensors; other dtypes run as shipped.
 */
export function float32UnaryFix(kernelName: string, kernel: string): KernelFix {
  return partialFix<WasmKernelArgs<tf.UnaryInputs>>(kernelName, [kernel], ({ inputs: { x }, backend }) => {
    if (x.dtype !== "float32") return undefined;
    const out = backend.makeOutput(x.shape, "float32");
    const n = tf.util.sizeFromShape(x.shape);
    if (n > 0) {
      const f = kernelFunction<(x: number, out: number, n: number) => void>(backend, kernel);
      f(memoryOffset(backend, x), memoryOffset(backend, out), n);
    }
    return out;
  });
}
