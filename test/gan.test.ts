import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  type Gan,
  type GanStepFunction,
  createGan,
  createGanOptimizers,
  createVae,
  discriminate,
  discriminatorLoss,
  discriminatorStep,
  disposeGan,
  disposeModel,
  generate,
  generatorLoss,
  generatorStep,
  ganStep,
  selectBackend,
  trainGan,
} from "../src";
import { syntheticImages } from "./library-fixtures";

const quiet = () => {};
const softplus = (a: number) => Math.log1p(Math.exp(a));
const valuesOf = (model: tf.Sequential) => model.getWeights().map((w) => Array.from(w.dataSync()));
const scalar = (t: tf.Tensor) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
function smallGan(seed = 7): Gan {
  return createGan({ inputShape: [4, 4, 1], latentDim: 2, hidden: [8], seed });
}
function batchOf(gan: Gan, n: number, seed: number) {
  const x = tf.tensor2d(syntheticImages(n, seed).pixels, [n, 16]);
  const z = tf.randomNormal([n, gan.config.latentDim], 0, 1, "float32", seed + 1) as tf.Tensor2D;
  return { x, z };
}

test("the discriminator loss is the cross-entropy of training against generated images, computed by hand", async () => {
  await selectBackend({ backend: "cpu" });
  const real = [2, -1];
  const fake = [0.5, -3];
  // -log sigmoid(a) = softplus(-a); -log(1 - sigmoid(a)) = softplus(a).
  const byHand = (softplus(-2) + softplus(1)) / 2 + (softplus(0.5) + softplus(-3)) / 2;
  assert.ok(Math.abs(scalar(discriminatorLoss(tf.tensor1d(real), tf.tensor1d(fake))) - byHand) < 1e-6);
});

test("the non-saturating generator loss is -log D(G(z)) and keeps its gradient where D rejects the fakes", async () => {
  await selectBackend({ backend: "cpu" });
  const fake = [-6, 0, 3];
  const byHand = fake.reduce((s, a) => s + softplus(-a), 0) / 3;
  assert.ok(Math.abs(scalar(generatorLoss(tf.tensor1d(fake))) - byHand) < 1e-6);
  const grad = tf.grad((a: tf.Tensor) => generatorLoss(a))(tf.tensor1d(fake));
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  Array.from(grad.dataSync()).forEach((g, i) => assert.ok(Math.abs(g - (sigmoid(fake[i]) - 1) / 3) < 1e-6));
  assert.ok(grad.dataSync()[0] < -0.33, "at a = -6 the gradient is still about -1/3 per image");
  grad.dispose();
});

test("the generator has the VAE decoder's shapes and the discriminator the encoder's with one output", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = createGan({ seed: 3 });
  const vae = createVae({ seed: 3 });
  const shapes = (m: tf.Sequential) => m.getWeights().map((w) => w.shape);
  assert.deepEqual(shapes(gan.generator), shapes(vae.decoder));
  assert.deepEqual(shapes(gan.discriminator), [[784, 400], [400], [400, 1], [1]]);
  assert.deepEqual(shapes(vae.encoder), [[784, 400], [400], [400, 40], [40]]);
  disposeGan(gan);
  disposeModel(vae);
});

test("equal seeds give equal GANs and equal samples; another seed differs", async () => {
  await selectBackend({ backend: "cpu" });
  const [a, b, c] = [smallGan(5), smallGan(5), smallGan(6)];
  assert.deepEqual(valuesOf(a.generator), valuesOf(b.generator));
  assert.deepEqual(valuesOf(a.discriminator), valuesOf(b.discriminator));
  assert.notDeepEqual(valuesOf(a.generator), valuesOf(c.generator));
  const z = tf.randomNormal([4, 2], 0, 1, "float32", 9) as tf.Tensor2D;
  const [sa, sb] = [generate(a, z), generate(b, z)];
  assert.deepEqual(Array.from(sa.dataSync()), Array.from(sb.dataSync()));
  assert.ok(
    sa.dataSync().every((v) => v > 0 && v < 1),
    "samples are pixels in (0, 1)",
  );
  tf.dispose([z, sa, sb]);
  [a, b, c].forEach(disposeGan);
});

test("generate refuses codes of the wrong size with a message giving the expected shape", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const z = tf.zeros([3, 5]) as tf.Tensor2D;
  assert.throws(() => generate(gan, z), /Expected codes of shape \[batch, 2\], got \[3, 5\]/);
  z.dispose();
  disposeGan(gan);
});

test("a discriminator step changes only the discriminator and lowers its loss on the batch", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const optimizers = createGanOptimizers({ discriminatorRate: 1e-2, generatorRate: 1e-2 });
  const { x, z } = batchOf(gan, 16, 1);
  const generatorBefore = valuesOf(gan.generator);
  const loss = () =>
    scalar(tf.tidy(() => discriminatorLoss(discriminate(gan, x), discriminate(gan, generate(gan, z)))));
  const before = loss();
  const result = discriminatorStep(gan, optimizers.discriminator, { x, z });
  assert.ok(Math.abs(result.dLoss - before) < 1e-5, "the step reports the loss before its update");
  for (let i = 0; i < 4; i++) discriminatorStep(gan, optimizers.discriminator, { x, z });
  assert.ok(loss() < before, `the loss should fall: ${before} -> ${loss()}`);
  assert.deepEqual(valuesOf(gan.generator), generatorBefore);
  tf.dispose([x, z]);
  disposeGan(gan);
});

test("a generator step changes only the generator and raises D(G(z)), so the discriminator's loss rises", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const optimizers = createGanOptimizers({ discriminatorRate: 1e-2, generatorRate: 1e-2 });
  const { x, z } = batchOf(gan, 16, 2);
  const discriminatorBefore = valuesOf(gan.discriminator);
  const dFake = () => scalar(tf.tidy(() => tf.mean(tf.sigmoid(discriminate(gan, generate(gan, z))))));
  const dLoss = () =>
    scalar(tf.tidy(() => discriminatorLoss(discriminate(gan, x), discriminate(gan, generate(gan, z)))));
  const [fakeBefore, lossBefore] = [dFake(), dLoss()];
  const { gLoss } = generatorStep(gan, optimizers.generator, { x, z });
  assert.ok(Math.abs(gLoss - -Math.log(fakeBefore)) < 1e-2, "gLoss is about -log of the mean D(G(z))");
  assert.ok(dFake() > fakeBefore && dLoss() > lossBefore);
  assert.deepEqual(valuesOf(gan.discriminator), discriminatorBefore);
  tf.dispose([x, z]);
  disposeGan(gan);
});

test("a round leaves no tensors behind", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const optimizers = createGanOptimizers();
  const { x, z } = batchOf(gan, 8, 3);
  ganStep(gan, optimizers, { x, z }); // Adam's moments are created here
  const before = tf.memory().numTensors;
  ganStep(gan, optimizers, { x, z });
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, z]);
  disposeGan(gan);
});

test("trainGan with one seed gives the same history and weights twice, and another seed differs", async () => {
  await selectBackend({ backend: "cpu" });
  const trainSet = syntheticImages(48, 1);
  const run = async (seed: number) => {
    const gan = smallGan(7);
    const { history, optimizers } = await trainGan(gan, trainSet, {
      epochs: 2,
      batchSize: 16,
      seed,
      log: quiet,
    });
    const out = {
      history: history.map((r) => [r.dLoss, r.gLoss, r.dReal, r.dFake]),
      g: valuesOf(gan.generator),
    };
    [optimizers.discriminator, optimizers.generator].forEach((o) => o.dispose());
    disposeGan(gan);
    return out;
  };
  const [a, b, c] = [await run(3), await run(3), await run(4)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.history, c.history);
  assert.equal(a.history.length, 2);
});

test("trainGan runs the given step on every batch, with z of the latent size", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const seen: number[][] = [];
  const step: GanStepFunction = (g, opt, batch) => {
    seen.push([batch.x.shape[0], batch.z.shape[1]]);
    return { dLoss: 1, gLoss: 2, dReal: 0.5, dFake: 0.25 };
  };
  const lines: string[] = [];
  const { history } = await trainGan(gan, syntheticImages(40, 1), {
    epochs: 1,
    batchSize: 16,
    step,
    log: (l) => lines.push(l),
  });
  assert.deepEqual(seen, [
    [16, 2],
    [16, 2],
    [8, 2],
  ]);
  assert.equal(history[0].steps, 3);
  assert.equal(history[0].dFake, 0.25);
  assert.match(lines[0], /^epoch 1\/1 {2}D loss 1\.000 {2}G loss 2\.000/);
  disposeGan(gan);
});

test("a NaN in a round stops trainGan with an error naming the epoch and step", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  let calls = 0;
  const step: GanStepFunction = (g, opt, batch) => {
    calls++;
    if (calls !== 5) return ganStep(g, opt, batch);
    const bad = tf.mul(batch.x, NaN) as tf.Tensor2D;
    try {
      return ganStep(g, opt, { x: bad, z: batch.z });
    } finally {
      bad.dispose();
    }
  };
  const before = tf.memory().numTensors;
  await assert.rejects(
    trainGan(gan, syntheticImages(48, 1), { epochs: 3, batchSize: 16, step, log: quiet }),
    /Training the GAN stopped at epoch 2, step 2\/3: a loss is not finite .*the weights were not updated/,
  );
  assert.equal(tf.memory().numTensors, before, "optimisers and batches are freed on error");
  assert.ok(valuesOf(gan.generator).flat().every(Number.isFinite));
  disposeGan(gan);
});

test("trainGan refuses bad options before training, naming the option", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const set = syntheticImages(16, 1);
  const cases: [object, RegExp][] = [
    [{ epochs: -1 }, /epochs must be an integer >= 0, got -1/],
    [{ epochs: 1, batchSize: 0 }, /batchSize must be an integer >= 1, got 0/],
    [
      { epochs: 1, optimizers: createGanOptimizers(), adam: { beta1: 0.9 } },
      /give optimizers or adam, not both/,
    ],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(trainGan(gan, set, { log: quiet, ...options } as never), message);
  }
  await assert.rejects(
    trainGan(gan, syntheticImages(4, 1, 6, 6), { epochs: 1, log: quiet }),
    /the images are 6x6x1 but the GAN makes 4x4x1/,
  );
  disposeGan(gan);
});

test("createGanOptimizers refuses a learning rate or beta1 out of range, naming it", () => {
  assert.throws(
    () => createGanOptimizers({ generatorRate: 0 }),
    /generatorRate must be a finite positive learning rate, got 0/,
  );
  assert.throws(
    () => createGanOptimizers({ discriminatorRate: NaN }),
    /discriminatorRate must be .* got NaN/,
  );
  assert.throws(() => createGanOptimizers({ beta1: 1 }), /beta1 must be in \[0, 1\), got 1/);
});

test("a generator step descends the loss it is given, here the saturating one of the original game", async () => {
  await selectBackend({ backend: "cpu" });
  const gan = smallGan();
  const optimizers = createGanOptimizers({ generatorRate: 1e-2 });
  const { x, z } = batchOf(gan, 16, 4);
  const saturating = (a: tf.Tensor) => tf.tidy(() => tf.neg(tf.mean(tf.softplus(a))) as tf.Scalar);
  const lossNow = () => scalar(tf.tidy(() => saturating(discriminate(gan, generate(gan, z)))));
  const before = lossNow();
  const { gLoss } = generatorStep(gan, optimizers.generator, { x, z }, saturating);
  assert.ok(Math.abs(gLoss - before) < 1e-5, "the step reports the loss it was given");
  assert.ok(lossNow() < before);
  tf.dispose([x, z]);
  disposeGan(gan);
});
