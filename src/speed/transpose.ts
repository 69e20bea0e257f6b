/**
 * Swapping the last two axes of a tensor on the wasm backend, four by four (WebAssembly SIMD).
 *
 * The kernel fixes for matrix products (./matmul.ts) transpose operands and results so that every
 * product runs on XNNPACK's fast untransposed path: about ten transposes per step of the reference
 * VAE. The wasm `Transpose` kernel is a scalar loop, 5 to 20 times slower than copying the same
 * data. Measured (Node 20, 2 cores, median of 60): [128, 400] 0.159 ms against 0.012 ms for a copy,
 * [1, 128, 784] (perm [0, 2, 1]) 0.316 ms against 0.015 ms; together about 2.2 ms of a 14 ms step.
 * This kernel: 0.011 ms and 0.021 ms for those two. Each 4x4 block is read as four rows and written
 * as four columns after eight lane shuffles, in bands of 16 rows so that every output row receives
 * whole 64-byte cache lines (a [25088, 288] patch matrix of the conv VAE: 8.3 ms without bands, 5.7
 * ms with). Rows and columns left over (sizes not multiples of 4) are copied one element at a time.
 * Elements are moved as 32-bit words, so float32 and int32 tensors come out bit for bit.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { partialFix } from "./kernel-registry";
import {
  I32,
  V128,
  VECTOR,
  byteLoop,
  countdown,
  get,
  memoryOffset,
  set,
  uleb,
  wasmFunction,
  wasmModule,
} from "./wasm-assembler";

interface TransposeArgs {
  inputs: { x: tf.TensorInfo };
  backend: BackendWasm;
  attrs: { perm: number[] };
}

/** Replaces `Transpose`: swaps of the last two axes of 4-byte tensors run here, the rest as shipped. */
export const transposeFix = partialFix<TransposeArgs>("Transpose", ({ inputs: { x }, backend, attrs }) =>
  swapsLastTwoAxes(attrs.perm) && (x.dtype === "float32" || x.dtype === "int32")
    ? transposeLastTwoAxes(x, backend)
    : undefined,
);

/** True for [0, 1, ..., k-1, k+1, k]: the last two axes swapped, any leading (batch) axes in place. */
function swapsLastTwoAxes(perm: number[]): boolean {
  const rank = perm.length;
  return (
    rank >= 2 &&
    perm[rank - 2] === rank - 1 &&
    perm[rank - 1] === rank - 2 &&
    perm.slice(0, -2).every((p, i) => p === i)
  );
}

/** A new tensor (backend only) with the last two axes of the float32 or int32 tensor `x` swapped. */
export function transposeLastTwoAxes(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const rank = x.shape.length;
  const [rows, cols] = x.shape.slice(-2);
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  if (rows * cols === 0) return out;
  const f = wasmFunction<(x: number, out: number, batches: number, rows: number, cols: number) => void>(
    backend,
    "transpose",
    transposeModule,
  );
  f(
    memoryOffset(backend, x),
    memoryOffset(backend, out),
    tf.util.sizeFromShape(x.shape.slice(0, rank - 2)),
    rows,
    cols,
  );
  return out;
}

// ---- The module's bytes (./wasm-assembler.ts has the encoding). ----

// Parameters; then row and column indices, their multiple-of-4 limits, row sizes in bytes, addresses.
const [IN, OUT, BATCHES, ROWS, COLS] = [0, 1, 2, 3, 4];
const [R, C, R4, C4, IN_ROW, OUT_ROW, SRC, DST, R0, R_END] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const [A, B, CC, D, T0, T1, T2, T3] = [15, 16, 17, 18, 19, 20, 21, 22];

const [I32_ADD, I32_MUL, I32_SHL] = [0x6a, 0x6c, 0x74];
const i32 = (n: number) => [0x41, n]; // i32.const for 0..63
const MEMARG = [0, 0];
const BAND = 16;

/** i8x16.shuffle picking the 32-bit lanes `lanes` (0-3 from the first operand, 4-7 from the second). */
const shuffle = (lanes: number[]) => [
  0xfd,
  ...uleb(0x0d),
  ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
];

/** base + (row * width + col) * 4: the byte address of element [row, col] of a [?, width] matrix. */
const address = (base: number, row: number, width: number, col: number) => [
  ...get(base),
  ...get(row),
  ...get(width),
  I32_MUL,
  ...get(col),
  I32_ADD,
  ...i32(2),
  I32_SHL,
  I32_ADD,
];

/** Local `at` plus k times local `stride`. */
const plus = (at: number, stride: number, k: number) =>
  k === 0 ? get(at) : [...get(at), ...get(stride), ...(k > 1 ? [...i32(k), I32_MUL] : []), I32_ADD];

/** for (i = from; i < limit; i += step) body */
const forLoop = (i: number, from: number[], limit: number, step: number, body: number[]) => [
  ...from,
  ...set(i),
  ...byteLoop(i, limit, step, body),
];

/** One 4x4 block: rows r..r+3 at columns c..c+3 in, columns r..r+3 of rows c..c+3 out. */
const block = [
  ...address(IN, R, COLS, C),
  ...set(SRC),
  ...[A, B, CC, D].flatMap((v, k) => [...plus(SRC, IN_ROW, k), ...VECTOR.load, ...set(v)]),
  ...get(A),
  ...get(B),
  ...shuffle([0, 4, 1, 5]),
  ...set(T0), // a0 b0 a1 b1
  ...get(A),
  ...get(B),
  ...shuffle([2, 6, 3, 7]),
  ...set(T1), // a2 b2 a3 b3
  ...get(CC),
  ...get(D),
  ...shuffle([0, 4, 1, 5]),
  ...set(T2), // c0 d0 c1 d1
  ...get(CC),
  ...get(D),
  ...shuffle([2, 6, 3, 7]),
  ...set(T3), // c2 d2 c3 d3
  ...address(OUT, C, ROWS, R),
  ...set(DST),
  ...plus(DST, OUT_ROW, 0),
  ...get(T0),
  ...get(T2),
  ...shuffle([0, 1, 4, 5]),
  ...VECTOR.store, // a0 b0 c0 d0
  ...plus(DST, OUT_ROW, 1),
  ...get(T0),
  ...get(T2),
  ...shuffle([2, 3, 6, 7]),
  ...VECTOR.store,
  ...plus(DST, OUT_ROW, 2),
  ...get(T1),
  ...get(T3),
  ...shuffle([0, 1, 4, 5]),
  ...VECTOR.store,
  ...plus(DST, OUT_ROW, 3),
  ...get(T1),
  ...get(T3),
  ...shuffle([2, 3, 6, 7]),
  ...VECTOR.store,
];

/** One element as a 32-bit word: out[c, r] = in[r, c]. */
const element = [...address(OUT, C, ROWS, R), ...address(IN, R, COLS, C), 0x28, ...MEMARG, 0x36, ...MEMARG];

/** Element by element over rows [rowFrom, ROWS) and columns [colFrom, colLimit). */
const elements = (rowFrom: number[], colFrom: number[], colLimit: number) =>
  forLoop(R, rowFrom, ROWS, 1, forLoop(C, colFrom, colLimit, 1, element));

function transposeModule(sharedMemory: boolean): Uint8Array {
  const roundDown4 = (n: number, to: number) => [...get(n), 0x41, 0x7c, 0x71, ...set(to)]; // n & -4
  const bytes = (n: number, to: number) => [...get(n), ...i32(2), I32_SHL, ...set(to)];
  return wasmModule({
    name: "transpose",
    params: Array(5).fill(I32),
    locals: [
      [10, I32],
      [8, V128],
    ],
    body: [
      ...roundDown4(ROWS, R4),
      ...roundDown4(COLS, C4),
      ...bytes(COLS, IN_ROW),
      ...bytes(ROWS, OUT_ROW),
      // For each matrix of the batch:
      ...countdown(BATCHES, [
        // Bands of 16 rows, so that each output row gets whole 64-byte cache lines (16 floats) at a time.
        ...forLoop(R0, i32(0), R4, BAND, [
          ...get(R0),
          ...i32(BAND),
          I32_ADD,
          ...get(R4),
          ...get(R0),
          ...i32(BAND),
          I32_ADD,
          ...get(R4),
          0x49,
          0x1b,
          ...set(R_END), // min(r0 + 16, r4)
          ...forLoop(C, i32(0), C4, 4, forLoop(R, get(R0), R_END, 4, block)),
        ]),
        ...elements(i32(0), get(C4), COLS), // columns left over, every row
        ...elements(get(R4), i32(0), C4), // rows left over, the other columns
        ...[IN, OUT].flatMap((p) => [...get(p), ...get(ROWS), ...get(IN_ROW), I32_MUL, I32_ADD, ...set(p)]),
      ]),
    ],
    sharedMemory,
  });
}
