/**
 * The GAN's training loop, the counterpart of `train` for a VAE: epochs of rounds ({@link ganStep}
 * unless you pass your own), a history of plain numbers, and the same random streams as `train`
 * for the same seed (data order per epoch, and z from the stream a VAE draws its eps from), so a
 * GAN and a VAE with one seed and batch size see the same batches in the same order.
 */
import * as tf from "@tensorflow/tfjs";
import type { Gan } from "./gan";
import {
  type GanAdamSettings,
  type GanOptimizers,
  type GanStepFunction,
  type GanStepResult,
  createGanOptimizers,
  ganStep,
} from "./gan-steps";
import { type ImageSet, batches, checkImageSet } from "../data/batches";
import { randomStream } from "../random";
import { yieldToEventLoop } from "../event-loop";

/** One epoch in a GAN's history: the means over its rounds, and its time. */
export interface GanEpochRecord extends GanStepResult {
  epoch: number;
  steps: number;
  /** Wall-clock seconds of the epoch's rounds. */
  seconds: number;
}

/** Options of {@link trainGan}. */
export interface GanTrainOptions {
  epochs: number;
  /** Default 128 (as `train`). */
  batchSize?: number;
  /** Seed of the data order and of z. Default: the GAN's seed (which fixed its initial weights). */
  seed?: number;
  /** Adam's settings to change from `GAN_ADAM`; not with `optimizers`. */
  adam?: Partial<GanAdamSettings>;
  /** Continue with these optimisers (e.g. from a previous call). */
  optimizers?: GanOptimizers;
  /** The round to run (default {@link ganStep}); the notebook passes the one it defines. */
  step?: GanStepFunction;
  /** Where epoch lines go (default console.log). */
  log?: (line: string) => void;
  /** Called after each epoch, e.g. to score samples as training goes. */
  onEpochEnd?: (record: GanEpochRecord) => void | Promise<void>;
}

/** What {@link trainGan} returns. */
export interface GanTrainResult {
  history: GanEpochRecord[];
  optimizers: GanOptimizers;
}

/** One line per epoch. */
export function formatGanEpoch(r: GanEpochRecord, epochs?: number): string {
  const of = epochs ? `/${epochs}` : "";
  return (
    `epoch ${r.epoch}${of}  D loss ${r.dLoss.toFixed(3)}  G loss ${r.gLoss.toFixed(3)}  ` +
    `D(x) ${r.dReal.toFixed(3)}  D(G(z)) ${r.dFake.toFixed(3)}  ${r.seconds.toFixed(1)} s`
  );
}

/**
 * Trains `gan` on `trainSet` for `epochs` epochs. A round that meets NaN/Inf stops training with
 * an error naming the epoch and step (the weights are those before that round); optimisers
 * created here are freed on error.
 */
export async function trainGan(
  gan: Gan,
  trainSet: ImageSet,
  options: GanTrainOptions,
): Promise<GanTrainResult> {
  const { batchSize, seed } = checkGanOptions(gan, trainSet, options);
  const optimizers = options.optimizers ?? createGanOptimizers(options.adam);
  const step = options.step ?? ganStep;
  const log = options.log ?? console.log;
  const stepsPerEpoch = Math.ceil(trainSet.n / batchSize);
  const history: GanEpochRecord[] = [];
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const start = Date.now();
      const zStream = randomStream(seed, "eps", epoch);
      const sums = { dLoss: 0, gLoss: 0, dReal: 0, dFake: 0 };
      let i = 0;
      for (const { x } of batches(trainSet, batchSize, { rng: randomStream(seed, "order", epoch) })) {
        const z = tf.randomNormal([x.shape[0], gan.config.latentDim], 0, 1, "float32", zStream.seed());
        let result: GanStepResult;
        try {
          result = step(gan, optimizers, { x, z: z as tf.Tensor2D });
        } catch (err) {
          const where = `epoch ${epoch}, step ${i + 1}/${stepsPerEpoch}`;
          const why = err instanceof Error ? err.message : String(err);
          throw new Error(`Training the GAN stopped at ${where}: ${why}`, { cause: err });
        } finally {
          z.dispose();
        }
        for (const key of Object.keys(sums) as (keyof GanStepResult)[]) sums[key] += result[key];
        i++;
        await yieldToEventLoop(); // lets notebooks show output and Ctrl-C handlers run
      }
      const means = {
        dLoss: sums.dLoss / i,
        gLoss: sums.gLoss / i,
        dReal: sums.dReal / i,
        dFake: sums.dFake / i,
      };
      const record: GanEpochRecord = { epoch, ...means, steps: i, seconds: (Date.now() - start) / 1000 };
      history.push(record);
      log(formatGanEpoch(record, options.epochs));
      if (options.onEpochEnd) await options.onEpochEnd(record);
    }
    return { history, optimizers };
  } catch (err) {
    if (!options.optimizers) [optimizers.discriminator, optimizers.generator].forEach((o) => o.dispose());
    throw err;
  }
}

/** The run's batch size and seed, every option checked before anything is allocated. */
function checkGanOptions(gan: Gan, trainSet: ImageSet, options: GanTrainOptions) {
  const must = (ok: boolean, problem: string) => {
    if (!ok) throw new Error(`trainGan: ${problem}`);
  };
  checkImageSet(trainSet, "training set");
  const [rows, cols, channels] = gan.config.inputShape;
  must(
    trainSet.rows === rows && trainSet.cols === cols && trainSet.channels === channels,
    `the images are ${trainSet.rows}x${trainSet.cols}x${trainSet.channels} but the GAN makes ` +
      `${rows}x${cols}x${channels}: build it with createGan({ inputShape: [${trainSet.rows}, ${trainSet.cols}, ${trainSet.channels}] }).`,
  );
  const batchSize = options.batchSize ?? 128;
  for (const [name, value, least] of [
    ["epochs", options.epochs, 0],
    ["batchSize", batchSize, 1],
  ] as const) {
    must(Number.isInteger(value) && value >= least, `${name} must be an integer >= ${least}, got ${value}.`);
  }
  must(
    !(options.optimizers && options.adam),
    "give optimizers or adam, not both: optimizers have their own settings.",
  );
  const seed = options.seed ?? gan.config.seed;
  must(Number.isFinite(seed), `seed must be a finite number, got ${seed}.`);
  return { batchSize: Math.min(batchSize, trainSet.n), seed };
}
