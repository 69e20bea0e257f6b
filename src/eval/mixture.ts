/**
 * A mixture of Gaussians with full covariances, fitted by expectation-maximisation: a density for
 * an autoencoder's codes fitted after training, to draw new codes from ("ex-post density
 * estimation", Ghosh et al., ICLR 2020).
 *
 *   p(z) = sum_k w_k N(z; mu_k, Sigma_k)
 *
 * E-step: each point's responsibilities r_ik = w_k N(z_i; mu_k, Sigma_k) / p(z_i).
 * M-step: N_k = sum_i r_ik, w_k = N_k / n, mu_k = sum_i r_ik z_i / N_k and
 *         Sigma_k = (sum_i r_ik (z_i - mu_k)(z_i - mu_k)^T + c I) / N_k.
 * The ridge c I is the maximum of a prior exp(-c tr(Sigma_k^-1) / 2) on each covariance: no
 * component can shrink onto a point, and EM never lowers the log-likelihood plus that log-prior
 * (`objectives`). Start: k-means++ centres (seeded), each point given to its nearest centre.
 * Everything is float64. The defaults follow the authors' code (ParthaEth/Regularized_autoencoders-RAE-,
 * my_utility/estimate_density_and_sample.py: scikit-learn's GaussianMixture with 10 full-covariance
 * components and tol 1e-3, whose default ridge is 1e-6).
 */
import { type Rng, randomStream } from "../random";

/** Options of {@link fitMixture}. */
export interface MixtureOptions {
  /** Number of Gaussians (default 10). */
  components?: number;
  /** Seed of the k-means++ start (default 1). */
  seed?: number;
  /** At most this many EM iterations (default 200). */
  maxIterations?: number;
  /** Stop when an iteration raises the objective by less than this per point (default 1e-3). */
  tolerance?: number;
  /**
   * Size of the ridge: a component of average weight gets `ridge` times the data's mean variance
   * per dimension added to its covariance's diagonal, a lighter one more (default 1e-6).
   */
  ridge?: number;
}

/** A fitted mixture. Means are `components` rows of `dim`; covariances `components` row-major `dim x dim` blocks. */
export interface GaussianMixture {
  dim: number;
  components: number;
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  /** Mean log-likelihood per point: at the start, then after each EM iteration. */
  logLikelihoods: number[];
  /** The same plus the covariances' log-prior, per point: what EM never lowers. */
  objectives: number[];
  iterations: number;
  /** True when EM stopped because the objective stopped rising (not at `maxIterations`). */
  converged: boolean;
  /** log p(z) of each of the points (`values` row after row, `dim` values each). */
  logDensity(values: ArrayLike<number>): Float64Array;
  /** `n` new points (row after row) drawn from the seed's sampling stream. */
  sample(n: number, seed: number): Float32Array;
}

/** One Gaussian, ready to evaluate: its weight, mean and the Cholesky factor L of its covariance. */
interface Component {
  logWeight: number;
  mean: Float64Array;
  /** Lower triangular, row-major: Sigma = L L^T. */
  chol: Float64Array;
  /** -(dim log 2 pi + log det Sigma) / 2. */
  logNormaliser: number;
}

/** Fits a mixture of Gaussians to `n` points of `dim` values (`values` row after row) by EM. */
export function fitMixture(
  values: ArrayLike<number>,
  n: number,
  dim: number,
  options: MixtureOptions = {},
): GaussianMixture {
  const { components = 10, seed = 1, maxIterations = 200, tolerance = 1e-3, ridge = 1e-6 } = options;
  checkPoints(values, n, dim, components);
  const x = Float64Array.from(values); // one array type keeps the loops below fast
  const c = ridge * meanVariance(x, n, dim) * (n / components);
  const centres = kMeansPlusPlus(x, n, dim, components, randomStream(seed, "weights"));
  const resp = nearestCentre(x, n, dim, centres);
  let mixture = maximise(x, n, dim, resp, components, c);
  const logLikelihoods: number[] = [];
  const objectives: number[] = [];
  let converged = false;
  for (let iteration = 0; ; iteration++) {
    const logLikelihood = expect(x, n, dim, mixture, resp) / n;
    logLikelihoods.push(logLikelihood);
    objectives.push(logLikelihood + logPrior(mixture, dim, c) / n);
    const gain = objectives[iteration] - objectives[iteration - 1];
    if (iteration > 0 && gain < tolerance) converged = true;
    if (converged || iteration === maxIterations) break;
    mixture = maximise(x, n, dim, resp, components, c);
  }
  return describe(mixture, dim, {
    logLikelihoods,
    objectives,
    iterations: logLikelihoods.length - 1,
    converged,
  });
}

function checkPoints(values: ArrayLike<number>, n: number, dim: number, components: number): void {
  if (!(Number.isInteger(dim) && dim >= 1 && Number.isInteger(n) && n >= 1))
    throw new Error(`fitMixture needs n >= 1 points of dim >= 1 values, got n = ${n}, dim = ${dim}.`);
  if (values.length !== n * dim)
    throw new Error(`fitMixture: ${values.length} values are not ${n} points of ${dim}.`);
  if (!(Number.isInteger(components) && components >= 1 && components <= n))
    throw new Error(
      `fitMixture: components must be an integer in 1..${n} (the number of points), got ${components}.`,
    );
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]))
      throw new Error(`fitMixture: value ${i} is ${values[i]}; remove NaN and infinite points.`);
}

/** The mean over dimensions of the data's variance (1 when every dimension is constant). */
function meanVariance(values: Float64Array, n: number, dim: number): number {
  let total = 0;
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      sum += values[i * dim + d];
      sumSq += values[i * dim + d] ** 2;
    }
    total += Math.max(sumSq / n - (sum / n) ** 2, 0);
  }
  return total > 0 ? total / dim : 1;
}

/** k-means++ seeding: the first centre uniformly, each next one with probability proportional to the squared distance to the nearest centre so far. */
function kMeansPlusPlus(values: Float64Array, n: number, dim: number, k: number, rng: Rng): number[] {
  const centres = [rng.int(n)];
  const nearest = new Float64Array(n).fill(Infinity);
  while (centres.length < k) {
    const last = centres[centres.length - 1];
    let total = 0;
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(values, i, values, last, dim));
      total += nearest[i];
    }
    if (total === 0)
      throw new Error(`fitMixture: the points have fewer than ${k} distinct values; use fewer components.`);
    let target = rng.next() * total;
    let next = 0;
    while (next < n - 1 && (target -= nearest[next]) >= 0) next++;
    while (nearest[next] === 0) next--; // rounding at the end of the sum must not pick a centre again
    centres.push(next);
  }
  return centres;
}

function squaredDistance(a: Float64Array, i: number, b: Float64Array, j: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += (a[i * dim + d] - b[j * dim + d]) ** 2;
  return sum;
}

/** Responsibilities (n rows of k) that give each point wholly to its nearest centre. */
function nearestCentre(values: Float64Array, n: number, dim: number, centres: number[]): Float64Array {
  const k = centres.length;
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++)
      if (
        squaredDistance(values, i, values, centres[j], dim) <
        squaredDistance(values, i, values, centres[best], dim)
      )
        best = j;
    resp[i * k + best] = 1;
  }
  return resp;
}

/** The M-step: weights, means and (ridged) covariances from the responsibilities. */
function maximise(
  values: Float64Array,
  n: number,
  dim: number,
  resp: Float64Array,
  k: number,
  c: number,
): Component[] {
  return Array.from({ length: k }, (_, j) => {
    let total = 0;
    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + j];
      total += r;
      for (let d = 0; d < dim; d++) mean[d] += r * values[i * dim + d];
    }
    if (!(total > 0))
      throw new Error(
        `fitMixture: component ${j} lost all its points (its responsibilities underflowed); use fewer components.`,
      );
    for (let d = 0; d < dim; d++) mean[d] /= total;
    const cov = new Float64Array(dim * dim);
    const centred = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const r = resp[i * k + j];
      if (r === 0) continue;
      for (let d = 0; d < dim; d++) centred[d] = values[i * dim + d] - mean[d];
      for (let a = 0; a < dim; a++)
        for (let b = 0; b <= a; b++) cov[a * dim + b] += r * centred[a] * centred[b];
    }
    for (let a = 0; a < dim; a++) cov[a * dim + a] += c;
    for (let a = 0; a < dim; a++) for (let b = 0; b <= a; b++) cov[b * dim + a] = cov[a * dim + b] /= total;
    return component(total / n, mean, cov, dim);
  });
}

/** A component from weight, mean and covariance (its Cholesky factor and normaliser computed). */
function component(weight: number, mean: Float64Array, cov: Float64Array, dim: number): Component {
  const chol = cholesky(cov, dim);
  let logDet = 0;
  for (let d = 0; d < dim; d++) logDet += 2 * Math.log(chol[d * dim + d]);
  return {
    logWeight: Math.log(weight),
    mean,
    chol,
    logNormaliser: -(dim * Math.log(2 * Math.PI) + logDet) / 2,
  };
}

/** The lower triangular L with L L^T = a (a symmetric positive definite, row-major). */
function cholesky(a: ArrayLike<number>, dim: number): Float64Array {
  const l = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * dim + j];
      for (let m = 0; m < j; m++) sum -= l[i * dim + m] * l[j * dim + m];
      if (i === j) {
        if (!(sum > 0))
          throw new Error(`cholesky: the matrix is not positive definite (pivot ${i} is ${sum}).`);
        l[i * dim + i] = Math.sqrt(sum);
      } else l[i * dim + j] = sum / l[j * dim + j];
    }
  }
  return l;
}

/** Room for one solved vector, reused from point to point. */
let scratch = new Float64Array(0);

/** log w_k N(z_i; mu_k, Sigma_k) for each component, into `out`. */
function logJoint(
  values: Float64Array,
  i: number,
  dim: number,
  mixture: Component[],
  out: Float64Array,
): void {
  const y = new Float64Array(dim);
  mixture.forEach(({ logWeight, mean, chol, logNormaliser }, j) => {
    // Solve L y = z - mu by forward substitution; the Mahalanobis distance is |y|^2.
    let q = 0;
    for (let a = 0; a < dim; a++) {
      let s = values[i * dim + a] - mean[a];
      for (let b = 0; b < a; b++) s -= chol[a * dim + b] * y[b];
      y[a] = s / chol[a * dim + a];
      q += y[a] * y[a];
    }
    out[j] = logWeight + logNormaliser - q / 2;
  });
}

/** log sum_j exp(x_j), without overflow. */
function logSumExp(x: Float64Array): number {
  let top = -Infinity;
  for (const v of x) top = Math.max(top, v);
  if (top === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of x) sum += Math.exp(v - top);
  return top + Math.log(sum);
}

/** The E-step: responsibilities into `resp`; returns the log-likelihood of all points. */
function expect(
  values: Float64Array,
  n: number,
  dim: number,
  mixture: Component[],
  resp: Float64Array,
): number {
  const k = mixture.length;
  const joint = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    logJoint(values, i, dim, mixture, joint);
    const logP = logSumExp(joint);
    total += logP;
    for (let j = 0; j < k; j++) resp[i * k + j] = Math.exp(joint[j] - logP);
  }
  return total;
}

/** The covariances' log-prior, -c/2 sum_k tr(Sigma_k^-1) (tr Sigma^-1 = |L^-1|_F^2). */
function logPrior(mixture: Component[], dim: number, c: number): number {
  let trace = 0;
  for (const { chol } of mixture) {
    // Column by column, solve L x = e_col; the squares of all x sum to |L^-1|_F^2.
    for (let col = 0; col < dim; col++) {
      const x = new Float64Array(dim);
      for (let a = col; a < dim; a++) {
        let s = a === col ? 1 : 0;
        for (let b = col; b < a; b++) s -= chol[a * dim + b] * x[b];
        x[a] = s / chol[a * dim + a];
        trace += x[a] * x[a];
      }
    }
  }
  return (-c / 2) * trace;
}

/** The public mixture object: parameters, history, density and sampling. */
function describe(
  mixture: Component[],
  dim: number,
  history: Pick<GaussianMixture, "logLikelihoods" | "objectives" | "iterations" | "converged">,
): GaussianMixture {
  const k = mixture.length;
  const covariances = new Float64Array(k * dim * dim);
  mixture.forEach(({ chol }, j) => {
    for (let a = 0; a < dim; a++)
      for (let b = 0; b < dim; b++) {
        let s = 0;
        for (let m = 0; m <= Math.min(a, b); m++) s += chol[a * dim + m] * chol[b * dim + m];
        covariances[j * dim * dim + a * dim + b] = s;
      }
  });
  return {
    dim,
    components: k,
    weights: Float64Array.from(mixture, (m) => Math.exp(m.logWeight)),
    means: Float64Array.from(mixture.flatMap((m) => Array.from(m.mean))),
    covariances,
    ...history,
    logDensity: (values) => logDensity(mixture, dim, values),
    sample: (n, seed) => sample(mixture, dim, n, seed),
  };
}

function logDensity(mixture: Component[], dim: number, values: ArrayLike<number>): Float64Array {
  if (values.length % dim !== 0)
    throw new Error(`logDensity: ${values.length} values are not rows of ${dim}.`);
  const x = Float64Array.from(values);
  const out = new Float64Array(x.length / dim);
  const joint = new Float64Array(mixture.length);
  for (let i = 0; i < out.length; i++) {
    logJoint(x, i, dim, mixture, joint);
    out[i] = logSumExp(joint);
  }
  return out;
}

/** `n` draws: a component by its weight, then mu + L eps with eps ~ N(0, I) (Box-Muller). */
function sample(mixture: Component[], dim: number, n: number, seed: number): Float32Array {
  if (!(Number.isInteger(n) && n >= 0))
    throw new Error(`sample: n must be a non-negative integer, got ${n}.`);
  const rng = randomStream(seed, "sampling");
  const out = new Float32Array(n * dim);
  const eps = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    let u = rng.next();
    let j = 0;
    while (j < mixture.length - 1 && (u -= Math.exp(mixture[j].logWeight)) >= 0) j++;
    const { mean, chol } = mixture[j];
    for (let d = 0; d < dim; d++)
      eps[d] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    for (let a = 0; a < dim; a++) {
      let s = mean[a];
      for (let b = 0; b <= a; b++) s += chol[a * dim + b] * eps[b];
      out[i * dim + a] = s;
    }
  }
  return out;
}
