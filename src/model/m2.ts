/**
 * M2, the semi-supervised VAE of Kingma, Rezende, Mohamed and Welling (NeurIPS 2014): the label y
 * is a latent variable of the images that have none.
 *
 *   generative model  p(y) = 1/classes,  p(z) = N(0, I),  p(x | y, z) (a conditional decoder)
 *   inference         q(y | x) (a classifier),  q(z | x, y) (a conditional encoder)
 *
 * With a label:    -L(x, y) = -log p(x | y, z) + KL(q(z | x, y) || p(z)) - log p(y)
 * Without one:     -U(x)    = sum_y q(y | x) (-L(x, y)) - H(q(y | x)),  the sum over all labels
 * Trained on       -J = sum_unlabelled -U + sum_labelled -L + alpha * sum_labelled -log q(y | x),
 * the last term (their equation 9) so that q(y | x) also learns from the labels directly.
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation } from "./config";
import { type Model, disposeModel, trainableVariables } from "./model";
import { conditionalElbo, createConditionalVae, decodeConditional, encodeEveryLabel } from "./conditional";
import { negLogLikelihood } from "./losses";
import { klStandardNormal } from "./kl";
import { reparameterize } from "./reparameterize";
import { inputSize } from "./networks";
import { randomStream } from "../random";

/** The networks of M2: the conditional VAE (q(z | x, y), p(x | y, z)) and the classifier q(y | x). */
export interface M2 {
  vae: Model;
  classifier: tf.Sequential;
}

/** Sizes of M2's networks (Kingma et al. used one hidden layer of 500 softplus units, 50 latent dimensions). */
export interface M2Options {
  latentDim: number;
  /** Hidden layers of every network. */
  hidden: number[];
  activation: Activation;
  classes: number;
  /** Image shape `[rows, cols, channels]`. */
  inputShape: [number, number, number];
  /** What the conditional VAE's networks multiply the one-hot label by (`ModelConfig.labelScale`). */
  labelScale: number;
  /** Seed of the initial weights. */
  seed: number;
}

const M2_DEFAULTS: M2Options = {
  latentDim: 50,
  hidden: [500],
  activation: "softplus",
  classes: 10,
  inputShape: [28, 28, 1],
  labelScale: 1,
  seed: 0,
};

/** An M2 model; the seed fixes the initial weights of both parts. */
export function createM2(options: Partial<M2Options> = {}): M2 {
  const { classes, labelScale, ...o } = { ...M2_DEFAULTS, ...options };
  const vae = createConditionalVae({ ...o, classes: classes, labelScale: labelScale });
  return { vae, classifier: createLabelClassifier({ ...o, classes: classes }) };
}

/**
 * An MLP classifier: pixels -> hidden layers -> one logit per class (softmax gives q(y | x)).
 * M2's q(y | x), and, alone, the supervised baseline of the same size: with the same options and
 * seed, both start from the same weights.
 */
export function createLabelClassifier(options: Partial<M2Options> = {}): tf.Sequential {
  const o = { ...M2_DEFAULTS, ...options };
  if (!(o.hidden.every((h) => Number.isInteger(h) && h > 0) && Number.isInteger(o.classes) && o.classes > 1))
    throw new Error(
      `createLabelClassifier: hidden must be positive integers and classes an integer > 1, got hidden ${JSON.stringify(o.hidden)}, classes ${o.classes}.`,
    );
  const rng = randomStream(o.seed, "weights", CLASSIFIER_WEIGHTS);
  const dense = (units: number, activation: Activation, inputShape?: number[]) =>
    tf.layers.dense({
      units,
      activation,
      inputShape,
      kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      biasInitializer: "zeros",
    });
  const layers = o.hidden.map((units, i) => dense(units, o.activation, i === 0 ? [inputSize(o)] : undefined));
  layers.push(dense(o.classes, "linear", o.hidden.length === 0 ? [inputSize(o)] : undefined));
  return tf.sequential({ layers });
}

/** Index of the classifier's weight stream (the VAE's weights use index 0). */
const CLASSIFIER_WEIGHTS = 1;

/** -L(x, y) per image: the conditional VAE's negative bound on log p(x | y) minus log p(y) (one sample z from `eps`). */
export function labelledNegBound(m2: M2, x: tf.Tensor2D, y: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.add(tf.neg(conditionalElbo(m2.vae, x, y, eps).elbo), Math.log(m2.vae.config.classes)) as tf.Tensor1D,
  );
}

/**
 * -U(x) per image: -L(x, y) for every label y (all summed, none sampled), weighted by q(y | x), minus
 * the entropy of q(y | x). Every label's z uses the same `eps` (`[batch, latentDim]`).
 */
export function unlabelledNegBound(m2: M2, x: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const { q, logQ, negL } = everyLabel(m2, x, eps);
    return tf.sub(tf.sum(tf.mul(q, negL), 1), tf.sum(tf.mul(q, tf.neg(logQ)), 1)) as tf.Tensor1D;
  });
}

/** q(y | x), its log, and -L(x, y) for every label: each `[batch, classes]`. */
function everyLabel(m2: M2, x: tf.Tensor2D, eps: tf.Tensor2D) {
  const { vae } = m2;
  const classes = vae.config.classes;
  const n = x.shape[0];
  const logits = m2.classifier.apply(x) as tf.Tensor2D;
  // Rows label by label: row c * n + i is image i with label c.
  const ys = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: classes * n }, (_, r) => Math.floor(r / n)),
      "int32",
    ),
    classes,
  ) as tf.Tensor2D;
  const { mu, logVar } = encodeEveryLabel(vae, x);
  const z = reparameterize(mu, logVar!, tf.tile(eps, [classes, 1]) as tf.Tensor2D);
  const recon = negLogLikelihood(tf.tile(x, [classes, 1]) as tf.Tensor2D, decodeConditional(vae, z, ys), vae);
  const negL = tf.add(tf.add(recon, klStandardNormal(mu, logVar!)), Math.log(classes));
  return {
    q: tf.softmax(logits),
    logQ: tf.logSoftmax(logits),
    negL: tf.transpose(tf.reshape(negL, [classes, n])),
  };
}

/** -log q(y | x) per image, for integer labels. */
export function classificationLoss(m2: M2, x: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logQ = tf.logSoftmax(m2.classifier.apply(x) as tf.Tensor2D);
    return tf.neg(tf.sum(tf.mul(tf.oneHot(labels, m2.vae.config.classes), logQ), 1)) as tf.Tensor1D;
  });
}

/** An unlabelled batch and a labelled one, with their draws of eps. */
export interface M2Batch {
  unlabelled: tf.Tensor2D;
  unlabelledEps: tf.Tensor2D;
  labelled: tf.Tensor2D;
  labels: tf.Tensor1D;
  labelledEps: tf.Tensor2D;
}

/** How the three terms are weighted in a step's loss (per image of each batch). */
export interface M2Weights {
  /** Weight of the labelled batch's mean -L (the share of labelled images in the data keeps -J's proportions). */
  labelled: number;
  /** Weight of the labelled batch's mean -log q(y | x). */
  alpha: number;
}

/** A step's loss and its three terms (batch means, nats). */
export interface M2LossParts {
  loss: tf.Scalar;
  unlabelled: tf.Scalar;
  labelled: tf.Scalar;
  classification: tf.Scalar;
}

/** mean(-U) + weights.labelled * mean(-L) + weights.alpha * mean(-log q(y | x)) on one step's batches. */
export function m2Loss(m2: M2, batch: M2Batch, weights: M2Weights): M2LossParts {
  return tf.tidy(() => {
    const unlabelled = tf.mean(unlabelledNegBound(m2, batch.unlabelled, batch.unlabelledEps)) as tf.Scalar;
    const y = tf.oneHot(batch.labels, m2.vae.config.classes) as tf.Tensor2D;
    const labelled = tf.mean(labelledNegBound(m2, batch.labelled, y, batch.labelledEps)) as tf.Scalar;
    const classification = tf.mean(classificationLoss(m2, batch.labelled, batch.labels)) as tf.Scalar;
    const loss = tf.addN([
      unlabelled,
      tf.mul(weights.labelled, labelled),
      tf.mul(weights.alpha, classification),
    ]) as tf.Scalar;
    return { loss, unlabelled, labelled, classification };
  });
}

/** Every weight M2 trains: the conditional VAE's and the classifier's. */
export function m2Variables(m2: M2): tf.Variable[] {
  return [
    ...trainableVariables(m2.vae),
    ...m2.classifier.trainableWeights.map((w) => w.read() as tf.Variable),
  ];
}

/** Frees M2's weights. */
export function disposeM2(m2: M2): void {
  disposeModel(m2.vae);
  m2.classifier.dispose();
}
