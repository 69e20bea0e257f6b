/**
 * The aggregate posterior q(z) = (1/N) sum_n q(z | x_n), the distribution of codes over a data
 * set, against a prior p(z): where the prior has mass that the codes lack (holes), and the split
 * of the mean KL term into KL(q(z) || p(z)) and the information the code carries about x
 * (Hoffman and Johnson, "ELBO surgery", 2016), for any prior.
 */
import * as tf from "@tensorflow/tfjs";
import type { GaussianQ, LogPrior } from "../model/elbo";
import { logNormal } from "../model/kl";
import { reparameterize } from "../model/reparameterize";
import { logGaussianMixture, type Prior } from "../model/priors";
import { randomStream } from "../random";

/** log q(z) = log (1/N) sum_n N(z; mu_n, diag exp(logVar_n)) for each row of z, `[rows]`. */
export function logAggregatePosterior(z: tf.Tensor2D, codes: GaussianQ): tf.Tensor1D {
  return logGaussianMixture(z, codes.mu, codes.logVar);
}

/** A share of draws and its standard error. */
export interface Share {
  share: number;
  se: number;
}

/**
 * The prior's mass in the holes of the aggregate posterior: the share of `draws` codes z ~ p(z)
 * where q(z) < p(z) / factor (default 10), with its standard error.
 */
export function holeShare(
  codes: GaussianQ,
  prior: Pick<Prior, "logProb" | "sample">,
  options: { draws: number; seed: number; factor?: number },
): Share {
  const { draws, seed } = options;
  if (!(Number.isInteger(draws) && draws > 0))
    throw new Error(`holeShare: draws must be a positive integer, got ${draws}.`);
  const gap = Math.log(options.factor ?? 10);
  const below = tf.tidy(() => {
    const z = prior.sample(draws, seed);
    return tf.sum(
      tf.cast(tf.less(logAggregatePosterior(z, codes), tf.sub(prior.logProb(z), gap)), "float32"),
    );
  });
  const share = below.dataSync()[0] / draws;
  below.dispose();
  return { share, se: Math.sqrt((share * (1 - share)) / draws) };
}

/** The mean KL term split into KL(q(z) || p(z)) and I_q(x; z), each a Monte Carlo mean with its standard error. */
export interface Surgery {
  /** (1/N) sum_n KL(q(z|x_n) || p(z)), the KL term of the loss on average. */
  meanKl: number;
  /** KL(q(z) || p(z)): how far the codes as a whole are from the prior. */
  aggregateKl: number;
  aggregateKlSe: number;
  /** I_q(x; z) = meanKl - aggregateKl, at most log N. */
  information: number;
}

/**
 * ELBO surgery with one code z_n ~ q(z | x_n) per image: meanKl is the mean of
 * log q(z_n|x_n) - log p(z_n), aggregateKl that of log q(z_n) - log p(z_n), and their difference
 * the information the code carries about the image.
 */
export function elboSurgery(codes: GaussianQ, logPrior: LogPrior, seed: number): Surgery {
  const [own, aggregate] = tf.tidy(() => {
    const eps = tf.randomNormal(
      codes.mu.shape,
      0,
      1,
      "float32",
      randomStream(seed, "eps").seed(),
    ) as tf.Tensor2D;
    const z = reparameterize(codes.mu, codes.logVar, eps);
    const logP = logPrior(z);
    return [
      Array.from(tf.sub(logNormal(z, codes.mu, codes.logVar), logP).dataSync()),
      Array.from(tf.sub(logAggregatePosterior(z, codes), logP).dataSync()),
    ];
  });
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [meanKl, aggregateKl] = [mean(own), mean(aggregate)];
  const sd = Math.sqrt(
    aggregate.reduce((s, v) => s + (v - aggregateKl) ** 2, 0) / Math.max(1, aggregate.length - 1),
  );
  return {
    meanKl,
    aggregateKl,
    aggregateKlSe: sd / Math.sqrt(aggregate.length),
    information: meanKl - aggregateKl,
  };
}
