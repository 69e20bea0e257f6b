/**
 * Encoder and decoder networks built from tf.layers. Both work on flat rows: the encoder reads
 * `[batch, rows*cols*channels]` and the decoder writes the same shape (logits for a Bernoulli
 * likelihood, means for a Gaussian one), so losses never care about the architecture.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config";
import type { Rng } from "../random";

/** Size of a flat image row. */
export function inputSize(config: Pick<ModelConfig, "inputShape">): number {
  const [rows, cols, channels] = config.inputShape;
  return rows * cols * channels;
}

/** Number of encoder outputs: `mu` and `logVar` for a VAE, the code `z` otherwise. */
export function encoderOutputSize(config: Pick<ModelConfig, "kind" | "latentDim">): number {
  return config.kind === "vae" ? 2 * config.latentDim : config.latentDim;
}

/** Seeded layer initializers: Glorot-uniform kernels, zero biases (the Keras defaults). */
function init(rng: Rng) {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
    biasInitializer: "zeros" as const,
  };
}

function dense(units: number, activation: ModelConfig["activation"], rng: Rng, inputShape?: number[]) {
  return tf.layers.dense({ units, activation, inputShape, ...init(rng) });
}

/** MLP encoder: input (and a conditional VAE's one-hot label) -> hidden layers -> `mu, logVar` (VAE) or `z`. */
export function mlpEncoder(config: ModelConfig, rng: Rng): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  let shape: number[] | undefined = [inputSize(config) + config.classes];
  for (const units of config.hidden) {
    layers.push(dense(units, config.activation, rng, shape));
    shape = undefined;
  }
  layers.push(dense(encoderOutputSize(config), "linear", rng, shape));
  return tf.sequential({ layers });
}

/** MLP decoder: `z` (and a conditional VAE's one-hot label) -> hidden layers (mirrored) -> one output per pixel. */
export function mlpDecoder(config: ModelConfig, rng: Rng): tf.Sequential {
  const layers: tf.layers.Layer[] = [];
  let shape: number[] | undefined = [config.latentDim + config.classes];
  for (const units of [...config.hidden].reverse()) {
    layers.push(dense(units, config.activation, rng, shape));
    shape = undefined;
  }
  layers.push(dense(inputSize(config), "linear", rng, shape));
  return tf.sequential({ layers });
}

/** Conv encoder: stride-2 3x3 convolutions halve the image per filter count, then dense layers. */
export function convEncoder(config: ModelConfig, rng: Rng): tf.Sequential {
  const layers: tf.layers.Layer[] = [
    tf.layers.reshape({ targetShape: config.inputShape, inputShape: [inputSize(config)] }),
  ];
  for (const filters of config.filters) {
    layers.push(
      tf.layers.conv2d({
        filters,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        activation: config.activation,
        ...init(rng),
      }),
    );
  }
  layers.push(tf.layers.flatten());
  for (const units of config.hidden) layers.push(dense(units, config.activation, rng));
  layers.push(dense(encoderOutputSize(config), "linear", rng));
  return tf.sequential({ layers });
}

/** Conv decoder: dense layers to a small feature map, stride-2 transposed convolutions back up. */
export function convDecoder(config: ModelConfig, rng: Rng): tf.Sequential {
  const [rows, cols, channels] = config.inputShape;
  const scale = 2 ** config.filters.length;
  const filters = [...config.filters].reverse();
  const mapShape = [rows / scale, cols / scale, filters[0]];
  const layers: tf.layers.Layer[] = [];
  let shape: number[] | undefined = [config.latentDim];
  for (const units of [...config.hidden].reverse()) {
    layers.push(dense(units, config.activation, rng, shape));
    shape = undefined;
  }
  layers.push(dense(mapShape[0] * mapShape[1] * mapShape[2], config.activation, rng, shape));
  layers.push(tf.layers.reshape({ targetShape: mapShape }));
  for (const f of filters) {
    layers.push(
      tf.layers.conv2dTranspose({
        filters: f,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        activation: config.activation,
        ...init(rng),
      }),
    );
  }
  layers.push(
    tf.layers.conv2dTranspose({
      filters: channels,
      kernelSize: 3,
      strides: 1,
      padding: "same",
      ...init(rng),
    }),
  );
  layers.push(tf.layers.flatten());
  return tf.sequential({ layers });
}
