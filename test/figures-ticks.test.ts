import { test } from "node:test";
import assert from "node:assert/strict";
import { linearTicks, logTicks, tickLabels } from "../src/figures/ticks";

const labelsOf = (values: number[]) => tickLabels(values).join(" ");

test("a log axis over one to two decades is ticked 1-2-5, every label a full value", () => {
  assert.deepEqual(logTicks(1, 100), [1, 2, 5, 10, 20, 50, 100]);
  // 01's MSE against code size: no lone "2" or "5" between powers of ten.
  assert.equal(labelsOf(logTicks(0.0057, 0.056)), "0.01 0.02 0.05");
  assert.equal(labelsOf(logTicks(0.007, 0.33)), "0.01 0.02 0.05 0.1 0.2");
});

test("a log axis over many decades is ticked at powers of ten, every k-th decade when they crowd", () => {
  assert.deepEqual(logTicks(1, 5000), [1, 10, 100, 1000]);
  // 04's activity axis: 0.002 to 3.2, with the threshold 0.01 among the ticks.
  assert.deepEqual(logTicks(0.002, 3.2), [0.01, 0.1, 1]);
  assert.deepEqual(logTicks(1e-9, 1e3, 8), [1e-8, 1e-6, 1e-4, 1e-2, 1, 100]);
  assert.deepEqual(logTicks(1e-9, 1e3, 4), [1e-5, 1]);
});

test("a log axis narrower than a 1-2-5 step gets the ticks around it, to be widened to", () => {
  assert.deepEqual(logTicks(0.3, 0.4), [0.2, 0.5]);
  assert.deepEqual(logTicks(0.011, 0.019), [0.01, 0.02]);
  // One tick inside: its nearer neighbour outside joins it.
  assert.deepEqual(logTicks(1.9, 4.5), [2, 5]);
  assert.deepEqual(logTicks(2.2, 2.2), [2, 5]);
});

test("ticks never carry floating-point noise", () => {
  for (const v of [...logTicks(1e-4, 1e4, 20), ...linearTicks(-0.7, 0.7, 15)])
    assert.equal(v, Number(v.toPrecision(6)), `tick ${v}`);
});

test("bad log ranges are refused with the numbers given", () => {
  assert.throws(() => logTicks(0, 1), /0 < lo <= hi.*lo 0, hi 1/);
  assert.throws(() => logTicks(2, 1), /lo 2, hi 1/);
  assert.throws(() => logTicks(1, 10, 1), /maxTicks must be at least 2/);
});

test("a linear axis steps by 1, 2 or 5 times a power of ten, never 2.28", () => {
  // 03's KL axis: plotly synced it to the other axis's grid and printed 19.42, 21.7, 23.98, 26.26.
  assert.deepEqual(linearTicks(19, 27, 6), [20, 22, 24, 26]);
  assert.deepEqual(linearTicks(-3.2, 3.2, 7), [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual(linearTicks(0, 1, 8), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0.0012, 0.0019, 5), [0.0012, 0.0014, 0.0016, 0.0018]);
  assert.throws(() => linearTicks(1, 1), /finite lo < hi/);
});

test("tick labels read alike on one axis: all plain decimals, or all powers of ten", () => {
  assert.equal(labelsOf([0.0001, 0.001, 100000]), "0.0001 0.001 100000");
  assert.deepEqual(tickLabels([-2, 0, 0.5]), ["\u22122", "0", "0.5"]);
  assert.deepEqual(tickLabels([1e-6, 1e-2, 1]), [
    "10<sup>\u22126</sup>",
    "10<sup>\u22122</sup>",
    "10<sup>0</sup>",
  ]);
  assert.deepEqual(tickLabels([2e7, 5e7]), ["2×10<sup>7</sup>", "5×10<sup>7</sup>"]);
});
