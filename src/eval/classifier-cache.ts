/**
 * The classifier's cache: a folder holding one classifier per (dataset, settings, training set),
 * so that a classifier trained on a few images in quick mode is never taken for the full one.
 *
 *   classifier-<hash>.bin   float32, little-endian: each layer's kernel then bias, in order
 *   classifier-<hash>.json  the key (dataset, settings, the training set's size and SHA-256), the
 *                           tensors of the .bin and its SHA-256, the training time
 *
 * <hash> is a hash of the key. The .bin is written first and the .json last, each in one rename,
 * so a .json always describes a complete .bin; a .bin that does not match its .json is an error.
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ImageSet } from "../data/batches";
import type { DatasetName } from "../data/datasets";
import { makeFolders, replaceFile } from "../files";
import type { ClassifierSettings, DenseWeights } from "./classifier-settings";

const FORMAT = "vae-lab-classifier-1";

/** What identifies a training set: its shape and a hash of its pixels and labels. */
export interface DataFingerprint {
  n: number;
  rows: number;
  cols: number;
  channels: number;
  /** SHA-256 of the float32 pixels followed by the labels. */
  sha256: string;
}

/** Everything a trained classifier depends on. */
export interface ClassifierKey {
  dataset: DatasetName;
  settings: ClassifierSettings;
  data: DataFingerprint;
}

/** A classifier read from (or just saved to) the cache. */
export interface CacheEntry {
  layers: DenseWeights[];
  trainSeconds: number;
  /** True when it was saved by this process's training, false when read from an earlier run. */
  trained: boolean;
  /** The .json file. */
  file: string;
}

/** The fingerprint of a labelled image set. */
export function fingerprint(set: ImageSet): DataFingerprint {
  const hash = createHash("sha256");
  hash.update(new Uint8Array(set.pixels.buffer, set.pixels.byteOffset, set.pixels.byteLength));
  if (set.labels) hash.update(set.labels);
  return { n: set.n, rows: set.rows, cols: set.cols, channels: set.channels, sha256: hash.digest("hex") };
}

/** The key as JSON with a fixed order of fields, so equal keys give equal text. */
function canonical(key: ClassifierKey): string {
  const { hidden, dropout, epochs, batchSize, learningRate, seed } = key.settings;
  const { n, rows, cols, channels, sha256 } = key.data;
  return JSON.stringify({
    dataset: key.dataset,
    settings: { hidden, dropout, epochs, batchSize, learningRate, seed },
    data: { n, rows, cols, channels, sha256 },
  });
}

/** The base name of the files of `key` in a cache folder. */
function baseName(key: ClassifierKey): string {
  return `classifier-${createHash("sha256").update(canonical(key)).digest("hex").slice(0, 16)}`;
}

/**
 * Saves trained weights under `key` into `dir` and returns them as a cache entry (fresh tensors
 * made from the saved values, so a saved classifier and a reloaded one compute alike).
 */
export function saveClassifier(
  dir: string,
  key: ClassifierKey,
  layers: DenseWeights[],
  trainSeconds: number,
): CacheEntry {
  const tensors = layers.flatMap(({ kernel, bias }) => [kernel, bias]);
  const values = new Float32Array(tensors.reduce((sum, t) => sum + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    values.set(t.dataSync(), offset);
    offset += t.size;
  }
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new Error(
      `The classifier's training diverged (weight ${bad} is ${values[bad]}); nothing was saved.`,
    );
  const bytes = new Uint8Array(values.buffer);
  const name = baseName(key);
  try {
    makeFolders(dir);
  } catch (err) {
    throw new Error(`Cannot create the classifier's cache folder ${dir}: ${(err as Error).message}`);
  }
  replaceFile(join(dir, `${name}.bin`), bytes);
  const json = {
    format: FORMAT,
    key: JSON.parse(canonical(key)),
    shapes: tensors.map((t) => t.shape),
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    trainSeconds,
  };
  replaceFile(join(dir, `${name}.json`), JSON.stringify(json, null, 2));
  return {
    layers: toLayers(values, json.shapes),
    trainSeconds,
    trained: true,
    file: join(dir, `${name}.json`),
  };
}

/** The classifier cached in `dir` under `key`, or undefined when there is none. Damage is an error. */
export function readClassifier(dir: string, key: ClassifierKey): CacheEntry | undefined {
  const name = baseName(key);
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const damaged = (problem: string): never => {
    throw new Error(
      `${file}: ${problem}. Delete ${name}.json and ${name}.bin in ${dir} to train the classifier again.`,
    );
  };
  const json = readJson(file, damaged);
  if (json.format !== FORMAT) damaged(`format is ${JSON.stringify(json.format)}, expected "${FORMAT}"`);
  if (JSON.stringify(json.key) !== canonical(key))
    damaged(`it holds another classifier (${describeKeyDifference(json.key as ClassifierKey, key)})`);
  const shapes = json.shapes as number[][];
  const valid = Array.isArray(shapes) && shapes.length % 2 === 0 && shapes.every(Array.isArray);
  if (!valid) damaged(`shapes is ${JSON.stringify(shapes)}, expected a kernel and a bias shape per layer`);
  const size = shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, `${name}.bin`));
  } catch (err) {
    return damaged(`its weights ${name}.bin cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
  if (bytes.length !== json.bytes || bytes.length !== size * 4)
    damaged(
      `${name}.bin has ${bytes.length} bytes, expected ${json.bytes} for tensors of shapes ${JSON.stringify(shapes)}`,
    );
  if (createHash("sha256").update(bytes).digest("hex") !== json.sha256)
    damaged(`${name}.bin does not match the SHA-256 recorded for it`);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return { layers: toLayers(values, shapes), trainSeconds: Number(json.trainSeconds), trained: false, file };
}

/** The keys of the classifiers cached in `dir` (unreadable files are left out). */
export function cachedKeys(dir: string): ClassifierKey[] {
  if (!existsSync(dir)) return [];
  const keys: ClassifierKey[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => /^classifier-[0-9a-f]{16}\.json$/.test(n))
    .sort()) {
    try {
      keys.push(JSON.parse(readFileSync(join(dir, name), "utf8")).key);
    } catch {
      // Not a readable cache file: it cannot be the one asked for either.
    }
  }
  return keys;
}

/** How the classifier of key `other` differs from the one asked for (`wanted`), in words. */
export function describeKeyDifference(other: ClassifierKey, wanted: ClassifierKey): string {
  const differences: string[] = [];
  if (other.dataset !== wanted.dataset) differences.push(`dataset ${other.dataset}`);
  for (const name of Object.keys(wanted.settings) as (keyof ClassifierSettings)[]) {
    const [a, b] = [other.settings?.[name], wanted.settings[name]].map((v) => JSON.stringify(v));
    if (a !== b) differences.push(`${name} ${a} (asked: ${b})`);
  }
  if (other.data?.n !== wanted.data.n)
    differences.push(`trained on ${other.data?.n} images (asked: ${wanted.data.n})`);
  else if (other.data?.sha256 !== wanted.data.sha256) differences.push("trained on other images");
  return differences.length ? differences.join(", ") : "the same key";
}

function readJson(file: string, damaged: (problem: string) => never): Record<string, unknown> {
  try {
    const json = JSON.parse(readFileSync(file, "utf8"));
    return json !== null && typeof json === "object" ? json : damaged("it is not a JSON object");
  } catch (err) {
    return damaged(`it is not valid JSON (${(err as Error).message})`);
  }
}

/** Tensors of the given shapes cut from `values`, paired as (kernel, bias) per layer. */
function toLayers(values: Float32Array, shapes: number[][]): DenseWeights[] {
  const layers: DenseWeights[] = [];
  let offset = 0;
  const next = (shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(values.slice(offset, offset + size), shape);
    offset += size;
    return t;
  };
  for (let i = 0; i < shapes.length; i += 2)
    layers.push({ kernel: next(shapes[i]) as tf.Tensor2D, bias: next(shapes[i + 1]) as tf.Tensor1D });
  return layers;
}
