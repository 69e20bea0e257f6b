/**
 * The true posterior of a VAE with a two-dimensional code, on a grid of codes z_g:
 *
 *   log p(x, z_g) = log p(x | z_g) + log p(z_g),
 *   log p(x) = log ∫ p(x, z) dz ≈ log sum_g p(x, z_g) h^2        (quadrature, cells of side h),
 *   p(z_g | x) = p(x, z_g) / p(x).
 *
 * The decoder runs once per grid point for all images at once: for Bernoulli pixels,
 * log p(x | z_g) = x . l_g - sum_i softplus(l_gi), so the images' log-likelihoods at every grid
 * point are one matrix product.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode } from "../model/model";
import { logStandardNormal } from "../model/kl";
import type { LogPrior } from "../model/elbo";

/** A square grid of 2-D codes. */
export interface LatentGrid {
  /** The codes, `[steps^2, 2]`, row-major: point r * steps + c is (values[c], values[r]). Dispose it when done. */
  z: tf.Tensor2D;
  /** Coordinates along each axis, from -limit to limit. */
  values: number[];
  /** Distance between neighbouring points, h. */
  step: number;
  /** log h^2, the log-area of a cell. */
  logCellArea: number;
}

/** The grid of points -limit, -limit + step, ..., limit on both axes. */
export function latentGrid(limit: number, step: number): LatentGrid {
  if (!(limit > 0 && step > 0 && step < limit))
    throw new Error(`latentGrid needs 0 < step < limit, got limit ${limit} and step ${step}.`);
  const steps = Math.round((2 * limit) / step) + 1;
  const values = Array.from({ length: steps }, (_, i) => -limit + i * step);
  const points = new Float32Array(2 * steps * steps);
  for (let r = 0; r < steps; r++)
    for (let c = 0; c < steps; c++) points.set([values[c], values[r]], 2 * (r * steps + c));
  return { z: tf.tensor2d(points, [steps * steps, 2]), values, step, logCellArea: 2 * Math.log(step) };
}

/** Grid points decoded per chunk: the logits of a chunk are `[chunk, pixels]`. */
const CHUNK = 2048;

/**
 * log p(x, z_g) = log p(x | z_g) + log p(z_g) for every image (rows) and grid point (columns),
 * `[n, steps^2]`. The prior defaults to N(0, I).
 */
export function logJointOnGrid(
  model: Model,
  x: tf.Tensor2D,
  grid: LatentGrid,
  logPrior: LogPrior = logStandardNormal,
): tf.Tensor2D {
  checkGridModel(model);
  return tf.tidy(
    () =>
      tf.concat(
        chunks(grid).map((z) => logJointChunk(model, x, z, logPrior)),
        1,
      ) as tf.Tensor2D,
  );
}

/** log p(x) of each image by quadrature over the grid, `[n]`. The prior defaults to N(0, I). */
export function logMarginalOnGrid(
  model: Model,
  x: tf.Tensor2D,
  grid: LatentGrid,
  logPrior: LogPrior = logStandardNormal,
): tf.Tensor1D {
  checkGridModel(model);
  return tf.tidy(() => {
    // log-sum-exp per chunk, then over chunks: never more than [n, CHUNK] at once.
    const perChunk = chunks(grid).map((z) => tf.logSumExp(logJointChunk(model, x, z, logPrior), 1, true));
    return tf.add(tf.logSumExp(tf.concat(perChunk, 1), 1), grid.logCellArea) as tf.Tensor1D;
  });
}

function chunks(grid: LatentGrid): tf.Tensor2D[] {
  const n = grid.z.shape[0];
  const out: tf.Tensor2D[] = [];
  for (let start = 0; start < n; start += CHUNK)
    out.push(tf.slice(grid.z, [start, 0], [Math.min(CHUNK, n - start), 2]));
  return out;
}

/** log p(x | z) + log p(z) for images x (rows) and codes z (columns), by one matrix product. */
function logJointChunk(model: Model, x: tf.Tensor2D, z: tf.Tensor2D, logPrior: LogPrior): tf.Tensor2D {
  return tf.tidy(() => {
    const logits = decode(model, z);
    const logLik = tf.sub(tf.matMul(x, logits, false, true), tf.sum(tf.softplus(logits), 1));
    return tf.add(logLik, logPrior(z)) as tf.Tensor2D;
  });
}

function checkGridModel(model: Model): void {
  if (model.config.kind !== "vae" || model.config.latentDim !== 2 || model.config.likelihood !== "bernoulli")
    throw new Error(
      `The posterior on a grid needs a VAE with a 2-D code and Bernoulli pixels; this model is a ${model.config.kind} ` +
        `with latentDim ${model.config.latentDim} and a ${model.config.likelihood} likelihood.`,
    );
}

/** What the grid says about one image's posterior. */
export interface GridPosterior {
  /** log p(x) by quadrature. */
  logPx: number;
  /** Posterior mean and covariance of z. */
  mean: [number, number];
  cov: [[number, number], [number, number]];
  /**
   * Separate modes: grid points whose density is at least `modeShare` of the highest and exceeds
   * that of their 8 neighbours.
   */
  modes: number;
  /** Posterior mass in the grid's outermost ring of cells (small when the grid is wide enough). */
  edgeMass: number;
}

/**
 * The posterior of one image from its row of {@link logJointOnGrid} (`steps^2` values): log p(x),
 * moments, modes and the mass at the grid's edge.
 */
export function gridPosterior(
  logJoint: ArrayLike<number>,
  grid: LatentGrid,
  modeShare = 0.05,
): GridPosterior {
  const steps = grid.values.length;
  if (logJoint.length !== steps * steps)
    throw new Error(`gridPosterior: ${logJoint.length} values for a grid of ${steps} x ${steps} points.`);
  let max = -Infinity;
  for (let g = 0; g < logJoint.length; g++) max = Math.max(max, logJoint[g]);
  const p = Float64Array.from(logJoint, (v) => Math.exp(v - max));
  const total = p.reduce((s, v) => s + v, 0);
  let [m0, m1, s00, s01, s11, edge, modes] = [0, 0, 0, 0, 0, 0, 0];
  for (let r = 0; r < steps; r++)
    for (let c = 0; c < steps; c++) {
      const w = p[r * steps + c] / total;
      const [z0, z1] = [grid.values[c], grid.values[r]];
      [m0, m1, s00, s01, s11] = [
        m0 + w * z0,
        m1 + w * z1,
        s00 + w * z0 * z0,
        s01 + w * z0 * z1,
        s11 + w * z1 * z1,
      ];
      if (r === 0 || c === 0 || r === steps - 1 || c === steps - 1) edge += w;
      else if (p[r * steps + c] >= modeShare && isLocalMax(p, r, c, steps)) modes++;
    }
  return {
    logPx: max + Math.log(total) + grid.logCellArea,
    mean: [m0, m1],
    cov: [
      [s00 - m0 * m0, s01 - m0 * m1],
      [s01 - m0 * m1, s11 - m1 * m1],
    ],
    modes,
    edgeMass: edge,
  };
}

/** No neighbour is higher; of equal neighbours (a flat top), only the first in scan order counts. */
function isLocalMax(p: Float64Array, r: number, c: number, steps: number): boolean {
  const v = p[r * steps + c];
  for (let dr = -1; dr <= 1; dr++)
    for (let dc = -1; dc <= 1; dc++) {
      const neighbour = p[(r + dr) * steps + c + dc];
      const earlier = dr < 0 || (dr === 0 && dc < 0);
      if ((dr || dc) && (neighbour > v || (earlier && neighbour === v))) return false;
    }
  return true;
}

/** How a Gaussian q(z) compares with one image's posterior on the grid. */
export interface GaussianVersusPosterior {
  /** KL(q || p(z|x)) = sum_g q(z_g) h^2 [log q(z_g) - log p(z_g|x)], q renormalised on the grid. */
  kl: number;
  /** Posterior mass where q's density is below a tenth of the posterior's: what q misses. */
  missedMass: number;
  /** q's own mass on the grid, sum_g q(z_g) h^2 (near 1 when the cells resolve q). */
  qMass: number;
}

/**
 * KL(q || p(z|x)) and the posterior mass q misses, for one image: its row of
 * {@link logJointOnGrid}, its log p(x) and q = N(mu, diag exp(logVar)).
 */
export function compareWithPosterior(
  logJoint: ArrayLike<number>,
  logPx: number,
  grid: LatentGrid,
  mu: ArrayLike<number>,
  logVar: ArrayLike<number>,
): GaussianVersusPosterior {
  const steps = grid.values.length;
  const logQ = (z0: number, z1: number) =>
    -0.5 *
    ((z0 - mu[0]) ** 2 / Math.exp(logVar[0]) +
      (z1 - mu[1]) ** 2 / Math.exp(logVar[1]) +
      logVar[0] +
      logVar[1] +
      2 * Math.log(2 * Math.PI));
  let [qMass, klSum, missed] = [0, 0, 0];
  for (let r = 0; r < steps; r++)
    for (let c = 0; c < steps; c++) {
      const lq = logQ(grid.values[c], grid.values[r]);
      const lp = logJoint[r * steps + c] - logPx;
      const wq = Math.exp(lq + grid.logCellArea);
      qMass += wq;
      if (wq > 0) klSum += wq * (lq - lp);
      if (lq < lp - Math.LN10) missed += Math.exp(lp + grid.logCellArea);
    }
  // q renormalised on the grid: weights wq / qMass, log-density lq - log qMass.
  return { kl: klSum / qMass - Math.log(qMass), missedMass: missed, qMass };
}
