/**
 * How useful are the codes? Encode a labelled set, then measure how well a linear classifier
 * (softmax regression) and k-nearest neighbours predict the labels from the codes.
 */
import * as tf from "@tensorflow/tfjs";
import { randomStream } from "../random";
import { type Model, encode } from "../model/model";
import { type ImageSet, batches, checkImageSet } from "../data/batches";

/** Codes of a set: `n` rows of `dim` values (the encoder's `mu`), with the set's labels. */
export interface Codes {
  values: Float32Array;
  labels: Uint8Array;
  n: number;
  dim: number;
}

/** Encodes every image of a labelled set to its code `mu`. */
export function encodeSet(model: Model, set: ImageSet, batchSize = 1000): Codes {
  checkImageSet(set, "set to encode");
  if (!set.labels) throw new Error("encodeSet needs a labelled set (set.labels) to evaluate probes.");
  const dim = model.config.latentDim;
  const values = new Float32Array(set.n * dim);
  let row = 0;
  for (const { x } of batches(set, batchSize)) {
    const mu = tf.tidy(() => encode(model, x).mu);
    values.set(mu.dataSync(), row * dim);
    mu.dispose();
    row += x.shape[0];
  }
  return { values, labels: set.labels, n: set.n, dim };
}

/** Options of {@link linearProbeAccuracy}. */
export interface ProbeOptions {
  /** Full-batch Adam steps (default 300). */
  steps?: number;
  /** Default 0.05. */
  learningRate?: number;
  /** Number of classes (default: largest label + 1). */
  classes?: number;
  /** Seed of the initial weights. */
  seed?: number;
}

/**
 * Test accuracy of softmax regression trained on the training codes (standardised with the
 * training mean and std). Linear separability of the classes in code space.
 */
export function linearProbeAccuracy(trainCodes: Codes, testCodes: Codes, options: ProbeOptions = {}): number {
  checkCodes(trainCodes, testCodes);
  const classes = options.classes ?? Math.max(...trainCodes.labels) + 1;
  const optimizer = tf.train.adam(options.learningRate ?? 0.05);
  // tidy disposes the initial values; variables outlive it.
  const w = tf.tidy(() =>
    tf.variable(
      tf.randomNormal(
        [trainCodes.dim, classes],
        0,
        0.01,
        "float32",
        randomStream(options.seed ?? 0, "weights").seed(),
      ),
    ),
  );
  const b = tf.tidy(() => tf.variable(tf.zeros([classes])));
  try {
    const { mean, variance } = tf.tidy(() =>
      tf.moments(tf.tensor2d(trainCodes.values, [trainCodes.n, trainCodes.dim]), 0),
    );
    const std = tf.tidy(() => tf.sqrt(tf.add(variance, 1e-8)));
    const standardise = (c: Codes) =>
      tf.tidy(() => tf.div(tf.sub(tf.tensor2d(c.values, [c.n, c.dim]), mean), std));
    const x = standardise(trainCodes);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(trainCodes.labels, "int32"), classes));
    for (let step = 0; step < (options.steps ?? 300); step++) {
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(x, w), b)) as tf.Scalar,
        false,
        [w, b],
      );
    }
    const xTest = standardise(testCodes);
    const predicted = tf.tidy(() => tf.argMax(tf.add(tf.matMul(xTest, w), b), 1));
    const accuracy = fractionEqual(predicted.dataSync(), testCodes.labels);
    tf.dispose([mean, variance, std, x, y, xTest, predicted]);
    return accuracy;
  } finally {
    tf.dispose([w, b]);
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
  const trainSq = tf.tidy(() => tf.sum(tf.square(train), 1));
  let correct = 0;
  for (let start = 0; start < testCodes.n; start += chunk) {
    const rows = Math.min(chunk, testCodes.n - start);
    const query = tf.tensor2d(
      testCodes.values.subarray(start * testCodes.dim, (start + rows) * testCodes.dim),
      [rows, testCodes.dim],
    );
    // |q - t|^2 = |q|^2 - 2 q.t + |t|^2; |q|^2 is the same for every t, so it can be left out.
    const nearest = tf.tidy(
      () => tf.topk(tf.neg(tf.sub(trainSq, tf.mul(2, tf.matMul(query, train, false, true)))), k).indices,
    );
    const indices = nearest.dataSync();
    tf.dispose([query, nearest]);
    for (let r = 0; r < rows; r++) {
      const votes = indices.subarray(r * k, (r + 1) * k).map((i) => trainCodes.labels[i]);
      if (majority(votes) === testCodes.labels[start + r]) correct++;
    }
  }
  tf.dispose([train, trainSq]);
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
}
