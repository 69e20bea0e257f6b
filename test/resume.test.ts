import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BackendName,
  type EpochRecord,
  type ImageSet,
  type Model,
  type ModelConfig,
  type TrainOptions,
  createModel,
  disposeModel,
  linearWarmup,
  loadCheckpoint,
  saveCheckpoint,
  selectBackend,
  train,
  trainableVariables,
} from "../src";
import { adamState, restoreAdam } from "../src/train/resume";
import { SMALL, syntheticImages } from "./library-fixtures";

const quiet = () => {};

/** Every weight of the model, bit for bit. */
function bits(model: Model): number[][] {
  return [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((w) =>
    Array.from(new Uint32Array((w.dataSync() as Float32Array).slice().buffer)),
  );
}

/** The history without wall-clock times. */
function timeless(history: EpochRecord[]) {
  return history.map(({ seconds, ...rest }) => rest);
}

for (const backend of ["cpu", "wasm"] as BackendName[]) {
  test(`2 + 2 epochs resumed from a checkpoint give the bits of 4 epochs in one go (${backend})`, async () => {
    await selectBackend({ backend });
    const trainSet = syntheticImages(48, 1);
    const options: TrainOptions = {
      epochs: 4,
      batchSize: 12, // 8 steps before the resume: there tfjs's pow(0.9, 9) differs from Adam's product
      seed: 3,
      testSet: syntheticImages(16, 2),
      beta: linearWarmup(7), // depends on the global step, which crosses the resume
      binarization: "dynamic",
      log: quiet,
    };
    const straight = createModel(SMALL);
    const whole = await train(straight, trainSet, options);

    const dir = join(mkdtempSync(join(tmpdir(), "vae-lab-resume-")), "run");
    const first = createModel(SMALL);
    const half = await train(first, trainSet, {
      ...options,
      epochs: 2,
      onEpochEnd: (record, state) => saveCheckpoint(first, dir, { epoch: record.epoch }, state),
    });
    const tensors = tf.memory().numTensors;
    const { model: resumed, training } = loadCheckpoint(dir);
    assert.equal(training!.epoch, 2);
    assert.equal(training!.step, 8);
    const rest = await train(resumed, trainSet, { ...options, resumeFrom: training });

    assert.deepEqual(bits(resumed), bits(straight), "the same weights to the last bit");
    assert.deepEqual(
      rest.history.map((r) => r.epoch),
      [1, 2, 3, 4],
      "the history continues with epochs 3 and 4",
    );
    assert.deepEqual(timeless(rest.history), timeless(whole.history));
    assert.deepEqual(rest.state!.adam, whole.state!.adam, "Adam's moments, step count and beta^t agree");
    disposeModel(resumed);
    rest.optimizer.dispose();
    assert.equal(tf.memory().numTensors, tensors, "resuming leaks no tensors");
    [straight, first].forEach(disposeModel);
    [whole, half].forEach((r) => r.optimizer.dispose());
  });
}

test("a restored Adam holds the saved state to the last bit, beta^t included, where tfjs's setWeights would round it", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { state, optimizer } = await train(model, syntheticImages(32, 1), {
    epochs: 2,
    batchSize: 8,
    log: quiet,
  });
  const saved = state!.adam;
  assert.equal(saved.iterations, 8);
  const restored = await restoreAdam(saved, trainableVariables(model));
  assert.deepEqual(await adamState(restored), saved);
  const plain = tf.train.adam(saved.learningRate) as tf.AdamOptimizer;
  await plain.setWeights(await optimizer.getWeights());
  assert.notEqual(
    (await adamState(plain)).accBeta1,
    saved.accBeta1,
    "pow(0.9, 9) is not 0.9 multiplied 8 times",
  );
  [restored, plain, optimizer].forEach((o) => o.dispose());
  disposeModel(model);
});

test("resuming with another model, seed, batch size, training set, learning rate or binarization is refused", async () => {
  await selectBackend({ backend: "cpu" });
  const trainSet = syntheticImages(32, 1);
  const model = createModel(SMALL);
  const options: TrainOptions = { epochs: 1, batchSize: 16, log: quiet };
  const { state, optimizer } = await train(model, trainSet, options);
  optimizer.dispose();
  const tensors = tf.memory().numTensors;
  type Changed = { set?: ImageSet; config?: Partial<ModelConfig> };
  const refused: [Partial<TrainOptions>, Changed, RegExp][] = [
    [{ seed: 8 }, {}, /seed is 7 in the saved run but 8 now/],
    [{ batchSize: 8 }, {}, /batchSize is 16 in the saved run but 8 now/],
    [{}, { set: syntheticImages(40, 1) }, /trainSize is 32 in the saved run but 40 now/],
    [{ learningRate: 0.01 }, {}, /learningRate is 0\.001 in the saved run but 0\.01 now/],
    [{ binarization: "dynamic" }, {}, /binarization is none in the saved run but dynamic now/],
    [
      {},
      { config: { activation: "tanh" } },
      /activation is "relu" in the saved run but "tanh" in the model given/,
    ],
    [{}, { config: { hidden: [9] } }, /hidden is \[8\] in the saved run but \[9\] in the model given/],
  ];
  for (const [changed, { set, config }, message] of refused) {
    const other = createModel({ ...SMALL, ...config });
    await assert.rejects(
      train(other, set ?? trainSet, { ...options, ...changed, resumeFrom: state }),
      (err: Error) => {
        assert.match(err.message, /^Cannot resume: /);
        assert.match(err.message, message);
        assert.match(err.message, /start a new run instead/);
        return true;
      },
    );
    disposeModel(other);
  }
  await assert.rejects(
    train(model, trainSet, { ...options, epochs: 0, resumeFrom: state }),
    /^Error: Cannot resume: the saved run has done 1 epochs, more than epochs = 0\. epochs counts all epochs, the done ones included: give 1 or more\.$/,
  );
  assert.equal(tf.memory().numTensors, tensors, "a refused resume allocates nothing");
  disposeModel(model);
});
