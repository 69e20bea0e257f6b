/**
 * The course's classifier for MNIST and Fashion-MNIST: the yardstick that generated images are
 * scored with. Its predictions give label shares (which classes a model draws, and how evenly);
 * its last hidden layer gives the features in which Fréchet distance and precision/recall compare
 * real and generated images.
 *
 * An MLP with dropout: on the wasm backend it trains in the time a notebook can spare, where a
 * convolutional net would not:
 *
 *   h1 = relu(x W1 + b1),  h2 = relu(h1 W2 + b2) (the features),  logits = h2 W3 + b3,
 *
 * trained with Adam on softmax cross-entropy, the learning rate falling linearly to 0. It is trained
 * once per settings and training set, and cached in a folder beside the runs (classifier-cache.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { resolve } from "node:path";
import { type ImageSet, batches, checkImageSet, imageSize, toImageSet } from "../data/batches";
import { CLASS_NAMES, type DatasetName, loadDataset } from "../data/datasets";
import { yieldToEventLoop } from "../event-loop";
import { checkWritableFolder } from "../files";
import { type Rng, randomStream } from "../random";
import {
  type CacheEntry,
  type ClassifierKey,
  cachedKeys,
  describeKeyDifference,
  fingerprint,
  readClassifier,
  saveClassifier,
} from "./classifier-cache";
import { CLASSIFIER_SETTINGS, type ClassifierSettings, type DenseWeights } from "./classifier-settings";

/** Images to classify: a `[n, pixels]` tensor (left to the caller to dispose) or an image set. */
export type Images = tf.Tensor2D | ImageSet;

/** Feature vectors: `n` rows of `dim` values, row after row. */
export interface Features {
  values: Float32Array;
  n: number;
  dim: number;
}

/** What the classifier says about a set of images, from one pass through it. */
export interface Classification {
  features: Features;
  /** `n * classes` class probabilities, row after row. */
  probabilities: Float32Array;
  /** The most probable class of each image. */
  labels: Uint8Array;
}

/** A trained classifier. Its methods read images in chunks and return plain arrays. */
export interface Classifier {
  dataset: DatasetName;
  classNames: readonly string[];
  settings: ClassifierSettings;
  /** Size of a feature vector (the last hidden layer's width). */
  featureDim: number;
  /** Accuracy on the test set given to {@link loadClassifier}, measured when it was loaded. */
  testAccuracy: number;
  /** Number of test images behind `testAccuracy`. */
  testImages: number;
  /** Number of images it was trained on. */
  trainImages: number;
  /** True when this call trained it, false when it came from the cache. */
  trained: boolean;
  /** Seconds its training took (when it was trained, possibly in an earlier run). */
  trainSeconds: number;
  /** The cache file it was saved to or loaded from. */
  file: string;
  classify(images: Images): Classification;
  probabilities(images: Images): Float32Array;
  predict(images: Images): Uint8Array;
  features(images: Images): Features;
  /** Frees the weights; the classifier cannot be used afterwards. */
  dispose(): void;
}

/** Options of {@link loadClassifier}. */
export interface LoadClassifierOptions {
  /** Cache folder (default: `runs/classifier-<dataset>` in the project). */
  dir?: string;
  /** Training images with labels (default: the dataset's official training split). */
  trainSet?: ImageSet;
  /** Test images with labels for `testAccuracy` (default: the official test split). */
  testSet?: ImageSet;
  /** Settings to change from {@link CLASSIFIER_SETTINGS}. */
  settings?: Partial<ClassifierSettings>;
  /** With false, a missing cache entry is an error instead of a training run. Default true. */
  allowTraining?: boolean;
  /** Throw when the test accuracy is below this (the course asks 0.98 on MNIST, 0.88 on Fashion-MNIST). */
  minTestAccuracy?: number;
  /** Receives a line per training epoch. */
  log?: (line: string) => void;
}

/** The project's own `runs/` folder, where cached classifiers go by default. */
export const PROJECT_RUNS_DIR = resolve(__dirname, "..", "..", "runs");

/**
 * The classifier for `dataset` with these settings and this training set: loaded from its cache
 * folder when it was trained before, otherwise trained and saved there. A cached classifier trained with other settings or on other images is never
 * used in its place: the cache is keyed by both.
 */
export async function loadClassifier(
  dataset: DatasetName,
  options: LoadClassifierOptions = {},
): Promise<Classifier> {
  if (!CLASS_NAMES[dataset])
    throw new Error(`Unknown dataset ${JSON.stringify(dataset)}: use "mnist" or "fashion-mnist".`);
  const dir = options.dir ?? resolve(PROJECT_RUNS_DIR, `classifier-${dataset}`);
  const settings = classifierSettings(options.settings);
  const trainSet = options.trainSet ?? toImageSet(await loadDataset(dataset, "train"));
  const testSet = options.testSet ?? toImageSet(await loadDataset(dataset, "test"));
  const classes = CLASS_NAMES[dataset].length;
  checkLabelled(trainSet, "classifier's training set", classes);
  checkLabelled(testSet, "classifier's test set", classes);
  const key: ClassifierKey = { dataset, settings, data: fingerprint(trainSet) };
  const entry = readClassifier(dir, key) ?? (await trainAndSave(dir, key, trainSet, options));
  let classifier: Classifier;
  try {
    classifier = makeClassifier(entry, key, testSet);
  } catch (err) {
    disposeLayers(entry.layers);
    throw err;
  }
  const min = options.minTestAccuracy;
  if (min !== undefined && !(classifier.testAccuracy >= min)) {
    classifier.dispose();
    throw new Error(
      `The ${dataset} classifier in ${entry.file} has test accuracy ${classifier.testAccuracy} < ${min} ` +
        `(trained on ${trainSet.n} images): train it on the full training set, or with more epochs.`,
    );
  }
  return classifier;
}

/** The default settings with `changes`, checked. */
export function classifierSettings(changes: Partial<ClassifierSettings> = {}): ClassifierSettings {
  const s = {
    ...CLASSIFIER_SETTINGS,
    ...changes,
    hidden: [...(changes.hidden ?? CLASSIFIER_SETTINGS.hidden)],
  };
  const bad = (name: string, value: unknown, expected: string) =>
    new Error(`Classifier setting ${name} is ${JSON.stringify(value)}; expected ${expected}.`);
  if (!(s.hidden.length >= 1 && s.hidden.every((u) => Number.isInteger(u) && u > 0)))
    throw bad("hidden", s.hidden, "a non-empty list of positive integers");
  if (!(s.dropout >= 0 && s.dropout < 1)) throw bad("dropout", s.dropout, "a rate in [0, 1)");
  for (const name of ["epochs", "batchSize"] as const)
    if (!(Number.isInteger(s[name]) && s[name] > 0)) throw bad(name, s[name], "a positive integer");
  if (!(s.learningRate > 0 && Number.isFinite(s.learningRate)))
    throw bad("learningRate", s.learningRate, "a finite positive number");
  if (!Number.isInteger(s.seed)) throw bad("seed", s.seed, "an integer");
  return s;
}

function checkLabelled(set: ImageSet, what: string, classes: number): void {
  checkImageSet(set, what);
  if (!set.labels) throw new Error(`The ${what} has no labels: the classifier needs labelled images.`);
  const bad = set.labels.findIndex((label) => label >= classes);
  if (bad >= 0)
    throw new Error(`The ${what} has label ${set.labels[bad]} at ${bad}; its classes are 0..${classes - 1}.`);
}

/** Trains a classifier for `key`, saves it into `dir`, and returns the saved entry. */
async function trainAndSave(
  dir: string,
  key: ClassifierKey,
  trainSet: ImageSet,
  options: LoadClassifierOptions,
): Promise<CacheEntry> {
  if (options.allowTraining === false) {
    const cached = cachedKeys(dir).map((other) => describeKeyDifference(other, key));
    const found = cached.length ? `It holds classifiers that differ: ${cached.join("; ")}.` : "It is empty.";
    throw new Error(
      `No cached ${key.dataset} classifier in ${dir} was trained with these settings on these ` +
        `${trainSet.n} images. ${found} Allow training (allowTraining: true) to train one.`,
    );
  }
  checkWritableFolder(dir, "The classifier's cache folder"); // before training, not after
  const classes = CLASS_NAMES[key.dataset].length;
  const start = Date.now();
  const layers = await trainLayers(trainSet, key.settings, classes, options.log);
  try {
    return saveClassifier(dir, key, layers, (Date.now() - start) / 1000);
  } finally {
    disposeLayers(layers);
  }
}

/**
 * The network's hidden layers on `x`: the features. With `dropout`, each hidden unit is zeroed with
 * probability `rate` (and the rest scaled by 1 / (1 - rate)), masks drawn from `rng`.
 */
export function classifierFeatures(
  layers: DenseWeights[],
  x: tf.Tensor2D,
  dropout?: { rate: number; rng: Rng },
): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x;
    for (const { kernel, bias } of layers.slice(0, -1)) {
      h = tf.relu(tf.add(tf.matMul(h, kernel), bias)) as tf.Tensor2D;
      if (dropout && dropout.rate > 0)
        h = tf.dropout(h, dropout.rate, undefined, dropout.rng.seed()) as tf.Tensor2D;
    }
    return h;
  });
}

/** The class logits of the network on `x` (see {@link classifierFeatures}). */
export function classifierLogits(
  layers: DenseWeights[],
  x: tf.Tensor2D,
  dropout?: { rate: number; rng: Rng },
): tf.Tensor2D {
  const { kernel, bias } = layers[layers.length - 1];
  return tf.tidy(() => tf.add(tf.matMul(classifierFeatures(layers, x, dropout), kernel), bias));
}

/** Glorot-uniform kernels and zero biases, seeded (the Keras defaults). */
function initialLayers(sizes: number[], rng: Rng): DenseWeights[] {
  // tf.variable copies its initial value: tidy disposes that value and keeps the variable.
  return sizes.slice(1).map((units, i) => ({
    kernel: tf.tidy(() =>
      tf.variable(tf.initializers.glorotUniform({ seed: rng.seed() }).apply([sizes[i], units])),
    ),
    bias: tf.tidy(() => tf.variable(tf.zeros([units]))),
  })) as DenseWeights[];
}

/** Trains the network on `set` (softmax cross-entropy, Adam, linear learning-rate decay, dropout). */
async function trainLayers(
  set: ImageSet,
  settings: ClassifierSettings,
  classes: number,
  log?: (line: string) => void,
): Promise<DenseWeights[]> {
  const { seed, epochs, batchSize, learningRate, dropout } = settings;
  const layers = initialLayers([imageSize(set), ...settings.hidden, classes], randomStream(seed, "weights"));
  const variables = layers.flatMap(({ kernel, bias }) => [kernel, bias]) as tf.Variable[];
  const optimizer = tf.train.adam(learningRate);
  const steps = epochs * Math.ceil(set.n / batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const masks = { rate: dropout, rng: randomStream(seed, "noise", epoch) };
      for (const { x, indices } of batches(set, batchSize, { rng: randomStream(seed, "order", epoch) })) {
        // tfjs's Adam reads its learning rate at every step.
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate * (1 - step++ / steps);
        const y = tf.tidy(() =>
          tf.oneHot(
            Int32Array.from(indices, (i) => set.labels![i]),
            classes,
          ),
        );
        optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, classifierLogits(layers, x, masks)) as tf.Scalar,
          false,
          variables,
        );
        y.dispose();
      }
      log?.(`classifier: epoch ${epoch}/${epochs} on ${set.n} images`);
      await yieldToEventLoop();
    }
    return layers;
  } catch (err) {
    disposeLayers(layers);
    throw err;
  } finally {
    optimizer.dispose();
  }
}

function disposeLayers(layers: DenseWeights[]): void {
  for (const { kernel, bias } of layers) tf.dispose([kernel, bias]);
}

/** The classifier object around a cache entry, its test accuracy measured on `testSet`. */
function makeClassifier(entry: CacheEntry, key: ClassifierKey, testSet: ImageSet): Classifier {
  const { layers } = entry;
  const inputSize = layers[0].kernel.shape[0];
  const classes = layers[layers.length - 1].kernel.shape[1];
  const featureDim = layers[layers.length - 1].kernel.shape[0];
  const classify = (images: Images): Classification => classifyImages(layers, images, inputSize, classes);
  let disposed = false;
  const live =
    <T>(f: (images: Images) => T) =>
    (images: Images) => {
      if (disposed) throw new Error("This classifier was disposed: load it again with loadClassifier.");
      return f(images);
    };
  const testLabels = classify(testSet).labels;
  let correct = 0;
  for (let i = 0; i < testSet.n; i++) if (testLabels[i] === testSet.labels![i]) correct++;
  return {
    dataset: key.dataset,
    classNames: CLASS_NAMES[key.dataset],
    settings: key.settings,
    featureDim,
    testAccuracy: correct / testSet.n,
    testImages: testSet.n,
    trainImages: key.data.n,
    trained: entry.trained,
    trainSeconds: entry.trainSeconds,
    file: entry.file,
    classify: live(classify),
    probabilities: live((images) => classify(images).probabilities),
    predict: live((images) => classify(images).labels),
    features: live((images) => classify(images).features),
    dispose: () => {
      disposed = true;
      disposeLayers(layers);
    },
  };
}

/** Features, probabilities and predicted labels of `images`, 1,000 images at a time. */
function classifyImages(layers: DenseWeights[], images: Images, inputSize: number, classes: number) {
  const rows = images instanceof tf.Tensor ? images.shape[0] : images.n;
  const width = images instanceof tf.Tensor ? images.shape[1] : imageSize(images);
  if (images instanceof tf.Tensor && images.rank !== 2)
    throw new Error(
      `The classifier reads a [n, ${inputSize}] tensor of images, got shape [${images.shape}].`,
    );
  if (width !== inputSize)
    throw new Error(`The classifier reads images of ${inputSize} pixels, got ${width} per image.`);
  const dim = layers[layers.length - 1].kernel.shape[0];
  const features = new Float32Array(rows * dim);
  const probabilities = new Float32Array(rows * classes);
  let row = 0;
  for (const x of chunks(images, 1000)) {
    const [h, p] = tf.tidy(() => {
      const h = classifierFeatures(layers, x);
      const { kernel, bias } = layers[layers.length - 1];
      return [h, tf.softmax(tf.add(tf.matMul(h, kernel), bias))];
    });
    features.set(h.dataSync(), row * dim);
    probabilities.set(p.dataSync(), row * classes);
    tf.dispose([h, p]);
    row += x.shape[0];
  }
  return {
    features: { values: features, n: rows, dim },
    probabilities,
    labels: argMaxRows(probabilities, classes),
  };
}

/** The rows of `images` as tensors of at most `size` rows (each disposed when the next is drawn). */
function* chunks(images: Images, size: number): Generator<tf.Tensor2D> {
  if (!(images instanceof tf.Tensor)) {
    for (const { x } of batches(images, size)) yield x;
    return;
  }
  for (let start = 0; start < images.shape[0]; start += size) {
    const x = tf.slice(images, [start, 0], [Math.min(size, images.shape[0] - start), -1]);
    try {
      yield x;
    } finally {
      x.dispose();
    }
  }
}

/** The index of the largest value in each row of `classes` values. */
function argMaxRows(values: Float32Array, classes: number): Uint8Array {
  const labels = new Uint8Array(values.length / classes);
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (values[i * classes + c] > values[i * classes + best]) best = c;
    labels[i] = best;
  }
  return labels;
}
