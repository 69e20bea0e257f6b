/**
 * Scores of generated images against real ones, all in the eyes of the course's classifier:
 *
 * - Fréchet distance between Gaussians fitted to the two sets' features (quality and diversity mixed);
 * - improved precision and recall in the same features (quality and coverage, apart);
 * - label shares: which classes the classifier sees in the samples, the smallest share and how many
 *   classes are present at all (a model that drops classes, "mode collapse", shows here).
 *
 * What depends on the real images alone (features, Gaussian, k-NN radii) is computed once by
 * {@link realReference} and reused for every generated set.
 */
import type { Classifier, Features, Images } from "./classifier";
import { type GaussianFit, fitGaussian, frechetDistance } from "./frechet";
import { knnRadii, precisionRecall } from "./precision-recall";

/** The real images' side of the scores, computed once. */
export interface RealReference {
  /** The classifier whose features these are. */
  classifier: Classifier;
  features: Features;
  fit: GaussianFit;
  /** k-NN radii of the real features (see knnRadii). */
  radii: Float32Array;
  k: number;
}

/** Options of {@link realReference} and {@link generationScores}. */
export interface GenerationOptions {
  /** Neighbourhood size of precision and recall (default 3). */
  k?: number;
  /** A class counts as present when it has at least this share of the samples (default: a tenth of a uniform share, 1 % for ten classes). */
  presentShare?: number;
}

/** How a set of generated images compares with the real ones. */
export interface GenerationScores {
  /** Number of generated images scored. */
  n: number;
  /** Squared Fréchet distance between the feature Gaussians (lower is closer). */
  frechet: number;
  /** Share of samples inside the real features' k-NN balls. */
  precision: number;
  /** Share of real images inside the samples' k-NN balls. */
  recall: number;
  /** Share of the samples the classifier puts in each class (in the order of `classifier.classNames`). */
  labelShares: number[];
  smallestClassShare: number;
  /** Classes with at least `presentShare` of the samples. */
  classesPresent: number;
  /** Entropy of the label shares in nats (ln 10 when ten classes are equally frequent). */
  labelEntropy: number;
}

/** Features, feature Gaussian and k-NN radii of real images, for {@link generationScores}. */
export function realReference(
  classifier: Classifier,
  realImages: Images,
  options: GenerationOptions = {},
): RealReference {
  const k = options.k ?? 3;
  const features = classifier.features(realImages);
  const fit = fitGaussian(features.values, features.n, features.dim);
  return { classifier, features, fit, radii: knnRadii(features, k), k };
}

/**
 * Scores `generated` images against real ones (images, or a {@link realReference} of them) in the
 * features of `classifier`. Precision and recall depend on the sizes of both sets: compare sets of
 * equal size.
 */
export function generationScores(
  classifier: Classifier,
  real: Images | RealReference,
  generated: Images,
  options: GenerationOptions = {},
): GenerationScores {
  const reference = "radii" in real ? real : realReference(classifier, real, options);
  if (reference.classifier !== classifier)
    throw new Error("The real reference was computed with another classifier: compute it with this one.");
  if (options.k !== undefined && options.k !== reference.k)
    throw new Error(`The real reference has k = ${reference.k} but k = ${options.k} was asked: use one k.`);
  const { features, labels } = classifier.classify(generated);
  const fit = fitGaussian(features.values, features.n, features.dim);
  const { precision, recall } = precisionRecall(reference.features, features, {
    k: reference.k,
    realRadii: reference.radii,
  });
  return {
    n: features.n,
    frechet: frechetDistance(reference.fit, fit),
    precision,
    recall,
    ...labelScores(labels, classifier.classNames.length, options.presentShare),
  };
}

/** Label shares, the smallest one, classes present and entropy of predicted labels. */
export function labelScores(
  labels: ArrayLike<number>,
  classes: number,
  presentShare = 0.1 / classes,
): Pick<GenerationScores, "labelShares" | "smallestClassShare" | "classesPresent" | "labelEntropy"> {
  if (labels.length === 0) throw new Error("labelScores: no labels to count.");
  const counts = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < classes))
      throw new Error(`labelScores: label ${i} is ${labels[i]}, expected a class in 0..${classes - 1}.`);
    counts[labels[i]]++;
  }
  const labelShares = counts.map((c) => c / labels.length);
  return {
    labelShares,
    smallestClassShare: Math.min(...labelShares),
    classesPresent: labelShares.filter((s) => s >= presentShare && s > 0).length,
    labelEntropy: -labelShares.reduce((sum, p) => sum + (p > 0 ? p * Math.log(p) : 0), 0),
  };
}
