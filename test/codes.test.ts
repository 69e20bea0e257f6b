import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  NOISE_LEVELS,
  Rng,
  createModel,
  decode,
  decodeMean,
  disposeModel,
  encode,
  encodeAll,
  encodeSet,
  nearestDistances,
  noiseLabel,
  numbers,
  selectBackend,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

test("encodeAll gives a VAE's mu and logVar for a whole set, as one pass through the encoder would", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(25, 1);
  const before = tf.memory().numTensors;
  const all = encodeAll(model, set, 10); // three batches: 10, 10, 5
  const [mu, logVar, oneMu, oneLogVar] = numbers(() => {
    const once = encode(model, tf.tensor2d(set.pixels, [25, 16]));
    return [all.mu, all.logVar!, once.mu, once.logVar!];
  });
  assert.deepEqual(all.mu.shape, [25, 2]);
  assert.ok(
    mu.every((v, i) => Math.abs(v - oneMu[i]) < 1e-6) &&
      logVar.every((v, i) => Math.abs(v - oneLogVar[i]) < 1e-6),
  );
  const codes = encodeSet(model, set, 10);
  assert.deepEqual(Array.from(codes.values), mu);
  assert.deepEqual(Array.from(codes.logVar!), logVar);
  assert.deepEqual([codes.n, codes.dim, codes.labels], [25, 2, set.labels]);
  tf.dispose([all.mu, all.logVar!]);
  assert.equal(tf.memory().numTensors, before, "only the returned tensors were kept");
  disposeModel(model);
});

test("an autoencoder's codes have no logVar", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({ ...SMALL, kind: "ae" });
  const all = encodeAll(model, syntheticImages(7));
  assert.equal(all.logVar, undefined);
  assert.equal(encodeSet(model, syntheticImages(7)).logVar, undefined);
  all.mu.dispose();
  disposeModel(model);
});

test("nearest distances agree with a brute-force search, in chunks of any size", async () => {
  await selectBackend({ backend: "cpu" });
  const rng = new Rng(2);
  const rows = (n: number, dim: number) =>
    Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.normal()));
  const [queries, reference] = [rows(23, 5), rows(40, 5)];
  const brute = queries.map((q) =>
    Math.min(...reference.map((r) => Math.hypot(...r.map((v, j) => v - q[j])))),
  );
  const [q, r] = [tf.tensor2d(queries), tf.tensor2d(reference)];
  const before = tf.memory().numTensors;
  for (const chunk of [1, 7, 100]) {
    const fast = nearestDistances(q, r, chunk);
    assert.ok(
      brute.every((b, i) => Math.abs(b - fast[i]) < 1e-4 * Math.max(1, b)),
      `chunk ${chunk}`,
    );
  }
  assert.equal(
    nearestDistances(r, r).every((d) => d < 1e-3),
    true,
    "each reference row is its own nearest",
  );
  assert.equal(tf.memory().numTensors, before);
  assert.throws(
    () => nearestDistances(q, tf.zeros([3, 4]) as tf.Tensor2D),
    /same dim, got \[23,5\] and \[3,4\]/,
  );
  tf.dispose([q, r]);
});

test("decodeMean is the pixel means of the decoder's output: the sigmoid of its logits", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const z = tf.tensor2d([
    [0, 0],
    [1, -2],
  ]);
  const [mean, logits] = numbers(() => [decodeMean(model, z), decode(model, z)]);
  assert.ok(mean.every((m, i) => Math.abs(m - 1 / (1 + Math.exp(-logits[i]))) < 1e-6));
  z.dispose();
  disposeModel(model);
});

test("the course's noise levels and their labels", () => {
  assert.deepEqual(Object.keys(NOISE_LEVELS), ["gaussian", "masking", "salt-and-pepper"]);
  assert.equal(noiseLabel({ kind: "gaussian", level: 0.5 }), "gaussian σ = 0.5");
  assert.equal(noiseLabel({ kind: "salt-and-pepper", level: 0.1 }), "salt-and-pepper p = 0.1");
});

test("Rng.normal draws standard normal numbers, the same for the same seed", () => {
  const draws = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 100_000 }, () => rng.normal());
  };
  const values = draws(5);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  const beyond2 = values.filter((v) => Math.abs(v) > 2).length / values.length;
  // Within 5 standard errors: of the mean 1/sqrt(n), of the variance sqrt(2/n), of P(|z| > 2) = 0.0455.
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(1e5), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / 1e5), `variance ${variance}`);
  assert.ok(Math.abs(beyond2 - 0.0455) < 5 * Math.sqrt((0.0455 * 0.9545) / 1e5), `P(|z| > 2) ${beyond2}`);
  assert.deepEqual(draws(5).slice(0, 5), values.slice(0, 5));
  assert.ok(values.every(Number.isFinite));
});
