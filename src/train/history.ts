/**
 * The history of a training run: one record per epoch, as plain numbers, and the lines that
 * show it.
 */
import type { Metrics } from "../eval/loss";
import type { ModelKind } from "../model/config";
import { flattenRecord } from "../records";
import { objectiveText } from "./progress";

/** One epoch in the history (plain numbers: `new dfd.DataFrame(historyRows(history))` works). */
export interface EpochRecord {
  /** 1, 2, ... */
  epoch: number;
  /** Means over the epoch's steps of the objective that was minimised (recon + beta * kl) and its parts. */
  train: Metrics;
  /** The true negative ELBO on the test set (see `evaluateElbo`), if a test set was given. */
  test?: Metrics;
  /** beta at the epoch's last step. */
  beta: number;
  steps: number;
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  seconds: number;
}

/**
 * The history as flat rows (`{ epoch, train_loss, train_recon, train_kl, test_loss, ..., seconds }`),
 * the shape a DataFrame or a chart wants.
 */
export function historyRows(history: EpochRecord[]): Record<string, number>[] {
  return history.map(
    ({ epoch, train, test, beta, steps, seconds }) =>
      flattenRecord({ epoch, train, ...(test ? { test } : {}), beta, steps, seconds }, "_") as Record<
        string,
        number
      >,
  );
}

/**
 * The true test loss, labelled: "-ELBO 105.72 = recon 80.49 + kl 25.23" for a VAE; for an AE or
 * DAE, which have no KL term and so no ELBO, "-log p(x|z) 98.20".
 */
export function testLossText(m: Metrics, kind: ModelKind = "vae"): string {
  return kind === "vae"
    ? `-ELBO ${m.loss.toFixed(2)} = recon ${m.recon.toFixed(2)} + kl ${m.kl.toFixed(2)}`
    : `-log p(x|z) ${m.recon.toFixed(2)}`;
}

/**
 * One line per epoch: the objective that was optimised on the training batches (beta in the sum)
 * and, labelled, the true loss on the test set (see {@link testLossText}), and the time.
 */
export function formatEpoch(record: EpochRecord, epochs?: number, kind: ModelKind = "vae"): string {
  const test = record.test ? ` | test ${testLossText(record.test, kind)}` : "";
  const of = epochs ? `/${epochs}` : "";
  return `epoch ${record.epoch}${of}  train ${objectiveText(record.train, record.beta, kind)}${test}  ${record.seconds.toFixed(1)} s`;
}
