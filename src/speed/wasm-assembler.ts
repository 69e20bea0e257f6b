/**
 * Just enough of a WebAssembly assembler to write small kernels that run on the wasm backend's own
 * memory: one exported function per module, the backend's memory imported as env.memory. The
 * kernels (./transpose.ts, ./column-sum.ts, ./im2col.ts) are written as instruction bytes with the helpers
 * here, so they need no compiler and no build step. Encoding: the WebAssembly core spec and its
 * SIMD proposal (opcodes 0xfd ...).
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/** Unsigned LEB128, the encoding of sizes and indices in a wasm binary. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** local.get / local.set / local.tee. */
export const get = (i: number) => [0x20, ...uleb(i)];
export const set = (i: number) => [0x21, ...uleb(i)];
export const tee = (i: number) => [0x22, ...uleb(i)];

/** f32x4.splat: a float in all four lanes. */
export const F32X4_SPLAT = [0xfd, 0x13];

/** Instructions of the 4-lane (v128) and the scalar (f32) form of a loop. */
export interface Lanes {
  load: number[];
  store: number[];
  add: number[];
  sub: number[];
  mul: number[];
  div: number[];
  sqrt: number[];
  /** The constant 0 in every lane. */
  zero: number[];
  /** Bytes per iteration. */
  stride: number;
}

const MEMARG = [0, 0]; // alignment hint 1 byte (always valid), offset 0

export const VECTOR: Lanes = {
  load: [0xfd, 0x00, ...MEMARG],
  store: [0xfd, 0x0b, ...MEMARG],
  sqrt: [0xfd, ...uleb(0xe3)],
  add: [0xfd, ...uleb(0xe4)],
  sub: [0xfd, ...uleb(0xe5)],
  mul: [0xfd, ...uleb(0xe6)],
  div: [0xfd, ...uleb(0xe7)],
  zero: [0x43, 0, 0, 0, 0, ...F32X4_SPLAT], // f32.const 0, splat
  stride: 16,
};

export const SCALAR: Lanes = {
  load: [0x2a, ...MEMARG],
  store: [0x38, ...MEMARG],
  sqrt: [0x91],
  add: [0x92],
  sub: [0x93],
  mul: [0x94],
  div: [0x95],
  zero: [0x43, 0, 0, 0, 0], // f32.const 0
  stride: 4,
};

/**
 * `while (i < limit) { body; i += stride }` over the byte offset in local `i`. The loop count is
 * split by the caller: a VECTOR loop to the last multiple of 16 bytes, then a SCALAR tail.
 */
export function byteLoop(i: number, limit: number, stride: number, body: number[]): number[] {
  return [
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(i),
    ...get(limit),
    0x4f,
    0x0d,
    1, // if (i >= limit) break
    ...body,
    ...get(i),
    0x41,
    ...uleb(stride),
    0x6a,
    ...set(i), // i += stride
    0x0c,
    0,
    0x0b,
    0x0b, // continue; end loop, end block
  ];
}

/**
 * `i = 0`, then `vector` over the bytes [0, vecEnd) and `scalar` over the rest up to `end`: one pass
 * over a run of floats (bounds from {@link byteBounds}).
 */
export function vectorThenScalar(
  i: number,
  vecEnd: number,
  end: number,
  vector: number[],
  scalar: number[],
): number[] {
  return [
    0x41,
    0,
    ...set(i),
    ...byteLoop(i, vecEnd, VECTOR.stride, vector),
    ...byteLoop(i, end, SCALAR.stride, scalar),
  ];
}

/** `while (count != 0) { body; count -= 1 }` over the i32 local `count` (rows, runs, batches). */
export function countdown(count: number, body: number[]): number[] {
  return [
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    ...get(count),
    0x45,
    0x0d,
    1, // if (count == 0) break
    ...body,
    ...get(count),
    0x41,
    1,
    0x6b,
    ...set(count), // count -= 1
    0x0c,
    0,
    0x0b,
    0x0b,
  ];
}

/** The i32 sum of two locals (an address plus an offset). */
export const addLocals = (a: number, b: number) => [...get(a), ...get(b), 0x6a];

/** The f32 sum of the four lanes of the v128 local `v`, left on the stack. */
export function laneSum(v: number): number[] {
  const lane = (k: number) => [...get(v), 0xfd, 0x1f, k]; // f32x4.extract_lane
  return [...lane(0), ...lane(1), 0x92, ...lane(2), 0x92, ...lane(3), 0x92];
}

/** Sets `end` = n * 4 (bytes of n floats) and `vecEnd` = end rounded down to 16 bytes. */
export function byteBounds(n: number, end: number, vecEnd: number): number[] {
  return [...get(n), 0x41, 2, 0x74, ...tee(end), 0x41, 0x70, 0x71, ...set(vecEnd)]; // shl 2; and -16
}

/** A module with one exported function and the backend's memory imported as env.memory. */
export interface FunctionModule {
  name: string;
  params: number[];
  results?: number[];
  /** Local declarations after the parameters: [count, type]. */
  locals: [number, number][];
  /** Instructions, without the final `end`. */
  body: number[];
  /** The threaded backend's memory is shared; importing it needs the same flag. */
  sharedMemory: boolean;
}

export function wasmModule(f: FunctionModule): Uint8Array {
  const type = [0x60, ...vec(f.params.map((p) => [p])), ...vec((f.results ?? []).map((r) => [r]))];
  // Shared memories must declare a maximum; 65536 pages (4 GiB) admits any wasm32 memory.
  const memoryType = f.sharedMemory ? [0x03, ...uleb(0), ...uleb(65536)] : [0x00, ...uleb(0)];
  const code = [...vec(f.locals.map(([count, type]) => [...uleb(count), type])), ...f.body, 0x0b];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // "\0asm", version 1
    ...section(1, vec([type])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...memoryType]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name(f.name), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  return vec([...text].map((c) => [c.charCodeAt(0)]));
}

/** The parts of the WebAssembly JS API used here (its types live in TypeScript's DOM library, not loaded). */
interface WasmMemory {
  buffer: ArrayBufferLike;
}
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (
      module: object,
      imports: Record<string, Record<string, unknown>>,
    ) => { exports: Record<string, unknown> };
  };
};

/** Instances per backend (each has its own memory) and function name. */
const instances = new WeakMap<BackendWasm, Map<string, unknown>>();

/** The function `name` of the module `build` makes, instantiated once on this backend's memory. */
export function wasmFunction<F>(
  backend: BackendWasm,
  name: string,
  build: (sharedMemory: boolean) => Uint8Array,
): F {
  const cached = instances.get(backend)?.get(name);
  if (cached) return cached as F;
  const module = backend.wasm as unknown as { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } };
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!memory)
    throw new Error(
      `Cannot find the wasm backend's memory for the ${name} kernel (is @tensorflow/tfjs-backend-wasm 4.22 loaded?).`,
    );
  const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const instance = new Wasm.Instance(new Wasm.Module(build(shared)), { env: { memory } });
  const f = instance.exports[name] as F;
  instances.set(backend, (instances.get(backend) ?? new Map()).set(name, f));
  return f;
}

/** Where a tensor's data starts in the wasm backend's memory. */
export function memoryOffset(backend: BackendWasm, t: { dataId: object }): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
