/**
 * Nearest neighbours by Euclidean distance, in chunks of queries so that the distance matrix of a
 * chunk, not of the whole set, is in memory.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Squared distances `[queries, references]` from each row of `query` to each reference, by
 * |q - r|^2 = |q|^2 - 2 q.r + |r|^2; `referenceT` is the references transposed (`[dim, m]`: a plain
 * product is the fast one) and `referenceSq` their squared norms. Clipped at 0 (rounding).
 */
export function squaredDistances(
  query: tf.Tensor2D,
  referenceT: tf.Tensor2D,
  referenceSq: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const cross = tf.sub(referenceSq, tf.mul(2, tf.matMul(query, referenceT)));
    return tf.relu(tf.add(cross, tf.sum(tf.square(query), 1, true))) as tf.Tensor2D;
  });
}

/** The transposed references and their squared norms, for {@link squaredDistances}. */
export function prepareReferences(reference: tf.Tensor2D): {
  referenceT: tf.Tensor2D;
  referenceSq: tf.Tensor1D;
} {
  return tf.tidy(() => ({
    referenceT: tf.transpose(reference) as tf.Tensor2D,
    referenceSq: tf.sum(tf.square(reference), 1) as tf.Tensor1D,
  }));
}

/**
 * The Euclidean distance from each row of `queries` (`[n, dim]`) to its nearest row of `reference`
 * (`[m, dim]`): codes to the nearest training code, images to the nearest training image.
 */
export function nearestDistances(queries: tf.Tensor2D, reference: tf.Tensor2D, chunk = 100): Float32Array {
  if (queries.rank !== 2 || reference.rank !== 2 || queries.shape[1] !== reference.shape[1])
    throw new Error(
      `nearestDistances needs queries [n, dim] and reference [m, dim] with the same dim, got [${queries.shape}] and [${reference.shape}].`,
    );
  if (reference.shape[0] === 0) throw new Error("nearestDistances needs at least one reference row.");
  const { referenceT, referenceSq } = prepareReferences(reference);
  const out = new Float32Array(queries.shape[0]);
  try {
    for (let start = 0; start < queries.shape[0]; start += chunk) {
      const rows = Math.min(chunk, queries.shape[0] - start);
      const nearest = tf.tidy(() => {
        const query = tf.slice(queries, [start, 0], [rows, -1]) as tf.Tensor2D;
        return tf.sqrt(tf.min(squaredDistances(query, referenceT, referenceSq), 1));
      });
      out.set(nearest.dataSync(), start);
      nearest.dispose();
    }
  } finally {
    tf.dispose([referenceT, referenceSq]);
  }
  return out;
}
