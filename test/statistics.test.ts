import { test } from "node:test";
import assert from "node:assert/strict";
import { logMeanExp, median, quantile, sampleStatistics } from "../src";

test("sample statistics: mean, unbiased variance, standard errors of the mean and of the variance", () => {
  const s = sampleStatistics([1, 2, 3, 4]);
  assert.equal(s.n, 4);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.variance - 5 / 3) < 1e-15);
  assert.ok(Math.abs(s.se - Math.sqrt(5 / 12)) < 1e-15);
  // Fourth central moment 41/16, second 5/4: sqrt((41/16 - 25/16) / 4) = 0.5.
  assert.ok(Math.abs(s.varianceSe - 0.5) < 1e-15);
  // Float64 sums: a large offset does not swamp a small spread.
  const shifted = sampleStatistics(Float64Array.from({ length: 100_000 }, (_, i) => 1e6 + (i % 2)));
  assert.ok(Math.abs(shifted.variance - 0.25) < 1e-5, `${shifted.variance}`);
  assert.throws(() => sampleStatistics([1]), /at least 2 values/);
  assert.throws(() => sampleStatistics([1, NaN]), /not all finite/);
});

test("quantiles interpolate between order statistics; the median of an even count is the middle average", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(quantile([10, 20, 30, 40, 50], 0.25), 20);
  assert.equal(quantile([10, 20], 0.9), 19);
  assert.equal(quantile(Float32Array.of(5), 0.3), 5);
  assert.equal(quantile([2, 1], 0), 1);
  assert.equal(quantile([2, 1], 1), 2);
  assert.throws(() => quantile([], 0.5), /no values/);
  assert.throws(() => quantile([1, 2], 1.5), /q must be in \[0, 1\]/);
  assert.throws(() => quantile([1, NaN], 0.5), /NaN/);
});

test("log-mean-exp is exact where exp underflows, and handles empty weights and infinities", () => {
  const a = [-1000, -1001];
  assert.ok(Math.abs(logMeanExp(a) - (-1000 + Math.log((1 + Math.exp(-1)) / 2))) < 1e-12);
  assert.equal(logMeanExp([0, 0, 0]), 0);
  assert.equal(logMeanExp([-Infinity, -Infinity]), -Infinity);
  assert.equal(logMeanExp([Infinity, 0]), Infinity);
  assert.throws(() => logMeanExp([]), /no values/);
});
