/**
 * Grids of digits rendered as PNG bytes by the library itself (no browser): dataset samples,
 * reconstructions beside their inputs, latent manifolds and latent interpolations.
 */
import * as tf from "@tensorflow/tfjs";
import { encodePng, RawImage } from "./png";
import { normalGrid } from "./normal";

/**
 * Images as stored or produced: `Uint8Array` of 0..255 (a Dataset's `images`), or floats in [0, 1]
 * (`Float32Array`, `number[]`, or a tensor shaped [n, h*w], [n, h, w] or [n, h, w, 1]).
 */
export type Pixels = Uint8Array | Float32Array | number[] | tf.Tensor;

/** A decoder from latent codes [n, latentDim] to pixel means in [0, 1], shaped [n, h*w]. */
export type Decode = (z: tf.Tensor2D) => tf.Tensor2D;

/** How tiles are drawn. */
export interface TileOptions {
  /** Image height in pixels (default 28). */
  height?: number;
  /** Image width in pixels (default 28). */
  width?: number;
  /** Each source pixel becomes a scale x scale block (default 2), so small digits stay readable. */
  scale?: number;
  /** Gap between tiles in source pixels (default 1). */
  gap?: number;
  /** Grey level 0..255 of the gaps and empty cells (default 255, white). */
  background?: number;
  /** Draw dark digits on light paper (default false: white digits on black, as in MNIST). */
  invert?: boolean;
}

/** Options of {@link digitGrid}. */
export interface GridOptions extends TileOptions {
  /** Rows of the grid (default: enough for the images shown). */
  rows?: number;
  /** Columns of the grid (default 10, or fewer when there are fewer images). */
  cols?: number;
  /** Index of the first image shown (default 0). */
  start?: number;
}

/** Converts any {@link Pixels} to 0..255 grey bytes (inverted when `invert` is set). */
export function toGreyBytes(images: Pixels, invert = false): Uint8Array {
  if (images instanceof Uint8Array) return invert ? images.map((v) => 255 - v) : images;
  let values: ArrayLike<number> = images as Float32Array | number[];
  if (images instanceof tf.Tensor) {
    // int32 tensors hold raw 0..255 bytes; float tensors hold probabilities in [0, 1].
    if (images.dtype === "int32")
      return toGreyBytes(Uint8Array.from(images.dataSync() as Int32Array), invert);
    values = images.dataSync() as Float32Array;
  }
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return invert ? out.map((v) => 255 - v) : out;
}

function tileSize(opts: TileOptions): { h: number; w: number; scale: number; gap: number } {
  const h = opts.height ?? 28;
  const w = opts.width ?? 28;
  const scale = opts.scale ?? 2;
  const gap = opts.gap ?? 1;
  for (const [name, v, min] of [
    ["height", h, 1],
    ["width", w, 1],
    ["scale", scale, 1],
    ["gap", gap, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got ${v}.`);
  }
  return { h, w, scale, gap };
}

/**
 * Lays out the h x w tiles of `grey` on a rows x cols canvas, row by row.
 * Cells past the last tile stay background.
 */
export function tileImages(grey: Uint8Array, rows: number, cols: number, opts: TileOptions = {}): RawImage {
  const { h, w, scale, gap } = tileSize(opts);
  const available = imageCount(grey, h, w);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`rows and cols must be positive integers, got ${rows} x ${cols}.`);
  }
  const background = opts.background ?? 255;
  const width = (cols * (w + gap) + gap) * scale;
  const height = (rows * (h + gap) + gap) * scale;
  const data = new Uint8Array(width * height).fill(background);
  for (let cell = 0; cell < rows * cols && cell < available; cell++) {
    const offset = cell * h * w;
    const x0 = (gap + (cell % cols) * (w + gap)) * scale;
    const y0 = (gap + Math.floor(cell / cols) * (h + gap)) * scale;
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        data[(y0 + y) * width + x0 + x] = grey[offset + Math.floor(y / scale) * w + Math.floor(x / scale)];
      }
    }
  }
  return { width, height, channels: 1, data };
}

function imageCount(grey: Uint8Array, h: number, w: number): number {
  if (grey.length % (h * w) !== 0) {
    throw new Error(
      `Got ${grey.length} pixels, not a whole number of ${h}x${w} images; pass height and width.`,
    );
  }
  return grey.length / (h * w);
}

/** A grid of digits as PNG bytes, e.g. `digitGrid(train.images, { rows: 4, cols: 8 })`. */
export function digitGrid(images: Pixels, opts: GridOptions = {}): Uint8Array {
  const { h, w } = tileSize(opts);
  const all = toGreyBytes(images);
  const start = opts.start ?? 0;
  const shown = imageCount(all, h, w) - start;
  if (!Number.isInteger(start) || start < 0 || shown < 1) {
    throw new Error(`digitGrid: start must be an index below the ${shown + start} images, got ${start}.`);
  }
  const cols = opts.cols ?? Math.min(10, shown);
  const rows = opts.rows ?? Math.min(10, Math.ceil(shown / cols));
  // Only the images shown are copied (and inverted), not a whole dataset.
  const grey = toGreyBytes(all.subarray(start * h * w, (start + rows * cols) * h * w), opts.invert);
  return encodePng(tileImages(grey, rows, cols, opts));
}

/** Options of {@link reconstructionGrid}. */
export interface ReconstructionOptions extends TileOptions {
  /** How many input/reconstruction pairs (default: all inputs, at most 2 * cols). */
  n?: number;
  /** Pairs per row (default 8). */
  cols?: number;
}

/**
 * Inputs beside their reconstructions as PNG bytes: each row of inputs is followed by the row of
 * their reconstructions, so every digit sits right above its reconstruction.
 */
export function reconstructionGrid(
  inputs: Pixels,
  reconstructions: Pixels,
  opts: ReconstructionOptions = {},
): Uint8Array {
  const { h, w } = tileSize(opts);
  const size = h * w;
  const x = toGreyBytes(inputs, opts.invert);
  const y = toGreyBytes(reconstructions, opts.invert);
  const cols = opts.cols ?? 8;
  const available = Math.min(x.length, y.length) / size;
  const n = opts.n ?? Math.min(available, 2 * cols);
  if (!Number.isInteger(n) || n < 1 || n > available) {
    throw new Error(
      `reconstructionGrid: n must be an integer in 1..${available} (inputs and reconstructions available), got ${n}.`,
    );
  }
  const pairRows = Math.ceil(n / cols);
  // Interleave one row of inputs with one row of reconstructions; cells past n stay background.
  const tiles = new Uint8Array(2 * pairRows * cols * size).fill(opts.background ?? 255);
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    const c = i % cols;
    tiles.set(x.subarray(i * size, (i + 1) * size), (2 * r * cols + c) * size);
    tiles.set(y.subarray(i * size, (i + 1) * size), ((2 * r + 1) * cols + c) * size);
  }
  return encodePng(tileImages(tiles, 2 * pairRows, cols, opts));
}

/** Runs `decode` on the latent points `z` ([n][latentDim]) and returns 0..255 grey bytes. */
export function decodeToGrey(decode: Decode, z: number[][], opts: TileOptions = {}): Uint8Array {
  const { h, w } = tileSize(opts);
  const values = tf.tidy(() => {
    const out = decode(tf.tensor2d(z));
    if (out.size !== z.length * h * w) {
      throw new Error(
        `decode returned shape [${out.shape}] for ${z.length} codes; expected ${z.length} images of ${h}x${w} pixels.`,
      );
    }
    return out.dataSync() as Float32Array;
  });
  return toGreyBytes(values, opts.invert);
}

/** Options of {@link latentManifold}. */
export interface ManifoldOptions extends TileOptions {
  /** Points per axis (default 15). */
  steps?: number;
  /**
   * The latent values along each axis, increasing (default: `steps` standard-normal quantiles at
   * (i + 0.5) / steps). Give e.g. quantiles from 0.001 to 0.999 to reach into the prior's tails.
   */
  values?: number[];
  /** Size of the latent space (default 2); the other coordinates are held at 0. */
  latentDim?: number;
  /** The two latent coordinates spanned by the grid (default [0, 1]). */
  dims?: [number, number];
}

/**
 * The latent points of a manifold plot: steps x steps codes, row by row from the top, where axis
 * values are standard-normal quantiles (so each cell covers the same prior mass) unless `values`
 * are given. The first spanned coordinate grows to the right, the second grows upwards.
 */
export function manifoldPoints(opts: ManifoldOptions = {}): number[][] {
  const grid = manifoldValues(opts);
  const steps = grid.length;
  const latentDim = opts.latentDim ?? 2;
  const [dx, dy] = opts.dims ?? [0, 1];
  if (dx === dy || dx < 0 || dy < 0 || dx >= latentDim || dy >= latentDim) {
    throw new Error(
      `dims must be two different coordinates below latentDim ${latentDim}, got [${dx}, ${dy}].`,
    );
  }
  const points: number[][] = [];
  for (let r = 0; r < steps; r++) {
    for (let c = 0; c < steps; c++) {
      const z = new Array<number>(latentDim).fill(0);
      z[dx] = grid[c];
      z[dy] = grid[steps - 1 - r];
      points.push(z);
    }
  }
  return points;
}

/** The values along each axis of a manifold: `opts.values`, or `steps` normal quantiles. */
export function manifoldValues(opts: Pick<ManifoldOptions, "steps" | "values"> = {}): number[] {
  if (!opts.values) return normalGrid(opts.steps ?? 15);
  const v = opts.values;
  if (v.length < 1 || !v.every((x, i) => Number.isFinite(x) && (i === 0 || x > v[i - 1]))) {
    throw new Error(`manifold values must be finite and increasing, got [${v.join(", ")}].`);
  }
  if (opts.steps !== undefined && opts.steps !== v.length) {
    throw new Error(`steps ${opts.steps} disagrees with the ${v.length} values given; give one of them.`);
  }
  return [...v];
}

/**
 * Decoder outputs over a latent grid (placed by the inverse normal CDF unless `values` are given),
 * as PNG bytes: one tile per point, no gaps.
 */
export function latentManifold(decode: Decode, opts: ManifoldOptions = {}): Uint8Array {
  const steps = manifoldValues(opts).length;
  const grey = decodeToGrey(decode, manifoldPoints(opts), opts);
  return encodePng(tileImages(grey, steps, steps, { gap: 0, scale: 1, ...opts }));
}

/** `steps` evenly spaced points on the segment from `zFrom` to `zTo`, both ends included. */
export function linearPath(zFrom: ArrayLike<number>, zTo: ArrayLike<number>, steps: number): number[][] {
  if (zFrom.length !== zTo.length)
    throw new Error(`linearPath: codes differ in length (${zFrom.length} vs ${zTo.length}).`);
  if (!Number.isInteger(steps) || steps < 2)
    throw new Error(`linearPath: steps must be an integer >= 2, got ${steps}.`);
  return Array.from({ length: steps }, (_, i) => {
    const t = i / (steps - 1);
    return Array.from({ length: zFrom.length }, (_, d) => (1 - t) * zFrom[d] + t * zTo[d]);
  });
}

/** Options of {@link interpolationGrid}. */
export interface InterpolationOptions extends TileOptions {
  /** Points per path, ends included (default 10). */
  steps?: number;
}

/**
 * Decoded straight-line paths between pairs of latent codes, one row per pair, as PNG bytes.
 * Codes are plain arrays, e.g. rows of `mu.arraySync()` from the encoder.
 */
export function interpolationGrid(
  decode: Decode,
  pairs: Array<[ArrayLike<number>, ArrayLike<number>]>,
  opts: InterpolationOptions = {},
): Uint8Array {
  if (pairs.length < 1) throw new Error("interpolationGrid: give at least one [zFrom, zTo] pair.");
  const steps = opts.steps ?? 10;
  const z = pairs.flatMap(([a, b]) => linearPath(a, b, steps));
  return encodePng(tileImages(decodeToGrey(decode, z, opts), pairs.length, steps, opts));
}
