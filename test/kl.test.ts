import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { freeBits, klMonteCarlo, klStandardNormal, reparameterize, selectBackend } from "../src";

test("closed-form KL matches a hand-computed value", async () => {
  await selectBackend({ backend: "cpu" });
  // KL(N(mu, s^2) || N(0, 1)) = (s^2 + mu^2 - 1 - log s^2) / 2 per dimension.
  const expected = (1 + 1 - 1 - 0) / 2 + (2 + 0 - 1 - Math.log(2)) / 2;
  const got = tf.tidy(
    () => klStandardNormal(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(2)]])).arraySync()[0],
  );
  assert.ok(Math.abs(got - expected) < 1e-6, `got ${got}, expected ${expected}`);
});

test("Monte-Carlo KL estimate agrees with the closed form within 4 standard errors", async () => {
  await selectBackend({ backend: "cpu" });
  const samples = 20000;
  const mu = [[0.5, -1.2, 2.0]];
  const logVar = [[-0.7, 0.4, -2.0]];
  const [closed, mcMean, mcStd] = tf.tidy(() => {
    const m = tf.tile(tf.tensor2d(mu), [samples, 1]) as tf.Tensor2D;
    const v = tf.tile(tf.tensor2d(logVar), [samples, 1]) as tf.Tensor2D;
    const z = reparameterize(m, v, tf.randomNormal(m.shape, 0, 1, "float32", 42) as tf.Tensor2D);
    const estimates = klMonteCarlo(m, v, z);
    const { mean, variance } = tf.moments(estimates);
    return [
      klStandardNormal(tf.tensor2d(mu), tf.tensor2d(logVar)).arraySync()[0],
      mean.arraySync() as number,
      Math.sqrt(variance.arraySync() as number),
    ];
  });
  const standardError = mcStd / Math.sqrt(samples);
  assert.ok(standardError > 0 && standardError < 0.05, `standard error ${standardError}`);
  assert.ok(
    Math.abs(mcMean - closed) < 4 * standardError,
    `MC ${mcMean} vs closed form ${closed} (s.e. ${standardError})`,
  );
});

test("free bits: each dimension's batch-mean KL counts at least lambda nats", async () => {
  await selectBackend({ backend: "cpu" });
  const [atPrior, large] = tf.tidy(() => {
    const zero = tf.zeros([4, 3]) as tf.Tensor2D;
    const term = freeBits(0.25);
    // q = prior: true KL 0, so every one of 3 dimensions counts 0.25.
    const a = term(zero, zero, zero).arraySync() as number;
    // mu = 2 in dimension 0 only: KL 2 there (above lambda), 0.25 in the other two.
    const mu = tf.tensor2d([
      [2, 0, 0],
      [2, 0, 0],
    ]);
    const b = term(mu, tf.zeros([2, 3]) as tf.Tensor2D, mu).arraySync() as number;
    return [a, b];
  });
  assert.ok(Math.abs(atPrior - 0.75) < 1e-6, `got ${atPrior}`);
  assert.ok(Math.abs(large - 2.5) < 1e-6, `got ${large}`);
});
