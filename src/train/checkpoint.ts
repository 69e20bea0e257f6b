/**
 * Checkpoints: a directory with the model's config and its weights.
 *
 *   config.json    { format, config, info }       (what to rebuild, plus free-form info)
 *   weights.json   [{ name, shape, offset }]      (the manifest: float32 offsets into weights.bin)
 *   weights.bin    all weights, float32, little-endian
 *
 * Written to a temporary directory first and renamed into place, so a crash or Ctrl-C never
 * leaves a half-written checkpoint. The optimiser's state is not saved.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type Model, createModel, namedWeights } from "../model/model";
import type { ModelConfig } from "../model/config";

const FORMAT = "vae-lab-checkpoint-1";

/** One entry of the weights manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values into weights.bin. */
  offset: number;
}

/** Saves `model` (config + weights) and optional JSON `info` (history, metrics) to `dir`, atomically. */
export function saveCheckpoint(model: Model, dir: string, info: Record<string, unknown> = {}): void {
  const target = resolve(dir);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    const weights = namedWeights(model);
    const manifest: WeightEntry[] = [];
    let offset = 0;
    for (const { name, tensor } of weights) {
      manifest.push({ name, shape: tensor.shape, offset });
      offset += tensor.size;
    }
    const values = new Float32Array(offset);
    for (let i = 0; i < weights.length; i++)
      values.set(weights[i].tensor.dataSync() as Float32Array, manifest[i].offset);
    writeFileSync(join(tmp, "weights.bin"), new Uint8Array(values.buffer));
    writeFileSync(join(tmp, "weights.json"), JSON.stringify(manifest, null, 1));
    writeFileSync(
      join(tmp, "config.json"),
      JSON.stringify({ format: FORMAT, config: model.config, info }, null, 2),
    );
    // Swap in the new directory; the old one is removed only once the new one is in place.
    const old = `${tmp}.old`;
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The config and info stored in a checkpoint directory. */
export function readCheckpointConfig(dir: string): { config: ModelConfig; info: Record<string, unknown> } {
  const file = join(dir, "config.json");
  if (!existsSync(file))
    throw new Error(`${dir} is not a checkpoint: it has no config.json (save one with saveCheckpoint).`);
  const json = JSON.parse(readFileSync(file, "utf8"));
  if (json.format !== FORMAT)
    throw new Error(`${file} has format ${JSON.stringify(json.format)}, expected ${FORMAT}.`);
  return { config: json.config, info: json.info ?? {} };
}

/** Rebuilds the model saved in `dir` and loads its weights. */
export function loadCheckpoint(dir: string): { model: Model; info: Record<string, unknown> } {
  const { config, info } = readCheckpointConfig(dir);
  const model = createModel(config);
  loadWeights(model, dir);
  return { model, info };
}

/**
 * Loads the weights saved in `dir` into an existing model. A checkpoint of a different
 * architecture is an error naming the first difference.
 */
export function loadWeights(model: Model, dir: string): void {
  const { config } = readCheckpointConfig(dir);
  for (const key of ["kind", "arch", "inputShape", "latentDim", "hidden", "filters", "likelihood"] as const) {
    if (key === "filters" && model.config.arch !== "conv") continue;
    if (JSON.stringify(config[key]) !== JSON.stringify(model.config[key])) {
      throw new Error(
        `Checkpoint ${dir} does not fit this model: ${key} is ${JSON.stringify(config[key])} in the checkpoint but ${JSON.stringify(model.config[key])} in the model. ` +
          `Build the model with the checkpoint's config (loadCheckpoint does that).`,
      );
    }
  }
  const manifest: WeightEntry[] = JSON.parse(readFileSync(join(dir, "weights.json"), "utf8"));
  const bytes = readFileSync(join(dir, "weights.bin"));
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const weights = namedWeights(model);
  const names = (list: { name: string }[]) => list.map((w) => w.name).join(", ");
  if (manifest.length !== weights.length) {
    throw new Error(
      `Checkpoint ${dir} holds ${manifest.length} weight tensors (${names(manifest)}) but the model has ${weights.length} (${names(weights)}).`,
    );
  }
  const tensors = manifest.map((entry, i) => {
    const expected = weights[i];
    if (
      entry.name !== expected.name ||
      JSON.stringify(entry.shape) !== JSON.stringify(expected.tensor.shape)
    ) {
      throw new Error(
        `Checkpoint ${dir} does not fit this model: weight ${entry.name} has shape [${entry.shape}] but the model's ${expected.name} has shape [${expected.tensor.shape}].`,
      );
    }
    const size = entry.shape.reduce((a, b) => a * b, 1);
    if (entry.offset + size > values.length)
      throw new Error(`Checkpoint ${dir}: weights.bin is too short for ${entry.name} (truncated file?).`);
    return tf.tensor(values.subarray(entry.offset, entry.offset + size), entry.shape);
  });
  const count = (m: tf.Sequential) => m.getWeights().length;
  const nEnc = count(model.encoder);
  const nDec = count(model.decoder);
  model.encoder.setWeights(tensors.slice(0, nEnc));
  model.decoder.setWeights(tensors.slice(nEnc, nEnc + nDec));
  if (model.logSigma) model.logSigma.assign(tensors[nEnc + nDec] as tf.Scalar);
  tf.dispose(tensors);
}
