/**
 * The inference gaps (Cremer, Li and Duvenaud, ICML 2018). For each image, the gap
 * log p(x) - ELBO(q) between the evidence and the encoder's bound splits into
 *
 *   approximation gap = log p(x) - ELBO(q*)         (the best Gaussian q* for that image)
 *   amortization gap  = ELBO(q*) - ELBO(q)          (what one encoder for all images costs)
 *
 * where q* is found by gradient ascent on that image's own ELBO, here by Monte Carlo for any model
 * (`src/eval/grid-fit.ts` does it exactly, by quadrature, for a 2-D one). Also the per-image
 * bounds (ELBO, IWAE) with any Gaussian q and prior.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { type GaussianQ, type LogPrior, gaussianElbo, gaussianIwaeBound, posterior } from "../model/elbo";
import { randomStream } from "../random";

/** Options of the per-image bounds. */
export interface PerImageOptions {
  /** q for every image, `[n, latentDim]` each; default the encoder's q(z|x). */
  q?: GaussianQ;
  /** Default N(0, I). */
  logPrior?: LogPrior;
  /** Seed of the evaluation's random stream (default 0). */
  seed?: number;
  /** Decoder rows per batch (images * samples) to aim for; bounds memory. Default 4096. */
  maxRows?: number;
}

/** The ELBO of each image (rows of `x`), averaged over `samples` draws of z ~ q (default 1). */
export function perImageElbo(
  model: Model,
  x: tf.Tensor2D,
  options: PerImageOptions & { samples?: number } = {},
): Float32Array {
  const samples = options.samples ?? 1;
  return perImage(
    x,
    samples,
    options,
    (xs, q, eps) => {
      const e = gaussianElbo(model, tile(xs, samples), tileQ(q, samples), eps, options.logPrior).elbo;
      return tf.mean(tf.reshape(e, [samples, -1]), 0);
    },
    model,
  );
}

/** The importance-weighted bound of each image (rows of `x`) with k samples of q (see `gaussianIwaeBound`). */
export function perImageIwae(
  model: Model,
  x: tf.Tensor2D,
  options: PerImageOptions & { k: number },
): Float32Array {
  return perImage(
    x,
    options.k,
    options,
    (xs, q, eps) => gaussianIwaeBound(model, xs, q, eps, options.logPrior),
    model,
  );
}

/** Runs `bound` over the rows of x in batches of about maxRows / samples images; one number per image. */
function perImage(
  x: tf.Tensor2D,
  samples: number,
  options: PerImageOptions,
  bound: (x: tf.Tensor2D, q: GaussianQ, eps: tf.Tensor2D) => tf.Tensor,
  model: Model,
): Float32Array {
  const n = x.shape[0];
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new Error(`The number of samples per image must be a positive integer, got ${samples}.`);
  if (options.q && options.q.mu.shape[0] !== n)
    throw new Error(`q has ${options.q.mu.shape[0]} rows for ${n} images: give one q per image.`);
  const rng = randomStream(options.seed ?? 0, "evaluation");
  const out = new Float32Array(n);
  const batchSize = Math.max(1, Math.floor((options.maxRows ?? 4096) / samples));
  for (let start = 0; start < n; start += batchSize) {
    const rows = Math.min(batchSize, n - start);
    const values = tf.tidy(() => {
      const xs = tf.slice(x, [start, 0], [rows, x.shape[1]]);
      const q = options.q ? sliceQ(options.q, start, rows) : posterior(model, xs);
      const eps = tf.randomNormal(
        [samples * rows, q.mu.shape[1]],
        0,
        1,
        "float32",
        rng.seed(),
      ) as tf.Tensor2D;
      return bound(xs, q, eps);
    });
    out.set(values.dataSync(), start);
    values.dispose();
  }
  return out;
}

/** Options of {@link fitGaussians}. */
export interface FitOptions {
  /** Steps of Adam. */
  steps: number;
  /** Default 0.01. */
  learningRate?: number;
  /** Samples of z per image and step (Monte Carlo; default 4). */
  samples?: number;
  /** Seed of the samples. */
  seed: number;
  logPrior?: LogPrior;
}

/** A fitted q per image and the mean ELBO over the images after each step. */
export interface Fit {
  q: GaussianQ;
  trace: number[];
}

/**
 * q* for each image of `x`: N(mu, diag exp(logVar)) with its own parameters, started at `init`
 * and moved by Adam along the gradient of that image's ELBO, estimated with `samples`
 * reparameterized draws per step. The decoder is not changed.
 */
export function fitGaussians(model: Model, x: tf.Tensor2D, init: GaussianQ, options: FitOptions): Fit {
  const samples = options.samples ?? 4;
  const rng = randomStream(options.seed, "eps");
  return fitBy(init, options, (q) => {
    const eps = tf.randomNormal(
      [samples * x.shape[0], q.mu.shape[1]],
      0,
      1,
      "float32",
      rng.seed(),
    ) as tf.Tensor2D;
    const e = gaussianElbo(model, tile(x, samples), tileQ(q, samples), eps, options.logPrior).elbo;
    return tf.mean(tf.reshape(e, [samples, -1]), 0) as tf.Tensor1D;
  });
}

/** Adam on (mu, logVar) of every image at once; `elboOf` gives each image's ELBO. */
export function fitBy(
  init: GaussianQ,
  options: Pick<FitOptions, "steps" | "learningRate">,
  elboOf: (q: GaussianQ) => tf.Tensor1D,
): Fit {
  if (!(Number.isInteger(options.steps) && options.steps >= 0))
    throw new Error(`steps must be a non-negative integer, got ${options.steps}.`);
  const [mu, logVar] = [init.mu, init.logVar].map((t) => {
    const start = t.clone();
    const variable = tf.variable(start);
    start.dispose(); // the variable keeps the values
    return variable;
  });
  const optimizer = tf.train.adam(options.learningRate ?? 0.01);
  const trace: number[] = [];
  try {
    for (let step = 0; step < options.steps; step++) {
      // Each image's parameters get the gradient of its own ELBO: the sum over images separates.
      const total = optimizer.minimize(() => tf.neg(tf.sum(elboOf({ mu, logVar }))) as tf.Scalar, true, [
        mu,
        logVar,
      ]);
      const meanElbo = -total!.dataSync()[0] / init.mu.shape[0];
      total!.dispose();
      if (!Number.isFinite(meanElbo))
        throw new Error(
          `Fitting q per image diverged at step ${step + 1}: the ELBO is ${meanElbo}. Lower the learning rate.`,
        );
      trace.push(meanElbo);
    }
    return { q: { mu: mu.clone() as tf.Tensor2D, logVar: logVar.clone() as tf.Tensor2D }, trace };
  } finally {
    tf.dispose([mu, logVar]);
    optimizer.dispose();
  }
}

/** Every row of x, repeated `samples` times (sample after sample). */
function tile(x: tf.Tensor2D, samples: number): tf.Tensor2D {
  return samples === 1 ? x : tf.tile(x, [samples, 1]);
}

function tileQ(q: GaussianQ, samples: number): GaussianQ {
  return { mu: tile(q.mu, samples), logVar: tile(q.logVar, samples) };
}

function sliceQ(q: GaussianQ, start: number, n: number): GaussianQ {
  const d = q.mu.shape[1];
  return { mu: tf.slice(q.mu, [start, 0], [n, d]), logVar: tf.slice(q.logVar, [start, 0], [n, d]) };
}
