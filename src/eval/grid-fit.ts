/**
 * The best Gaussian q* for each image of a 2-D VAE, exactly: its ELBO by quadrature on the grid
 * of `src/eval/posterior-grid.ts`,
 *
 *   ELBO(q) = E_q[log p(x, z)] + H(q) ≈ sum_g q(z_g) h^2 log p(x, z_g) + H(q),
 *
 * maximised by Adam over q's mean and log-variance. Each image uses a window of the grid around
 * its posterior, wide enough to hold both the posterior and q.
 */
import * as tf from "@tensorflow/tfjs";
import type { GaussianQ } from "../model/elbo";
import { type LatentGrid, gridPosterior } from "./posterior-grid";
import { type Fit, type FitOptions, fitBy } from "./gaps";

/** Each image's part of the grid: log p(x, z) on its window of `width x width` points. */
export interface GridWindows {
  /** log p(x, z) on each image's window, `[n, width, width]`: row r, column c is the point (z0[c], z1[r]). */
  logJoint: tf.Tensor3D;
  /** The window's coordinates along each axis, `[n, width]` each. */
  z0: tf.Tensor2D;
  z1: tf.Tensor2D;
  /** The grid's step h. */
  step: number;
}

/**
 * Cuts a window of `width x width` grid points per image out of `logJoint` (`[n, steps^2]`, from
 * `logJointOnGrid`), centred on the grid point nearest to the image's centre (moved inside the
 * grid at its edges).
 */
export function gridWindows(
  logJoint: tf.Tensor2D,
  grid: LatentGrid,
  centres: ArrayLike<number>[],
  width: number,
): GridWindows {
  const steps = grid.values.length;
  const n = logJoint.shape[0];
  if (!(Number.isInteger(width) && width >= 2 && width <= steps) || centres.length !== n)
    throw new Error(
      `gridWindows: width must be an integer in [2, ${steps}] and one centre per image (${n}).`,
    );
  const nearest = (v: number) => Math.round((v - grid.values[0]) / grid.step);
  const start = (v: number) => Math.min(steps - width, Math.max(0, nearest(v) - Math.floor(width / 2)));
  const index = new Int32Array(n * width * width);
  const [z0, z1] = [new Float32Array(n * width), new Float32Array(n * width)];
  centres.forEach((centre, i) => {
    const [s0, s1] = [start(centre[0]), start(centre[1])];
    for (let k = 0; k < width; k++)
      [z0[i * width + k], z1[i * width + k]] = [grid.values[s0 + k], grid.values[s1 + k]];
    for (let r = 0; r < width; r++)
      for (let c = 0; c < width; c++)
        index[(i * width + r) * width + c] = (i * steps + s1 + r) * steps + s0 + c; // in logJoint flattened
  });
  const rows = tf.tidy(
    () =>
      tf.reshape(tf.gather(tf.reshape(logJoint, [-1]), tf.tensor1d(index, "int32")), [
        n,
        width,
        width,
      ]) as tf.Tensor3D,
  );
  return {
    logJoint: rows,
    z0: tf.tensor2d(z0, [n, width]),
    z1: tf.tensor2d(z1, [n, width]),
    step: grid.step,
  };
}

/**
 * The ELBO of q for each image by quadrature on its window: E_q[log p(x, z)] + H(q), with E_q the
 * sum over window points weighted by q's density (renormalised on the window) and H(q) in closed
 * form. q's density on a grid is a product of one factor per axis, so E_q is w1^T J w0 with w0, w1
 * the weights along each axis. Also q's own mass on the window, sum_g q(z_g) h^2: near 1 when the
 * window holds q and the cells resolve it (the quadrature holds only then).
 */
export function gridElbo(windows: GridWindows, q: GaussianQ): { elbo: tf.Tensor1D; qMass: tf.Tensor1D } {
  return tf.tidy(() => {
    const [mu0, mu1] = tf.split(q.mu, 2, 1);
    const [logVar0, logVar1] = tf.split(q.logVar, 2, 1);
    const logQ0 = logNormal1d(windows.z0, mu0, logVar0);
    const logQ1 = logNormal1d(windows.z1, mu1, logVar1);
    const alongZ0 = tf.matMul(windows.logJoint, tf.expandDims(tf.softmax(logQ0, 1), 2)); // [n, width, 1]
    const expected = tf.sum(tf.mul(tf.softmax(logQ1, 1), tf.squeeze(alongZ0, [2])), 1);
    const entropy = tf.mul(0.5, tf.sum(tf.add(q.logVar, 1 + Math.log(2 * Math.PI)), 1));
    const logMass = tf.add(
      tf.add(tf.logSumExp(logQ0, 1), tf.logSumExp(logQ1, 1)),
      2 * Math.log(windows.step),
    );
    return { elbo: tf.add(expected, entropy) as tf.Tensor1D, qMass: tf.exp(logMass) as tf.Tensor1D };
  });
}

/** log N(z | mu, exp(logVar)) of each entry of z (`[n, width]`), with mu and logVar `[n, 1]`. */
function logNormal1d(z: tf.Tensor2D, mu: tf.Tensor, logVar: tf.Tensor): tf.Tensor2D {
  return tf.mul(
    -0.5,
    tf.add(tf.div(tf.square(tf.sub(z, mu)), tf.exp(logVar)), tf.add(logVar, Math.log(2 * Math.PI))),
  );
}

/** Options of {@link fitGaussiansOnGrid}. */
export interface GridFitOptions extends Pick<FitOptions, "steps" | "learningRate"> {
  /** A window reaches this many standard deviations (of the posterior or of q, the wider) each side. Default 6. */
  reach?: number;
}

/** q* per image, its exact ELBO and that of the starting q, and q*'s mass on its window. */
export interface GridFit extends Fit {
  elbo: Float32Array;
  startElbo: Float32Array;
  qMass: Float32Array;
}

/** Window widths used, smallest first: images are fitted in groups of one width. */
const WIDTHS = [16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];

/**
 * q* for each image (rows of `logJoint`, from `logJointOnGrid`) by Adam on its exact ELBO,
 * started at `init`. Throws when a fitted q has less than 99.9% of its mass on its window.
 */
export function fitGaussiansOnGrid(
  logJoint: tf.Tensor2D,
  grid: LatentGrid,
  init: GaussianQ,
  options: GridFitOptions,
): GridFit {
  const n = logJoint.shape[0];
  const { centres, widths } = windowsFor(logJoint, grid, init, options.reach ?? 6);
  const [mu, logVar] = [new Float32Array(2 * n), new Float32Array(2 * n)];
  const [elbo, startElbo, qMass] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  const trace = new Array<number>(options.steps).fill(0);
  for (const width of [...new Set(widths)]) {
    const rows = widths.flatMap((w, i) => (w === width ? [i] : []));
    const part = fitGroup(logJoint, grid, init, rows, centres, width, options);
    rows.forEach((row, j) => {
      mu.set(part.mu.subarray(2 * j, 2 * j + 2), 2 * row);
      logVar.set(part.logVar.subarray(2 * j, 2 * j + 2), 2 * row);
      [elbo[row], startElbo[row], qMass[row]] = [part.elbo[j], part.startElbo[j], part.qMass[j]];
    });
    part.trace.forEach((v, step) => (trace[step] += (v * rows.length) / n));
  }
  const worst = qMass.reduce((w, m, i) => (m < qMass[w] ? i : w), 0);
  if (!(qMass[worst] > 0.999))
    throw new Error(
      `The q fitted to image ${worst} has ${(100 * qMass[worst]).toFixed(2)}% of its mass on its window: ` +
        `refine the grid (a smaller step) or widen the windows (reach).`,
    );
  return {
    q: { mu: tf.tensor2d(mu, [n, 2]), logVar: tf.tensor2d(logVar, [n, 2]) },
    trace,
    elbo,
    startElbo,
    qMass,
  };
}

/** Each image's window: centred on its posterior mean, reaching `reach` sds of the posterior or of q. */
function windowsFor(logJoint: tf.Tensor2D, grid: LatentGrid, init: GaussianQ, reach: number) {
  const size = grid.values.length ** 2;
  const rows = logJoint.dataSync();
  const [mu, sigma] = [
    init.mu.arraySync(),
    tf.tidy(() => tf.exp(tf.mul(0.5, init.logVar)).arraySync() as number[][]),
  ];
  const centres: number[][] = [];
  const widths = mu.map((m, i) => {
    const post = gridPosterior(rows.subarray(i * size, (i + 1) * size), grid);
    centres.push(post.mean);
    const spread = Math.max(Math.sqrt(post.cov[0][0]), Math.sqrt(post.cov[1][1]), ...sigma[i]);
    const half = reach * spread + Math.max(...m.map((v, u) => Math.abs(v - post.mean[u])));
    const needed = Math.ceil((2 * half) / grid.step) + 1;
    return Math.min(grid.values.length, WIDTHS.find((w) => w >= needed) ?? grid.values.length);
  });
  return { centres, widths };
}

/** Fits the images `rows`, all with windows of one width. */
function fitGroup(
  logJoint: tf.Tensor2D,
  grid: LatentGrid,
  init: GaussianQ,
  rows: number[],
  centres: number[][],
  width: number,
  options: GridFitOptions,
) {
  const index = tf.tensor1d(rows, "int32");
  const joint = tf.gather(logJoint, index) as tf.Tensor2D;
  const windows = gridWindows(
    joint,
    grid,
    rows.map((i) => centres[i]),
    width,
  );
  const start = {
    mu: tf.gather(init.mu, index) as tf.Tensor2D,
    logVar: tf.gather(init.logVar, index) as tf.Tensor2D,
  };
  try {
    const fit = fitBy(start, options, (q) => gridElbo(windows, q).elbo);
    const [before, after] = [gridElbo(windows, start), gridElbo(windows, fit.q)];
    const out = {
      mu: fit.q.mu.dataSync() as Float32Array,
      logVar: fit.q.logVar.dataSync() as Float32Array,
      elbo: after.elbo.dataSync() as Float32Array,
      startElbo: before.elbo.dataSync() as Float32Array,
      qMass: after.qMass.dataSync() as Float32Array,
      trace: fit.trace,
    };
    tf.dispose([fit.q.mu, fit.q.logVar, before.elbo, before.qMass, after.elbo, after.qMass]);
    return out;
  } finally {
    tf.dispose([index, joint, windows.logJoint, windows.z0, windows.z1, start.mu, start.logVar]);
  }
}
