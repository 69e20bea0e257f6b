/**
 * When training meets NaN or Inf: the error that stops it, saying where, what the model keeps,
 * and what to try.
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, namedWeights } from "../model/model";
import type { EpochRecord } from "./history";

/** Raised when training meets NaN/Inf; `history` holds the finished epochs. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly history: EpochRecord[],
  ) {
    super(message);
    this.name = "TrainingError";
  }
}

/** What the messages need of a run: its history and learning rate (undefined with a caller's optimizer). */
export interface RunSoFar {
  history: EpochRecord[];
  learningRate?: number;
}

/** What the model holds when a step's loss or gradient was not finite (the step was skipped). */
export const KEPT_BEFORE_STEP = "The model keeps the weights from before this step.";
/** What the model holds when the weights or the test loss turned non-finite only after an epoch's last update. */
const KEPT_AFTER_EPOCH =
  "The model's weights are those after the epoch's last update: go back to a checkpoint saved after an earlier epoch.";

/** The error that stops training `where` (e.g. "at epoch 2, step 1/4") because of `problem`. */
export function trainingStopped(
  where: string,
  problem: string,
  run: RunSoFar,
  kept = KEPT_BEFORE_STEP,
): TrainingError {
  const lr = run.learningRate === undefined ? "" : ` (now ${run.learningRate})`;
  return new TrainingError(
    `Training stopped ${where}: ${problem} ${kept} Try a lower learning rate${lr}, check that inputs are in [0, 1] without NaN, ` +
      `or, for a Gaussian likelihood with learnSigma, a larger or fixed sigma.`,
    run.history,
  );
}

/** Throws a {@link TrainingError} when anything of a finished epoch is not finite (see {@link nonFinite}). */
export function checkFinite(model: Model, record: EpochRecord, run: RunSoFar): void {
  const problem = nonFinite(model, record);
  if (problem)
    throw trainingStopped(
      `after epoch ${record.epoch} (${record.steps} steps)`,
      problem,
      run,
      KEPT_AFTER_EPOCH,
    );
}

/**
 * What is not finite after an epoch, or undefined: the mean training loss (a step of your own may
 * not check), the test -ELBO, or a weight (the last update can diverge even when every loss
 * before it was finite).
 */
function nonFinite(model: Model, record: EpochRecord): string | undefined {
  for (const [what, m] of [
    ["mean training loss", record.train],
    ["test -ELBO", record.test],
  ] as const) {
    if (m && ![m.loss, m.recon, m.kl].every(Number.isFinite))
      return `the ${what} is not finite (loss ${m.loss}, recon ${m.recon}, kl ${m.kl}).`;
  }
  const weights = namedWeights(model);
  // x * 0 is 0 for a finite x and NaN for NaN or Inf: one number per weight tensor, read at once.
  const checks = tf.tidy(() => tf.stack(weights.map(({ tensor }) => tf.sum(tf.mul(tensor, 0)))));
  const bad = Array.from(checks.dataSync()).findIndex((v) => !Number.isFinite(v));
  checks.dispose();
  return bad < 0 ? undefined : `weight ${weights[bad].name} is not finite after the epoch's last update.`;
}
