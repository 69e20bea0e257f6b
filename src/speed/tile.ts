/**
 * Replaces the wasm backend's `Tile` kernel (tfjs-backend-wasm 4.22) for 4-byte tensors (float32,
 * int32) whose innermost contiguous run is at least a few values long; other calls run as shipped.
 *
 * The IWAE bound repeats each image and its code k times (`tf.tile(x, [k, 1])`, thousands of rows).
 * The shipped kernel converts every output index to coordinates and back, one value at a time; here
 * contiguous runs are copied whole and each tiled block is then doubled in place with the heap's own
 * memory copy (`copyWithin`): the same bits, at the speed of a memory copy.
 */
import * as tf from "@tensorflow/tfjs";
import { type WasmKernelArgs, partialFix } from "./kernel-registry";
import { backendMemory, memoryOffset } from "./wasm-kernels";

/** Below this many values per contiguous run, the per-run overhead outweighs the copy: run as shipped. */
const MIN_RUN = 8;

export const tileFix = partialFix<WasmKernelArgs<tf.TileInputs, tf.TileAttrs>>(
  tf.Tile,
  [],
  ({ inputs: { x }, backend, attrs: { reps } }) => {
    if (x.dtype !== "float32" && x.dtype !== "int32") return undefined;
    const { shape, repeats } = mergeAxes(x.shape, reps);
    if (shape.some((d) => d === 0) || shape[shape.length - 1] < MIN_RUN) return undefined;
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    const heap = new Uint32Array(backendMemory(backend).buffer); // after makeOutput: it may grow memory
    const from = memoryOffset(backend, x) / 4;
    tileBlock(heap, shape, repeats, 0, from, memoryOffset(backend, out) / 4);
    return out;
  },
);

/**
 * The same tiling with fewer axes: an axis that is not repeated is merged into the axis before it
 * (their values are contiguous in input and output alike), and axes of size 1 repeated once vanish.
 */
function mergeAxes(
  xShape: readonly number[],
  reps: readonly number[],
): { shape: number[]; repeats: number[] } {
  const shape: number[] = [];
  const repeats: number[] = [];
  xShape.forEach((d, i) => {
    if (d === 1 && reps[i] === 1) return;
    if (reps[i] === 1 && shape.length > 0) shape[shape.length - 1] *= d;
    else (shape.push(d), repeats.push(reps[i]));
  });
  return shape.length > 0 ? { shape, repeats } : { shape: [1], repeats: [1] };
}

/**
 * Writes the tiling of axes `axis`.. of the input at heap index `from` to `to`: each slice of the
 * axis is tiled in turn (the last axis is one contiguous run), then the block is repeated by doubling.
 */
function tileBlock(
  heap: Uint32Array,
  shape: number[],
  repeats: number[],
  axis: number,
  from: number,
  to: number,
) {
  let block = shape[axis];
  if (axis === shape.length - 1) heap.copyWithin(to, from, from + block);
  else {
    const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
    const outer = shape.slice(axis + 1).reduce((p, d, i) => p * d * repeats[axis + 1 + i], 1);
    for (let i = 0; i < shape[axis]; i++)
      tileBlock(heap, shape, repeats, axis + 1, from + i * inner, to + i * outer);
    block *= outer;
  }
  const total = block * repeats[axis];
  for (let filled = block; filled < total; filled *= 2)
    heap.copyWithin(to + filled, to, to + Math.min(filled, total - filled));
}
