/**
 * The configuration of a model: everything needed to rebuild it (saved beside the weights in a
 * checkpoint). Plain JSON, so it can be printed, stored and compared.
 */

/** Which model: plain autoencoder, denoising autoencoder or variational autoencoder. */
export type ModelKind = "ae" | "dae" | "vae";
/** Encoder and decoder as fully connected (`mlp`) or small convolutional (`conv`) networks. */
export type Architecture = "mlp" | "conv";
/** The decoder's output distribution over pixels. */
export type Likelihood = "bernoulli" | "gaussian";
/** Hidden-layer activations (names of tf.layers activations). */
export type Activation = "relu" | "elu" | "tanh" | "sigmoid" | "selu" | "softplus" | "linear";
/** Every {@link Activation}. */
export const ACTIVATIONS: readonly Activation[] = [
  "relu",
  "elu",
  "tanh",
  "sigmoid",
  "selu",
  "softplus",
  "linear",
];
/** Corruption of the denoising autoencoder's input. */
export type NoiseKind = "gaussian" | "masking" | "salt-and-pepper";
/** Every {@link NoiseKind}. */
export const NOISE_KINDS: readonly NoiseKind[] = ["gaussian", "masking", "salt-and-pepper"];

/** Noise of a denoising autoencoder: the kind and its level (std, or fraction of pixels). */
export interface NoiseConfig {
  kind: NoiseKind;
  level: number;
}

/** Everything that defines a model's architecture. */
export interface ModelConfig {
  kind: ModelKind;
  arch: Architecture;
  /** Image shape `[rows, cols, channels]`; the model reads flat rows of `rows*cols*channels`. */
  inputShape: [number, number, number];
  /** Dimension of the code `z`. */
  latentDim: number;
  /** Widths of the encoder's dense hidden layers; the decoder mirrors them. */
  hidden: number[];
  /** Filters of the conv encoder's stride-2 layers (conv only); the decoder mirrors them. */
  filters: number[];
  activation: Activation;
  likelihood: Likelihood;
  /** Standard deviation of the Gaussian likelihood (its initial value when learned). */
  sigma: number;
  /** Learn one shared `logSigma` of the Gaussian likelihood. */
  learnSigma: boolean;
  /** Input corruption of a denoising autoencoder (`dae` only). */
  noise?: NoiseConfig;
  /**
   * Classes of a conditional VAE (MLP only): a one-hot label is appended to the encoder's input
   * and to the code the decoder reads. 0 (the default): not conditional.
   */
  classes: number;
  /**
   * What a conditional VAE's networks multiply the one-hot label by before reading it (default 1).
   * Adam moves each weight by about the learning rate per step, so a label that enters as one input
   * of size 1, beside the 20 numbers of z or 784 pixels, gains influence slowly, and z learns to
   * carry the digit instead; a larger scale lets the label's weights keep pace.
   */
  labelScale: number;
  /** Seed of the initial weights. */
  seed: number;
}

/** The defaults: the pytorch/examples VAE (MLP 784-400-20, Bernoulli likelihood). */
export const DEFAULT_CONFIG: ModelConfig = {
  kind: "vae",
  arch: "mlp",
  inputShape: [28, 28, 1],
  latentDim: 20,
  hidden: [400],
  filters: [32, 64],
  activation: "relu",
  likelihood: "bernoulli",
  sigma: 1,
  learnSigma: false,
  classes: 0,
  labelScale: 1,
  seed: 0,
};

/** Fills in defaults and checks every field, with an error saying what to change. */
export function modelConfig(options: Partial<ModelConfig> = {}): ModelConfig {
  const config: ModelConfig = { ...DEFAULT_CONFIG, ...dropUndefined(options) };
  if (config.kind === "dae" && !config.noise) config.noise = { kind: "gaussian", level: 0.5 };
  const fail = (msg: string) => {
    throw new Error(`Invalid model config: ${msg}`);
  };
  if (!["ae", "dae", "vae"].includes(config.kind))
    fail(`kind ${JSON.stringify(config.kind)} is not one of ae, dae, vae.`);
  if (!["mlp", "conv"].includes(config.arch))
    fail(`arch ${JSON.stringify(config.arch)} is not one of mlp, conv.`);
  if (!["bernoulli", "gaussian"].includes(config.likelihood))
    fail(`likelihood ${JSON.stringify(config.likelihood)} is not bernoulli or gaussian.`);
  const [rows, cols, channels] = config.inputShape ?? [];
  if (![rows, cols, channels].every((v) => Number.isInteger(v) && v > 0))
    fail(
      `inputShape must be three positive integers [rows, cols, channels], got ${JSON.stringify(config.inputShape)}.`,
    );
  if (!(Number.isInteger(config.latentDim) && config.latentDim > 0))
    fail(`latentDim must be a positive integer, got ${config.latentDim}.`);
  if (!config.hidden.every((h) => Number.isInteger(h) && h > 0))
    fail(`hidden must be positive integers, got ${JSON.stringify(config.hidden)}.`);
  if (config.arch === "conv") {
    if (config.filters.length === 0 || !config.filters.every((f) => Number.isInteger(f) && f > 0))
      fail(`filters must be positive integers, got ${JSON.stringify(config.filters)}.`);
    const stride = 2 ** config.filters.length;
    if (rows % stride !== 0 || cols % stride !== 0)
      fail(
        `the conv net halves the image ${config.filters.length} times, so rows and cols must be multiples of ${stride} (got ${rows}x${cols}); use fewer filters or arch "mlp".`,
      );
  }
  if (!ACTIVATIONS.includes(config.activation))
    fail(`activation ${JSON.stringify(config.activation)} is not one of ${ACTIVATIONS.join(", ")}.`);
  if (!(config.sigma > 0 && Number.isFinite(config.sigma)))
    fail(`sigma must be a finite positive number, got ${config.sigma}.`);
  if (typeof config.learnSigma !== "boolean")
    fail(`learnSigma must be true or false, got ${config.learnSigma}.`);
  if (config.noise && !NOISE_KINDS.includes(config.noise.kind))
    fail(`noise kind ${JSON.stringify(config.noise.kind)} is not one of ${NOISE_KINDS.join(", ")}.`);
  if (config.noise && !(config.noise.level >= 0 && Number.isFinite(config.noise.level)))
    fail(`noise level must be a finite number >= 0, got ${config.noise.level}.`);
  if (!(Number.isInteger(config.classes) && config.classes >= 0))
    fail(`classes must be an integer >= 0 (0: not conditional), got ${config.classes}.`);
  if (config.classes > 0 && (config.kind !== "vae" || config.arch !== "mlp"))
    fail(`a conditional model (classes ${config.classes}) must be kind "vae" and arch "mlp".`);
  if (!(config.labelScale > 0 && Number.isFinite(config.labelScale)))
    fail(
      `labelScale must be a finite positive number (1: the plain one-hot label), got ${config.labelScale}.`,
    );
  if (!Number.isFinite(config.seed)) fail(`seed must be a number, got ${config.seed}.`);
  return config;
}

/**
 * The first setting in which two configs compute differently, as "key is A in the first but B in
 * the second", or undefined when they compute the same. The seed (initial weights only) is not
 * compared, nor settings that have no effect (filters of an MLP, sigma of a Bernoulli decoder,
 * noise of a model that is not a denoising autoencoder).
 */
export function configDifference(
  a: ModelConfig,
  b: ModelConfig,
  names = ["first", "second"],
): string | undefined {
  for (const key of Object.keys(DEFAULT_CONFIG).concat("noise") as (keyof ModelConfig)[]) {
    if (key === "seed" || !matters(key, a) || JSON.stringify(a[key]) === JSON.stringify(b[key])) continue;
    return `${key} is ${JSON.stringify(a[key])} in the ${names[0]} but ${JSON.stringify(b[key])} in the ${names[1]}`;
  }
  return undefined;
}

/** Whether a setting changes what a model with this config computes. */
function matters(key: keyof ModelConfig, config: ModelConfig): boolean {
  if (key === "filters") return config.arch === "conv";
  if (key === "sigma" || key === "learnSigma") return config.likelihood === "gaussian";
  if (key === "noise") return config.kind === "dae";
  if (key === "labelScale") return config.classes > 0;
  return true;
}

function dropUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
