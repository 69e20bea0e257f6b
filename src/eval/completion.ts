/**
 * Scores of image completion: the negative conditional log-likelihood -log p(y | x) of the missing
 * pixels y given the observed ones x, per test image (see `model/completion.ts`).
 *
 *   baseline            -log p(y | y_hat), its one guess
 *   CVAE, -ELBO         E_q[-log p(y | z)] + KL(q(z | x, y) || p(z | x)), the reconstruction
 *                       term averaged over `particles` draws z ~ q (Pyro's tutorial reports this)
 *   CVAE, importance    -log (1/S) sum_s p(y | z_s) p(z_s | x) / q(z_s | x, y), z_s ~ q(z | x, y):
 *                       a tighter bound, which reaches -log p(y | x) as S grows
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, decode, encode } from "../model/model";
import {
  type CompletionCvae,
  baselineLogits,
  completionPrior,
  missingNegLogLikelihood,
} from "../model/completion";
import { klGaussians, logNormal } from "../model/kl";
import { reparameterize } from "../model/reparameterize";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { randomStream } from "../random";

/** Options of {@link completionScores}. */
export interface CompletionScoreOptions {
  /** Draws of z per image for the -ELBO (default 10, as Pyro's tutorial). */
  particles?: number;
  /** Importance samples per image (default 100). */
  samples?: number;
  /** Images per batch (default 20). */
  batchSize?: number;
  /** Seed of the draws (the "evaluation" stream, one per batch). */
  seed: number;
}

/** Each test image's score (nats) under the three estimates. */
export interface CompletionScores {
  baseline: Float32Array;
  elbo: Float32Array;
  importance: Float32Array;
}

/** Scores every image of `set` with the pixels of `mask` observed. */
export function completionScores(
  cvae: CompletionCvae,
  baseline: Model,
  set: ImageSet,
  mask: Float32Array,
  options: CompletionScoreOptions,
): CompletionScores {
  checkImageSet(set, "test set");
  const { particles = 10, samples = 100, batchSize = 20 } = options;
  for (const [name, v] of Object.entries({ particles, samples, batchSize }))
    if (!(Number.isInteger(v) && v > 0))
      throw new Error(`completionScores: ${name} must be a positive integer, got ${v}.`);
  const scores = {
    baseline: new Float32Array(set.n),
    elbo: new Float32Array(set.n),
    importance: new Float32Array(set.n),
  };
  const m = tf.tensor2d(mask, [1, mask.length]);
  try {
    let row = 0;
    let index = 0;
    for (const { x } of batches(set, batchSize)) {
      const rng = randomStream(options.seed, "evaluation", index++);
      const parts = tf.tidy(() => {
        const q = encode(cvae.vae, x);
        const p = completionPrior(cvae, baseline, x, m);
        const draws = (k: number) => {
          const tile = (t: tf.Tensor2D) => tf.tile(t, [k, 1]) as tf.Tensor2D;
          const eps = tf.randomNormal(
            [k * x.shape[0], cvae.vae.config.latentDim],
            0,
            1,
            "float32",
            rng.seed(),
          );
          const z = reparameterize(tile(q.mu), tile(q.logVar!), eps as tf.Tensor2D);
          const negLogLik = missingNegLogLikelihood(tile(x), decode(cvae.vae, z), m);
          return { tile, z, negLogLik, rows: (t: tf.Tensor) => tf.reshape(t, [k, x.shape[0]]) };
        };
        const e = draws(particles);
        const elbo = tf.add(tf.mean(e.rows(e.negLogLik), 0), klGaussians(q.mu, q.logVar!, p.mu, p.logVar!));
        const s = draws(samples);
        const logPrior = logNormal(s.z, s.tile(p.mu), s.tile(p.logVar!));
        const logQ = logNormal(s.z, s.tile(q.mu), s.tile(q.logVar!));
        const logW = s.rows(tf.sub(tf.sub(logPrior, logQ), s.negLogLik));
        const importance = tf.neg(tf.sub(tf.logSumExp(logW, 0), Math.log(samples)));
        const base = missingNegLogLikelihood(x, baselineLogits(baseline, x, m), m);
        return tf.stack([base, elbo, importance]);
      });
      const values = parts.dataSync();
      parts.dispose();
      const n = x.shape[0];
      scores.baseline.set(values.subarray(0, n), row);
      scores.elbo.set(values.subarray(n, 2 * n), row);
      scores.importance.set(values.subarray(2 * n, 3 * n), row);
      row += n;
    }
  } finally {
    m.dispose();
  }
  return scores;
}
