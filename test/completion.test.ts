import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  completionBaselineStep,
  completionCvaeStep,
  completionScores,
  createCompletionBaseline,
  createCompletionCvae,
  quadrantMask,
  selectBackend,
  train,
} from "../src";

test("the quadrant masks observe Pyro's quadrants: the bottom left, the left half, all but the bottom right", () => {
  const seen = (m: Float32Array, r: number, c: number) => m[r * 28 + c];
  const [one, two, three] = [quadrantMask(1), quadrantMask(2), quadrantMask(3)];
  assert.deepEqual(
    [one, two, three].map((m) => m.reduce((a, v) => a + v, 0)),
    [196, 392, 588],
  );
  assert.deepEqual([seen(one, 20, 3), seen(one, 3, 3), seen(one, 20, 20)], [1, 0, 0]);
  assert.deepEqual([seen(two, 3, 3), seen(two, 20, 20)], [1, 0]);
  assert.deepEqual([seen(three, 3, 20), seen(three, 20, 20)], [1, 0]);
  assert.throws(() => quadrantMask(4 as 1), /1, 2 or 3 quadrants/);
});

test("the completion baseline and CVAE train through train, and the importance estimate never exceeds the -ELBO much", async () => {
  await selectBackend({ backend: "cpu" });
  const n = 40;
  const set = {
    pixels: Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7) % 11) / 11),
    n,
    rows: 28,
    cols: 28,
    channels: 1,
  };
  const mask = quadrantMask(2);
  const quiet = { epochs: 2, batchSize: 20, seed: 1, logEvery: 0, log: () => {} };
  const baseline = createCompletionBaseline({ hidden: [16], seed: 1 });
  const b = await train(baseline, set, { ...quiet, step: completionBaselineStep(mask) });
  b.optimizer.dispose();
  assert.ok(b.history[1].train.loss < b.history[0].train.loss, "the baseline's loss falls");
  const cvae = createCompletionCvae({ hidden: [16], latentDim: 4, seed: 1 });
  const priorBefore = cvae.prior.getWeights()[0].dataSync().slice();
  const c = await train(cvae.vae, set, { ...quiet, step: completionCvaeStep(cvae, baseline, mask) });
  c.optimizer.dispose();
  assert.notDeepEqual(cvae.prior.getWeights()[0].dataSync(), priorBefore, "the prior network is trained too");
  const before = tf.memory().numTensors;
  const scores = completionScores(cvae, baseline, set, mask, {
    particles: 5,
    samples: 50,
    batchSize: 7,
    seed: 1,
  });
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  const mean = (v: Float32Array) => v.reduce((a, x) => a + x, 0) / v.length;
  assert.ok(
    [scores.baseline, scores.elbo, scores.importance].every(
      (v) => v.length === n && v.every(Number.isFinite),
    ),
  );
  assert.ok(mean(scores.importance) <= mean(scores.elbo) + 0.1, "importance sampling tightens the bound");
  assert.throws(
    () => completionScores(cvae, baseline, set, mask, { samples: 0, seed: 1 }),
    /samples must be a positive integer/,
  );
});
