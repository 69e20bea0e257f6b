/**
 * The Bernoulli log-likelihood and its gradient in one pass: a wasm kernel for the wasm backend.
 *
 * Per pixel, with logit a and target x: x a - softplus(a), softplus(a) = max(a, 0) + log(1 + e^-|a|),
 * summed per image; and the gradient in a, x - sigmoid(a). Composed of tfjs ops that is about ten
 * kernels over the [batch, 784] logits, and the wasm backend's `Exp` and `Log1p` are scalar C loops
 * (0.63 and 0.34 ms for [128, 784] on the reference machine, more than all the other element-wise
 * kernels of a step together). Here e^-|a| is computed once per pixel and serves softplus and
 * sigmoid alike, four pixels at a time (WebAssembly SIMD, assembled below):
 * - e^-t for t = min(|a|, 87): t = n ln2 + r with n a whole number and |r| <= ln2/2 (ln2 split in two
 *   parts so that n ln2 is exact), e^-r by its Taylor series to r^7 (error below 1.2e-7 relative),
 *   times 2^-n built from its exponent bits. The cap at 87 keeps 2^-n a normal float; there e^-t is
 *   about 1.6e-38 and adds nothing to softplus.
 * - log(1 + e) = 2 atanh(s) with s = e / (2 + e) in [0, 1/3]: the odd series to s^15 (error below
 *   1.5e-8 relative), which keeps full relative precision for tiny e where 1 + e would round to 1.
 * - sigmoid(a) = 1 / (1 + e) for a >= 0, e / (1 + e) for a < 0.
 * NaN logits give NaN everywhere, so the training step's NaN guard still fires.
 * Accuracy and the step time it saves are tested and measured against the composed ops.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { KernelFix, KernelFunc } from "./kernel-registry";
import {
  F32,
  I32,
  SCALAR,
  V128,
  VECTOR,
  addLocals,
  byteBounds,
  countdown,
  get,
  laneSum,
  memoryOffset,
  set,
  tee,
  uleb,
  vectorThenScalar,
  wasmFunction,
  wasmModule,
} from "./wasm-assembler";

/** Name of the fused kernel (inputs x, logits [batch, pixels]; outputs the per-image sum [batch] and x - sigmoid(logits)). */
export const FUSED_BERNOULLI = "VaeLabBernoulli";

/** Registers {@link FUSED_BERNOULLI} on the wasm backend (installed with the other fixes). */
export const fusedBernoulliFix: KernelFix = {
  kernelName: FUSED_BERNOULLI,
  make: () => fusedBernoulliKernel as unknown as KernelFunc,
};

/** True when the active backend has the fused kernel (wasm with the fixes) and both inputs are float32. */
export function fusedBernoulliAvailable(x: tf.Tensor, logits: tf.Tensor): boolean {
  return (
    x.dtype === "float32" &&
    logits.dtype === "float32" &&
    tf.getKernel(FUSED_BERNOULLI, tf.getBackend()) !== undefined
  );
}

/**
 * For x and logits of shape [batch, pixels]: the sum over pixels of x * logits - softplus(logits)
 * (shape [batch]) and x - sigmoid(logits) (shape [batch, pixels]).
 */
export function fusedBernoulli(x: tf.Tensor2D, logits: tf.Tensor2D): [tf.Tensor1D, tf.Tensor2D] {
  return tf.engine().runKernel(FUSED_BERNOULLI, { x, logits }, {}) as unknown as [tf.Tensor1D, tf.Tensor2D];
}

function fusedBernoulliKernel({
  inputs,
  backend,
}: {
  inputs: { x: tf.TensorInfo; logits: tf.TensorInfo };
  backend: BackendWasm;
}): tf.TensorInfo[] {
  const { x, logits } = inputs;
  if (
    logits.shape.length !== 2 ||
    x.dtype !== "float32" ||
    logits.dtype !== "float32" ||
    !tf.util.arraysEqual(x.shape, logits.shape)
  ) {
    throw new Error(
      `${FUSED_BERNOULLI}: x and logits must be float32 of one shape [batch, pixels], got ${x.dtype} [${x.shape}] and ${logits.dtype} [${logits.shape}].`,
    );
  }
  const [rows, cols] = logits.shape;
  const sums = backend.makeOutput([rows], "float32");
  const residual = backend.makeOutput([rows, cols], "float32");
  const f = wasmFunction<
    (x: number, a: number, sums: number, residual: number, rows: number, cols: number) => void
  >(backend, "bernoulli", bernoulliModule);
  f(
    memoryOffset(backend, x),
    memoryOffset(backend, logits),
    memoryOffset(backend, sums),
    memoryOffset(backend, residual),
    rows,
    cols,
  );
  return [sums, residual];
}

// ---- The module's bytes (./wasm-assembler.ts has the encoding). ----

// Parameters, then locals: i32 byte offsets, v128 values of four pixels, the f32 row sum.
const [X, A, SUMS, RESIDUAL, ROWS, COLS, I, VEC_END, END] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [AV, XV, T, N, E, Q, LL, G, ACC, S, S2] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const ROW_SUM = 20;

const simd = (op: number) => [0xfd, ...uleb(op)];
const [F32X4_ABS, F32X4_NEG, F32X4_ADD, F32X4_SUB, F32X4_MUL, F32X4_DIV, F32X4_MIN, F32X4_MAX] = [
  0xe0, 0xe1, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
].map(simd);
const [F32X4_GE, F32X4_NEAREST, BITSELECT, I32X4_SHL, I32X4_SUB, I32X4_TRUNC_SAT_F32X4_S] = [
  0x46, 0x6a, 0x52, 0xab, 0xb1, 0xf8,
].map(simd);
const LOAD32_SPLAT = [...simd(0x09), 0, 0];
const lane = (k: number) => [...simd(0x1f), k]; // f32x4.extract_lane

/** v128.const with the same float (or, with `int`, the same i32) in all four lanes. */
function splat(value: number, int = false): number[] {
  const lanes = int ? new Int32Array(4).fill(value) : new Float32Array(4).fill(value);
  return [...simd(0x0c), ...new Uint8Array(lanes.buffer)];
}

/** c[0] + u (c[1] + u (c[2] + ...)) for the v128 local u, left on the stack (Horner). */
function horner(u: number, coefficients: number[]): number[] {
  const [highest, ...rest] = [...coefficients].reverse();
  return [...splat(highest), ...rest.flatMap((c) => [...get(u), ...F32X4_MUL, ...splat(c), ...F32X4_ADD])];
}

const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
const EXP_TAYLOR = Array.from({ length: 8 }, (_, k) => 1 / factorial(k)); // e^u to u^7
const ATANH_SERIES = Array.from({ length: 8 }, (_, k) => 1 / (2 * k + 1)); // atanh(s)/s in s^2, to s^14
const LN2_HI = 0.693145751953125; // 16 significant bits: n * LN2_HI is exact for n < 128
const LN2_LO = Math.LN2 - LN2_HI;

/** From AV (logits) and XV (targets) of four pixels: LL = x a - softplus(a) and G = x - sigmoid(a). */
const pixelMath = [
  // t = min(|a|, 87); n = nearest(t / ln2); T = -(t - n ln2) = -r
  ...get(AV),
  ...F32X4_ABS,
  ...splat(87),
  ...F32X4_MIN,
  ...set(T),
  ...get(T),
  ...splat(Math.LOG2E),
  ...F32X4_MUL,
  ...F32X4_NEAREST,
  ...set(N),
  ...get(T),
  ...get(N),
  ...splat(LN2_HI),
  ...F32X4_MUL,
  ...F32X4_SUB,
  ...get(N),
  ...splat(LN2_LO),
  ...F32X4_MUL,
  ...F32X4_SUB,
  ...F32X4_NEG,
  ...set(T),
  // E = e^-t = e^-r * 2^-n, with 2^-n from its exponent bits (127 - n) << 23
  ...horner(T, EXP_TAYLOR),
  ...splat(127, true),
  ...get(N),
  ...I32X4_TRUNC_SAT_F32X4_S,
  ...I32X4_SUB,
  0x41,
  23,
  ...I32X4_SHL,
  ...F32X4_MUL,
  ...set(E),
  // LL = x a - (max(a, 0) + 2 s atanh(s)/s), s = e / (2 + e)
  ...get(E),
  ...get(E),
  ...splat(2),
  ...F32X4_ADD,
  ...F32X4_DIV,
  ...tee(S),
  ...get(S),
  ...F32X4_MUL,
  ...set(S2),
  ...get(XV),
  ...get(AV),
  ...F32X4_MUL,
  ...get(AV),
  ...splat(0),
  ...F32X4_MAX,
  ...horner(S2, ATANH_SERIES),
  ...get(S),
  ...F32X4_MUL,
  ...splat(2),
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...F32X4_SUB,
  ...set(LL),
  // G = x - (a >= 0 ? q : e q), q = 1 / (1 + e)
  ...splat(1),
  ...get(E),
  ...splat(1),
  ...F32X4_ADD,
  ...F32X4_DIV,
  ...set(Q),
  ...get(XV),
  ...get(Q),
  ...get(E),
  ...get(Q),
  ...F32X4_MUL,
  ...get(AV),
  ...splat(0),
  ...F32X4_GE,
  ...BITSELECT,
  ...F32X4_SUB,
  ...set(G),
];

const at = (base: number) => addLocals(base, I);

/** Four pixels: ACC += LL; residual = G. */
const fourPixels = [
  ...at(A),
  ...VECTOR.load,
  ...set(AV),
  ...at(X),
  ...VECTOR.load,
  ...set(XV),
  ...pixelMath,
  ...get(ACC),
  ...get(LL),
  ...F32X4_ADD,
  ...set(ACC),
  ...at(RESIDUAL),
  ...get(G),
  ...VECTOR.store,
];

/** The last pixels of a row, one at a time (the same math on a pixel copied to four lanes). */
const onePixel = [
  ...at(A),
  ...LOAD32_SPLAT,
  ...set(AV),
  ...at(X),
  ...LOAD32_SPLAT,
  ...set(XV),
  ...pixelMath,
  ...get(ROW_SUM),
  ...get(LL),
  ...lane(0),
  ...SCALAR.add,
  ...set(ROW_SUM),
  ...at(RESIDUAL),
  ...get(G),
  ...lane(0),
  ...SCALAR.store,
];

const advance = (local: number, by: number[]) => [...get(local), ...by, 0x6a, ...set(local)];

function bernoulliModule(sharedMemory: boolean): Uint8Array {
  return wasmModule({
    name: "bernoulli",
    params: Array(6).fill(I32),
    locals: [
      [3, I32],
      [11, V128],
      [1, F32],
    ],
    body: [
      ...byteBounds(COLS, END, VEC_END),
      // For each row: ACC collects four lanes of the row sum, ROW_SUM their total and the tail.
      ...countdown(ROWS, [
        ...VECTOR.zero,
        ...set(ACC),
        ...SCALAR.zero,
        ...set(ROW_SUM),
        ...vectorThenScalar(I, VEC_END, END, fourPixels, onePixel),
        ...get(SUMS),
        ...laneSum(ACC),
        ...get(ROW_SUM),
        ...SCALAR.add,
        ...SCALAR.store,
        ...advance(SUMS, [0x41, 4]),
        ...advance(X, get(END)),
        ...advance(A, get(END)),
        ...advance(RESIDUAL, get(END)),
      ]),
    ],
    sharedMemory,
  });
}
