/**
 * Principal component analysis, the classic linear code and the baseline of an autoencoder: with
 * the mean image m and the pixel covariance C = (1/n) sum_j (x_j - m)(x_j - m)^T, the code of x is
 * z = V^T (x - m) and its reconstruction m + V z, where the columns of V are the eigenvectors of C
 * with the largest eigenvalues (the variances along them).
 */
import * as tf from "@tensorflow/tfjs";
import { type ImageSet, batches, checkImageSet, imageSize } from "../data/batches";
import { symmetricEigen } from "./frechet";

/** Mean and covariance of a set's images (pixels as variables, divided by n). */
export interface MeanAndCovariance {
  /** `[p]` for p pixels per image. */
  mean: tf.Tensor1D;
  /** `[p, p]`. */
  cov: tf.Tensor2D;
}

/** The mean image and the pixel covariance C = (1/n) sum (x - m)(x - m)^T, accumulated in chunks. */
export function meanAndCovariance(set: ImageSet, chunk = 10000): MeanAndCovariance {
  checkImageSet(set, "set for the covariance");
  const p = imageSize(set);
  const mean = tf.tidy(() => tf.div(pixelSum(set, chunk), set.n) as tf.Tensor1D);
  let cov = tf.zeros([p, p]) as tf.Tensor2D;
  for (const { x } of batches(set, chunk)) {
    const next = tf.tidy(() => {
      const centred = tf.sub(x, mean);
      return tf.add(cov, tf.div(tf.matMul(tf.transpose(centred), centred), set.n)) as tf.Tensor2D;
    });
    cov.dispose();
    cov = next;
  }
  return { mean, cov };
}

function pixelSum(set: ImageSet, chunk: number): tf.Tensor1D {
  let sum = tf.zeros([imageSize(set)]) as tf.Tensor1D;
  for (const { x } of batches(set, chunk)) {
    const next = tf.tidy(() => tf.add(sum, tf.sum(x, 0)) as tf.Tensor1D);
    sum.dispose();
    sum = next;
  }
  return sum;
}

/** The leading principal components of a set. */
export interface PrincipalComponents {
  /** The mean image, `[p]`. */
  mean: tf.Tensor1D;
  /** `[p, k]`: orthonormal columns v_1 .. v_k, the eigenvectors of C by decreasing eigenvalue. */
  components: tf.Tensor2D;
  /** The k largest eigenvalues of C, decreasing: the variance of the images along each v_j. */
  variances: number[];
  /** tr C, the images' total variance (summed over pixels). */
  totalVariance: number;
}

/**
 * The first `k` principal components of a set's images, from the exact eigendecomposition of their
 * covariance (in float64). Dispose them with {@link disposePrincipalComponents}.
 */
export function principalComponents(set: ImageSet, k: number): PrincipalComponents {
  const p = imageSize(set);
  if (!(Number.isInteger(k) && k >= 1 && k <= p))
    throw new Error(`principalComponents: k must be an integer from 1 to ${p} (pixels per image), got ${k}.`);
  const { mean, cov } = meanAndCovariance(set);
  try {
    const { values, vectors } = symmetricEigen(cov.dataSync(), p);
    const order = Array.from(values.keys())
      .sort((a, b) => values[b] - values[a])
      .slice(0, k);
    const columns = new Float32Array(p * k);
    for (let r = 0; r < p; r++) order.forEach((j, c) => (columns[r * k + c] = vectors[r * p + j]));
    return {
      mean,
      components: tf.tensor2d(columns, [p, k]),
      variances: order.map((j) => values[j]),
      totalVariance: values.reduce((sum, l) => sum + l, 0),
    };
  } catch (err) {
    mean.dispose();
    throw err;
  } finally {
    cov.dispose();
  }
}

/** The codes z = V_d^T (x - m) of a batch `[n, p]`, through the first `d` components (default all). */
export function pcaEncode(pca: PrincipalComponents, x: tf.Tensor2D, d = pca.variances.length): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.sub(x, pca.mean), firstComponents(pca, d)));
}

/** Reconstructions m + V_d V_d^T (x - m) of a batch, through the first `d` components (default all). */
export function pcaReconstruct(
  pca: PrincipalComponents,
  x: tf.Tensor2D,
  d = pca.variances.length,
): tf.Tensor2D {
  return tf.tidy(() =>
    tf.add(tf.matMul(pcaEncode(pca, x, d), firstComponents(pca, d), false, true), pca.mean),
  );
}

/** Frees the tensors of a {@link PrincipalComponents}. */
export function disposePrincipalComponents(pca: PrincipalComponents): void {
  tf.dispose([pca.mean, pca.components]);
}

function firstComponents(pca: PrincipalComponents, d: number): tf.Tensor2D {
  const k = pca.variances.length;
  if (!(Number.isInteger(d) && d >= 1 && d <= k))
    throw new Error(`d must be an integer from 1 to ${k} (the components computed), got ${d}.`);
  return d === k ? pca.components.clone() : (tf.slice(pca.components, [0, 0], [-1, d]) as tf.Tensor2D);
}
