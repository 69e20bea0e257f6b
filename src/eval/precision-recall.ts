/**
 * Improved precision and recall (Kynkäänniemi, Karras, Laine, Lehtinen, Aila, NeurIPS 2019), which
 * split what one number such as the Fréchet distance mixes: how many generated samples look real
 * (precision, quality) and how much of the real data the samples cover (recall, diversity).
 *
 * Each set of feature vectors stands for a region: the union of balls around its points, each ball
 * reaching the point's k-th nearest neighbour in the same set. Then
 *
 *   precision = share of generated samples inside the real set's region,
 *   recall    = share of real samples inside the generated set's region.
 *
 * As in the authors' code (kynkaat/improved-precision-and-recall-metric, precision_recall.py): k = 3
 * by default, Euclidean distances, a point's own distance 0 counted among its neighbours (so the
 * radius is the distance to its k-th nearest *other* point), "inside" when the distance is at most
 * the radius, no pruning of large balls. Radii shrink as a set grows, so compare sets of equal size.
 */
import * as tf from "@tensorflow/tfjs";
import type { Features } from "./classifier";

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallOptions {
  /** Neighbourhood size (default 3, the paper's). */
  k?: number;
  /** The real set's radii from {@link knnRadii} with the same k, when computed before (they depend on the real set alone). */
  realRadii?: Float32Array;
  /** Rows per block of the distance matrix (default 1,000; memory grows as rows x set size). */
  chunk?: number;
}

/** Improved precision and recall of `generated` against `real`. */
export interface PrecisionRecall {
  precision: number;
  recall: number;
  k: number;
}

/**
 * The radius of each point's ball: the Euclidean distance to its k-th nearest neighbour in the
 * same set (the point itself excluded, duplicates included).
 */
export function knnRadii(features: Features, k = 3, chunk = 1000): Float32Array {
  checkFeatures(features, "features");
  if (!(Number.isInteger(k) && k >= 1 && k < features.n))
    throw new Error(
      `k must be an integer in 1..${features.n - 1} (fewer than the ${features.n} points), got ${k}.`,
    );
  const radii = new Float32Array(features.n);
  withSet(features, (set) => {
    for (const [start, rows] of blocks(features.n, chunk)) {
      // The k + 1 largest of -d^2 in each row, the first being the point's own 0.
      const kth = tf.tidy(() => {
        const negD2 = tf.matMul(tf.neg(rowsFor(tf.slice(set.x, [start, 0], [rows, -1]))), set.columns);
        const largest = tf.topk(negD2, k + 1).values;
        return tf.sqrt(tf.relu(tf.neg(tf.slice(largest, [0, k], [rows, 1]))));
      });
      radii.set(kth.dataSync(), start);
      kth.dispose();
    }
  });
  return radii;
}

/**
 * Improved precision and recall of `generated` against `real` (features of the same classifier):
 * one pass over the generated-by-real distances, in blocks of rows, on the TensorFlow.js backend.
 */
export function precisionRecall(
  real: Features,
  generated: Features,
  options: PrecisionRecallOptions = {},
): PrecisionRecall {
  const { k = 3, chunk = 1000 } = options;
  checkFeatures(real, "real features");
  checkFeatures(generated, "generated features");
  if (real.dim !== generated.dim)
    throw new Error(`Real features have ${real.dim} values per row but generated ones ${generated.dim}.`);
  const realRadii = options.realRadii ?? knnRadii(real, k, chunk);
  if (realRadii.length !== real.n)
    throw new Error(
      `realRadii has ${realRadii.length} radii for ${real.n} real points: compute them with knnRadii.`,
    );
  const generatedRadii = knnRadii(generated, k, chunk);
  let inside = 0;
  let covered = 0;
  withSet(real, (set) => {
    const realR2 = tf.tidy(() => tf.square(tf.tensor1d(realRadii)));
    // Per real point r: min over generated g of d^2(g, r) - radius_g^2; at most 0 when r is in a ball.
    let realMargin = tf.fill([real.n], Infinity);
    for (const [start, rows] of blocks(generated.n, chunk)) {
      const [insideHere, margin] = tf.tidy(() => {
        const g = tf.tensor2d(generated.values.subarray(start * real.dim, (start + rows) * real.dim), [
          rows,
          real.dim,
        ]);
        const genR2 = tf.square(tf.tensor2d(generatedRadii.subarray(start, start + rows), [rows, 1]));
        const m = tf.matMul(rowsFor(tf.sub(g, set.mean), genR2), set.columns); // d^2 - radius_g^2
        // g is in a real ball when min over r of d^2 - radius_r^2 <= 0, i.e. of m - radius_r^2 <= -radius_g^2.
        const inReal = tf.lessEqual(tf.min(tf.sub(m, realR2), 1, true), tf.neg(genR2));
        return [tf.sum(tf.cast(inReal, "int32")), tf.minimum(realMargin, tf.min(m, 0))];
      });
      inside += insideHere.dataSync()[0];
      tf.dispose([insideHere, realMargin]);
      realMargin = margin;
    }
    const coveredCount = tf.tidy(() => tf.sum(tf.cast(tf.lessEqual(realMargin, 0), "int32")));
    covered = coveredCount.dataSync()[0];
    tf.dispose([realR2, realMargin, coveredCount]);
  });
  return { precision: inside / generated.n, recall: covered / real.n, k };
}

/**
 * A set on the backend, freed after `f`: its rows `x` shifted by their `mean` (smaller norms, less
 * rounding in the distance expansion; rows compared with them are shifted alike), and `columns`,
 * [x^T; 1; |x|^2], the right-hand side of the distance product (see {@link rowsFor}).
 */
interface SetOnBackend {
  x: tf.Tensor2D;
  mean: tf.Tensor2D;
  columns: tf.Tensor2D;
}

function withSet(features: Features, f: (set: SetOnBackend) => void): void {
  const set = tf.tidy(() => {
    const raw = tf.tensor2d(features.values, [features.n, features.dim]);
    const mean = tf.mean(raw, 0, true);
    const x = tf.sub(raw, mean);
    const norms = tf.reshape(tf.sum(tf.square(x), 1), [1, features.n]);
    return { x, mean, columns: tf.concat([tf.transpose(x), tf.onesLike(norms), norms], 0) };
  }) as SetOnBackend;
  try {
    f(set);
  } finally {
    tf.dispose(Object.values(set));
  }
}

/**
 * Rows `a` as [-2a, |a|^2 - shift, 1]: times a set's `columns` they give
 * |a|^2 - 2 a.x + |x|^2 - shift = |a - x|^2 - shift in one matrix product, with no element-wise
 * pass over the large result.
 */
function rowsFor(a: tf.Tensor2D, shift?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const norms = tf.sum(tf.square(a), 1, true);
    const pieces = [tf.mul(a, -2), shift ? tf.sub(norms, shift) : norms, tf.onesLike(norms)];
    return tf.concat(pieces as tf.Tensor2D[], 1);
  });
}

/** [start, rows] of consecutive blocks of at most `size` rows covering n rows. */
function blocks(n: number, size: number): [number, number][] {
  if (!(Number.isInteger(size) && size > 0))
    throw new Error(`chunk must be a positive integer, got ${size}.`);
  const out: [number, number][] = [];
  for (let start = 0; start < n; start += size) out.push([start, Math.min(size, n - start)]);
  return out;
}

function checkFeatures(f: Features, what: string): void {
  if (!(f.n >= 2 && f.dim >= 1 && f.values.length === f.n * f.dim))
    throw new Error(
      `The ${what} must be n >= 2 rows of dim >= 1 values, got n = ${f.n}, dim = ${f.dim}, ${f.values.length} values.`,
    );
  for (let i = 0; i < f.values.length; i++)
    if (!Number.isFinite(f.values[i])) throw new Error(`The ${what} hold ${f.values[i]} at index ${i}.`);
}
