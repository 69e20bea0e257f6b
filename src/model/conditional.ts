/**
 * The conditional VAE (Sohn, Lee and Yan 2015; Kingma et al. 2014's M2 with the label observed):
 * the label y, one-hot, is an input of both networks, q(z | x, y) and p(x | z, y), and z ~ N(0, I)
 * stays independent of y. Its bound on log p(x | y):
 *
 *   log p(x | y) >= E_q[log p(x | z, y)] - KL(q(z | x, y) || N(0, I)).
 *
 * Both networks read the label as `labelScale * y` (the model's config; 1 by default), so training,
 * evaluation and sampling all hand the label over in the same place. Build one with
 * {@link createConditionalVae}; `encode`, `decode` and `forward` refuse it, since its networks also
 * read y.
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation, ModelConfig } from "./config";
import {
  type Encoding,
  type Model,
  checkBatch,
  checkCodes,
  createModel,
  outputMean,
  splitEncoding,
} from "./model";
import type { Forward } from "./forward";
import type { ElboParts } from "./elbo";
import { type LossOptions, type LossParts, type TrainBatch, negLogLikelihood } from "./losses";
import { klStandardNormal } from "./kl";
import { reparameterize } from "./reparameterize";
import { randomStream } from "../random";

/** A VAE conditioned on `classes` labels (default 10; MLP only). */
export function createConditionalVae(options: Partial<ModelConfig> = {}): Model {
  return createModel({ ...options, kind: "vae", classes: options.classes ?? 10 });
}

const NOT_CONDITIONAL = "This model is not conditional (classes 0): create one with createConditionalVae.";

/** Throws a clear error unless `y` is `[rows, classes]` one-hot rows for a conditional `model`. */
export function checkCondition(model: Model, y: tf.Tensor, rows: number): void {
  const classes = model.config.classes;
  if (classes === 0) throw new Error(NOT_CONDITIONAL);
  if (y.rank !== 2 || y.shape[0] !== rows || y.shape[1] !== classes)
    throw new Error(
      `Expected one-hot labels y of shape [${rows}, ${classes}], got [${y.shape.join(", ")}]: ` +
        `make them with tf.oneHot(labels, ${classes}) (labels an int32 tensor).`,
    );
}

/** q(z | x, y): `{ mu, logVar }` of each image given its one-hot label. */
export function encodeConditional(model: Model, x: tf.Tensor2D, y: tf.Tensor2D): Encoding {
  checkBatch(model, x);
  checkCondition(model, y, x.shape[0]);
  return splitEncoding(
    model,
    tf.tidy(() => model.encoder.apply(tf.concat([x, tf.mul(y, model.config.labelScale)], 1)) as tf.Tensor2D),
  );
}

/** p(x | z, y): the decoder's raw output (logits) for codes `z` and one-hot labels `y`. */
export function decodeConditional(model: Model, z: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  checkCodes(model, z);
  checkCondition(model, y, z.shape[0]);
  return tf.tidy(
    () => model.decoder.apply(tf.concat([z, tf.mul(y, model.config.labelScale)], 1)) as tf.Tensor2D,
  );
}

/**
 * q(z | x, y) of each image with every label: `{ mu, logVar }` with `classes * batch` rows, label by
 * label (row c * batch + i is image i with label c). The same numbers as {@link encodeConditional}
 * on the tiled batch, but the image's share of the first layer, x W_x, is the same for every label:
 * it is computed once, and only the label's row of W_y (times the label scale) is added.
 */
export function encodeEveryLabel(model: Model, x: tf.Tensor2D): Encoding {
  checkBatch(model, x);
  const classes = model.config.classes;
  if (classes === 0) throw new Error(NOT_CONDITIONAL);
  const [first, ...rest] = model.encoder.layers;
  const [kernel, bias] = first.trainableWeights.map((w) => w.read());
  const h = tf.tidy(() => {
    const pixels = x.shape[1];
    const xPart = tf.add(tf.matMul(x, tf.slice(kernel, [0, 0], [pixels, -1])), bias) as tf.Tensor2D;
    // row c: label c's W_y, times the scale the label enters with
    const yPart = tf.mul(tf.slice(kernel, [pixels, 0], [classes, -1]), model.config.labelScale);
    const units = xPart.shape[1];
    const preActivation = tf.reshape(tf.add(tf.expandDims(yPart, 1), tf.expandDims(xPart, 0)), [
      classes * x.shape[0],
      units,
    ]);
    const activation = model.config.hidden.length > 0 ? model.config.activation : "linear";
    let out = ACTIVATIONS[activation](preActivation) as tf.Tensor2D;
    for (const layer of rest) out = layer.apply(out) as tf.Tensor2D;
    return out;
  });
  return splitEncoding(model, h);
}

/** The activation of the encoder's first layer, as a tfjs op (a hidden layer's, or linear without one). */
const ACTIVATIONS: Record<Activation, (t: tf.Tensor) => tf.Tensor> = {
  relu: tf.relu,
  elu: tf.elu,
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  selu: tf.selu,
  softplus: tf.softplus,
  linear: (t) => t,
};

/** Encode with the label, z = mu + sigma * eps, decode with the label: one sample per image. */
export function conditionalForward(model: Model, x: tf.Tensor2D, y: tf.Tensor2D, eps: tf.Tensor2D): Forward {
  const { mu, logVar } = encodeConditional(model, x, y);
  const z = tf.tidy(() => reparameterize(mu, logVar!, eps));
  return { mu, logVar, z, output: decodeConditional(model, z, y) };
}

/** The bound on log p(x | y) of each image and its parts (nats), one sample z from `eps`. */
export function conditionalElbo(model: Model, x: tf.Tensor2D, y: tf.Tensor2D, eps: tf.Tensor2D): ElboParts {
  return tf.tidy(() => {
    const { mu, logVar, output } = conditionalForward(model, x, y, eps);
    const recon = negLogLikelihood(x, output, model);
    const kl = klStandardNormal(mu, logVar!);
    return { elbo: tf.neg(tf.add(recon, kl)) as tf.Tensor1D, recon, kl };
  });
}

/**
 * The training loss of a conditional VAE on a batch with labels (`batch.labels`, as `train` fills
 * them): batch means of recon = -log p(x | z, y), kl, and loss = recon + beta * kl.
 */
export function conditionalLoss(model: Model, batch: TrainBatch, options: LossOptions = {}): LossParts {
  const { x, input, eps, labels } = batch;
  if (!labels || !eps)
    throw new Error(
      "conditionalLoss needs batch.labels and batch.eps: train a conditional VAE on a labelled image set.",
    );
  return tf.tidy(() => {
    const y = tf.oneHot(labels, model.config.classes) as tf.Tensor2D;
    const { mu, logVar, output } = conditionalForward(model, input, y, eps);
    const recon = tf.mean(negLogLikelihood(x, output, model)) as tf.Scalar;
    const kl = tf.mean(klStandardNormal(mu, logVar!)) as tf.Scalar;
    return { loss: tf.add(recon, tf.mul(options.beta ?? 1, kl)) as tf.Scalar, recon, kl };
  });
}

/** Pixel means of one image per entry of `labels`, each from its own z ~ N(0, I) (the seed's sampling stream). */
export function sampleConditional(model: Model, labels: ArrayLike<number>, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = labels.length;
    const z = tf.randomNormal(
      [n, model.config.latentDim],
      0,
      1,
      "float32",
      randomStream(seed, "sampling").seed(),
    );
    const y = tf.oneHot(tf.tensor1d(Array.from(labels), "int32"), model.config.classes) as tf.Tensor2D;
    return outputMean(model, decodeConditional(model, z as tf.Tensor2D, y));
  });
}

/**
 * Each code of `z` decoded with every label: pixel means, `[n * classes, pixels]`, row
 * `i * classes + c` is code i with label c. The same style, drawn as each class.
 */
export function decodeWithEachLabel(model: Model, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const classes = model.config.classes;
    const n = z.shape[0];
    const codes = tf.reshape(tf.tile(z, [1, classes]), [n * classes, z.shape[1]]) as tf.Tensor2D;
    const y = tf.tile(tf.eye(classes), [n, 1]) as tf.Tensor2D;
    return outputMean(model, decodeConditional(model, codes, y));
  });
}
