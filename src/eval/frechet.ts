/**
 * The Fréchet distance between two Gaussians, the number behind FID (Heusel et al., NeurIPS 2017):
 * fit a Gaussian to the features of real images and one to the features of generated images, then
 *
 *   d^2 = |m1 - m2|^2 + tr(C1 + C2 - 2 (C1^(1/2) C2 C1^(1/2))^(1/2)).
 *
 * tr (C1^(1/2) C2 C1^(1/2))^(1/2) equals tr (C1 C2)^(1/2): the two matrices have the same
 * eigenvalues, and the first one is symmetric, so its square root comes from a symmetric
 * eigendecomposition (in float64) instead of a general matrix square root.
 */

/** A Gaussian fitted to `n` points of dimension `dim`: mean and covariance (row-major, float64). */
export interface GaussianFit {
  mean: Float64Array;
  /** `dim * dim`, the unbiased sample covariance (divided by n - 1). */
  cov: Float64Array;
  dim: number;
  n: number;
}

/** Mean and unbiased covariance of `n` rows of `dim` values (`values` row after row). */
export function fitGaussian(values: ArrayLike<number>, n: number, dim: number): GaussianFit {
  if (!(Number.isInteger(n) && n >= 2 && Number.isInteger(dim) && dim >= 1))
    throw new Error(`fitGaussian needs at least 2 rows and 1 column, got n = ${n}, dim = ${dim}.`);
  if (values.length !== n * dim)
    throw new Error(`fitGaussian: ${values.length} values are not ${n} rows of ${dim}.`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += values[i * dim + d] / n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) row[d] = values[i * dim + d] - mean[d];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= n - 1;
      cov[b * dim + a] = cov[a * dim + b];
    }
  }
  return { mean, cov, dim, n };
}

/**
 * Eigenvalues and eigenvectors of a symmetric `dim x dim` matrix (row-major): `a = V diag(values) V^T`,
 * eigenvector k in column k of `vectors`. Householder reduction to a tridiagonal matrix, then the
 * implicit QL method: the EISPACK routines tred2 and tql2 as ported in JAMA (public domain).
 * Without `withVectors` only the eigenvalues are computed (about three times faster).
 */
export function symmetricEigen(
  a: ArrayLike<number>,
  dim: number,
  withVectors = true,
): { values: Float64Array; vectors: Float64Array } {
  if (a.length !== dim * dim)
    throw new Error(`symmetricEigen: ${a.length} values are not a ${dim}x${dim} matrix.`);
  const n = dim;
  const v = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(v, d, e, n);
  diagonalize(v, d, e, n, withVectors);
  return { values: d, vectors: v };
}

/** Householder reduction of the symmetric matrix in `v` to tridiagonal form (tred2). */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Eigenvalues (in `d`) and eigenvectors (in `v`) of the tridiagonal matrix by implicit QL (tql2). */
function diagonalize(
  v: Float64Array,
  d: Float64Array,
  e: Float64Array,
  n: number,
  withVectors: boolean,
): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error("symmetricEigen: the QL iteration did not converge.");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (!withVectors) continue;
          for (let k = 0; k < n; k++) {
            const vk = v[k * n + i + 1];
            v[k * n + i + 1] = s * v[k * n + i] + c * vk;
            v[k * n + i] = c * v[k * n + i] - s * vk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** The symmetric square root of a symmetric positive semi-definite matrix (negative rounding errors count as 0). */
export function sqrtSymmetric(a: ArrayLike<number>, dim: number): Float64Array {
  const { values, vectors } = symmetricEigen(a, dim);
  const root = values.map((l) => Math.sqrt(Math.max(l, 0)));
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += vectors[i * dim + k] * root[k] * vectors[j * dim + k];
      out[i * dim + j] = sum;
      out[j * dim + i] = sum;
    }
  }
  return out;
}

/** Product of two `dim x dim` row-major matrices. */
function matMul(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const out = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let k = 0; k < dim; k++) {
      const aik = a[i * dim + k];
      if (aik === 0) continue;
      for (let j = 0; j < dim; j++) out[i * dim + j] += aik * b[k * dim + j];
    }
  }
  return out;
}

// C1^(1/2) of a fit, computed once however many fits it is compared with.
const roots = new WeakMap<GaussianFit, Float64Array>();

/**
 * The squared Fréchet distance between two fitted Gaussians (same dimension):
 * |m1 - m2|^2 + tr C1 + tr C2 - 2 tr (C1^(1/2) C2 C1^(1/2))^(1/2). 0 for equal Gaussians; FID is
 * this number for features of a trained classifier.
 */
export function frechetDistance(a: GaussianFit, b: GaussianFit): number {
  if (a.dim !== b.dim) throw new Error(`frechetDistance: dimensions differ (${a.dim} vs ${b.dim}).`);
  const dim = a.dim;
  let root = roots.get(a);
  if (!root) roots.set(a, (root = sqrtSymmetric(a.cov, dim)));
  const middle = matMul(matMul(root, b.cov, dim), root, dim);
  // Symmetrise the rounding errors away before the eigendecomposition.
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const s = (middle[i * dim + j] + middle[j * dim + i]) / 2;
      middle[i * dim + j] = s;
      middle[j * dim + i] = s;
    }
  }
  const traceRoot = symmetricEigen(middle, dim, false).values.reduce(
    (sum, l) => sum + Math.sqrt(Math.max(l, 0)),
    0,
  );
  let d2 = 0;
  for (let i = 0; i < dim; i++) d2 += (a.mean[i] - b.mean[i]) ** 2 + a.cov[i * dim + i] + b.cov[i * dim + i];
  return d2 - 2 * traceRoot;
}
