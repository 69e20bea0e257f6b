/**
 * Where training stands after an epoch, and how to continue from there. Every random stream of
 * epoch e is derived from (seed, e), so an epoch boundary needs no generator state: the epoch, the
 * global step (beta schedules see it) and Adam's state are enough for a resumed run to compute the
 * same bits as one that never stopped.
 */
import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, configDifference } from "../model/config";
import type { EpochRecord } from "./history";

/** Adam's state: its settings, step count, bias-correction powers and moments. */
export interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Updates applied so far. */
  iterations: number;
  /** beta1^t and beta2^t as Adam multiplied them up in float32, to the last bit. */
  accBeta1: number;
  accBeta2: number;
  /** First and second moments, one per trainable variable (in `trainableVariables` order). */
  m: Moment[];
  v: Moment[];
}

/** One moment tensor's values. */
export interface Moment {
  shape: number[];
  values: Float32Array;
}

/** Where a run stands after an epoch: what a checkpoint keeps so that `train` can resume it. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Training steps completed (the step a beta schedule sees next). */
  step: number;
  seed: number;
  /** Images per batch (after clipping to the training set's size). */
  batchSize: number;
  /** Number of training images. */
  trainSize: number;
  binarization: "none" | "dynamic";
  /** The config of the model being trained. */
  config: ModelConfig;
  /** Every finished epoch, the first included. */
  history: EpochRecord[];
  adam: AdamState;
}

/** The private fields of tfjs's AdamOptimizer that hold beta1^t and beta2^t. */
interface AccumulatedBetas {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/**
 * tfjs's `setWeights` recomputes beta^t as pow(beta, t + 1), which in float32 differs in the last
 * bits from the product Adam keeps while training; resuming to the same bits needs the stored ones.
 */
function accumulatedBetas(optimizer: tf.AdamOptimizer): AccumulatedBetas {
  const { accBeta1, accBeta2 } = optimizer as unknown as Partial<AccumulatedBetas>;
  if (!(accBeta1 instanceof tf.Variable && accBeta2 instanceof tf.Variable)) {
    throw new Error(
      `This TensorFlow.js (${tf.version.tfjs}) has no AdamOptimizer.accBeta1/accBeta2, where tfjs 4.22 keeps beta^t: ` +
        "training cannot be saved for resuming bit for bit. Install the versions in package-lock.json (npm ci).",
    );
  }
  return { accBeta1, accBeta2 };
}

/** True when `train` can save this optimizer's state for resuming (tfjs's Adam). */
export function isAdam(optimizer: tf.Optimizer): optimizer is tf.AdamOptimizer {
  return optimizer instanceof tf.AdamOptimizer;
}

/** Reads Adam's state (copies: training on does not change it). */
export async function adamState(optimizer: tf.AdamOptimizer): Promise<AdamState> {
  const { accBeta1, accBeta2 } = accumulatedBetas(optimizer);
  const [iterations, ...moments] = await optimizer.getWeights();
  const count = (await iterations.tensor.data())[0];
  iterations.tensor.dispose();
  const copy = ({ tensor }: { tensor: tf.Tensor }): Moment => ({
    shape: tensor.shape,
    values: (tensor.dataSync() as Float32Array).slice(),
  });
  const half = moments.length / 2;
  const { learningRate, beta1, beta2, epsilon } = optimizer.getConfig() as Record<string, number>;
  return {
    learningRate,
    beta1,
    beta2,
    epsilon,
    iterations: count,
    accBeta1: accBeta1.dataSync()[0],
    accBeta2: accBeta2.dataSync()[0],
    m: moments.slice(0, half).map(copy),
    v: moments.slice(half).map(copy),
  };
}

/**
 * A new Adam in exactly the saved state, for `variables` (the model's trainable variables, whose
 * shapes the moments must have). Nothing is left allocated when it throws.
 */
export async function restoreAdam(state: AdamState, variables: tf.Variable[]): Promise<tf.AdamOptimizer> {
  const problem = momentsProblem(state, variables);
  if (problem) throw new Error(`The saved optimizer state does not fit this model: ${problem}.`);
  const optimizer = tf.train.adam(
    state.learningRate,
    state.beta1,
    state.beta2,
    state.epsilon,
  ) as tf.AdamOptimizer;
  try {
    const { accBeta1, accBeta2 } = accumulatedBetas(optimizer);
    if (state.m.length > 0) {
      const iterations = tf.scalar(state.iterations, "int32");
      const moments = [...state.m, ...state.v].map(({ shape, values }) => tf.tensor(values, shape));
      const named = moments.map((tensor, i) => {
        const variable = variables[i % variables.length];
        return { name: `${variable.name}/${i < variables.length ? "m" : "v"}`, tensor };
      });
      try {
        await optimizer.setWeights([{ name: "iter", tensor: iterations }, ...named]);
      } finally {
        tf.dispose([iterations, ...moments]); // the optimizer's variables keep their own references
      }
    }
    tf.tidy(() => {
      accBeta1.assign(tf.scalar(state.accBeta1));
      accBeta2.assign(tf.scalar(state.accBeta2));
    });
    return optimizer;
  } catch (err) {
    optimizer.dispose();
    throw err;
  }
}

/** Why the moments do not fit the variables, or undefined when they do (or Adam never ran). */
function momentsProblem(state: AdamState, variables: tf.Variable[]): string | undefined {
  if (state.m.length === 0 && state.v.length === 0) return undefined;
  if (state.m.length !== variables.length || state.v.length !== variables.length) {
    return `${state.m.length} first and ${state.v.length} second moments for ${variables.length} trainable variables`;
  }
  for (let i = 0; i < variables.length; i++) {
    for (const moment of [state.m[i], state.v[i]]) {
      if (`${moment.shape}` !== `${variables[i].shape}`)
        return `trainable variable ${i} has shape [${variables[i].shape}] but a moment of shape [${moment.shape}]`;
    }
  }
  return undefined;
}

/** What a resumed run is checked against: the settings `train` was given. */
export interface RunSettings {
  config: ModelConfig;
  seed: number;
  batchSize: number;
  trainSize: number;
  binarization: "none" | "dynamic";
  epochs: number;
  learningRate?: number;
}

/** The parts of a training state that must agree with one another. */
type Counts = Pick<TrainingState, "epoch" | "step" | "batchSize" | "trainSize"> & {
  history: Pick<EpochRecord, "epoch" | "steps">[];
  adam: Pick<AdamState, "iterations">;
};

/**
 * Why a training state contradicts itself, or undefined: the epochs done, the history, the steps
 * and Adam's updates must agree, or a resumed run would start from the wrong place and number its
 * epochs wrongly (a state edited by hand, or damaged).
 */
export function inconsistency(state: Counts): string | undefined {
  const { epoch, step, history, batchSize, trainSize } = state;
  if (history.length !== epoch) return `epoch is ${epoch} but the history holds ${history.length} epochs`;
  const perEpoch = Math.ceil(trainSize / batchSize);
  for (const [i, record] of history.entries()) {
    if (record.epoch !== i + 1) return `history entry ${i + 1} is epoch ${record.epoch}, expected ${i + 1}`;
    if (record.steps !== perEpoch)
      return `epoch ${i + 1} ran ${record.steps} steps, but ${trainSize} images in batches of ${batchSize} make ${perEpoch}`;
  }
  if (step !== epoch * perEpoch)
    return `step is ${step}, but ${epoch} epochs of ${perEpoch} steps make ${epoch * perEpoch}`;
  if (state.adam.iterations !== step)
    return `Adam made ${state.adam.iterations} updates in the ${step} steps`;
  return undefined;
}

/**
 * Throws a clear error unless `state` can continue with these settings: a state that agrees with
 * itself, the same model, seed, batch size, training-set size, binarization and learning rate,
 * and no fewer epochs in all than the ones done.
 */
export function checkResume(state: TrainingState, run: RunSettings): void {
  const problem = inconsistency(state);
  if (problem) throw new Error(`Cannot resume: the training state contradicts itself: ${problem}.`);
  if (run.epochs < state.epoch) {
    throw new Error(
      `Cannot resume: the saved run has done ${state.epoch} epochs, more than epochs = ${run.epochs}. ` +
        `epochs counts all epochs, the done ones included: give ${state.epoch} or more.`,
    );
  }
  const fail = (what: string) => {
    throw new Error(
      `Cannot resume: ${what}. A resumed run must continue with the settings it was started with; ` +
        "start a new run instead to change them.",
    );
  };
  const model = configDifference(state.config, run.config, ["saved run", "model given"]);
  if (model) fail(model);
  for (const key of ["seed", "batchSize", "trainSize", "binarization"] as const) {
    if (state[key] !== run[key]) fail(`${key} is ${state[key]} in the saved run but ${run[key]} now`);
  }
  if (run.learningRate !== undefined && run.learningRate !== state.adam.learningRate)
    fail(`learningRate is ${state.adam.learningRate} in the saved run but ${run.learningRate} now`);
}
