import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  batches,
  type Model,
  type StepFunction,
  type TrainOptions,
  TrainingError,
  createModel,
  createOptimizer,
  cyclicalBeta,
  disposeModel,
  evaluateLoss,
  formatEpoch,
  freeBits,
  gaussianNoise,
  historyRows,
  linearWarmup,
  maskingNoise,
  saltAndPepperNoise,
  selectBackend,
  train,
  trainStep,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

const quiet = () => {};

function weightsOf(model: Model): number[][] {
  return [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((w) => Array.from(w.dataSync()));
}

test("the same seed gives identical loss curves twice; another seed gives different ones", async () => {
  await selectBackend({ backend: "cpu" });
  const trainSet = syntheticImages(64, 1);
  const testSet = syntheticImages(32, 2);
  const run = async (seed: number) => {
    const model = createModel({ ...SMALL, seed });
    const { history, optimizer } = await train(model, trainSet, {
      epochs: 3,
      batchSize: 16,
      seed,
      testSet,
      log: quiet,
    });
    disposeModel(model);
    optimizer.dispose();
    return history.map((r) => [r.train.loss, r.train.recon, r.train.kl, r.test!.loss]);
  };
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a[2][0] < a[0][0], `the loss should fall: ${a.map((r) => r[0]).join(", ")}`);
});

test("historyRows flattens the history for a DataFrame", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(16, 1);
  const { history, optimizer } = await train(model, set, {
    epochs: 2,
    batchSize: 8,
    testSet: set,
    log: quiet,
  });
  const rows = historyRows(history);
  assert.deepEqual(Object.keys(rows[1]), [
    "epoch",
    "train_loss",
    "train_recon",
    "train_kl",
    "test_loss",
    "test_recon",
    "test_kl",
    "beta",
    "steps",
    "seconds",
  ]);
  assert.equal(rows[1].test_kl, history[1].test!.kl);
  assert.equal(rows[0].train_loss, history[0].train.loss);
  disposeModel(model);
  optimizer.dispose();
});

test("training and evaluation leak no tensors (VAE, AE, DAE with each noise, dynamic binarization)", async () => {
  await selectBackend({ backend: "cpu" });
  const trainSet = syntheticImages(40, 1);
  const before = tf.memory().numTensors;
  for (const [kind, noise] of [
    ["vae", undefined],
    ["ae", undefined],
    ["dae", gaussianNoise(0.3)],
    ["dae", maskingNoise(0.3)],
    ["dae", saltAndPepperNoise(0.2)],
  ] as const) {
    const model = createModel({ ...SMALL, kind });
    const { history, optimizer } = await train(model, trainSet, {
      epochs: 2,
      batchSize: 16,
      testSet: trainSet,
      noise,
      binarization: "dynamic",
      log: quiet,
    });
    assert.ok(
      history.every((r) => Number.isFinite(r.train.loss) && Number.isFinite(r.test!.loss)),
      `${kind}: ${JSON.stringify(history)}`,
    );
    if (kind !== "vae") assert.equal(history[1].train.kl, 0);
    evaluateLoss(model, trainSet);
    disposeModel(model);
    optimizer.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test("a reader's reconLoss, klTerm and beta schedule are what training minimises", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const trainSet = syntheticImages(32, 1);
  // Constant terms make the expected numbers exact: loss = recon + beta * kl.
  const { history, optimizer } = await train(model, trainSet, {
    epochs: 2,
    batchSize: 16,
    reconLoss: (x) => tf.add(tf.mul(tf.sum(x, 1), 0), 7),
    klTerm: (mu) => tf.add(tf.mul(tf.sum(mu, 1), 0), 3),
    beta: linearWarmup(3, 0.5),
    log: quiet,
  });
  assert.deepEqual(
    history.map((r) => [r.train.recon, r.train.kl]),
    [
      [7, 3],
      [7, 3],
    ],
  );
  // steps 0, 1 (epoch 1) and 2, 3 (epoch 2): beta = 0.5 * min(1, step / 3).
  const betas = [0, 1, 2, 3].map((s) => 0.5 * Math.min(1, s / 3));
  assert.ok(
    Math.abs(history[0].train.loss - (7 + (3 * (betas[0] + betas[1])) / 2)) < 1e-5,
    JSON.stringify(history[0]),
  );
  assert.equal(history[1].beta, 0.5);
  disposeModel(model);
  optimizer.dispose();
});

test("NaN stops training with a clear error naming epoch and step, keeping the weights from before", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  let snapshot: number[][] = [];
  let calls = 0;
  const error = await train(model, syntheticImages(32, 1), {
    epochs: 3,
    batchSize: 16,
    // The third step (epoch 2, step 1) produces NaN, as a bad formula would.
    reconLoss: (x, output) =>
      tf.mul(tf.sum(tf.square(tf.sub(x, tf.sigmoid(output))), 1), ++calls === 3 ? NaN : 1),
    onEpochEnd: () => {
      snapshot = weightsOf(model);
    },
    log: quiet,
  }).catch((err: unknown) => err);
  assert.ok(error instanceof TrainingError, String(error));
  assert.match(error.message, /epoch 2, step 1\/2/);
  assert.match(error.message, /lower learning rate/);
  assert.equal(error.history.length, 1);
  assert.deepEqual(weightsOf(model), snapshot);
  disposeModel(model);
});

test("an aborted signal or shouldStop ends training after the current epoch, keeping the history", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const controller = new AbortController();
  const lines: string[] = [];
  const result = await train(model, syntheticImages(32, 1), {
    epochs: 5,
    batchSize: 16,
    signal: controller.signal,
    onEpochEnd: (r) => (r.epoch === 2 ? controller.abort() : undefined),
    logEvery: 1,
    log: (line) => lines.push(line),
  });
  assert.equal(result.history.length, 2);
  assert.equal(result.stopped, true);
  assert.ok(
    lines.some((l) => /^epoch 1\/5 {2}step 2\/2 {2}objective/.test(l)),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => /stopped after epoch 2/.test(l)));
  const more = await train(model, syntheticImages(32, 1), {
    epochs: 5,
    batchSize: 16,
    optimizer: result.optimizer,
    shouldStop: (r) => r.epoch === 1,
    log: quiet,
  });
  assert.equal(more.history.length, 1);
  disposeModel(model);
  result.optimizer.dispose();
});

test("bad inputs give clear errors: empty set, NaN pixel, wrong batch shape, disposed batch, bad config", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const empty = { ...syntheticImages(1), pixels: new Float32Array(0), labels: new Uint8Array(0), n: 0 };
  await assert.rejects(train(model, empty, { epochs: 1, log: quiet }), /training set is empty/);
  const withNaN = syntheticImages(8);
  withNaN.pixels[5] = NaN;
  await assert.rejects(train(model, withNaN, { epochs: 1, log: quiet }), /pixel 5 = NaN/);
  const optimizer = createOptimizer();
  const x = tf.zeros([3, 15]) as tf.Tensor2D;
  assert.throws(
    () => trainStep(model, optimizer, { x, input: x, eps: tf.zeros([3, 2]) }),
    /Expected a batch of shape \[batch, 16\]/,
  );
  x.dispose();
  // A batch kept past the next draw of batches() is disposed: say so instead of failing deep in tfjs.
  const [first] = [...batches(syntheticImages(8), 4)];
  assert.throws(
    () => trainStep(model, optimizer, { x: first.x, input: first.x, eps: tf.zeros([4, 2]) }),
    /batch tensor was disposed before use.*tf\.clone/,
  );
  assert.throws(() => createModel({ ...SMALL, latentDim: 0 }), /latentDim must be a positive integer/);
  assert.throws(() => createModel({ ...SMALL, arch: "conv", inputShape: [6, 6, 1] }), /multiples of 4/);
  disposeModel(model);
  optimizer.dispose();
});

test("a small conv VAE trains on the cpu backend", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel({
    arch: "conv",
    inputShape: [8, 8, 1],
    filters: [4, 8],
    hidden: [16],
    latentDim: 2,
    seed: 1,
  });
  const set = syntheticImages(16, 1, 8, 8);
  const { history, optimizer } = await train(model, set, { epochs: 2, batchSize: 8, log: quiet });
  assert.ok(history[1].train.loss < history[0].train.loss, JSON.stringify(history));
  disposeModel(model);
  optimizer.dispose();
});

test("beta schedules: linear warm-up and cyclical annealing", () => {
  const at = (
    schedule: (p: { step: number; epoch: number; stepsPerEpoch: number }) => number,
    steps: number[],
  ) => steps.map((step) => schedule({ step, epoch: 1, stepsPerEpoch: 10 }));
  assert.deepEqual(at(linearWarmup(4, 2), [0, 1, 2, 4, 100]), [0, 0.5, 1, 2, 2]);
  assert.deepEqual(at(cyclicalBeta(10, 1, 0.5), [0, 2, 5, 9, 10, 12]), [0, 0.4, 1, 1, 0, 0.4]);
});

test("the epoch line shows the optimised objective with beta in its sum, beside the true test -ELBO", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(32, 1);
  const lines: string[] = [];
  const { history, optimizer } = await train(model, set, {
    epochs: 1,
    batchSize: 16,
    beta: 4,
    testSet: set,
    logEvery: 0,
    log: (line) => lines.push(line),
  });
  const { train: t, test: e } = history[0];
  assert.ok(Math.abs(t.loss - (t.recon + 4 * t.kl)) < 1e-3, "the objective is recon + 4 kl");
  assert.ok(Math.abs(e!.loss - (e!.recon + e!.kl)) < 1e-3, "the test -ELBO is recon + kl");
  assert.match(
    lines[0],
    /train objective [\d.]+ = recon [\d.]+ \+ 4 × kl [\d.]+ \| test -ELBO [\d.]+ = recon/,
  );
  optimizer.dispose();
  disposeModel(model);
});

test("every option is checked before anything is allocated, with an error naming it", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(16, 1);
  const tensors = tf.memory().numTensors;
  const refused: [Partial<TrainOptions>, RegExp][] = [
    [{ learningRate: Infinity }, /train: learningRate must be a finite positive number, got Infinity/],
    [{ learningRate: 0 }, /learningRate must be a finite positive number, got 0/],
    [{ beta: -1 }, /train: beta must be a finite number >= 0 or a schedule, got -1/],
    [{ batchSize: 0 }, /train: batchSize must be a positive integer, got 0/],
    [{ batchSize: 2.5 }, /batchSize must be a positive integer, got 2\.5/],
    [{ epochs: -1 }, /train: epochs must be a non-negative integer, got -1/],
    [{ logEvery: -5 }, /train: logEvery must be a non-negative integer, got -5/],
    [{ binarization: "static" as "none" }, /binarization must be "none" or "dynamic", got "static"/],
    [{ seed: NaN }, /train: seed must be a finite number, got NaN/],
  ];
  for (const [options, message] of refused) {
    await assert.rejects(train(model, set, { epochs: 1, log: quiet, ...options }), message);
  }
  const optimizer = createOptimizer();
  await assert.rejects(
    train(model, set, { epochs: 1, optimizer, learningRate: 0.1, log: quiet }),
    /give optimizer alone: it has its own learning rate/,
  );
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, tensors, "nothing was allocated");
  assert.throws(
    () => freeBits(-1),
    /freeBits: lambda \(nats per latent dimension\) must be a finite number >= 0, got -1/,
  );
  assert.throws(() => linearWarmup(-5), /linearWarmup: warmupSteps must be an integer >= 0, got -5/);
  assert.throws(() => linearWarmup(10, NaN), /linearWarmup: maxBeta must be a finite number >= 0, got NaN/);
  assert.throws(() => cyclicalBeta(0), /cyclicalBeta: periodSteps must be a positive integer, got 0/);
  assert.throws(() => cyclicalBeta(10, 1, 0), /cyclicalBeta: rampFraction must be in \(0, 1\], got 0/);
  assert.throws(
    () => createModel({ ...SMALL, activation: "swish" as "relu" }),
    /activation "swish" is not one of relu, elu, tanh/,
  );
  assert.throws(
    () => createModel({ ...SMALL, likelihood: "gaussian", sigma: Infinity }),
    /sigma must be a finite positive number/,
  );
  disposeModel(model);
});

test("a batch size beyond the training set's size is one batch per epoch, said in a line, without a large allocation", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const lines: string[] = [];
  const { history, optimizer, state } = await train(model, syntheticImages(20, 1), {
    epochs: 1,
    batchSize: 1e9,
    log: (line) => lines.push(line),
  });
  assert.match(lines[0], /^batchSize 1000000000 is more than the 20 training images: one batch per epoch\.$/);
  assert.equal(history[0].steps, 1);
  assert.equal(state!.batchSize, 20);
  optimizer.dispose();
  disposeModel(model);
});

test("errors during training free what training allocated: a NaN, a throwing onEpochEnd, a bad beta schedule", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const set = syntheticImages(32, 1);
  const tensors = tf.memory().numTensors;
  const failing: [Partial<TrainOptions>, RegExp][] = [
    [{ reconLoss: (x) => tf.mul(tf.sum(x, 1), NaN) }, /Training stopped at epoch 1, step 1\/2/],
    [
      {
        onEpochEnd: () => {
          throw new Error("disk full");
        },
      },
      /disk full/,
    ],
    [{ beta: ({ step }) => (step === 3 ? -1 : 1) }, /train: the beta schedule gave -1 at step 3 \(epoch 2\)/],
  ];
  for (const [options, message] of failing) {
    await assert.rejects(train(model, set, { epochs: 2, batchSize: 16, log: quiet, ...options }), message);
    assert.equal(tf.memory().numTensors, tensors, `no tensor left behind: ${message}`);
  }
  disposeModel(model);
});

test("a divergence after the last step is a TrainingError: weights that turned non-finite, or a non-finite test -ELBO", async () => {
  await selectBackend({ backend: "cpu" });
  const set = syntheticImages(16, 1);
  // The loss of each step is finite; the last update leaves a weight NaN, as a diverging optimizer would.
  const model = createModel(SMALL);
  const corrupting: StepFunction = (m, optimizer, batch, options) => {
    const result = trainStep(m, optimizer, batch, options);
    tf.tidy(() =>
      m.decoder.layers[0].setWeights(m.decoder.layers[0].getWeights().map((w) => tf.mul(w, NaN))),
    );
    return result;
  };
  const saved: number[] = [];
  const error = await train(model, set, {
    epochs: 2,
    batchSize: 16,
    step: corrupting,
    onEpochEnd: (r) => void saved.push(r.epoch),
    log: quiet,
  }).catch((err: unknown) => err);
  assert.ok(error instanceof TrainingError, String(error));
  assert.match(
    error.message,
    /^Training stopped after epoch 1 \(1 steps\): weight decoder\/0 is not finite after the epoch's last update\./,
  );
  assert.match(error.message, /go back to a checkpoint saved after an earlier epoch/);
  assert.deepEqual(saved, [], "onEpochEnd (which saves checkpoints) never saw the diverged model");
  disposeModel(model);
  // A huge learning rate: the one step's loss is finite, the weights after it are too, the test -ELBO is not.
  const jumpy = createModel(SMALL);
  const huge = await train(jumpy, set, {
    epochs: 1,
    batchSize: 16,
    learningRate: 1e30,
    testSet: set,
    log: quiet,
  }).catch((err: unknown) => err);
  assert.ok(huge instanceof TrainingError, String(huge));
  assert.match(huge.message, /after epoch 1 \(1 steps\): the test -ELBO is not finite/);
  assert.match(huge.message, /Try a lower learning rate \(now 1e\+30\)/);
  disposeModel(jumpy);
});

test("an autoencoder's epoch line names its test loss -log p(x|z), not -ELBO, and shows no KL", () => {
  const record = {
    epoch: 2,
    train: { loss: 90, recon: 90, kl: 0 },
    test: { loss: 95, recon: 95, kl: 0 },
    beta: 1,
    steps: 4,
    seconds: 1,
  };
  const line = formatEpoch(record, 3, "ae");
  assert.match(line, /train objective 90\.00 = recon 90\.00 \| test -log p\(x\|z\) 95\.00/);
  assert.doesNotMatch(line, /ELBO|kl/);
});

test("a step of your own receives each batch's class labels as int32, row for row, and none when the set has no labels", async () => {
  await selectBackend({ backend: "cpu" });
  const set = syntheticImages(40, 1); // class 0 is bright on the left half, class 1 on the right
  const seen: number[] = [];
  const checking: StepFunction = (m, optimizer, batch, options) => {
    assert.ok(batch.labels, "the batch has labels");
    assert.equal(batch.labels.dtype, "int32");
    assert.deepEqual(batch.labels.shape, [batch.x.shape[0]]);
    const labels = Array.from(batch.labels.dataSync());
    const pixels = batch.x.arraySync();
    labels.forEach((label, row) => {
      const left = pixels[row].filter((_, i) => i % 4 < 2).reduce((a, b) => a + b);
      const right = pixels[row].filter((_, i) => i % 4 >= 2).reduce((a, b) => a + b);
      assert.equal(label, left > right ? 0 : 1, `row ${row}: label ${label}, left ${left}, right ${right}`);
    });
    seen.push(...labels);
    return trainStep(m, optimizer, batch, options);
  };
  const model = createModel(SMALL);
  const before = tf.memory().numTensors;
  const { optimizer } = await train(model, set, { epochs: 2, batchSize: 16, step: checking, log: quiet });
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before, "the labels are disposed after each step");
  assert.equal(seen.length, 80, "every image of both epochs, once per epoch");
  assert.equal(seen.filter((label) => label === 1).length, 40);

  const unlabelled = { ...set, labels: undefined };
  let labelled = 0;
  const counting: StepFunction = (m, o, batch, options) => {
    if (batch.labels) labelled++;
    return trainStep(m, o, batch, options);
  };
  const more = await train(model, unlabelled, { epochs: 1, batchSize: 16, step: counting, log: quiet });
  more.optimizer.dispose();
  assert.equal(labelled, 0);
  disposeModel(model);
});
