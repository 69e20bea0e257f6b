/**
 * Summaries of samples of plain numbers, summed in float64: a mean with its standard error,
 * quantiles, and the log of a mean of exponentials. Monte Carlo checks compare an estimate with
 * its target within a few standard errors, so the errors must be right.
 */

/** Summary of a sample of n values. */
export interface SampleStatistics {
  n: number;
  mean: number;
  /** Unbiased sample variance (divides by n - 1). */
  variance: number;
  /** Standard deviation, the square root of `variance`. */
  std: number;
  /** Standard error of the mean, sqrt(variance / n). */
  se: number;
  /** Standard error of the variance, from the fourth central moment. */
  varianceSe: number;
}

/**
 * Mean, variance, standard deviation, standard error of the mean and of the variance of a sample
 * (at least two values), summed in float64: a float32 sum of many terms drifts by more than the
 * standard errors a check compares against.
 */
export function sampleStatistics(values: ArrayLike<number>): SampleStatistics {
  const n = values.length;
  if (n < 2) throw new Error(`sampleStatistics needs at least 2 values, got ${n}.`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d2 = (values[i] - mean) ** 2;
    m2 += d2;
    m4 += d2 * d2;
  }
  if (!Number.isFinite(m2)) throw new Error("sampleStatistics: the values are not all finite numbers.");
  const variance = m2 / (n - 1);
  const varianceSe = Math.sqrt(Math.max(m4 / n - (m2 / n) ** 2, 0) / n);
  return { n, mean, variance, std: Math.sqrt(variance), se: Math.sqrt(variance / n), varianceSe };
}

/**
 * The q-quantile of the values (0 <= q <= 1) by linear interpolation between order statistics
 * (the default of numpy and R): `quantile(v, 0.5)` is the median.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new Error("quantile of no values: pass at least one.");
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}.`);
  const sorted = Float64Array.from(values).sort();
  if (Number.isNaN(sorted[sorted.length - 1])) throw new Error("quantile: the values contain NaN.");
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}

/** The median of the values: {@link quantile} at 0.5. */
export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** log((1/n) sum_i exp(a_i)), computed stably by shifting by the largest a_i (log-sum-exp). */
export function logMeanExp(a: ArrayLike<number>): number {
  if (a.length === 0) throw new Error("logMeanExp of no values: pass at least one.");
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) max = Math.max(max, a[i]);
  if (max === -Infinity) return -Infinity;
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.exp(a[i] - max);
  return max + Math.log(sum / a.length);
}
