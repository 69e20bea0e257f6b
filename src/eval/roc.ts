/** The ROC curve of anomaly scores (e.g. -ELBO or reconstruction error per image) and its area. */

/**
 * Area under the ROC curve: the probability that a random anomaly (`isAnomaly` true) scores
 * higher than a random normal example, ties counting one half (the Mann-Whitney U statistic).
 * 1 = perfect ranking, 0.5 = chance.
 */
export function rocAuc(scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean | number>): number {
  const order = sortedOrder(scores, isAnomaly, "rocAuc", 1);
  let positives = 0;
  let rankSum = 0;
  for (const [start, end] of tieGroups(scores, order)) {
    const rank = (start + end) / 2 + 1; // tied scores share their average rank
    for (let i = start; i <= end; i++) {
      if (isAnomaly[order[i]]) {
        positives++;
        rankSum += rank;
      }
    }
  }
  const negatives = scores.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Points of a ROC curve, from (0, 0) to (1, 1). */
export interface RocCurve {
  /** False-positive rate at each threshold: the share of normal examples flagged. */
  fpr: number[];
  /** True-positive rate: the share of anomalies flagged. */
  tpr: number[];
  /** Flag every example scoring at least this (Infinity at the first point: nothing flagged). */
  thresholds: number[];
}

/**
 * The ROC curve: for every distinct score as a threshold, from the highest down, the shares of
 * normal examples and of anomalies scoring at least that. Tied scores make one diagonal step, so
 * the area under the straight lines between the points is {@link rocAuc}.
 */
export function rocCurve(scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean | number>): RocCurve {
  const order = sortedOrder(scores, isAnomaly, "rocCurve", -1);
  const positives = Array.from(order).filter((i) => isAnomaly[i]).length;
  const negatives = scores.length - positives;
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let [tp, fp] = [0, 0];
  for (const [start, end] of tieGroups(scores, order)) {
    for (let i = start; i <= end; i++) {
      if (isAnomaly[order[i]]) tp++;
      else fp++;
    }
    curve.fpr.push(fp / negatives);
    curve.tpr.push(tp / positives);
    curve.thresholds.push(scores[order[start]]);
  }
  return curve;
}

/** Indices of the scores sorted ascending (`direction` 1) or descending (-1), after checking them. */
function sortedOrder(
  scores: ArrayLike<number>,
  isAnomaly: ArrayLike<boolean | number>,
  what: string,
  direction: 1 | -1,
): number[] {
  const n = scores.length;
  if (n !== isAnomaly.length) throw new Error(`${what}: ${n} scores but ${isAnomaly.length} labels.`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`${what}: score ${i} is NaN.`);
    if (isAnomaly[i]) positives++;
  }
  if (positives === 0 || positives === n)
    throw new Error(`${what} needs at least one anomaly and one normal example.`);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => direction * (scores[a] - scores[b]));
}

/** The runs [start, end] of equal scores along `order`. */
function* tieGroups(scores: ArrayLike<number>, order: number[]): Generator<[number, number]> {
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    yield [start, end];
    start = end + 1;
  }
}
