/**
 * The exercises of notebook 09 (GAN versus VAE): the generator's loss of the original game, without
 * the non-saturating trick, and what dropping the trick does to recall; and the value of the game
 * at the best discriminator.
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "../data/batches";
import { generationScores, type RealReference } from "../eval/generation";
import { createGan, disposeGan, generate } from "../model/gan";
import { type GeneratorLoss, discriminatorStep, generatorStep } from "../model/gan-steps";
import { trainGan } from "../model/gan-training";
import type { Rng } from "../random";
import { defineExercise } from "./check";

/** 09.1: the saturating generator loss, and a prediction of the recall it reaches. */
export interface SaturatingAnswer {
  /** mean log(1 - D(G(z))) from the discriminator's logits a of G(z) (minimised by G). */
  generatorLoss: GeneratorLoss;
  /** Recall of the GAN trained with it, against the notebook's GAN of the same seed. */
  recall: "higher" | "lower" | "about the same";
}

/** What the check cell passes: the notebook's data, budget and scores, and its GAN's recall. */
export interface SaturatingGiven {
  trainSet: ImageSet;
  epochs: number;
  batchSize: number;
  seed: number;
  /** The codes the notebook's samples are drawn from. */
  z: tf.Tensor2D;
  reference: RealReference;
  /** Recall of the notebook's (non-saturating) GAN of this seed after its last epoch. */
  recall: number;
}

/** Recall differences smaller than this, in absolute terms, are "about the same". */
const RECALL_MARGIN = 0.05;

/** The reference: log(1 - sigmoid(a)) = -softplus(a), averaged over the batch. */
const saturatingLoss: GeneratorLoss = (a) => tf.tidy(() => tf.neg(tf.mean(tf.softplus(a))) as tf.Scalar);

const saturating = defineExercise<SaturatingAnswer, SaturatingGiven>({
  async check(answer, given, rng) {
    if (typeof answer?.generatorLoss !== "function")
      return "answer an object { generatorLoss: (fakeLogits) => ..., recall: ... }.";
    if (!["higher", "lower", "about the same"].includes(answer.recall))
      return 'recall must be "higher", "lower" or "about the same".';
    const formula = compareLoss(answer.generatorLoss, rng);
    if (formula !== true) return formula;
    const recall = await recallWith(answer.generatorLoss, given);
    const change = recall - given.recall;
    const measured = change > RECALL_MARGIN ? "higher" : change < -RECALL_MARGIN ? "lower" : "about the same";
    if (answer.recall === measured) return true;
    return (
      "your loss is right, but not your prediction. Look at D(G(z)) in section 5b: how confidently " +
      "does the discriminator reject G's images, and where does log(1 - D) saturate?"
    );
  },
});

/** The reader's loss against the reference on logits from confident rejection to acceptance. */
function compareLoss(loss: GeneratorLoss, rng: Rng): true | string {
  for (let round = 0; round < 5; round++) {
    const n = 1 + rng.int(16);
    const logits = Array.from({ length: n }, () => 12 * rng.next() - 9);
    const verdict = tf.tidy(() => {
      const a = tf.tensor1d(logits);
      const out = loss(a);
      if (!(out instanceof tf.Tensor) || out.size !== 1) return "return one number for the batch: a scalar.";
      const [got, want] = [out.dataSync()[0], saturatingLoss(a).dataSync()[0]];
      const nonSaturating = tf.mean(tf.softplus(tf.neg(a))).dataSync()[0];
      if (Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want))) return true;
      if (Math.abs(got - nonSaturating) <= 1e-5 * Math.max(1, nonSaturating))
        return "that is still the non-saturating loss -log D(G(z)); the game's generator minimises log(1 - D(G(z))).";
      if (Math.abs(got + want) <= 1e-5 * Math.max(1, Math.abs(want)))
        return "the sign: G minimises log(1 - D(G(z))), which falls as D(G(z)) rises.";
      if (Math.abs(got - n * want) <= 1e-5 * Math.max(1, Math.abs(n * want)))
        return "average over the batch, as the notebook's losses do; you summed.";
      return `on ${n} logits your loss gives ${got.toFixed(5)}, not log(1 - D(G(z))) averaged over the batch.`;
    });
    if (verdict !== true) return verdict;
  }
  return true;
}

/** Trains a GAN like the notebook's, with `loss` for the generator, and scores its samples of z. */
async function recallWith(loss: GeneratorLoss, given: SaturatingGiven): Promise<number> {
  const { trainSet, epochs, batchSize, seed, z, reference } = given;
  const { rows, cols, channels } = trainSet;
  const gan = createGan({ seed, inputShape: [rows, cols, channels], latentDim: z.shape[1] });
  try {
    const { optimizers } = await trainGan(gan, trainSet, {
      epochs,
      batchSize,
      seed,
      log: () => {},
      step: (g, opt, batch) => ({
        ...discriminatorStep(g, opt.discriminator, batch),
        ...generatorStep(g, opt.generator, batch, loss),
      }),
    });
    [optimizers.discriminator, optimizers.generator].forEach((o) => o.dispose());
    const images = generate(gan, z);
    try {
      return generationScores(reference.classifier, reference, images).recall;
    } finally {
      images.dispose();
    }
  } finally {
    disposeGan(gan);
  }
}

/** 09.2: V(D*, G) for a data distribution p and a generator's q over a finite set of images. */
type GameValue = (p: number[], q: number[]) => number;

/** The reference: sum p log(p / (p + q)) + sum q log(q / (p + q)); zero-probability terms add 0. */
function valueAtBestDiscriminator(p: number[], q: number[]): number {
  let v = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) v += p[i] * Math.log(p[i] / (p[i] + q[i]));
    if (q[i] > 0) v += q[i] * Math.log(q[i] / (p[i] + q[i]));
  }
  return v;
}

/** A random distribution over n points, with some points of probability 0 when `zeros`. */
function distribution(n: number, rng: Rng, zeros: boolean): number[] {
  const w = Array.from({ length: n }, () => (zeros && rng.next() < 0.3 ? 0 : rng.next() + 0.01));
  if (w.every((v) => v === 0)) w[0] = 1;
  const sum = w.reduce((s, v) => s + v, 0);
  return w.map((v) => v / sum);
}

const gameValue = defineExercise<GameValue>({
  check(answer, _given, rng) {
    if (typeof answer !== "function") return "your answer must be a function (p, q) => number.";
    const same = distribution(6, rng, false);
    const cases: [number[], number[], string][] = [
      [same, same, "when q = p, D* = 1/2 everywhere: what is V then?"],
      [
        [0.5, 0.5, 0, 0],
        [0, 0, 0.25, 0.75],
        "where q(x) = 0 the term q log(1 - D*) has weight 0: it adds nothing, even though log(1 - D*) = log 0.",
      ],
    ];
    for (let round = 0; round < 6; round++) {
      const n = 2 + rng.int(8);
      cases.push([distribution(n, rng, round % 2 === 0), distribution(n, rng, round % 3 === 0), ""]);
    }
    for (const [p, q, hint] of cases) {
      const want = valueAtBestDiscriminator(p, q);
      const got = answer([...p], [...q]);
      if (Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want))) continue;
      if (Math.abs(got * Math.LN2 - want) <= 1e-9 * Math.max(1, Math.abs(want)))
        return "use natural logarithms (nats), as the losses of the notebook do.";
      return (
        hint ||
        `for p = [${p.map((v) => v.toFixed(3))}], q = [${q.map((v) => v.toFixed(3))}] your value is ${got}.`
      );
    }
    return true;
  },
});

/** Notebook 09's exercises, by ID. */
export const nb09 = {
  "09.1": saturating,
  "09.2": gameValue,
};
