/**
 * Which latent units does a VAE use? Burda, Grosse and Salakhutdinov (2015, section 5.2) call unit u
 * active when the variance over the data of its posterior mean, A_u = Var_x E_q(z|x)[z_u], exceeds
 * 0.01. A unit the model ignores has q(z_u | x) = N(0, 1) for every image: no KL, and a mean that
 * does not move with x.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { klPerDimension } from "../model/kl";
import type { ImageSet } from "../data/batches";
import { encodeAll } from "./codes";

/** Burda et al.'s threshold on A_u. */
export const ACTIVITY_THRESHOLD = 0.01;

/** Per latent unit: its activity A_u and its mean KL; and how many units are active. */
export interface UnitActivity {
  /** A_u = Var_x mu_u(x) per unit. */
  activity: number[];
  /** Mean over the set of KL(q(z_u|x) || N(0, 1)) per unit (nats). */
  klPerDim: number[];
  /** Units with A_u > threshold. */
  active: number;
}

/** Activity and KL of every latent unit over a set (Burda et al.'s criterion, threshold 0.01 by default). */
export function unitActivity(model: Model, set: ImageSet, threshold = ACTIVITY_THRESHOLD): UnitActivity {
  const { mu, logVar } = encodeAll(model, set);
  try {
    if (!logVar)
      throw new Error(
        `unitActivity needs a VAE (an encoder with logVar); this model is a ${model.config.kind}.`,
      );
    const [activity, klPerDim] = tf.tidy(() => [
      Array.from(tf.moments(mu, 0).variance.dataSync()),
      Array.from(tf.mean(klPerDimension(mu, logVar), 0).dataSync()),
    ]);
    return { activity, klPerDim, active: activity.filter((a) => a > threshold).length };
  } finally {
    tf.dispose([mu, logVar ?? []]);
  }
}
