/**
 * Anomaly scores: one number per image, higher meaning less like the training data, to be ranked
 * by `rocAuc`. A VAE has six: the reconstruction errors through the code `mu` (BCE and MSE), the
 * negative ELBO, the IWAE estimate of -log p(x), the KL term alone, and the negative log-density
 * of the code `mu` under the prior. An AE or DAE has the two reconstruction errors.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode, encode, outputMean } from "../model/model";
import { negLogLikelihood } from "../model/losses";
import { elbo, iwaeBound } from "../model/elbo";
import { klStandardNormal, logStandardNormal } from "../model/kl";
import type { NoiseFn } from "../model/noise";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { randomStream } from "../random";
import { type EvalOptions, draw } from "./loss";

/** The names of the scores. */
export type ScoreName = "bce" | "mse" | "negElbo" | "iwae" | "kl" | "priorNll";

const VAE_SCORES: readonly ScoreName[] = ["bce", "mse", "negElbo", "iwae", "kl", "priorNll"];
const AE_SCORES: readonly ScoreName[] = ["bce", "mse"];

/** The scores a model has: all six for a VAE, the reconstruction errors for an AE or DAE. */
export function scoreNames(model: Model): ScoreName[] {
  return [...(model.config.kind === "vae" ? VAE_SCORES : AE_SCORES)];
}

/** Per-image scores of a set, by name (only those asked for). */
export type ImageScores = Partial<Record<ScoreName, Float32Array>>;

/** Options of {@link scoreImages}. */
export interface ScoreOptions extends EvalOptions {
  /** The scores to compute (default: every score the model has, {@link scoreNames}). */
  scores?: ScoreName[];
  /** Importance samples of the IWAE estimate (default 100). */
  k?: number;
  /** Score corrupted copies of the images: the noise is drawn from the seed's noise stream. */
  noise?: NoiseFn;
}

/**
 * The scores of a batch `x`, per image, `[batch]` each: `eps` (`[batch, latentDim]`) is the one
 * sample of the negative ELBO, `epsK` (`[k * batch, latentDim]`) the samples of the IWAE estimate.
 */
export function batchScores(
  model: Model,
  x: tf.Tensor2D,
  names: readonly ScoreName[],
  eps?: tf.Tensor2D,
  epsK?: tf.Tensor2D,
): Partial<Record<ScoreName, tf.Tensor1D>> {
  checkNames(model, names);
  return tf.tidy(() => {
    const { mu, logVar } = encode(model, x);
    const logits = decode(model, mu);
    const formulas: Record<ScoreName, () => tf.Tensor1D> = {
      bce: () => negLogLikelihood(x, logits, model),
      mse: () => tf.mean(tf.squaredDifference(x, outputMean(model, logits)), 1) as tf.Tensor1D,
      negElbo: () => tf.neg(elbo(model, x, needEps(eps, "negElbo")).elbo),
      iwae: () => tf.neg(iwaeBound(model, x, needEps(epsK, "iwae"))),
      kl: () => klStandardNormal(mu, logVar!),
      priorNll: () => tf.neg(logStandardNormal(mu)),
    };
    return Object.fromEntries(names.map((name) => [name, formulas[name]()]));
  });
}

/**
 * The scores of every image of `set` (of its corrupted copies with `noise`), in the set's order.
 * The sampling noise comes from the seed's evaluation stream, the corruption from its noise stream.
 */
export function scoreImages(model: Model, set: ImageSet, options: ScoreOptions = {}): ImageScores {
  checkImageSet(set, "set to score");
  const names = options.scores ?? scoreNames(model);
  checkNames(model, names);
  const k = options.k ?? 100;
  if (!(Number.isInteger(k) && k >= 1))
    throw new Error(`scoreImages: k must be a positive integer (importance samples per image), got ${k}.`);
  const seed = options.seed ?? 0;
  const [rng, noiseRng] = [randomStream(seed, "evaluation"), randomStream(seed, "noise")];
  const out = Object.fromEntries(names.map((name) => [name, new Float32Array(set.n)])) as ImageScores;
  const batchSize = options.batchSize ?? (names.includes("iwae") ? Math.max(1, Math.floor(4096 / k)) : 1000);
  let row = 0;
  for (const { x } of batches(set, batchSize)) {
    const scores = tf.tidy(() => {
      const input = options.noise ? options.noise(x, noiseRng) : x;
      const eps = names.includes("negElbo") ? draw(model, x, rng) : undefined;
      const epsK = names.includes("iwae") ? draw(model, x, rng, k) : undefined;
      return batchScores(model, input, names, eps, epsK);
    });
    for (const name of names) {
      out[name]!.set(scores[name]!.dataSync(), row);
      scores[name]!.dispose();
    }
    row += x.shape[0];
  }
  return out;
}

/**
 * One score per image, for anomaly detection (`rocAuc(scores, isAnomaly)`): the negative ELBO for
 * a VAE (one sample), the reconstruction loss -log p(x | decoded code) for an AE/DAE. Higher means
 * less like the training data. {@link scoreImages} gives the others.
 */
export function anomalyScores(model: Model, set: ImageSet, options: EvalOptions = {}): Float32Array {
  const name: ScoreName = model.config.kind === "vae" ? "negElbo" : "bce";
  return scoreImages(model, set, { ...options, scores: [name] })[name]!;
}

function checkNames(model: Model, names: readonly ScoreName[]): void {
  const has = scoreNames(model);
  const missing = names.filter((n) => !has.includes(n));
  if (missing.length === 0) return;
  const unknown = missing.filter((n) => !VAE_SCORES.includes(n));
  throw new Error(
    unknown.length
      ? `Unknown score ${unknown.join(", ")}: the scores are ${VAE_SCORES.join(", ")}.`
      : `A ${model.config.kind} has no ${missing.join(", ")} (no q(z|x)): its scores are ${has.join(", ")}.`,
  );
}

function needEps(eps: tf.Tensor2D | undefined, name: ScoreName): tf.Tensor2D {
  if (!eps) throw new Error(`batchScores: the ${name} score needs its standard-normal draws (eps).`);
  return eps;
}
