/**
 * The semi-supervised setting: a few labelled images per class, drawn at random from a seed, and
 * the rest of the set with its labels removed.
 */
import { type ImageSet, checkImageSet, imageSize } from "./batches";
import { permutation, randomStream } from "../random";

/** Labelled and unlabelled images of one set (disjoint; together the whole set). */
export interface LabelledSplit {
  /** `perClass` images of each class, with their labels, class by class. */
  labelled: ImageSet;
  /** Every other image, without labels. */
  unlabelled: ImageSet;
}

/**
 * Keeps the labels of `perClass` images of each class, chosen with the seed's "labels" stream, and
 * removes the others'. Equal seeds give equal choices; each seed is another draw of the labels.
 */
export function splitLabelled(set: ImageSet, perClass: number, seed: number): LabelledSplit {
  checkImageSet(set, "set to split");
  const labels = set.labels;
  if (!labels)
    throw new Error("splitLabelled needs a set with labels (set.labels) to choose labelled images from.");
  if (!(Number.isInteger(perClass) && perClass > 0))
    throw new Error(`splitLabelled: perClass must be a positive integer, got ${perClass}.`);
  const classes = Math.max(...labels) + 1;
  const chosen: number[][] = Array.from({ length: classes }, () => []);
  for (const i of permutation(set.n, randomStream(seed, "labels"))) {
    if (chosen[labels[i]].length < perClass) chosen[labels[i]].push(i);
  }
  const short = chosen.findIndex((rows) => rows.length < perClass);
  if (short >= 0)
    throw new Error(
      `splitLabelled: class ${short} has ${chosen[short].length} images, fewer than perClass = ${perClass}: ` +
        "ask for fewer labels per class or use a larger set.",
    );
  const labelledRows = chosen.flat();
  const isLabelled = new Uint8Array(set.n);
  for (const i of labelledRows) isLabelled[i] = 1;
  const unlabelledRows = Array.from({ length: set.n }, (_, i) => i).filter((i) => !isLabelled[i]);
  const labelled = rowsOf(set, labelledRows);
  const { labels: _dropped, ...unlabelled } = rowsOf(set, unlabelledRows);
  return { labelled, unlabelled };
}

/** The images `rows` of `set` (with their labels), in that order, sharing no memory with it. */
function rowsOf(set: ImageSet, rows: number[]): ImageSet {
  const size = imageSize(set);
  const pixels = new Float32Array(rows.length * size);
  rows.forEach((i, r) => pixels.set(set.pixels.subarray(i * size, (i + 1) * size), r * size));
  const labels = set.labels ? Uint8Array.from(rows, (i) => set.labels![i]) : undefined;
  return { ...set, pixels, labels, n: rows.length };
}
