/**
 * How useful are the codes? Two classifiers trained on labelled codes and scored on test codes: a
 * linear probe (softmax regression with an L2 penalty chosen on a held-out part of the training
 * codes) and k-nearest neighbours.
 */
import * as tf from "@tensorflow/tfjs";
import { permutation, randomStream } from "../random";
import type { Codes } from "./codes";
import { prepareReferences, squaredDistances } from "./nearest";

/** The L2 penalties a linear probe tries by default, strongest first. */
export const PROBE_PENALTIES: readonly number[] = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4];

/** Options of {@link linearProbe}. */
export interface ProbeOptions {
  /**
   * L2 penalties λ to try (default {@link PROBE_PENALTIES}); the objective is the mean
   * cross-entropy plus (λ/2) |W|^2 on the weights of the standardised codes.
   */
  penalties?: readonly number[];
  /** Share of the training codes held out to choose λ (default 0.2). */
  validationShare?: number;
  /** Full-batch Adam steps of a fit from zero weights (default 300). */
  steps?: number;
  /** Steps of each next fit along the validation path, from the previous penalty's weights (default 100). */
  pathSteps?: number;
  /** Adam's learning rate (default 0.05). */
  learningRate?: number;
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  /** Seed of the validation split (its order stream). */
  seed?: number;
}

/** What a linear probe found. */
export interface ProbeResult {
  /** Test accuracy of the probe refitted on all training codes with the chosen penalty. */
  accuracy: number;
  /** The penalty λ with the best validation accuracy (the strongest among ties). */
  penalty: number;
  /** Validation accuracy of each penalty tried, strongest first (empty when only one was given). */
  validation: { penalty: number; accuracy: number }[];
}

/**
 * Linear separability of the classes in code space: softmax regression on the training codes,
 * each dimension standardised with the training mean and a standard deviation floored at a tenth
 * of the typical one (so that a dimension nearly constant in training cannot blow up at test
 * time), with an L2 penalty chosen on a validation split; its accuracy on the test codes.
 */
export function linearProbe(trainCodes: Codes, testCodes: Codes, options: ProbeOptions = {}): ProbeResult {
  checkCodes(trainCodes, testCodes);
  const settings = probeSettings(trainCodes, options);
  let validation: ProbeResult["validation"] = [];
  if (settings.penalties.length > 1) {
    const { fit, held } = validationSplit(trainCodes, settings.validationShare, options.seed ?? 0);
    validation = fitAndScore(fit, held, settings.penalties, settings);
  }
  const best = validation.reduce(
    (a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.penalty > a.penalty) ? b : a),
    { penalty: settings.penalties[0], accuracy: -1 },
  );
  const [tested] = fitAndScore(trainCodes, testCodes, [best.penalty], settings);
  return { accuracy: tested.accuracy, penalty: best.penalty, validation };
}

/** The test accuracy of {@link linearProbe}. */
export function linearProbeAccuracy(trainCodes: Codes, testCodes: Codes, options: ProbeOptions = {}): number {
  return linearProbe(trainCodes, testCodes, options).accuracy;
}

/** How a probe fits: Adam's steps and learning rate. */
interface FitSettings {
  steps: number;
  pathSteps: number;
  learningRate: number;
}

interface ProbeSettings extends FitSettings {
  /** Strongest first, each once. */
  penalties: readonly number[];
  validationShare: number;
  classes: number;
}

function probeSettings(trainCodes: Codes, options: ProbeOptions): ProbeSettings {
  const penalties = options.penalties ?? PROBE_PENALTIES;
  if (penalties.length === 0 || !penalties.every((p) => Number.isFinite(p) && p >= 0))
    throw new Error(`penalties must be one or more numbers >= 0, got [${penalties}].`);
  const validationShare = options.validationShare ?? 0.2;
  if (!(validationShare > 0 && validationShare < 1))
    throw new Error(`validationShare must be between 0 and 1, got ${validationShare}.`);
  const { steps = 300, pathSteps = 100, learningRate = 0.05 } = options;
  for (const [name, value] of Object.entries({ steps, pathSteps }))
    if (!(Number.isInteger(value) && value >= 1))
      throw new Error(`${name} must be a positive integer, got ${value}.`);
  if (!(learningRate > 0)) throw new Error(`learningRate must be positive, got ${learningRate}.`);
  const largest = trainCodes.labels.reduce((m, l) => Math.max(m, l), 0);
  const classes = options.classes ?? largest + 1;
  if (!(Number.isInteger(classes) && classes > largest))
    throw new Error(`classes = ${classes}, but the training codes have label ${largest}.`);
  const strongestFirst = [...new Set(penalties)].sort((a, b) => b - a);
  return { penalties: strongestFirst, validationShare, steps, pathSteps, learningRate, classes };
}

/** The training codes split in a seeded random order: `held` (the validation share) and `fit`. */
function validationSplit(codes: Codes, share: number, seed: number): { fit: Codes; held: Codes } {
  const heldCount = Math.round(share * codes.n);
  if (heldCount < 1 || heldCount >= codes.n)
    throw new Error(
      `${codes.n} training codes are too few to hold out ${share} of them for validation: pass more codes, or one penalty.`,
    );
  const order = permutation(codes.n, randomStream(seed, "order"));
  const rows = (indices: Int32Array): Codes => {
    const values = new Float32Array(indices.length * codes.dim);
    indices.forEach((i, r) =>
      values.set(codes.values.subarray(i * codes.dim, (i + 1) * codes.dim), r * codes.dim),
    );
    return {
      values,
      labels: Uint8Array.from(indices, (i) => codes.labels[i]),
      n: indices.length,
      dim: codes.dim,
    };
  };
  return { held: rows(order.subarray(0, heldCount)), fit: rows(order.subarray(heldCount)) };
}

/**
 * Fits the probe on `fit` (standardised with its own statistics) for each penalty, along one path
 * (strongest first), and returns each fit's accuracy on `score`.
 */
function fitAndScore(
  fit: Codes,
  score: Codes,
  penalties: readonly number[],
  settings: ProbeSettings,
): { penalty: number; accuracy: number }[] {
  const { x, xScore, y } = tf.tidy(() => {
    const raw = tf.tensor2d(fit.values, [fit.n, fit.dim]);
    const { mean, scale } = standardisation(raw);
    return {
      x: tf.div(tf.sub(raw, mean), scale) as tf.Tensor2D,
      xScore: tf.div(tf.sub(tf.tensor2d(score.values, [score.n, score.dim]), mean), scale) as tf.Tensor2D,
      y: tf.oneHot(tf.tensor1d(fit.labels, "int32"), settings.classes) as tf.Tensor2D,
    };
  });
  const scores: { penalty: number; accuracy: number }[] = [];
  try {
    fitPenaltyPath(x, y, penalties, settings, (penalty, w, b) => {
      const predicted = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xScore, w), b), 1));
      scores.push({ penalty, accuracy: fractionEqual(predicted.dataSync(), score.labels) });
      predicted.dispose();
    });
    return scores;
  } finally {
    tf.dispose([x, xScore, y]);
  }
}

/**
 * Per-dimension mean and scale of codes `[n, dim]`: the standard deviation, floored at a tenth of
 * the root mean square of all dimensions' standard deviations (1 where every dimension is constant).
 */
export function standardisation(x: tf.Tensor2D): { mean: tf.Tensor1D; scale: tf.Tensor1D } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, 0);
    const typical = tf.sqrt(tf.mean(variance));
    const floor = tf.where(tf.greater(typical, 0), tf.mul(0.1, typical), tf.onesLike(typical));
    return { mean: mean as tf.Tensor1D, scale: tf.maximum(tf.sqrt(variance), floor) as tf.Tensor1D };
  });
}

/**
 * Softmax regression by full-batch Adam: minimises the mean cross-entropy of softmax(x W + b)
 * against the one-hot labels `y` plus (penalty/2) |W|^2, for each penalty in turn. The first fit
 * starts from zero weights and takes `steps` steps; each next one starts where the previous ended
 * (a nearby penalty moves the optimum only a little) and takes `pathSteps`. `visit` sees the
 * weights after each penalty's fit; they are disposed at the end.
 */
export function fitPenaltyPath(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  penalties: readonly number[],
  settings: FitSettings,
  visit: (penalty: number, w: tf.Tensor2D, b: tf.Tensor1D) => void,
): void {
  const [n, dim] = x.shape;
  // tidy disposes the initial values; the variables outlive it.
  const [w, b] = tf.tidy(() => [
    tf.variable(tf.zeros([dim, y.shape[1]])),
    tf.variable(tf.zeros([y.shape[1]])),
  ]);
  const xT = tf.transpose(x);
  const optimizer = tf.train.adam(settings.learningRate);
  try {
    penalties.forEach((penalty, i) => {
      for (let step = 0; step < (i === 0 ? settings.steps : settings.pathSteps); step++) {
        const grads = tf.tidy(() => {
          // The gradient of the mean cross-entropy with respect to the logits: (softmax - y) / n.
          const g = tf.div(tf.sub(tf.softmax(tf.add(tf.matMul(x, w), b)), y), n);
          return [
            { name: w.name, tensor: tf.add(tf.matMul(xT, g), tf.mul(penalty, w)) },
            { name: b.name, tensor: tf.sum(g, 0) },
          ];
        });
        optimizer.applyGradients(grads);
        tf.dispose(grads.map((g) => g.tensor));
      }
      visit(penalty, w as tf.Tensor2D, b as tf.Tensor1D);
    });
  } finally {
    tf.dispose([w, b, xT]);
    optimizer.dispose();
  }
}

/**
 * Test accuracy of k-nearest-neighbour voting (Euclidean distance in code space; ties go to the
 * class of the nearest neighbour among the tied ones).
 */
export function knnAccuracy(trainCodes: Codes, testCodes: Codes, k = 5, chunk = 256): number {
  checkCodes(trainCodes, testCodes);
  if (!(Number.isInteger(k) && k >= 1 && k <= trainCodes.n))
    throw new Error(`k must be an integer in 1..${trainCodes.n}, got ${k}.`);
  const train = tf.tensor2d(trainCodes.values, [trainCodes.n, trainCodes.dim]);
  const { referenceT, referenceSq } = prepareReferences(train);
  train.dispose();
  let correct = 0;
  try {
    for (let start = 0; start < testCodes.n; start += chunk) {
      const rows = Math.min(chunk, testCodes.n - start);
      const nearest = tf.tidy(() => {
        const query = tf.tensor2d(
          testCodes.values.subarray(start * testCodes.dim, (start + rows) * testCodes.dim),
          [rows, testCodes.dim],
        );
        return tf.topk(tf.neg(squaredDistances(query, referenceT, referenceSq)), k).indices;
      });
      const indices = nearest.dataSync();
      nearest.dispose();
      for (let r = 0; r < rows; r++) {
        const votes = indices.subarray(r * k, (r + 1) * k).map((i) => trainCodes.labels[i]);
        if (majority(votes) === testCodes.labels[start + r]) correct++;
      }
    }
  } finally {
    tf.dispose([referenceT, referenceSq]);
  }
  return correct / testCodes.n;
}

/** The most frequent label, earlier (nearer) entries winning ties. */
function majority(labels: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  let best = labels[0];
  for (let i = 0; i < labels.length; i++) {
    const c = (counts.get(labels[i]) ?? 0) + 1;
    counts.set(labels[i], c);
    if (c > (counts.get(best) ?? 0)) best = labels[i];
  }
  return best;
}

function fractionEqual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < b.length; i++) if (a[i] === b[i]) same++;
  return same / b.length;
}

function checkCodes(trainCodes: Codes, testCodes: Codes): void {
  if (trainCodes.n === 0 || testCodes.n === 0)
    throw new Error("Probes need non-empty training and test codes.");
  if (trainCodes.dim !== testCodes.dim)
    throw new Error(
      `Training codes have ${trainCodes.dim} dimensions but test codes ${testCodes.dim}: encode both with the same model.`,
    );
  for (const [codes, what] of [
    [trainCodes, "training"],
    [testCodes, "test"],
  ] as const) {
    if (codes.values.length !== codes.n * codes.dim || codes.labels.length !== codes.n)
      throw new Error(
        `The ${what} codes hold ${codes.values.length} values and ${codes.labels.length} labels for n = ${codes.n} rows of ${codes.dim}.`,
      );
  }
}
