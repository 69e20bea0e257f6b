/**
 * The statistics of a comparison over seeds: each group of runs summarised by its mean and standard
 * deviation, differences judged by Welch's t, and the effects of a 2 x 2 factorial design (the KL
 * term x the input) as contrasts of the four cells' means with their standard errors.
 *
 * A contrast c = sum_i w_i mean_i of independent groups has the standard error
 * se = sqrt(sum_i w_i^2 s_i^2 / n_i). Welch's t of two groups is the contrast (1, -1) over its se;
 * the main effects and the interaction are contrasts too, judged by the same rule.
 */

/** A group of values over seeds: mean, standard deviation (n - 1 in the denominator) and count. */
export interface Summary {
  mean: number;
  std: number;
  n: number;
}

/** Mean, standard deviation (with n - 1) and count of the values. */
export function summarise(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) throw new Error("summarise: no values (a group needs at least one run).");
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: n > 1 ? Math.sqrt(squares / (n - 1)) : 0, n };
}

/** A contrast of group means with its standard error and t = effect / se. */
export interface Effect {
  effect: number;
  se: number;
  t: number;
}

/**
 * The contrast sum_i w_i mean_i of independent groups, its standard error and its t. With se = 0,
 * t is 0 for a zero effect and +-Infinity otherwise (no spread at all: any difference is beyond it).
 */
export function contrast(groups: Summary[], weights: number[]): Effect {
  if (groups.length !== weights.length)
    throw new Error(`contrast: ${groups.length} groups but ${weights.length} weights.`);
  let effect = 0;
  let variance = 0;
  groups.forEach((g, i) => {
    effect += weights[i] * g.mean;
    variance += (weights[i] ** 2 * g.std ** 2) / g.n;
  });
  const se = Math.sqrt(variance);
  const t = se > 0 ? effect / se : effect === 0 ? 0 : Math.sign(effect) * Infinity;
  return { effect, se, t };
}

/** Welch's t of two groups: (mean_a - mean_b) / sqrt(s_a^2 / n_a + s_b^2 / n_b). */
export function welchT(a: Summary, b: Summary): number {
  return contrast([a, b], [1, -1]).t;
}

/** The rule of the course's verdicts: a difference is beyond the seed spread when |t| >= 2. */
export const BEYOND_SPREAD = 2;

/** +1 when `a` is better than `b` beyond the seed spread, -1 when worse, 0 within the spread. */
export function compare(a: Summary, b: Summary, better: "lower" | "higher"): -1 | 0 | 1 {
  const t = welchT(a, b);
  if (!(Math.abs(t) >= BEYOND_SPREAD)) return 0;
  return (Math.sign(t) * (better === "higher" ? 1 : -1)) as -1 | 1;
}

/** The four cells of the 2 x 2 design, each a summary over seeds. */
export interface CellSummaries {
  AE: Summary;
  DAE: Summary;
  VAE: Summary;
  "denoising VAE": Summary;
}

/** Main effects and interaction of the 2 x 2 design on one measure. */
export interface FactorialEffects {
  /** Adding the KL term: the VAEs' mean minus the autoencoders' mean. */
  kl: Effect;
  /** Training on corrupted inputs: the noisy cells' mean minus the clean cells' mean. */
  noise: Effect;
  /** How much the noise effect differs with and without the KL term (denoising VAE - VAE) - (DAE - AE). */
  interaction: Effect;
}

/**
 * The main effects and the interaction, each a contrast of the four cell means:
 *
 *   kl          = (VAE + denoising VAE)/2 - (AE + DAE)/2
 *   noise       = (DAE + denoising VAE)/2 - (AE + VAE)/2
 *   interaction = (denoising VAE - VAE) - (DAE - AE)
 *
 * The articles' comparison is a diagonal of the design: VAE - DAE = kl - noise, exactly.
 */
export function factorialEffects(cells: CellSummaries): FactorialEffects {
  const groups = [cells.AE, cells.DAE, cells.VAE, cells["denoising VAE"]];
  return {
    kl: contrast(groups, [-0.5, -0.5, 0.5, 0.5]),
    noise: contrast(groups, [-0.5, 0.5, -0.5, 0.5]),
    interaction: contrast(groups, [1, -1, -1, 1]),
  };
}
