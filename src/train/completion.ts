/**
 * The training steps of image completion, for `train` (see `model/completion.ts`): the baseline's
 * and the CVAE's. Both read `batch.x`; the mask says which pixels are observed.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, trainableVariables } from "../model/model";
import {
  type CompletionCvae,
  baselineLogits,
  completionLoss,
  missingNegLogLikelihood,
} from "../model/completion";
import type { StepFunction } from "./step";
import { updateOn } from "./update";

/** A step of the baseline: the mean -log p(y | y_hat) of the missing pixels (reported as recon; kl 0). */
export function completionBaselineStep(mask: Float32Array): StepFunction {
  return (model, optimizer, batch) =>
    withMask(mask, (m) =>
      updateOn(trainableVariables(model), optimizer, () => {
        const loss = tf.mean(
          missingNegLogLikelihood(batch.x, baselineLogits(model, batch.x, m), m),
        ) as tf.Scalar;
        return [loss, loss, tf.scalar(0)];
      }),
    );
}

/**
 * A step of the CVAE, for `train(cvae.vae, set, { step })`: the -ELBO of the missing pixels, with
 * `baseline` (trained first, left unchanged) guessing them for the prior network. Updates the VAE
 * and the prior network.
 */
export function completionCvaeStep(cvae: CompletionCvae, baseline: Model, mask: Float32Array): StepFunction {
  const variables = () => [
    ...trainableVariables(cvae.vae),
    ...cvae.prior.trainableWeights.map((w) => w.read() as tf.Variable),
  ];
  return (model, optimizer, batch) => {
    if (model !== cvae.vae) throw new Error("completionCvaeStep: train with train(cvae.vae, set, { step }).");
    if (!batch.eps) throw new Error("completionCvaeStep: the batch has no eps (cvae.vae must be a VAE).");
    const eps = batch.eps;
    return withMask(mask, (m) =>
      updateOn(variables(), optimizer, () => {
        const { loss, recon, kl } = completionLoss(cvae, baseline, batch.x, m, eps);
        return [loss, recon, kl];
      }),
    );
  };
}

/** Runs `f` with the mask as a `[1, pixels]` tensor, freed afterwards. */
function withMask<T>(mask: Float32Array, f: (m: tf.Tensor2D) => T): T {
  const m = tf.tensor2d(mask, [1, mask.length]);
  try {
    return f(m);
  } finally {
    m.dispose();
  }
}
