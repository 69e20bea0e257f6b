import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { reparameterize, selectBackend } from "../src";

/** A smooth function of the sample, so its gradient is not trivially constant. */
function objective(mu: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Scalar {
  const z = reparameterize(mu, logVar, eps);
  return tf.sum(tf.add(tf.sin(z), tf.mul(0.3, tf.square(z))));
}

test("reparameterized gradients with respect to mu and logVar match central finite differences", async () => {
  await selectBackend({ backend: "cpu" });
  const muValues = [0.3, -0.8, 1.1];
  const logVarValues = [-0.5, 0.2, -1.5];
  const eps = tf.tensor2d([[0.7, -1.3, 0.4]]);
  const [gradMu, gradLogVar] = tf.tidy(() =>
    tf
      .grads((m: tf.Tensor, v: tf.Tensor) => objective(m as tf.Tensor2D, v as tf.Tensor2D, eps))([
        tf.tensor2d([muValues]),
        tf.tensor2d([logVarValues]),
      ])
      .map((g) => g.arraySync() as number[][]),
  );
  const f = (m: number[], v: number[]) =>
    tf.tidy(() => objective(tf.tensor2d([m]), tf.tensor2d([v]), eps).arraySync() as number);
  const h = 1e-2;
  for (let i = 0; i < 3; i++) {
    const bump = (values: number[], d: number) => values.map((x, j) => (j === i ? x + d : x));
    const numMu = (f(bump(muValues, h), logVarValues) - f(bump(muValues, -h), logVarValues)) / (2 * h);
    const numLogVar = (f(muValues, bump(logVarValues, h)) - f(muValues, bump(logVarValues, -h))) / (2 * h);
    assert.ok(
      Math.abs(gradMu[0][i] - numMu) < 2e-3,
      `d/dmu[${i}]: autodiff ${gradMu[0][i]} vs finite difference ${numMu}`,
    );
    assert.ok(
      Math.abs(gradLogVar[0][i] - numLogVar) < 2e-3,
      `d/dlogVar[${i}]: autodiff ${gradLogVar[0][i]} vs finite difference ${numLogVar}`,
    );
  }
  eps.dispose();
});

test("reparameterize rejects mismatched shapes with a clear error", async () => {
  await selectBackend({ backend: "cpu" });
  tf.tidy(() => {
    assert.throws(
      () =>
        reparameterize(
          tf.zeros([2, 3]) as tf.Tensor2D,
          tf.zeros([2, 4]) as tf.Tensor2D,
          tf.zeros([2, 3]) as tf.Tensor2D,
        ),
      /same shape/,
    );
    assert.throws(
      () =>
        reparameterize(
          tf.zeros([2, 3]) as tf.Tensor2D,
          tf.zeros([2, 3]) as tf.Tensor2D,
          tf.zeros([1, 3]) as tf.Tensor2D,
        ),
      /eps must have the shape/,
    );
  });
});
