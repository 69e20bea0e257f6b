import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { bernoulliLogLikelihood, gaussianLogLikelihood, selectBackend } from "../src";

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

for (const backend of ["cpu", "wasm"] as const) {
  test(`Bernoulli log-likelihood on logits matches x log p + (1 - x) log(1 - p) computed by hand (${backend})`, async () => {
    await selectBackend({ backend });
    const x = [1, 0, 0.5, 0.2];
    const logits = [2, -1, 0, 3];
    let expected = 0;
    for (let i = 0; i < x.length; i++) {
      const p = sigmoid(logits[i]);
      expected += x[i] * Math.log(p) + (1 - x[i]) * Math.log(1 - p);
    }
    const got = tf.tidy(() => bernoulliLogLikelihood(tf.tensor2d([x]), tf.tensor2d([logits])).arraySync());
    assert.equal(got.length, 1);
    assert.ok(Math.abs(got[0] - expected) < 1e-5, `got ${got[0]}, expected ${expected}`);
  });

  test(`Bernoulli log-likelihood stays finite and exact for extreme logits (stable softplus, ${backend})`, async () => {
    await selectBackend({ backend });
    // log sigmoid(100) = -softplus(-100) ~ -3.7e-44; log(1 - sigmoid(100)) = -100 - softplus(-100).
    const got = tf.tidy(() =>
      bernoulliLogLikelihood(
        tf.tensor2d([[1], [0], [1], [0]]),
        tf.tensor2d([[100], [100], [-100], [-100]]),
      ).arraySync(),
    );
    assert.deepEqual(
      got.map((v) => Math.round(v * 1e4) / 1e4 + 0),
      [0, -100, -100, 0],
    );
    const sp = tf.tidy(() => tf.softplus(tf.tensor1d([-1000, -1, 0, 1, 1000])).arraySync()) as number[];
    const expected = [0, Math.log1p(Math.exp(-1)), Math.LN2, 1 + Math.log1p(Math.exp(-1)), 1000];
    sp.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-4, `softplus #${i}: ${v} vs ${expected[i]}`),
    );
  });
}

test("Gaussian log-likelihood matches the log of the normal density, fixed and tensor sigma", async () => {
  await selectBackend({ backend: "cpu" });
  const x = [1, 2, -0.5];
  const mean = [0, 2, 0.5];
  const sigma = 2;
  const density = (v: number, m: number) =>
    Math.exp(-((v - m) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
  const expected = x.reduce((s, v, i) => s + Math.log(density(v, mean[i])), 0);
  const fixed = tf.tidy(
    () => gaussianLogLikelihood(tf.tensor2d([x]), tf.tensor2d([mean]), Math.log(sigma)).arraySync()[0],
  );
  const learned = tf.tidy(
    () =>
      gaussianLogLikelihood(tf.tensor2d([x]), tf.tensor2d([mean]), tf.scalar(Math.log(sigma))).arraySync()[0],
  );
  assert.ok(Math.abs(fixed - expected) < 1e-5, `got ${fixed}, expected ${expected}`);
  assert.ok(Math.abs(learned - expected) < 1e-5, `got ${learned}, expected ${expected}`);
});

test("the Bernoulli log-likelihood's gradient is x - sigmoid(logits) per pixel and logits per x, extreme logits included (cpu and wasm)", async () => {
  const extremes = [-100, -30, -15, -1e-3, 0, 1e-3, 15, 30, 100];
  const n = 64;
  for (const backend of ["cpu", "wasm"] as const) {
    await selectBackend({ backend });
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.concat([
        tf.randomUniform([2, n], 0, 1, "float32", 7),
        tf.round(tf.randomUniform([1, n], 0, 1, "float32", 8)),
      ]) as tf.Tensor2D;
      const random = tf.randomNormal([3, n], 0, 8, "float32", 9);
      const logits = tf.concat(
        [
          tf.slice(random, [0, extremes.length], [3, n - extremes.length]),
          tf.tile(tf.tensor2d([extremes]), [3, 1]),
        ],
        1,
      ) as tf.Tensor2D;
      const dy = [0.5, -1, 2];
      const [dx, dLogits] = tf.grads((a: tf.Tensor, l: tf.Tensor) =>
        tf.sum(tf.mul(bernoulliLogLikelihood(a as tf.Tensor2D, l as tf.Tensor2D), tf.tensor1d(dy))),
      )([x, logits]);
      const [xs, ls, gx, gl] = [x, logits, dx, dLogits].map((t) => t.arraySync() as number[][]);
      for (let r = 0; r < 3; r++) {
        for (let j = 0; j < n; j++) {
          const want = { x: dy[r] * ls[r][j], logits: dy[r] * (xs[r][j] - sigmoid(ls[r][j])) };
          const got = { x: gx[r][j], logits: gl[r][j] };
          for (const name of ["x", "logits"] as const) {
            assert.ok(
              Math.abs(got[name] - want[name]) <= 1e-6 * Math.max(1, Math.abs(want[name])),
              `${backend}: d/d${name} [${r}, ${j}] at logit ${ls[r][j]}: ${got[name]} vs ${want[name]}`,
            );
          }
        }
      }
    });
    assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  }
});

test("Bernoulli log-likelihood refuses x and logits of different shapes", async () => {
  await selectBackend({ backend: "cpu" });
  assert.throws(
    () =>
      tf.tidy(() => bernoulliLogLikelihood(tf.zeros([1, 3]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D)),
    /one shape.*\[1,3\].*\[2,3\]/,
  );
});
