/**
 * A model = its config + an encoder + a decoder (+ the Gaussian likelihood's `logSigma`).
 * Plain autoencoder, denoising autoencoder and VAE share these pieces; only the loss differs.
 */
import * as tf from "@tensorflow/tfjs";
import { type ModelConfig, modelConfig } from "./config";
import { convDecoder, convEncoder, inputSize, mlpDecoder, mlpEncoder } from "./networks";
import { randomStream } from "../random";

/** An autoencoder of any kind. Build one with {@link createModel} (or createVae & co). */
export interface Model {
  readonly config: ModelConfig;
  /** `x -> [mu, logVar]` (VAE, concatenated) or `x -> z` (AE, DAE). */
  readonly encoder: tf.Sequential;
  /** `z -> logits` (Bernoulli) or `z -> means` (Gaussian), one per pixel. */
  readonly decoder: tf.Sequential;
  /** Log standard deviation of the Gaussian likelihood (a scalar; trainable if `learnSigma`). */
  readonly logSigma?: tf.Variable;
}

/** What the encoder says about a batch: the code `mu`, and `logVar` for a VAE. */
export interface Encoding {
  /** Mean of q(z|x) for a VAE; the code z itself for an AE/DAE. `[batch, latentDim]`. */
  mu: tf.Tensor2D;
  /** Log variance of q(z|x) (VAE only). `[batch, latentDim]`. */
  logVar?: tf.Tensor2D;
}

/** Builds a model from a (partial) config; the seed fixes the initial weights. */
export function createModel(options: Partial<ModelConfig> = {}): Model {
  const config = modelConfig(options);
  const rng = randomStream(config.seed, "weights");
  const conv = config.arch === "conv";
  const encoder = conv ? convEncoder(config, rng) : mlpEncoder(config, rng);
  const decoder = conv ? convDecoder(config, rng) : mlpDecoder(config, rng);
  const logSigma =
    config.likelihood === "gaussian" ? scalarVariable(Math.log(config.sigma), config.learnSigma) : undefined;
  return { config, encoder, decoder, logSigma };
}

let nextId = 0;
/** A scalar variable with a unique name; the initial tensor is disposed (the variable keeps its own reference to the data). */
function scalarVariable(value: number, trainable: boolean): tf.Variable {
  const initial = tf.scalar(value);
  const variable = tf.variable(initial, trainable, `logSigma_${nextId++}`);
  initial.dispose();
  return variable;
}

/** A variational autoencoder (defaults: the pytorch/examples MLP 784-400-20). */
export function createVae(options: Partial<ModelConfig> = {}): Model {
  return createModel({ ...options, kind: "vae" });
}

/** A plain (deterministic) autoencoder. */
export function createAutoencoder(options: Partial<ModelConfig> = {}): Model {
  return createModel({ ...options, kind: "ae" });
}

/** A denoising autoencoder; `noise` says how its input is corrupted during training. */
export function createDenoisingAutoencoder(options: Partial<ModelConfig> = {}): Model {
  return createModel({ ...options, kind: "dae" });
}

/**
 * Throws a clear error unless `x` is a live, non-empty `[batch, inputSize]` batch. Only the shape
 * is checked, not the values: reading every batch back would slow each step, and `train` and the
 * evaluations check their image sets once (numbers in [0, 1], no NaN) before the first batch.
 */
export function checkBatch(model: Model, x: tf.Tensor): void {
  if (x.isDisposed) {
    throw new Error(
      "The batch tensor was disposed before use. batches() disposes each batch when the next one is drawn: use it inside the loop, or keep a copy with tf.clone(batch.x).",
    );
  }
  const size = inputSize(model.config);
  if (x.rank !== 2 || x.shape[1] !== size) {
    throw new Error(
      `Expected a batch of shape [batch, ${size}] (flat ${model.config.inputShape.join("x")} images), got [${x.shape.join(", ")}]: ` +
        `reshape with x.reshape([-1, ${size}]).`,
    );
  }
  if (x.shape[0] === 0) throw new Error("The batch is empty: pass at least one image.");
}

/** Encodes a batch: `{ mu, logVar }` for a VAE, `{ mu: z }` for an AE/DAE. */
export function encode(model: Model, x: tf.Tensor2D): Encoding {
  requireUnconditional(model, "encode", "encodeConditional(model, x, y)");
  checkBatch(model, x);
  return splitEncoding(model, model.encoder.apply(x) as tf.Tensor2D);
}

/** The encoder's raw output `h` as `{ mu, logVar }` (VAE) or `{ mu: z }`; `h` is consumed. */
export function splitEncoding(model: Model, h: tf.Tensor2D): Encoding {
  if (model.config.kind !== "vae") return { mu: h };
  const [mu, logVar] = tf.split(h, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  h.dispose();
  return { mu, logVar };
}

/** Decodes codes `z` to the decoder's raw output: logits (Bernoulli) or means (Gaussian). */
export function decode(model: Model, z: tf.Tensor2D): tf.Tensor2D {
  requireUnconditional(model, "decode", "decodeConditional(model, z, y)");
  checkCodes(model, z);
  return model.decoder.apply(z) as tf.Tensor2D;
}

/** Throws a clear error unless `z` is a `[batch, latentDim]` batch of codes. */
export function checkCodes(model: Model, z: tf.Tensor): void {
  if (z.rank !== 2 || z.shape[1] !== model.config.latentDim) {
    throw new Error(
      `Expected codes of shape [batch, ${model.config.latentDim}], got [${z.shape.join(", ")}].`,
    );
  }
}

/** A conditional model's networks also read the label: the plain calls would feed them wrong shapes. */
function requireUnconditional(model: Model, what: string, instead: string): void {
  if (model.config.classes > 0)
    throw new Error(
      `${what} is for unconditional models; this VAE is conditioned on ${model.config.classes} classes: use ${instead} with one-hot labels y.`,
    );
}

/** The pixel means of the decoder's output: sigmoid of the logits, or the Gaussian means. */
export function outputMean(model: Model, output: tf.Tensor2D): tf.Tensor2D {
  return model.config.likelihood === "bernoulli" ? tf.sigmoid(output) : output.clone();
}

/** Decodes codes `z` to pixel means: the images the decoder draws for them. */
export function decodeMean(model: Model, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => outputMean(model, decode(model, z)));
}

/** Reconstructs a batch through the code `mu` (no sampling): pixel means. */
export function reconstruct(model: Model, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => decodeMean(model, encode(model, x).mu));
}

/** New images from the prior: decode `z ~ N(0, I)` drawn from the seed's sampling stream (meaningful for a VAE). */
export function sampleImages(model: Model, n: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const z = tf.randomNormal(
      [n, model.config.latentDim],
      0,
      1,
      "float32",
      randomStream(seed, "sampling").seed(),
    );
    return decodeMean(model, z as tf.Tensor2D);
  });
}

/** The weights the optimizer updates. */
export function trainableVariables(model: Model): tf.Variable[] {
  const layers = [...model.encoder.trainableWeights, ...model.decoder.trainableWeights].map(
    (w) => w.read() as tf.Variable,
  );
  return model.logSigma?.trainable ? [...layers, model.logSigma] : layers;
}

/** All weights with stable names (`encoder/0`, ..., `decoder/0`, ..., `logSigma`), for checkpoints. */
export function namedWeights(model: Model): { name: string; tensor: tf.Tensor }[] {
  const named = [
    ...model.encoder.getWeights().map((tensor, i) => ({ name: `encoder/${i}`, tensor })),
    ...model.decoder.getWeights().map((tensor, i) => ({ name: `decoder/${i}`, tensor })),
  ];
  return model.logSigma ? [...named, { name: "logSigma", tensor: model.logSigma }] : named;
}

/** Number of trainable parameters. */
export function countParams(model: Model): number {
  return trainableVariables(model).reduce((sum, v) => sum + v.size, 0);
}

/** Frees the model's weights. */
export function disposeModel(model: Model): void {
  model.encoder.dispose();
  model.decoder.dispose();
  model.logSigma?.dispose();
}
