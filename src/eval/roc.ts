/** ROC AUC of anomaly scores (e.g. -ELBO or reconstruction error per image). */

/**
 * Area under the ROC curve: the probability that a random anomaly (`isAnomaly` true) scores
 * higher than a random normal example, ties counting one half (the Mann-Whitney U statistic).
 * 1 = perfect ranking, 0.5 = chance.
 */
export function rocAuc(scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (n !== isAnomaly.length) throw new Error(`rocAuc: ${n} scores but ${isAnomaly.length} labels.`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    if (Number.isNaN(scores[order[start]])) throw new Error(`rocAuc: score ${order[start]} is NaN.`);
    let end = start;
    while (end + 1 < n && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1; // tied scores share their average rank
    for (let i = start; i <= end; i++) {
      if (isAnomaly[order[i]]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0)
    throw new Error("rocAuc needs at least one anomaly and one normal example.");
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
