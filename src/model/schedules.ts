/**
 * Schedules of the KL weight beta over training. A schedule is a plain function of the training
 * progress; pass your own to `train({ beta: ({ step }) => ... })`.
 */

/** Where training is: global step (from 0), epoch (from 1) and steps per epoch. */
export interface Progress {
  step: number;
  epoch: number;
  stepsPerEpoch: number;
}

/** beta as a function of training progress. */
export type BetaSchedule = (progress: Progress) => number;

/** KL warm-up: beta rises linearly from 0 to `maxBeta` over `warmupSteps` steps, then stays. */
export function linearWarmup(warmupSteps: number, maxBeta = 1): BetaSchedule {
  must(
    Number.isInteger(warmupSteps) && warmupSteps >= 0,
    `linearWarmup: warmupSteps must be an integer >= 0, got ${warmupSteps}.`,
  );
  must(
    Number.isFinite(maxBeta) && maxBeta >= 0,
    `linearWarmup: maxBeta must be a finite number >= 0, got ${maxBeta}.`,
  );
  return ({ step }) => maxBeta * Math.min(1, step / Math.max(1, warmupSteps));
}

/**
 * Cyclical annealing (Fu et al. 2019): every `periodSteps` steps beta rises linearly from 0 to
 * `maxBeta` during the first `rampFraction` of the period, then stays at `maxBeta`.
 */
export function cyclicalBeta(periodSteps: number, maxBeta = 1, rampFraction = 0.5): BetaSchedule {
  must(
    Number.isInteger(periodSteps) && periodSteps > 0,
    `cyclicalBeta: periodSteps must be a positive integer, got ${periodSteps}.`,
  );
  must(
    Number.isFinite(maxBeta) && maxBeta >= 0,
    `cyclicalBeta: maxBeta must be a finite number >= 0, got ${maxBeta}.`,
  );
  must(
    rampFraction > 0 && rampFraction <= 1,
    `cyclicalBeta: rampFraction must be in (0, 1], got ${rampFraction}.`,
  );
  return ({ step }) => maxBeta * Math.min(1, (step % periodSteps) / Math.max(1, rampFraction * periodSteps));
}

function must(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}
