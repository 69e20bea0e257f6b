import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdtempSync, readdirSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Model,
  createModel,
  disposeModel,
  loadCheckpoint,
  loadWeights,
  reconstruct,
  saveCheckpoint,
  selectBackend,
} from "../src";

function outputs(model: Model): number[] {
  return tf.tidy(() =>
    Array.from(reconstruct(model, tf.linspace(0, 1, 2 * 16).reshape([2, 16]) as tf.Tensor2D).dataSync()),
  );
}

test("a checkpoint round-trips config, weights and info; saving over it replaces it atomically", async () => {
  await selectBackend({ backend: "cpu" });
  const parent = mkdtempSync(join(tmpdir(), "vae-lab-ckpt-"));
  const dir = join(parent, "run");
  const model = createModel({
    inputShape: [4, 4, 1],
    latentDim: 3,
    hidden: [8, 6],
    likelihood: "gaussian",
    learnSigma: true,
    sigma: 0.3,
    seed: 1,
  });
  saveCheckpoint(
    createModel({
      inputShape: [4, 4, 1],
      latentDim: 3,
      hidden: [8, 6],
      likelihood: "gaussian",
      learnSigma: true,
      seed: 99,
    }),
    dir,
  );
  saveCheckpoint(model, dir, { epoch: 4 });
  assert.deepEqual(readdirSync(parent), ["run"], "no temporary directories are left behind");
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "weights.bin", "weights.json"]);
  const before = tf.memory().numTensors;
  const { model: loaded, info } = loadCheckpoint(dir);
  assert.deepEqual(info, { epoch: 4 });
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(outputs(loaded), outputs(model));
  assert.equal(loaded.logSigma!.dataSync()[0], model.logSigma!.dataSync()[0]);
  disposeModel(loaded);
  assert.equal(tf.memory().numTensors, before, "loading leaks no tensors");
  disposeModel(model);
});

test("loading into a different architecture, a missing or a truncated checkpoint is a clear error", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = join(mkdtempSync(join(tmpdir(), "vae-lab-ckpt-")), "run");
  const model = createModel({ inputShape: [4, 4, 1], latentDim: 3, hidden: [8], seed: 1 });
  saveCheckpoint(model, dir);
  const other = createModel({ inputShape: [4, 4, 1], latentDim: 5, hidden: [8], seed: 1 });
  assert.throws(() => loadWeights(other, dir), /latentDim is 3 in the checkpoint but 5 in the model/);
  const wider = createModel({ inputShape: [4, 4, 1], latentDim: 3, hidden: [9], seed: 1 });
  assert.throws(() => loadWeights(wider, dir), /hidden is \[8\] in the checkpoint but \[9\]/);
  assert.throws(() => loadCheckpoint(join(dir, "nope")), /is not a checkpoint: it has no config\.json/);
  truncateSync(join(dir, "weights.bin"), 100);
  assert.throws(() => loadWeights(model, dir), /weights\.bin is too short/);
  assert.ok(existsSync(join(dir, "config.json")));
  [model, other, wider].forEach(disposeModel);
});
