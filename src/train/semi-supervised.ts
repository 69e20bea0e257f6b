/**
 * Training with few labels: M2's step for `train` (an unlabelled batch from the loop, a labelled
 * batch drawn here), the supervised baseline trained on the labelled images alone, and the test
 * accuracy of a classifier.
 */
import * as tf from "@tensorflow/tfjs";
import { type M2, type M2Weights, m2Loss, m2Variables } from "../model/m2";
import { type ImageSet, batches, binarize, checkImageSet, imageSize } from "../data/batches";
import { type Rng, permutation, randomStream } from "../random";
import type { StepFunction } from "./step";
import { updateOn } from "./update";

/** Options of {@link m2Step}. */
export interface M2StepOptions {
  /** The labelled images (with labels); each step draws a batch of them. */
  labelled: ImageSet;
  /** Weights of the labelled terms in a step's loss. */
  weights: M2Weights;
  /** Labelled images per step (default: all of them, at most 100). */
  labelledBatchSize?: number;
  /** "dynamic": binarize the labelled batch afresh every step, as `train` does the unlabelled one. */
  binarization?: "none" | "dynamic";
  /** Seed of the labelled batches' order, eps and binarization. */
  seed: number;
}

/**
 * A training step for `train(m2.vae, unlabelled, { step })`: the loop's batch is the unlabelled
 * one (its `eps` serves every label), the labelled batch comes from `options.labelled`. It updates
 * the VAE and the classifier. In the returned numbers, `recon` is the mean -U(x) of the unlabelled
 * batch and `kl` the mean -log q(y | x) of the labelled one.
 */
export function m2Step(m2: M2, options: M2StepOptions): StepFunction {
  checkImageSet(options.labelled, "labelled set");
  const labels = options.labelled.labels;
  if (!labels) throw new Error("m2Step: the labelled set has no labels (labelled.labels).");
  const size = Math.min(options.labelled.n, options.labelledBatchSize ?? 100);
  const rng = randomStream(options.seed, "labels", LABELLED_STREAM);
  const draw = labelledBatches(options.labelled, size, rng);
  return (model, optimizer, batch) => {
    if (model !== m2.vae)
      throw new Error("m2Step: train M2 with train(m2.vae, unlabelled, { step: m2Step(m2, ...) }).");
    if (!batch.eps) throw new Error('m2Step: the batch has no eps; M2\'s VAE must be kind "vae".');
    const { x, labels: y } = draw();
    const labelled = options.binarization === "dynamic" ? binarize(x, rng) : x;
    const labelledEps = tf.randomNormal(
      [size, m2.vae.config.latentDim],
      0,
      1,
      "float32",
      rng.seed(),
    ) as tf.Tensor2D;
    try {
      const m2Batch = { unlabelled: batch.x, unlabelledEps: batch.eps, labelled, labels: y, labelledEps };
      return updateOn(m2Variables(m2), optimizer, () => {
        const p = m2Loss(m2, m2Batch, options.weights);
        return [p.loss, p.unlabelled, p.classification];
      });
    } finally {
      tf.dispose([x, y, labelled, labelledEps]);
    }
  };
}

/** Index of the labelled batches' stream (apart from the label choice's, index 0). */
const LABELLED_STREAM = 1 << 20;

/** An endless supply of labelled batches: passes over the set in a new order each time. */
function labelledBatches(set: ImageSet, size: number, rng: Rng) {
  const pixels = imageSize(set);
  let order = permutation(set.n, rng);
  let at = 0;
  return () => {
    if (at + size > set.n) {
      order = permutation(set.n, rng);
      at = 0;
    }
    const rows = order.subarray(at, at + size);
    at += size;
    const values = new Float32Array(size * pixels);
    rows.forEach((i, r) => values.set(set.pixels.subarray(i * pixels, (i + 1) * pixels), r * pixels));
    return {
      x: tf.tensor2d(values, [size, pixels]),
      labels: tf.tensor1d(
        Int32Array.from(rows, (i) => set.labels![i]),
        "int32",
      ),
    };
  };
}

/** Options of {@link trainOnLabelsAlone}. */
export interface LabelsAloneOptions {
  /** Full-batch Adam steps (default 500). */
  steps?: number;
  /** Default 1e-3. */
  learningRate?: number;
  /** "dynamic": binarize the images afresh every step, as M2 sees them. */
  binarization?: "none" | "dynamic";
  seed: number;
}

/** Trains `classifier` by cross-entropy on the labelled images alone: the supervised baseline. */
export function trainOnLabelsAlone(
  classifier: tf.Sequential,
  labelled: ImageSet,
  options: LabelsAloneOptions,
): void {
  checkImageSet(labelled, "labelled set");
  if (!labelled.labels) throw new Error("trainOnLabelsAlone: the labelled set has no labels.");
  const rng = randomStream(options.seed, "binarization", LABELLED_STREAM);
  const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
  const x = tf.tensor2d(labelled.pixels, [labelled.n, imageSize(labelled)]);
  const y = tf.oneHot(tf.tensor1d(labelled.labels, "int32"), classifier.outputs[0].shape[1] as number);
  const variables = classifier.trainableWeights.map((w) => w.read() as tf.Variable);
  try {
    for (let step = 0; step < (options.steps ?? 500); step++) {
      const input = options.binarization === "dynamic" ? binarize(x, rng) : x;
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, classifier.apply(input) as tf.Tensor) as tf.Scalar,
        false,
        variables,
      );
      if (input !== x) input.dispose();
    }
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
  }
}

/** The share of `set`'s images whose most probable class under `classifier` is their label. */
export function classifierAccuracy(classifier: tf.Sequential, set: ImageSet): number {
  checkImageSet(set, "test set");
  if (!set.labels) throw new Error("classifierAccuracy needs a set with labels.");
  let correct = 0;
  let row = 0;
  for (const { x } of batches(set, 1000)) {
    const predicted = tf.tidy(() => tf.argMax(classifier.apply(x) as tf.Tensor, 1));
    const p = predicted.dataSync();
    predicted.dispose();
    for (let i = 0; i < p.length; i++) if (p[i] === set.labels[row + i]) correct++;
    row += p.length;
  }
  return correct / set.n;
}
