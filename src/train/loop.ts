/**
 * The training loop: epochs of a training step (`trainStep` unless you pass your own), with
 * per-epoch train and test numbers in a history of plain objects, progress lines, a clear stop on
 * NaN/Inf, stopping between epochs, and resuming a saved run. Every random draw comes from the
 * run's seed, one stream per purpose and epoch: data order, eps, input noise, binarization.
 *
 * The loop itself is {@link train}; what it calls is named below it (the run's set-up and saved
 * state in run.ts, the checks of its options in options.ts, divergence in divergence.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import type { TrainBatch } from "../model/losses";
import { type ImageSet, batches, binarize } from "../data/batches";
import { type Rng, randomStream } from "../random";
import { type Metrics, evaluateElbo } from "../eval/loss";
import { yieldToEventLoop } from "../event-loop";
import { NonFiniteLossError, type StepResult } from "./step";
import type { StepProgress } from "./progress";
import { type EpochRecord, formatEpoch } from "./history";
import type { TrainOptions } from "./options";
import { type Run, startRun, trainingState } from "./run";
import { checkFinite, trainingStopped } from "./divergence";
import type { TrainingState } from "./resume";

/** What {@link train} returns. */
export interface TrainResult {
  /** Every finished epoch (a resumed run's earlier ones first). */
  history: EpochRecord[];
  /** True when stopped early by `signal` or `shouldStop`. */
  stopped: boolean;
  /** The optimiser, to continue training where it left off. */
  optimizer: tf.Optimizer;
  /** Where training stands, to save beside the model; undefined when the optimizer is not Adam. */
  state?: TrainingState;
}

/**
 * Trains `model` on `trainSet` until `epochs` epochs are done and returns the history. The model
 * keeps what it learnt whether training finishes, is stopped, or fails on a NaN (then the weights
 * are those before the bad step). Every option is checked before anything is allocated, and a
 * failure frees what training allocated (the optimizer, unless you passed it).
 */
export async function train(model: Model, trainSet: ImageSet, options: TrainOptions): Promise<TrainResult> {
  const run = await startRun(model, trainSet, options);
  let stopped = false;
  try {
    for (let epoch = run.epoch + 1; epoch <= run.epochs; epoch++) {
      stopped = stopRequested(run.history, options);
      if (stopped) break;
      const start = Date.now();
      const streams = epochStreams(run.seed, epoch);
      const means = new RunningMeans();
      for (const { x, indices } of batches(trainSet, run.batchSize, { rng: streams.order })) {
        const beta = betaAt(run, epoch);
        const batch = trainBatch(run, x, trainSet.labels, indices, streams);
        means.add(takeStep(run, batch, x, beta, `at epoch ${epoch}, step ${means.steps + 1}`), x.shape[0]);
        run.steps++;
        run.progress.step(stepProgress(run, epoch, means, beta, start));
        await yieldToEventLoop(); // lets notebooks show progress and Ctrl-C handlers run
      }
      const record = means.epochRecord(epoch, start);
      if (options.testSet) record.test = evaluateElbo(model, options.testSet, { seed: run.seed });
      checkFinite(model, record, run);
      run.history.push(record);
      run.epoch = epoch;
      run.log(formatEpoch(record, run.epochs, model.config.kind));
      await options.onEpochEnd?.(record, await trainingState(run));
      await yieldToEventLoop();
    }
    if (stopped) run.log(`stopped after epoch ${run.epoch}; the model keeps what it has learnt.`);
    return { history: run.history, stopped, optimizer: run.optimizer, state: await trainingState(run) };
  } catch (err) {
    if (!options.optimizer) run.optimizer.dispose();
    throw err;
  } finally {
    run.progress.done();
  }
}

/** True when the caller's signal is aborted, or its shouldStop says so after the last epoch. */
function stopRequested(history: EpochRecord[], options: TrainOptions): boolean {
  const last = history.at(-1);
  return Boolean(options.signal?.aborted || (last && options.shouldStop?.(last)));
}

/** The random streams of one epoch. */
interface EpochStreams {
  order: Rng;
  eps: Rng;
  noise: Rng;
  binarization: Rng;
}

function epochStreams(seed: number, epoch: number): EpochStreams {
  return {
    order: randomStream(seed, "order", epoch),
    eps: randomStream(seed, "eps", epoch),
    noise: randomStream(seed, "noise", epoch),
    binarization: randomStream(seed, "binarization", epoch),
  };
}

/** Running means over an epoch's steps, weighted by batch size; `beta` is the last step's. */
class RunningMeans {
  steps = 0;
  beta = 0;
  private sums = { loss: 0, recon: 0, kl: 0 };
  private seen = 0;

  add(result: StepResult & { beta: number }, n: number): void {
    this.sums.loss += result.loss * n;
    this.sums.recon += result.recon * n;
    this.sums.kl += result.kl * n;
    this.seen += n;
    this.steps++;
    this.beta = result.beta;
  }

  value(): Metrics {
    const { loss, recon, kl } = this.sums;
    return { loss: loss / this.seen, recon: recon / this.seen, kl: kl / this.seen };
  }

  /** The epoch's record (without the test numbers), timed from `start`. */
  epochRecord(epoch: number, start: number): EpochRecord {
    const seconds = (Date.now() - start) / 1000;
    return { epoch, train: this.value(), beta: this.beta, steps: this.steps, seconds };
  }
}

/** The KL weight of the next step, checked: a schedule of the reader's may return anything. */
function betaAt(run: Run, epoch: number): number {
  const beta = run.beta({ step: run.steps, epoch, stepsPerEpoch: run.stepsPerEpoch });
  if (!(Number.isFinite(beta) && beta >= 0)) {
    throw new Error(
      `train: the beta schedule gave ${beta} at step ${run.steps} (epoch ${epoch}); beta must be a finite number >= 0.`,
    );
  }
  return beta;
}

/** The step's inputs from a batch of images: binarized target, corrupted input, eps, labels. */
function trainBatch(
  run: Run,
  images: tf.Tensor2D,
  labels: Uint8Array | undefined,
  indices: Int32Array,
  streams: EpochStreams,
): TrainBatch {
  const x = run.binarization === "dynamic" ? binarize(images, streams.binarization) : images;
  const batch: TrainBatch = { x, input: run.noise ? run.noise(x, streams.noise) : x };
  const { kind, latentDim } = run.model.config;
  if (kind === "vae")
    batch.eps = tf.randomNormal([x.shape[0], latentDim], 0, 1, "float32", streams.eps.seed());
  if (labels)
    batch.labels = tf.tensor1d(
      Int32Array.from(indices, (i) => labels[i]),
      "int32",
    );
  return batch;
}

/**
 * Runs the step on `batch`, then frees what {@link trainBatch} made (not `images`, which
 * `batches` owns). A NaN/Inf loss becomes a {@link TrainingError} saying `where`.
 */
function takeStep(
  run: Run,
  batch: TrainBatch,
  images: tf.Tensor2D,
  beta: number,
  where: string,
): StepResult & { beta: number } {
  const { reconLoss, klTerm } = run;
  try {
    return { ...run.trainStep(run.model, run.optimizer, batch, { reconLoss, klTerm, beta }), beta };
  } catch (err) {
    if (err instanceof NonFiniteLossError)
      throw trainingStopped(`${where}/${run.stepsPerEpoch}`, err.message, run);
    throw err;
  } finally {
    const made = [batch.x, batch.input, batch.eps, batch.labels].filter((t) => t && t !== images);
    tf.dispose(made as tf.Tensor[]);
  }
}

/** Where training stands after a step, with the time per step and the time left. */
function stepProgress(
  run: Run,
  epoch: number,
  means: RunningMeans,
  beta: number,
  start: number,
): StepProgress {
  const msPerStep = (Date.now() - start) / means.steps;
  const stepsLeft = (run.epochs - epoch + 1) * run.stepsPerEpoch - means.steps;
  return {
    epoch,
    epochs: run.epochs,
    step: means.steps,
    stepsPerEpoch: run.stepsPerEpoch,
    ...means.value(),
    beta,
    msPerStep,
    secondsLeft: (stepsLeft * msPerStep) / 1000,
  };
}
