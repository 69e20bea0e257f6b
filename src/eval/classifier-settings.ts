/**
 * What the classifier is (its settings and its layers' weights), shared by the classifier and its
 * cache so that neither imports the other.
 */
import type * as tf from "@tensorflow/tfjs";

/** How the classifier is built and trained; each setting is part of the cache key. */
export interface ClassifierSettings {
  /** Widths of the hidden layers; the last one is the feature layer. */
  hidden: number[];
  /** Dropout rate on every hidden layer while training. */
  dropout: number;
  epochs: number;
  batchSize: number;
  /** Adam's initial learning rate, decayed linearly to 0 over training. */
  learningRate: number;
  /** Seed of the initial weights, the data order and the dropout masks. */
  seed: number;
}

/** The settings of the course's classifier (the same for both datasets). */
export const CLASSIFIER_SETTINGS: Readonly<ClassifierSettings> = Object.freeze({
  hidden: [512, 256],
  dropout: 0.3,
  epochs: 12,
  batchSize: 128,
  learningRate: 1e-3,
  seed: 1,
});

/** One dense layer's weights. */
export interface DenseWeights {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D;
}
