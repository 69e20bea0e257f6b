/**
 * The codes of a whole image set: q(z|x)'s `mu` and `logVar` for every image, as tensors (for
 * more tensor maths) or as plain arrays with the set's labels (for probes and tables).
 */
import * as tf from "@tensorflow/tfjs";
import { type Model, encode } from "../model/model";
import { type ImageSet, batches, checkImageSet } from "../data/batches";

/** The codes of every image of a set, `[n, latentDim]` each; `logVar` for a VAE only. */
export interface CodeTensors {
  mu: tf.Tensor2D;
  logVar?: tf.Tensor2D;
}

/**
 * Encodes every image of `set`, in batches: `mu` (the code of an AE or DAE) and, for a VAE,
 * `logVar`. The caller disposes the returned tensors.
 */
export function encodeAll(model: Model, set: ImageSet, batchSize = 1000): CodeTensors {
  checkImageSet(set, "set to encode");
  const mus: tf.Tensor2D[] = [];
  const logVars: tf.Tensor2D[] = [];
  try {
    for (const { x } of batches(set, batchSize)) {
      const { mu, logVar } = encode(model, x);
      mus.push(mu);
      if (logVar) logVars.push(logVar);
    }
    const mu = tf.concat(mus) as tf.Tensor2D;
    return logVars.length ? { mu, logVar: tf.concat(logVars) as tf.Tensor2D } : { mu };
  } finally {
    tf.dispose([...mus, ...logVars]);
  }
}

/**
 * Codes of a labelled set as plain numbers: `n` rows of `dim` values, row-major. For a model's
 * codes `values` is the encoder's `mu` and `logVar` its log-variances (VAE only); raw pixels can
 * be codes too (`values` = the pixels, `dim` = 784).
 */
export interface Codes {
  values: Float32Array;
  logVar?: Float32Array;
  labels: Uint8Array;
  n: number;
  dim: number;
}

/** Encodes every image of a labelled set to its code `mu` (and `logVar` for a VAE), as numbers. */
export function encodeSet(model: Model, set: ImageSet, batchSize = 1000): Codes {
  if (!set.labels) throw new Error("encodeSet needs a labelled set (set.labels) to evaluate probes.");
  const { mu, logVar } = encodeAll(model, set, batchSize);
  try {
    // Copies, so that the codes never share memory with a backend's buffers.
    const read = (t: tf.Tensor2D) => Float32Array.from(t.dataSync());
    const codes: Codes = { values: read(mu), labels: set.labels, n: set.n, dim: mu.shape[1] };
    if (logVar) codes.logVar = read(logVar);
    return codes;
  } finally {
    tf.dispose([mu, logVar ?? []]);
  }
}
