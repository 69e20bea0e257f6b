/**
 * The exercises of notebook 08 (anomaly detection): a prediction of how a likelihood ranks another
 * data set, and an anomaly score of the reader's own, judged by its AUROC.
 */
import * as tf from "@tensorflow/tfjs";
import type { Model } from "../model/model";
import { type ImageSet, batches } from "../data/batches";
import { scoreImages } from "../eval/anomaly";
import { rocAuc } from "../eval/roc";
import { defineExercise } from "./check";

/** What the check cells pass: a model of the normal images, and normal and anomalous test images. */
export interface Detection {
  model: Model;
  normal: ImageSet;
  anomalous: ImageSet;
}

/** The AUROC an own score must reach in 08.2. */
const PASS_AUROC = 0.9;

/** AUROC of per-image scores, the anomalous set's against the normal set's. */
function aurocOf(normal: ArrayLike<number>, anomalous: ArrayLike<number>): number {
  const isAnomaly = [...Array.from(normal, () => false), ...Array.from(anomalous, () => true)];
  return rocAuc([...Array.from(normal), ...Array.from(anomalous)], isAnomaly);
}

function checkGiven(given: Detection): void {
  if (!given?.model || !given.normal || !given.anomalous)
    throw new Error("the check cell must pass { model, normal, anomalous } from the notebook.");
}

/** 08.1: on which side of 0.5 the AUROC of the IWAE estimate of -log p(x) falls. */
const likelihoodSide = defineExercise<"above 0.5" | "below 0.5", Detection>({
  check(answer, given) {
    checkGiven(given);
    if (answer !== "above 0.5" && answer !== "below 0.5")
      return 'answer with one of the two strings the exercise names, such as "above 0.5".';
    const nll = (set: ImageSet) => scoreImages(given.model, set, { scores: ["iwae"], k: 8, seed: 81 }).iwae!;
    const side = aurocOf(nll(given.normal), nll(given.anomalous)) < 0.5 ? "below 0.5" : "above 0.5";
    if (answer === side) return true;
    return (
      "not what these models do. Count the black pixels of a digit and of a garment, and ask what a " +
      "decoder that has learnt that most pixels are black pays for each black pixel."
    );
  },
});

/** A score of one's own: one number per image of a batch `[n, 784]`, higher = more anomalous. */
export type OwnScore = (model: Model, x: tf.Tensor2D) => tf.Tensor;

/** The reader's score of every image of a set, or a hint when it is not one finite number per image. */
function ownScores(answer: OwnScore, model: Model, set: ImageSet): Float32Array | string {
  const out = new Float32Array(set.n);
  let row = 0;
  for (const { x } of batches(set, 500)) {
    const values = tf.tidy(() => {
      const s = answer(model, x);
      if (!(s instanceof tf.Tensor)) return "return a tensor: one number per image of the batch.";
      if (s.size !== x.shape[0])
        return `for a batch of ${x.shape[0]} images your score has shape [${s.shape}]: give one number per image (reduce over axis 1).`;
      return s.dataSync() as Float32Array;
    });
    if (typeof values === "string") return values;
    if (!values.every(Number.isFinite)) return "some of your scores are NaN or infinite.";
    out.set(values, row);
    row += x.shape[0];
  }
  return out;
}

/** 08.2: an anomaly score whose AUROC on the given sets is at least 0.9. */
const ownScore = defineExercise<OwnScore, Detection>({
  check(answer, given) {
    checkGiven(given);
    if (typeof answer !== "function")
      return "your answer must be a function (model, x) => one number per image.";
    const normal = ownScores(answer, given.model, given.normal);
    if (typeof normal === "string") return normal;
    const anomalous = ownScores(answer, given.model, given.anomalous);
    if (typeof anomalous === "string") return anomalous;
    const auroc = aurocOf(normal, anomalous);
    if (auroc >= PASS_AUROC) return true;
    const measured = `its AUROC is ${auroc.toFixed(3)}`;
    if (auroc < 0.5)
      return `${measured}: it ranks the anomalies as more normal than the normal images. Higher must mean less like the training images; what does your score reward?`;
    return `${measured}, below ${PASS_AUROC}: it ranks the sets the right way round, but they overlap. Look at what section 5 divided out.`;
  },
});

/** Notebook 08's exercises, by ID. */
export const nb08 = {
  "08.1": likelihoodSide,
  "08.2": ownScore,
};
