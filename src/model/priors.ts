/**
 * Priors p(z) of a VAE: the standard normal, a learned mixture of Gaussians, and the VampPrior
 * (Tomczak and Welling, AISTATS 2018), the encoder's own posteriors at learned pseudo-inputs,
 * averaged. A prior gives log p(z) per code and draws codes; a learned prior holds its variables,
 * which a training step updates together with the model's.
 */
import * as tf from "@tensorflow/tfjs";
import { logStandardNormal } from "./kl";
import { type Model, encode } from "./model";
import { reparameterize } from "./reparameterize";
import { type Rng, randomStream } from "../random";

const LOG_2PI = Math.log(2 * Math.PI);

/** A distribution over codes. */
export interface Prior {
  /** For tables and legends: "N(0, I)", "mixture of 50 Gaussians", "VampPrior (50 pseudo-inputs)". */
  readonly name: string;
  readonly latentDim: number;
  /** log p(z) of each row of `z` (`[n, latentDim]`), shape `[n]`. */
  logProb(z: tf.Tensor2D): tf.Tensor1D;
  /** `n` codes drawn from the prior, from the seed's sampling stream. */
  sample(n: number, seed: number): tf.Tensor2D;
  /** What training updates (none for N(0, I)). */
  readonly variables: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/**
 * log sum_k w_k N(z | mu_k, diag exp(logVar_k)) for each row of `z`, shape `[n]`, with `mu` and
 * `logVar` `[K, d]` and log-weights `[K]` (default: equal weights, log(1/K)). Each component's log
 * density is a product of the rows [z^2, z] with per-component columns plus a constant, so all K
 * come from one matrix product (in chunks of rows, so that n * K stays small).
 */
export function logGaussianMixture(
  z: tf.Tensor2D,
  mu: tf.Tensor2D,
  logVar: tf.Tensor2D,
  logWeights?: tf.Tensor1D,
): tf.Tensor1D {
  const [k, d] = mu.shape;
  if (z.shape[1] !== d || !tf.util.arraysEqual(mu.shape, logVar.shape))
    throw new Error(
      `logGaussianMixture needs z [n, ${d}] and mu, logVar of one shape [K, d]; got z [${z.shape}], mu [${mu.shape}], logVar [${logVar.shape}].`,
    );
  if (logWeights && logWeights.shape[0] !== k)
    throw new Error(`logGaussianMixture: ${logWeights.shape[0]} log-weights for ${k} components.`);
  return tf.tidy(() => {
    const precision = tf.exp(tf.neg(logVar));
    // rows [z^2, z] times these columns give -sum_u (z_u^2 - 2 z_u mu_u) / (2 sigma_u^2)
    const columns = tf.transpose(tf.concat([tf.mul(-0.5, precision), tf.mul(mu, precision)], 1));
    const perComponent = tf.mul(
      -0.5,
      tf.sum(tf.add(tf.add(tf.mul(tf.square(mu), precision), logVar), LOG_2PI), 1),
    );
    const constants = tf.add(perComponent, logWeights ?? tf.scalar(-Math.log(k)));
    const n = z.shape[0];
    const rows = Math.max(1, Math.floor(4_000_000 / k));
    const parts: tf.Tensor1D[] = [];
    for (let start = 0; start < n; start += rows) {
      const zs = tf.slice(z, [start, 0], [Math.min(rows, n - start), d]);
      const logN = tf.add(tf.matMul(tf.concat([tf.square(zs), zs], 1), columns), constants);
      parts.push(tf.logSumExp(logN, 1) as tf.Tensor1D);
    }
    return parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor1D);
  });
}

/** The standard normal prior N(0, I) of every VAE so far. */
export function standardNormalPrior(latentDim: number): Prior {
  checkDim(latentDim);
  return {
    name: "N(0, I)",
    latentDim,
    logProb: (z) => logStandardNormal(z),
    sample: (n, seed) =>
      tf.randomNormal([n, latentDim], 0, 1, "float32", randomStream(seed, "sampling").seed()) as tf.Tensor2D,
    variables: [],
    dispose: () => undefined,
  };
}

/** Options of {@link mixturePrior}. */
export interface MixturePriorOptions {
  latentDim: number;
  /** Number of Gaussians K. */
  components: number;
  /** Seed of the initial means. */
  seed: number;
  /** Standard deviation of the initial means around 0 (default 1); variances start at 1, weights equal. */
  spread?: number;
}

/**
 * A mixture of K Gaussians with learned means, log-variances and weights (softmax of logits):
 * p(z) = sum_k pi_k N(z | m_k, diag exp(v_k)).
 */
export function mixturePrior(options: MixturePriorOptions): Prior {
  const { latentDim, components, seed } = options;
  checkDim(latentDim);
  checkComponents(components, "mixturePrior");
  const rng = randomStream(seed, "weights");
  const means = variableFrom(
    tf.randomNormal([components, latentDim], 0, options.spread ?? 1, "float32", rng.seed()),
  );
  const logVars = variableFrom(tf.zeros([components, latentDim]));
  const logits = variableFrom(tf.zeros([components]));
  const variables = [means, logVars, logits];
  return {
    name: `mixture of ${components} Gaussians`,
    latentDim,
    logProb: (z) =>
      tf.tidy(() =>
        logGaussianMixture(
          z,
          means as tf.Tensor2D,
          logVars as tf.Tensor2D,
          tf.logSoftmax(logits) as tf.Tensor1D,
        ),
      ),
    sample: (n, sampleSeed) =>
      tf.tidy(() => {
        const draws = randomStream(sampleSeed, "sampling");
        const k = categorical(Array.from(tf.softmax(logits).dataSync()), n, draws);
        return drawFrom(tf.gather(means, k) as tf.Tensor2D, tf.gather(logVars, k) as tf.Tensor2D, draws);
      }),
    variables,
    dispose: () => tf.dispose(variables),
  };
}

/**
 * The VampPrior: p(z) = (1/K) sum_k q(z | u_k), the model's own encoder at K learned
 * pseudo-inputs u_k, kept in [0, 1] (the range of pixels). `init` holds their starting values,
 * one image per row (`[K, pixels]`, copied). Training moves the u_k and, through them, the encoder.
 */
export function vampPrior(model: Model, init: tf.Tensor2D): Prior {
  const [components, size] = init.shape;
  checkComponents(components, "vampPrior");
  const pixels = model.config.inputShape.reduce((a, b) => a * b);
  if (size !== pixels)
    throw new Error(
      `vampPrior: init has rows of ${size} pixels; the model reads ${pixels} (${model.config.inputShape.join("x")}): pass one image per row.`,
    );
  const pseudoInputs = variableFrom(init.clone());
  const posteriors = () => encode(model, tf.clipByValue(pseudoInputs, 0, 1) as tf.Tensor2D);
  return {
    name: `VampPrior (${components} pseudo-inputs)`,
    latentDim: model.config.latentDim,
    logProb: (z) =>
      tf.tidy(() => {
        const { mu, logVar } = posteriors();
        return logGaussianMixture(z, mu, logVar!);
      }),
    sample: (n, sampleSeed) =>
      tf.tidy(() => {
        const draws = randomStream(sampleSeed, "sampling");
        const k = categorical(new Array(components).fill(1 / components), n, draws);
        const { mu, logVar } = posteriors();
        return drawFrom(tf.gather(mu, k) as tf.Tensor2D, tf.gather(logVar!, k) as tf.Tensor2D, draws);
      }),
    variables: [pseudoInputs],
    dispose: () => pseudoInputs.dispose(),
  };
}

/** n component indices drawn with the given probabilities. */
function categorical(probabilities: number[], n: number, rng: Rng): tf.Tensor1D {
  let sum = 0;
  const cumulative = probabilities.map((p) => (sum += p));
  const total = cumulative[cumulative.length - 1];
  const picks = Int32Array.from({ length: n }, () => {
    const u = rng.next() * total;
    const k = cumulative.findIndex((c) => u < c);
    return k < 0 ? cumulative.length - 1 : k;
  });
  return tf.tensor1d(picks, "int32");
}

/** One draw of N(mu, diag exp(logVar)) per row. */
function drawFrom(mu: tf.Tensor2D, logVar: tf.Tensor2D, rng: Rng): tf.Tensor2D {
  const eps = tf.randomNormal(mu.shape, 0, 1, "float32", rng.seed()) as tf.Tensor2D;
  return reparameterize(mu, logVar, eps);
}

/** A trainable variable holding `initial`'s values; the initial tensor is disposed (the variable keeps the data). */
function variableFrom(initial: tf.Tensor): tf.Variable {
  const variable = tf.variable(initial);
  initial.dispose();
  return variable;
}

function checkDim(latentDim: number): void {
  if (!(Number.isInteger(latentDim) && latentDim > 0))
    throw new Error(`A prior needs latentDim, a positive integer; got ${latentDim}.`);
}

function checkComponents(components: number, what: string): void {
  if (!(Number.isInteger(components) && components > 0))
    throw new Error(`${what}: components must be a positive integer, got ${components}.`);
}
