/**
 * The tables and sentences notebooks 06 and 07 show from a VAE-versus-DAE experiment: which
 * measures headline it, the samples each way of drawing codes gives, the holes, the claims'
 * comparisons, the likelihood bounds, and the generation scores of several datasets side by side.
 * Every sentence is written from the numbers.
 */
import * as tf from "@tensorflow/tfjs";
import type { Codes } from "../eval/codes";
import type { Model } from "../model/model";
import { type Claim, judgeClaim } from "./claims";
import { CELLS } from "./factorial";
import { type Summaries, formatEffect, formatSummary } from "./summaries";
import {
  type GenerationScore,
  MEASURE,
  SAMPLERS,
  type Sampler,
  decodeCodes,
  sampleCodes,
  samplerMeasure,
} from "./vae-versus-dae-measures";

/** The measures whose causes the conclusion states. */
export const HEADLINE_MEASURES: readonly string[] = [
  MEASURE.reconNll,
  MEASURE.reconPsnr,
  MEASURE.denoisingMean,
  MEASURE.codeShift,
  MEASURE.probe,
  samplerMeasure("Fréchet", "fitted Gaussian"),
  samplerMeasure("recall", "fitted mixture"),
];

/** The measures drawn as learning curves. */
export const CURVE_MEASURES: readonly string[] = [
  MEASURE.elbo,
  MEASURE.reconPsnr,
  MEASURE.denoisingMean,
  MEASURE.codeShift,
  MEASURE.probe,
  samplerMeasure("Fréchet", "N(0, I)"),
  samplerMeasure("Fréchet", "fitted mixture"),
  samplerMeasure("recall", "fitted mixture"),
];

/** `n` decoded images per way of drawing codes, one sampler after another: `[3 n, pixels]`. */
export function samplerImages(
  model: Model,
  codes: Codes,
  n: number,
  seed: number,
  components = 10,
): tf.Tensor2D {
  const rows = SAMPLERS.map((sampler) => sampleCodes(sampler, codes, n, seed, components));
  return decodeCodes(model, Float32Array.from(rows.flatMap((r) => [...r])));
}

/** A sampler's generation score of a model at one budget. */
function scoreOf(
  summaries: Summaries,
  model: string,
  score: GenerationScore,
  sampler: Sampler,
  epochs: number,
) {
  return summaries.need(model, samplerMeasure(score, sampler), epochs);
}

/** Per model and way of drawing codes: the share of draws in holes beside what the decoded images score. */
export function holesTable(summaries: Summaries, epochs: number): Record<string, string>[] {
  return CELLS.flatMap((c) =>
    SAMPLERS.map((sampler) => ({
      model: c.name,
      "codes drawn from": sampler,
      ...Object.fromEntries(
        (["draws in holes", "precision", "recall", "Fréchet"] as const).map((score) => [
          score,
          formatSummary(scoreOf(summaries, c.name, score, sampler, epochs)),
        ]),
      ),
    })),
  );
}

/** One sentence per model: its best way of drawing codes, and the holes and precision of the fitted Gaussian. */
export function holeLines(summaries: Summaries, epochs: number): string[] {
  return CELLS.map((c) => {
    const at = (score: GenerationScore, sampler: Sampler) =>
      scoreOf(summaries, c.name, score, sampler, epochs).mean;
    const best = [...SAMPLERS].sort((a, b) => at("Fréchet", a) - at("Fréchet", b))[0];
    const percent = (v: number) => `${(100 * v).toFixed(0)} %`;
    return (
      `${c.name}: the best Fréchet distance comes from z ~ ${best} (${at("Fréchet", best).toFixed(1)}); ` +
      `${percent(at("draws in holes", "fitted Gaussian"))} of the fitted Gaussian's draws lie in holes ` +
      `(mixture: ${percent(at("draws in holes", "fitted mixture"))}), and ` +
      `${percent(at("precision", "fitted Gaussian"))} of its decoded images fall among the real images' ` +
      `features (mixture: ${percent(at("precision", "fitted mixture"))}).`
    );
  });
}

/** Every comparison of the claims at one budget: its t, outcome, parts and the factor that explains it. */
export function claimTable(claims: Claim[], summaries: Summaries, epochs: number): Record<string, string>[] {
  return claims.flatMap((claim) =>
    judgeClaim(claim, summaries, epochs).outcomes.map((o) => ({
      claim: claim.id,
      comparison: o.comparison.label,
      "Welch t": o.t.toFixed(1),
      outcome: o.outcome > 0 ? "for" : o.outcome < 0 ? "against" : "within the spread",
      parts: o.parts.map((p) => `${p.factor} ${formatEffect(p.effect)}`).join("; "),
      "explained by": o.factor ?? "none beyond the spread",
    })),
  );
}

/** Classes present among the N(0, I) samples of each model, beside the real images'. */
export function coverageLine(summaries: Summaries, epochs: number, realClasses: number): string {
  const coverage = CELLS.map(
    (c) => `${c.name} ${formatSummary(scoreOf(summaries, c.name, "classes present", "N(0, I)", epochs))}`,
  );
  return `Classes present (at least 1 % of the samples) among N(0, I) samples: ${coverage.join(", ")}; real images: ${realClasses}.`;
}

/** The VAEs' bounds on -log p(x) after each budget. */
export function boundsTable(summaries: Summaries, iwaeK: number): Record<string, string | number>[] {
  return summaries.budgets().flatMap((epochs) =>
    ["VAE", "denoising VAE"].map((model) => ({
      epochs,
      model,
      "test -ELBO (nats)": formatSummary(summaries.get(model, MEASURE.elbo, epochs)),
      [`IWAE, k = ${iwaeK} (nats)`]: formatSummary(summaries.get(model, MEASURE.iwae, epochs)),
    })),
  );
}

/**
 * The Fréchet distance of each model's samples, drawn each way, on several datasets side by side
 * (each at its largest budget).
 */
export function frechetTable(datasets: { name: string; summaries: Summaries }[]): Record<string, string>[] {
  return CELLS.flatMap((c) =>
    SAMPLERS.map((sampler) => ({
      model: c.name,
      "codes drawn from": sampler,
      ...Object.fromEntries(
        datasets.map((d) => [
          d.name,
          formatSummary(d.summaries.get(c.name, samplerMeasure("Fréchet", sampler), d.summaries.last())),
        ]),
      ),
    })),
  );
}
