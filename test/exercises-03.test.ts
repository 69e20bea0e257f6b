import { test } from "node:test";
import assert from "node:assert/strict";
import { exercise, randomSubset } from "../src";
import { capture } from "./console-capture";

test("exercise 03.1 converts bits per dimension to nats per image on random sizes and names the slip", async () => {
  assert.match(await capture(() => exercise("03.1", (b, d) => b * d * Math.LN2)), /✓/);
  const inverted = await capture(() => exercise("03.1", (b, d) => (b * d) / Math.LN2));
  assert.match(inverted, /✗ not yet\. a bit is a smaller unit than a nat/);
  assert.match(await capture(() => exercise("03.1", (b) => b * 784 * Math.LN2)), /28 x 28 images only/);
  assert.match(await capture(() => exercise("03.1", (b) => b * Math.LN2)), /per image count every value/);
  assert.doesNotMatch(inverted, /LN2|0\.69/, "the hint hides the factor");
});

test("exercise 03.2 wants the images for a 0.1-nat standard error from the given spread, and never prints it", async () => {
  const values = Array.from({ length: 100 }, (_, i) => 90 + (i % 10)); // variance 8.3333...
  const given = { values: values };
  assert.match(await capture(() => exercise("03.2", 840, given)), /✓/);
  const linear = await capture(() => exercise("03.2", (100 * Math.sqrt(8.3333 / 100)) / 0.1, given));
  assert.match(linear, /does not fall in proportion/);
  assert.match(await capture(() => exercise("03.2", 100, given)), /too few/);
  assert.match(await capture(() => exercise("03.2", 5000, given)), /too many/);
  assert.doesNotMatch(linear, /83\d/, "the hint hides the number");
  assert.match(await capture(() => exercise("03.2", 840, { values: [] })), /must pass \{ values/);
});

test("exercise 03.3 checks warm-up's beta at the first step, during and after the warm-up", async () => {
  assert.match(await capture(() => exercise("03.3", (s, w) => Math.min(1, s / w))), /✓/);
  assert.match(await capture(() => exercise("03.3", (s, w) => Math.min(1, (s + 1) / w))), /first step/);
  assert.match(await capture(() => exercise("03.3", (s, w) => s / w)), /stay where it arrived/);
  assert.match(await capture(() => exercise("03.3", (s, w) => Math.min(1, (s / w) ** 2))), /straight line/);
});

test("randomSubset draws distinct images, the same for the same seed, kept in the set's order", () => {
  const set = {
    pixels: Float32Array.from({ length: 50 * 4 }, (_, i) => (i % 200) / 200),
    n: 50,
    rows: 2,
    cols: 2,
    channels: 1,
    labels: Uint8Array.from({ length: 50 }, (_, i) => i % 10),
  };
  const a = randomSubset(set, 20, 7);
  const b = randomSubset(set, 20, 7);
  assert.deepEqual(a.indices, b.indices);
  assert.equal(new Set(a.indices).size, 20);
  assert.deepEqual(
    a.indices,
    [...a.indices].sort((x, y) => x - y),
  );
  assert.notDeepEqual(randomSubset(set, 20, 8).indices, a.indices);
  a.indices.forEach((image, row) => {
    assert.deepEqual(
      a.subset.pixels.subarray(row * 4, row * 4 + 4),
      set.pixels.subarray(image * 4, image * 4 + 4),
    );
    assert.equal(a.subset.labels![row], set.labels[image]);
  });
  assert.equal(a.subset.n, 20);
  assert.throws(() => randomSubset(set, 51, 7), /count must be an integer from 1 to 50/);
});
