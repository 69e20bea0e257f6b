/**
 * The popular articles' claims about VAEs and DAEs, each turned into comparisons between cells of
 * the factorial design with a rule stated before any number: a claim holds when every comparison
 * goes its way beyond the seed spread (Welch |t| >= 2), fails when one goes the other way beyond
 * the spread, and is not settled otherwise.
 *
 * Each comparison is also explained: the articles compare a VAE with a DAE, a diagonal of the
 * design, and such a difference splits exactly into the factors' effects (for example
 * VAE - DAE = kl - noise), plus, when the two sides draw their codes differently, the part due to
 * how codes are drawn. The factor named is the largest part beyond the spread that points the way
 * the difference goes.
 */
import type { NoiseConfig } from "../model/config";
import { BEYOND_SPREAD, type Effect, compare, contrast, welchT } from "./effects";
import { CELLS, type CellName } from "./factorial";
import { FACTOR_NAMES, type Factor, type Summaries, effectVerdict } from "./summaries";
import {
  SAMPLERS,
  type Sampler,
  betterDirection,
  denoisingMeasure,
  MEASURE,
  samplerMeasure,
} from "./vae-versus-dae-measures";

/** One side of a comparison: a model's value of a measure. */
export interface Side {
  model: CellName;
  measure: string;
}

/** A comparison the claim predicts: `better` beats `worse` on the measure (lower or higher is better). */
export interface Comparison {
  label: string;
  better: Side;
  worse: Side;
}

/** A claim of the articles, its rule and its comparisons. */
export interface Claim {
  id: string;
  claim: string;
  rule: string;
  comparisons: Comparison[];
}

/** The articles' claims tested in notebooks 06 and 07, given the test noises. */
export function vaeVersusDaeClaims(testNoise: readonly NoiseConfig[]): Claim[] {
  const prior = (score: "Fréchet" | "precision" | "recall" | "label entropy" | "classes present") =>
    ({ model: "VAE", measure: samplerMeasure(score, "N(0, I)") }) as Side;
  const dae = (score: Parameters<typeof prior>[0], sampler: Sampler): Side => ({
    model: "DAE",
    measure: samplerMeasure(score, sampler),
  });
  const scores = ["Fréchet", "precision", "recall", "label entropy"] as const;
  const coverage = ["classes present", "recall", "label entropy"] as const;
  return [
    {
      id: "a",
      claim: "VAE samples are better and more varied than decoded random DAE codes",
      rule:
        "the VAE's prior samples beat the DAE's decoded codes, drawn each of the three ways, on all four " +
        "scores (lower Fréchet distance, higher precision, recall and label entropy)",
      comparisons: SAMPLERS.flatMap((s) =>
        scores.map((score) => ({
          label: `${score}: VAE prior vs DAE z ~ ${s}`,
          better: prior(score),
          worse: dae(score, s),
        })),
      ),
    },
    {
      id: "b",
      claim: "the DAE's codes are more stable under input noise than the VAE's",
      rule: "the DAE's codes move less under input noise, relative to their spread, than the VAE's",
      comparisons: [
        {
          label: "code shift",
          better: { model: "DAE", measure: MEASURE.codeShift },
          worse: { model: "VAE", measure: MEASURE.codeShift },
        },
      ],
    },
    {
      id: "c",
      claim: "the DAE denoises better than the VAE",
      rule: "the DAE's reconstructions from corrupted inputs have a higher PSNR than the VAE's, for each test noise",
      comparisons: testNoise.map((noise) => {
        const measure = denoisingMeasure(noise);
        return { label: measure, better: { model: "DAE", measure }, worse: { model: "VAE", measure } };
      }),
    },
    {
      id: "d",
      claim: "the VAE suffers mode collapse (its samples miss whole modes of the data)",
      rule:
        "the VAE's prior samples cover less than the DAE's samples from either fitted density: fewer " +
        "classes present, lower recall, lower label entropy",
      comparisons: (["fitted Gaussian", "fitted mixture"] as const).flatMap((s) =>
        coverage.map((score) => ({
          label: `${score}: DAE z ~ ${s} vs VAE prior`,
          better: dae(score, s),
          worse: prior(score),
        })),
      ),
    },
  ];
}

/** The verdict words. */
export type Verdict = "holds" | "fails" | "is not settled";

/** What one comparison found, and what explains the difference. */
export interface ComparisonOutcome {
  comparison: Comparison;
  /** +1 for the claim beyond the spread, -1 against, 0 within the spread. */
  outcome: -1 | 0 | 1;
  /** Welch's t of better - worse (raw values). */
  t: number;
  /** better - worse, split into parts that add up to it. */
  parts: { factor: string; effect: Effect }[];
  /** The part that explains the difference, or undefined when none is beyond the spread. */
  factor?: string;
}

/** A claim judged at one budget. */
export interface ClaimVerdict {
  claim: Claim;
  epochs: number;
  verdict: Verdict;
  outcomes: ComparisonOutcome[];
  /** The factor that most comparisons name (undefined when none names one). */
  factor?: string;
}

/** The name of the part of a difference due to how the codes are drawn. */
export const SAMPLING_PART = "how codes are drawn";

/** Judges a claim at one budget by its rule. */
export function judgeClaim(claim: Claim, summaries: Summaries, epochs: number): ClaimVerdict {
  const outcomes = claim.comparisons.map((c) => judgeComparison(c, summaries, epochs));
  const o = outcomes.map((x) => x.outcome);
  const verdict: Verdict = o.some((v) => v < 0)
    ? "fails"
    : o.every((v) => v > 0)
      ? "holds"
      : "is not settled";
  const counts = new Map<string, number>();
  for (const { factor } of outcomes) if (factor) counts.set(factor, (counts.get(factor) ?? 0) + 1);
  const factor = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { claim, epochs, verdict, outcomes, factor };
}

function judgeComparison(comparison: Comparison, summaries: Summaries, epochs: number): ComparisonOutcome {
  const { better, worse } = comparison;
  const a = summaries.need(better.model, better.measure, epochs);
  const b = summaries.need(worse.model, worse.measure, epochs);
  const parts = differenceParts(summaries, better, worse, epochs);
  const difference = a.mean - b.mean;
  const explaining = parts
    .filter(
      (p) => Math.abs(p.effect.t) >= BEYOND_SPREAD && Math.sign(p.effect.effect) === Math.sign(difference),
    )
    .sort((p, q) => Math.abs(q.effect.effect) - Math.abs(p.effect.effect));
  return {
    comparison,
    outcome: compare(a, b, betterDirection(better.measure)),
    t: welchT(a, b),
    parts,
    factor: explaining[0]?.factor,
  };
}

/**
 * better - worse as a sum of parts: how the codes are drawn (when the measures differ: the better
 * side's model under both), then the cells' difference on the worse side's measure split into the
 * design's effects, each part a contrast with its standard error.
 */
export function differenceParts(
  summaries: Summaries,
  better: Side,
  worse: Side,
  epochs: number,
): { factor: string; effect: Effect }[] {
  const parts: { factor: string; effect: Effect }[] = [];
  if (better.measure !== worse.measure) {
    const own = summaries.need(better.model, better.measure, epochs);
    const other = summaries.need(better.model, worse.measure, epochs);
    parts.push({ factor: SAMPLING_PART, effect: contrast([own, other], [1, -1]) });
  }
  const effects = summaries.effects(worse.measure, epochs);
  if (!effects)
    throw new Error(`"${worse.measure}" is not measured in all four cells after ${epochs} epochs.`);
  const code = (m: CellName) => CELLS.find((c) => c.name === m)!;
  const [p, q] = [code(better.model), code(worse.model)];
  const k = (c: typeof p) => (c.kl ? 0.5 : -0.5);
  const n = (c: typeof p) => (c.noisy ? 0.5 : -0.5);
  const weights = { kl: k(p) - k(q), noise: n(p) - n(q), interaction: k(p) * n(p) - k(q) * n(q) };
  for (const f of ["kl", "noise", "interaction"] as const) {
    if (weights[f] === 0) continue;
    const e = effects[f];
    const w = weights[f];
    parts.push({
      factor: FACTOR_NAMES[f],
      effect: { effect: w * e.effect, se: Math.abs(w) * e.se, t: Math.sign(w) * e.t },
    });
  }
  return parts;
}

/** One line per claim: its verdict at the largest budget, and whether it already held at the others. */
export function claimLines(claims: Claim[], summaries: Summaries): string[] {
  const budgets = summaries.budgets();
  const epochs = (n: number) => `${n} epoch${n === 1 ? "" : "s"}`;
  return claims.map((claim) => {
    const verdicts = budgets.map((b) => judgeClaim(claim, summaries, b));
    const last = verdicts[verdicts.length - 1];
    const earlier = verdicts.slice(0, -1);
    const history =
      earlier.length === 0
        ? "no smaller budget"
        : earlier.every((v) => v.verdict === last.verdict)
          ? `the same verdict after ${earlier.map((v) => v.epochs).join(" and ")} epochs`
          : earlier.map((v) => `after ${epochs(v.epochs)} it ${v.verdict}`).join(", ");
    const cause = last.factor ? `; explained by ${last.factor}` : "; no factor explains it beyond the spread";
    return `(${claim.id}) "${claim.claim}" ${last.verdict} after ${epochs(last.epochs)}${cause} (${history}).`;
  });
}

/**
 * Every verdict at the largest budget, by name: each claim's, and for each measure measured in all
 * four cells, what each factor does to it ("raises", "lowers", "no effect beyond the spread").
 */
export function verdicts(claims: Claim[], summaries: Summaries): Map<string, string> {
  const epochs = summaries.last();
  const out = new Map<string, string>();
  for (const claim of claims)
    out.set(`(${claim.id}) ${claim.claim}`, judgeClaim(claim, summaries, epochs).verdict);
  for (const measure of summaries.measures()) {
    const v = effectVerdict(summaries, measure, epochs);
    if (!v) continue;
    for (const f of Object.keys(FACTOR_NAMES) as Factor[])
      out.set(`${FACTOR_NAMES[f]} on ${measure}`, v.signs[f]);
  }
  return out;
}

/** The verdicts that differ between two experiments (for example MNIST and Fashion-MNIST). */
export function flippedVerdicts(
  first: Map<string, string>,
  second: Map<string, string>,
): { verdict: string; first: string; second: string }[] {
  return [...first]
    .filter(([name, v]) => second.has(name) && second.get(name) !== v)
    .map(([name, v]) => ({ verdict: name, first: v, second: second.get(name)! }));
}
