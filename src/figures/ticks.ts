/**
 * Tick choice: round steps (1, 2 or 5 × 10^k) on linear axes; on log axes 1-2-5 in each decade, or
 * powers of ten (every k-th decade when there are many), each labelled with its full value.
 * plotly's own log ticks label the 2s and 5s (or all digits) between powers of ten with a lone
 * small digit ("2", "5"), which reads as a different number once the decade is off screen.
 */

/** Mantissas and decade step of one level of log ticks, densest first. */
const LOG_LEVELS: Array<{ mantissas: number[]; every: number }> = [
  { mantissas: [1, 2, 5], every: 1 },
  ...[1, 2, 3, 5, 10, 20, 50, 100].map((every) => ({ mantissas: [1], every })),
];

/** m * 10^k without floating-point noise (2 * 10^-1 is 0.2, not 0.20000000000000004). */
function decimal(m: number, k: number): number {
  return Number((m * 10 ** k).toPrecision(12));
}

/** The candidates of one level from decade kLo to decade kHi (both included), ascending. */
function candidates(level: (typeof LOG_LEVELS)[number], kLo: number, kHi: number): number[] {
  const out: number[] = [];
  const first = Math.floor(kLo / level.every) * level.every;
  for (let k = first; k <= kHi; k += level.every) for (const m of level.mantissas) out.push(decimal(m, k));
  return out;
}

/**
 * Tick values of a linear axis over [lo, hi]: the multiples of the smallest round step (1, 2 or 5
 * × 10^k) that puts at most `maxTicks` of them in the range.
 */
export function linearTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo))
    throw new Error(`linearTicks: need finite lo < hi; got lo ${lo}, hi ${hi}.`);
  if (!(maxTicks >= 2)) throw new Error(`linearTicks: maxTicks must be at least 2, got ${maxTicks}.`);
  for (let k = Math.floor(Math.log10((hi - lo) / maxTicks)); ; k++)
    for (const m of [1, 2, 5]) {
      const step = decimal(m, k);
      const [first, last] = [Math.ceil(lo / step - 1e-9), Math.floor(hi / step + 1e-9)];
      if (last - first + 1 <= maxTicks)
        return Array.from({ length: last - first + 1 }, (_, i) => decimal((first + i) * m, k));
    }
}

/**
 * Tick values of a log axis showing [lo, hi] (both positive): the densest of 1-2-5 per decade,
 * powers of ten, or powers of ten every 2, 3, 5, 10, ... decades that puts at most `maxTicks`
 * ticks in the range. When fewer than two fall inside (a range narrower than a 1-2-5 step), the
 * nearest ticks outside are added, so the axis must be widened to show them.
 */
export function logTicks(lo: number, hi: number, maxTicks = 8): number[] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi)))
    throw new Error(`logTicks: need 0 < lo <= hi, finite; got lo ${lo}, hi ${hi}.`);
  if (!(maxTicks >= 2)) throw new Error(`logTicks: maxTicks must be at least 2, got ${maxTicks}.`);
  const [kLo, kHi] = [Math.floor(Math.log10(lo)), Math.ceil(Math.log10(hi))];
  // A relative tolerance, so that a tick equal to an end (0.01 given as 0.010000000000000002) counts.
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  for (const level of LOG_LEVELS) {
    const all = candidates(level, kLo - level.every, kHi + level.every);
    const ticks = all.filter(inside);
    if (ticks.length > maxTicks) continue;
    if (ticks.length < 2) {
      const below = all.filter((v) => v < lo && !inside(v)).pop() as number;
      const above = all.find((v) => v > hi && !inside(v)) as number;
      // None inside: the two that enclose the range; one: its nearer neighbour in log distance.
      if (ticks.length === 0) return [below, above];
      return lo / below <= above / hi ? [below, ticks[0]] : [ticks[0], above];
    }
    return ticks;
  }
  throw new Error(`logTicks: [${lo}, ${hi}] spans too many decades for ${maxTicks} ticks.`);
}

/** A minus sign that reads as one (U+2212), as plotly prints it. */
const MINUS = "\u2212";

/** Whether a value prints as a plain decimal: 0.0001 <= |v| < 10^6, or 0. */
function plain(v: number): boolean {
  return v === 0 || (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6);
}

/** `v` written as m×10^k with plotly's superscript markup ("10<sup>−6</sup>", "2×10<sup>7</sup>"). */
function powerOfTen(v: number): string {
  const a = Math.abs(v);
  const k = Math.floor(Math.log10(a) + 1e-12);
  const m = Number((a / 10 ** k).toPrecision(12));
  const power = `10<sup>${k < 0 ? MINUS : ""}${Math.abs(k)}</sup>`;
  return (v < 0 ? MINUS : "") + (m === 1 ? power : `${m}×${power}`);
}

/**
 * Labels of tick values, all in one form: plain decimals when every value has one from 0.0001 to
 * 999999 ("0.002", "50", "1000"), else powers of ten for all ("10<sup>−6</sup>", "0.01" as
 * "10<sup>−2</sup>"), so that the labels of one axis read alike.
 */
export function tickLabels(values: number[]): string[] {
  if (!values.every(plain)) return values.map(powerOfTen);
  return values.map((v) => (v < 0 ? MINUS : "") + String(Number(Math.abs(v).toPrecision(12))));
}
