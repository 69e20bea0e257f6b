/**
 * Checkpoints: a folder with a model's config and weights and, when saved from `train`, where
 * training stands, so that it can resume; optionally the run's metrics.
 *
 *   config.json     { format, version, config, info, weights, metrics?, sha256, manifest, training?, replaced }
 *   weights-N.bin   float32, little-endian: the model's weights, then Adam's moments (with training)
 *   metrics-N.json  the metrics saved with version N, if any
 *
 * `manifest` lists the tensors of weights-N.bin as { name, shape, offset } (offsets in float32
 * values, in order, without gaps); `training` holds the rest of the training state; `sha256` the
 * checksum of each file of the version, verified on loading.
 *
 * A save never destroys what it did not write, and a complete checkpoint stays at the path at
 * every instant, even when the process is killed: version N+1 is written beside version N.
 *   1. config.json.partial, the new config.json naming weights-(N+1).bin, is flushed to disk
 *      (so whatever a killed save leaves behind is named by a file of ours);
 *   2. metrics-(N+1).json and weights-(N+1).bin are flushed to disk;
 *   3. config.json.partial is renamed to config.json: the switch, in one step, of weights and
 *      metrics together (a folder never pairs one version's weights with another's metrics);
 *   4. the files of version N, listed in the new config.json as `replaced`, are deleted.
 * The next save deletes what a killed one left. A path that holds anything else (a file, a folder
 * with other things in it) is refused, and nothing is written there. One process writes a folder
 * at a time: a save takes the folder's lock (see lock.ts), and is refused while another holds it.
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { type Model, createModel, disposeModel, namedWeights } from "../model/model";
import { type ModelConfig, configDifference, modelConfig } from "../model/config";
import { fileProblem, syncFolder, writeDurably, writeFix } from "../files";
import { type AdamState, type Moment, type TrainingState, inconsistency } from "./resume";
import { FolderLockedError, isLockFile, lockFolder } from "./lock";

const FORMAT = "vae-lab-checkpoint-3";
/** The format before checksums and metrics files: still read. */
const FORMAT_2 = "vae-lab-checkpoint-2";
/** The earlier format: config.json, weights.json (the manifest) and weights.bin; no training state. */
const FORMAT_1 = "vae-lab-checkpoint-1";
const FORMAT_1_FILES = ["weights.bin", "weights.json"];
const CONFIG = "config.json";
const PARTIAL = "config.json.partial";
const WEIGHTS = /^weights-[1-9][0-9]*\.bin$/;
const METRICS = /^metrics-[1-9][0-9]*\.json$/;
/** What the trainer wrote beside checkpoints of the earlier formats; a save with metrics replaces it. */
const LEGACY_METRICS = "metrics.json";
/** Names of Adam's moments in the manifest: `adam/m/0`, ..., `adam/v/0`, ... */
const ADAM = "adam/";

/** One entry of the weights manifest. */
export interface WeightEntry {
  name: string;
  shape: number[];
  /** Offset in float32 values into the weights file. */
  offset: number;
}

/** The training state as config.json holds it: without the config (saved beside it) and the moments (in the .bin). */
type SavedTraining = Omit<TrainingState, "config" | "adam"> & { adam: Omit<AdamState, "m" | "v"> };

/** A checkpoint's config.json, checked; the weights are not read yet. */
interface Pointer {
  format: string;
  version: number;
  config: ModelConfig;
  info: Record<string, unknown>;
  /** The weights file of this version. */
  weights: string;
  /** The metrics file of this version, if it was saved with metrics. */
  metrics?: string;
  /** SHA-256 of each file of this version (none in the earlier formats). */
  sha256: Record<string, string>;
  manifest: WeightEntry[];
  training?: SavedTraining;
  /** Files of the version this one replaced (deleted once this one is in place). */
  replaced: string[];
  /** Files of this version (the next version lists them as `replaced`). */
  files: string[];
}

/** The steps of a save, in order. */
export type SaveStep = "cleaned" | "partial written" | "weights written" | "switched" | "replaced deleted";

/** Called after each step of a save; tests interrupt saves there (throw, or kill the process). */
export const saveHooks: { afterStep?: (step: SaveStep) => void } = {};

/** Options of {@link saveCheckpoint}. */
export interface SaveOptions {
  /** The run's metrics (any JSON), saved as metrics-N.json in the same switch as the weights. */
  metrics?: unknown;
  /** Where the line about taking over a dead process's lock goes (default console.log). */
  log?: (line: string) => void;
}

/**
 * Saves `model` (config and weights), JSON `info`, from `train` the training `state`
 * (`train({ resumeFrom })` continues it) and `options.metrics` into the folder `dir`, replacing
 * the checkpoint there if any. `dir` must be new, empty or a checkpoint, and not being written by
 * another process: anything else is refused before a byte is written. Non-finite weights are
 * refused too (they would replace a good checkpoint). A failed save (a full disk) leaves the
 * checkpoint that was there as it was.
 */
export function saveCheckpoint(
  model: Model,
  dir: string,
  info: Record<string, unknown> = {},
  state?: TrainingState,
  options: SaveOptions = {},
): void {
  checkSaveTarget(dir);
  const difference = state && configDifference(state.config, model.config, ["training state", "model"]);
  if (difference)
    throw new Error(`Not saving to ${dir}: the training state is another model's (${difference}).`);
  const { manifest, bytes } = pack(model, state, dir);
  const metrics = options.metrics === undefined ? undefined : JSON.stringify(options.metrics, null, 2);
  const release = lockForSave(dir, options.log);
  try {
    const current = checkSaveTarget(dir); // again: another process may have written before the lock
    const training = state && savedTraining(state);
    writeVersion(dir, current, { config: model.config, info, manifest, training }, bytes, metrics);
  } finally {
    release();
  }
}

/** Takes the folder's lock for a save (a trainer that holds it already takes it again). */
function lockForSave(dir: string, log?: (line: string) => void): () => void {
  try {
    return lockFolder(dir, log);
  } catch (err) {
    const why = err instanceof FolderLockedError ? err.message : `${fileProblem(err)}. ${writeFix(err)}`;
    throw new Error(`Cannot save a checkpoint to ${dir}: ${why} Nothing was written.`);
  }
}

/** The parts of config.json that do not depend on the version. */
type Content = Pick<Pointer, "config" | "info" | "manifest" | "training">;

/** Steps 1-4 of a save (see the top of this file), after the folder was checked and locked. */
function writeVersion(
  dir: string,
  current: Pointer | undefined,
  content: Content,
  bytes: Uint8Array,
  metrics: string | undefined,
): void {
  const folder = resolve(dir);
  for (const file of leftovers(folder, current)) rmSync(join(folder, file), { force: true });
  saveHooks.afterStep?.("cleaned");
  const version = (current?.version ?? 0) + 1;
  const weights = `weights-${version}.bin`;
  const metricsFile = metrics === undefined ? undefined : `metrics-${version}.json`;
  const files: [string, string | Uint8Array][] = metricsFile ? [[metricsFile, metrics!]] : [];
  files.push([weights, bytes]);
  const legacy = metricsFile && current?.format !== FORMAT && existsSync(join(folder, LEGACY_METRICS));
  const replaced = [...(current?.files ?? []), ...(legacy ? [LEGACY_METRICS] : [])];
  const sha256 = Object.fromEntries(files.map(([name, data]) => [name, checksum(data)]));
  const json = { format: FORMAT, version, weights, metrics: metricsFile, sha256, ...content, replaced };
  let writing = PARTIAL;
  try {
    writeDurably(join(folder, PARTIAL), JSON.stringify(json, null, 2));
    saveHooks.afterStep?.("partial written");
    for (const [name, data] of files) writeDurably(join(folder, (writing = name)), data);
    saveHooks.afterStep?.("weights written");
    writing = CONFIG;
    renameSync(join(folder, PARTIAL), join(folder, CONFIG));
  } catch (err) {
    for (const name of [PARTIAL, ...files.map(([name]) => name)]) rmSync(join(folder, name), { force: true });
    throw saveFailed(dir, join(folder, writing), current, err);
  }
  syncFolder(folder);
  saveHooks.afterStep?.("switched");
  for (const file of replaced) rmSync(join(folder, file), { force: true });
  saveHooks.afterStep?.("replaced deleted");
}

/** A failed save, said with the path, what is kept, and what to do. */
function saveFailed(dir: string, file: string, current: Pointer | undefined, err: unknown): Error {
  const epoch = current?.training ? `, after epoch ${current.training.epoch}` : "";
  const kept = current
    ? `The checkpoint that was there (version ${current.version}${epoch}) is kept as it was`
    : "No checkpoint was there before";
  return new Error(
    `Cannot save a checkpoint to ${dir}: ${fileProblem(err)} while writing ${file}. ${kept}, ` +
      `and nothing of this save remains. ${writeFix(err)}`,
  );
}

/** Hex SHA-256 of a file's bytes. */
function checksum(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Throws a clear error, before anything is written, unless a checkpoint can be saved at `dir`: a
 * new path, an empty folder, a checkpoint, or a folder holding only what a killed save left.
 * Returns the checkpoint there, if any.
 */
export function checkSaveTarget(dir: string): Pointer | undefined {
  const folder = resolve(dir);
  const refuse = (why: string): never => {
    throw new Error(`Cannot save a checkpoint to ${dir}: ${why} Nothing was written.`);
  };
  if (!existsSync(folder)) return undefined;
  if (!statSync(folder).isDirectory()) refuse("it is a file, which saving would replace. Choose a folder.");
  if (existsSync(join(folder, CONFIG))) {
    try {
      return readPointer(dir);
    } catch (err) {
      refuse(`${(err as Error).message} Saving would replace it: choose another folder, or move it away.`);
    }
  }
  const ours = leftovers(folder);
  const others = readdirSync(folder).filter((name) => !ours.includes(name) && !isLockFile(name));
  if (others.length > 0) {
    const names = others.slice(0, 5).join(", ") + (others.length > 5 ? ", ..." : "");
    refuse(
      `the folder holds ${others.length} entries that are not a vae-lab checkpoint (${names}). ` +
        "Choose a new or empty folder.",
    );
  }
  return undefined;
}

/**
 * What killed saves left in `folder`: config.json.partial, the files it names, files the current
 * version replaced.
 */
function leftovers(folder: string, current?: Pointer): string[] {
  const found = [PARTIAL, ...(current?.replaced ?? [])];
  try {
    const named = JSON.parse(readFileSync(join(folder, PARTIAL), "utf8"));
    for (const [file, pattern] of [
      [named.weights, WEIGHTS],
      [named.metrics, METRICS],
    ] as const) {
      if (typeof file === "string" && pattern.test(file) && !current?.files.includes(file)) found.push(file);
    }
  } catch {
    // No config.json.partial, or one cut short: it was written before its other files, so it names none.
  }
  return found.filter((name) => existsSync(join(folder, name)));
}

/** The config and info stored in a checkpoint folder, and the epochs done when a training state was saved (weights are not read). */
export function readCheckpointConfig(dir: string): {
  config: ModelConfig;
  info: Record<string, unknown>;
  epoch?: number;
} {
  const { config, info, training } = readPointer(dir);
  return { config, info, epoch: training?.epoch };
}

/**
 * Rebuilds the model saved in `dir` and loads its weights; `training` is where training stood
 * when it was saved from `train` (pass it as `resumeFrom` to continue). A damaged checkpoint is
 * an error naming the file and what is wrong, and leaves nothing allocated.
 */
export function loadCheckpoint(dir: string): {
  model: Model;
  info: Record<string, unknown>;
  training?: TrainingState;
} {
  const { pointer, values } = readCheckpoint(dir);
  const model = createModel(pointer.config);
  try {
    setWeights(model, pointer, values, dir);
  } catch (err) {
    disposeModel(model);
    throw err;
  }
  return { model, info: pointer.info, training: pointer.training && trainingState(pointer, values) };
}

/**
 * Loads the weights saved in `dir` into an existing model. A checkpoint of a model that computes
 * differently (any setting but the seed) is an error naming the first difference.
 */
export function loadWeights(model: Model, dir: string): void {
  const { pointer, values } = readCheckpoint(dir);
  setWeights(model, pointer, values, dir);
}

/** Checks the model against the checkpoint, then sets its weights (nothing is allocated on failure). */
function setWeights(model: Model, pointer: Pointer, values: Float32Array, dir: string): void {
  const difference = configDifference(pointer.config, model.config, ["checkpoint", "model"]);
  if (difference) {
    throw new Error(
      `Checkpoint ${dir} does not fit this model: ${difference}. ` +
        `Build the model with the checkpoint's config (loadCheckpoint does that).`,
    );
  }
  const entries = pointer.manifest.filter((entry) => !entry.name.startsWith(ADAM));
  const weights = namedWeights(model);
  const names = (list: { name: string }[]) => list.map((w) => w.name).join(", ");
  if (entries.length !== weights.length) {
    throw new Error(
      `Checkpoint ${dir} holds ${entries.length} weight tensors (${names(entries)}) but the model has ${weights.length} (${names(weights)}).`,
    );
  }
  entries.forEach((entry, i) => {
    const expected = weights[i];
    if (entry.name !== expected.name || `${entry.shape}` !== `${expected.tensor.shape}`) {
      throw new Error(
        `Checkpoint ${dir} does not fit this model: weight ${entry.name} has shape [${entry.shape}] but the model's ${expected.name} has shape [${expected.tensor.shape}].`,
      );
    }
  });
  const tensors = entries.map((entry) => tf.tensor(values.subarray(entry.offset, end(entry)), entry.shape));
  try {
    const nEnc = model.encoder.getWeights().length;
    const nDec = model.decoder.getWeights().length;
    model.encoder.setWeights(tensors.slice(0, nEnc));
    model.decoder.setWeights(tensors.slice(nEnc, nEnc + nDec));
    if (model.logSigma) model.logSigma.assign(tensors[nEnc + nDec] as tf.Scalar);
  } finally {
    tf.dispose(tensors);
  }
}

/** The training state of a checkpoint, its moments read from the weights file. */
function trainingState(pointer: Pointer, values: Float32Array): TrainingState {
  const training = pointer.training!;
  const moments = (kind: "m" | "v"): Moment[] =>
    pointer.manifest
      .filter((entry) => entry.name.startsWith(`${ADAM}${kind}/`))
      .map((entry) => ({ shape: entry.shape, values: values.slice(entry.offset, end(entry)) }));
  return {
    ...training,
    config: pointer.config,
    adam: { ...training.adam, m: moments("m"), v: moments("v") },
  };
}

function savedTraining(state: TrainingState): SavedTraining {
  const { config, adam, ...rest } = state;
  const { m, v, ...settings } = adam;
  return { ...rest, adam: settings };
}

/** The model's weights, then Adam's moments, as one float32 array and its manifest. */
function pack(model: Model, state: TrainingState | undefined, dir: string) {
  const tensors = namedWeights(model).map(({ name, tensor }) => ({
    name,
    shape: tensor.shape,
    values: tensor.dataSync() as Float32Array,
  }));
  for (const kind of ["m", "v"] as const) {
    state?.adam[kind].forEach((moment, i) => tensors.push({ name: `${ADAM}${kind}/${i}`, ...moment }));
  }
  let offset = 0;
  const manifest: WeightEntry[] = tensors.map(({ name, shape, values }) => {
    const entry = { name, shape, offset };
    offset += values.length;
    return entry;
  });
  const values = new Float32Array(offset);
  tensors.forEach((tensor, i) => values.set(tensor.values, manifest[i].offset));
  const bad = nonFinite(manifest, values);
  if (bad) {
    throw new Error(
      `Not saving to ${dir}: ${bad}. The model has diverged; whatever is at ${dir} was left as it was.`,
    );
  }
  return { manifest, bytes: new Uint8Array(values.buffer) };
}

/** The first tensor holding NaN or Inf, described, or undefined. */
function nonFinite(manifest: WeightEntry[], values: Float32Array): string | undefined {
  for (const entry of manifest) {
    for (let i = entry.offset; i < end(entry); i++) {
      if (!Number.isFinite(values[i])) {
        return `tensor ${entry.name} holds ${values[i]} at index ${i - entry.offset} of ${end(entry) - entry.offset}`;
      }
    }
  }
  return undefined;
}

/** One past the last value of a manifest entry. */
function end(entry: WeightEntry): number {
  return entry.offset + entry.shape.reduce((a, b) => a * b, 1);
}

/** A checkpoint's config.json and weights, checked: structure, manifest, size, checksum, finite values. */
function readCheckpoint(dir: string): { pointer: Pointer; values: Float32Array } {
  const pointer = readPointer(dir);
  const file = join(resolve(dir), pointer.weights);
  const damaged = (problem: string): never => {
    throw new Error(
      `${file}: ${problem}. The checkpoint cannot be trusted: use another copy of it, or retrain.`,
    );
  };
  const bytes = readFile(file, damaged);
  const needed = pointer.manifest.reduce((most, entry) => Math.max(most, end(entry)), 0);
  const problems = [sizeProblem(bytes.length, needed), checksumProblem(file, bytes, pointer)];
  if (problems.some(Boolean)) damaged(problems.filter(Boolean).join("; "));
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const bad = nonFinite(pointer.manifest, values);
  if (bad) damaged(`${bad} (saved from a diverged model?)`);
  return { pointer, values };
}

function readFile(file: string, damaged: (problem: string) => never): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    return damaged(`cannot be read: ${fileProblem(err)}`);
  }
}

/** What is wrong with a weights file of `length` bytes where the manifest needs `needed` values. */
function sizeProblem(length: number, needed: number): string | undefined {
  const another = "or it is another model's weights file";
  if (length % 4 !== 0) return `${length} bytes is not a whole number of float32 values`;
  if (length < needed * 4)
    return `${length / 4} values where the manifest needs ${needed}: the file was cut short, ${another}`;
  if (length > needed * 4)
    return `${length - needed * 4} bytes of trailing data after the last tensor (${needed} values): something was appended, ${another}`;
  return undefined;
}

/** Why a file of the version does not match the SHA-256 config.json recorded (earlier formats have none). */
function checksumProblem(file: string, bytes: Uint8Array, pointer: Pointer): string | undefined {
  const expected = pointer.sha256[basename(file)];
  const actual = expected && checksum(bytes);
  if (actual === expected) return undefined;
  return (
    `its SHA-256 is ${actual}, not the ${expected} that config.json recorded when it was saved: ` +
    "the file was changed after saving (a damaged disk or copy, an edit, another checkpoint's file put in its place)"
  );
}

/** The metrics saved with the checkpoint in `dir` (checked against their checksum), or undefined when it has none. */
export function loadMetrics(dir: string): unknown {
  const pointer = readPointer(dir);
  if (!pointer.metrics) return undefined;
  const file = join(resolve(dir), pointer.metrics);
  const damaged = (problem: string): never => {
    throw new Error(`${file}: ${problem}. Use another copy of the checkpoint, or retrain.`);
  };
  const bytes = readFile(file, damaged);
  const problem = checksumProblem(file, bytes, pointer);
  if (problem) damaged(problem);
  return JSON.parse(bytes.toString("utf8"));
}

/** Reads and checks a checkpoint's config.json (and the earliest format's weights.json). */
function readPointer(dir: string): Pointer {
  const folder = resolve(dir);
  const file = join(folder, CONFIG);
  if (!existsSync(folder)) throw new Error(`${dir} is not a checkpoint: it does not exist.`);
  if (!statSync(folder).isDirectory()) throw new Error(`${dir} is not a checkpoint: it is a file.`);
  if (!existsSync(file)) {
    const why = existsSync(join(folder, PARTIAL))
      ? " The first save into it was interrupted before it was complete (the next save cleans up)."
      : " Save one with saveCheckpoint.";
    throw new Error(`${dir} is not a checkpoint: it has no config.json.${why}`);
  }
  const fail = failIn(file);
  const json = readJson(file, fail);
  if (!isRecord(json)) return fail(`expected a JSON object { format, config, ... }, got ${describe(json)}`);
  if (![FORMAT, FORMAT_2, FORMAT_1].includes(json.format as string))
    fail(
      `format is ${describe(json.format)}, expected "${FORMAT}" (or the earlier "${FORMAT_2}", "${FORMAT_1}")`,
    );
  let config: ModelConfig;
  try {
    config = modelConfig(isRecord(json.config) ? json.config : fail(`config is ${describe(json.config)}`));
  } catch (err) {
    return fail((err as Error).message.replace(/\.$/, ""));
  }
  const info = json.info ?? {};
  if (!isRecord(info)) return fail(`info is ${describe(info)}, expected an object`);
  if (json.format !== FORMAT_1) return { ...versionedPointer(json, fail), config, info };
  const failInManifest = failIn(join(folder, "weights.json"));
  const manifest = checkManifest(readJson(join(folder, "weights.json"), failInManifest), failInManifest);
  const files = FORMAT_1_FILES;
  return {
    format: FORMAT_1,
    version: 0,
    config,
    info,
    weights: "weights.bin",
    sha256: {},
    manifest,
    replaced: [],
    files,
  };
}

/** An error about a checkpoint's file: what is wrong, and that it is damaged or not ours. */
function failIn(file: string) {
  return (problem: string): never => {
    throw new Error(`${file}: ${problem}; it is damaged, or not a vae-lab checkpoint's.`);
  };
}

/** The rest of a config.json of the versioned formats, checked. */
function versionedPointer(
  json: Record<string, unknown>,
  fail: (problem: string) => never,
): Omit<Pointer, "config" | "info"> {
  const { version, weights, metrics, replaced } = json;
  if (!(Number.isInteger(version) && (version as number) > 0))
    fail(`version is ${describe(version)}, expected a positive integer`);
  if (!(typeof weights === "string" && WEIGHTS.test(weights)))
    fail(`weights is ${describe(weights)}, expected "weights-N.bin"`);
  if (!(metrics === undefined || (typeof metrics === "string" && METRICS.test(metrics))))
    fail(`metrics is ${describe(metrics)}, expected "metrics-N.json" or none`);
  const files = [weights as string, ...(metrics ? [metrics as string] : [])];
  const sha256 = json.format === FORMAT ? checkSums(json.sha256, files, fail) : {};
  const isOurs = (name: unknown) =>
    typeof name === "string" &&
    (WEIGHTS.test(name) || METRICS.test(name) || [...FORMAT_1_FILES, LEGACY_METRICS].includes(name));
  if (!(Array.isArray(replaced) && replaced.every(isOurs)))
    fail(`replaced is ${describe(replaced)}, expected a list of weights and metrics files`);
  const manifest = checkManifest(json.manifest, fail);
  const training = json.training === undefined ? undefined : checkTraining(json.training, fail);
  const adamEntries = manifest.filter((entry) => entry.name.startsWith(ADAM)).map((entry) => entry.name);
  const moments = training ? adamEntries.length / 2 : 0;
  const expected = ["m", "v"].flatMap((kind) =>
    Array.from({ length: moments }, (_, i) => `${ADAM}${kind}/${i}`),
  );
  if (`${adamEntries}` !== `${expected}`)
    fail(`the manifest's optimizer tensors are [${adamEntries}], expected [${expected}]`);
  const format = json.format as string;
  return {
    format,
    version: version as number,
    weights: weights as string,
    metrics: metrics as string | undefined,
    sha256,
    manifest,
    training,
    replaced: replaced as string[],
    files,
  };
}

/** Checks that `sha256` holds a hex SHA-256 for each of `files`. */
function checkSums(
  value: unknown,
  files: string[],
  fail: (problem: string) => never,
): Record<string, string> {
  if (!isRecord(value)) return fail(`sha256 is ${describe(value)}, expected { file: checksum }`);
  for (const name of files) {
    if (!(typeof value[name] === "string" && /^[0-9a-f]{64}$/.test(value[name] as string)))
      fail(`sha256["${name}"] is ${describe(value[name])}, expected 64 hex digits`);
  }
  return value as Record<string, string>;
}

/** Checks the manifest's structure and that its tensors follow one another without gap or overlap. */
function checkManifest(value: unknown, fail: (problem: string) => never): WeightEntry[] {
  if (!Array.isArray(value))
    return fail(`manifest is ${describe(value)}, expected a list of { name, shape, offset }`);
  const names = new Set<string>();
  let next = 0;
  let previous = "the start of the file";
  for (const [i, entry] of value.entries()) {
    if (!isRecord(entry) || typeof entry.name !== "string" || entry.name === "")
      fail(`manifest entry ${i} is ${describe(entry)}, expected { name, shape, offset }`);
    const { name, shape, offset } = entry as unknown as WeightEntry;
    if (names.has(name)) fail(`the manifest lists ${name} twice`);
    names.add(name);
    if (!(Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0)))
      fail(`${name} has shape ${describe(shape)}, expected a list of non-negative integers`);
    if (!(Number.isInteger(offset) && offset >= 0))
      fail(`${name} has offset ${describe(offset)}, expected a non-negative integer`);
    if (offset < next)
      fail(`${name} starts at value ${offset}, inside ${previous} (which ends at ${next}): they overlap`);
    if (offset > next)
      fail(`${name} starts at value ${offset}, leaving a gap of ${offset - next} values after ${previous}`);
    next = end(entry as unknown as WeightEntry);
    previous = name;
  }
  return value as WeightEntry[];
}

/** Checks the training state's fields. */
function checkTraining(value: unknown, fail: (problem: string) => never): SavedTraining {
  if (!isRecord(value)) return fail(`training is ${describe(value)}, expected an object`);
  const adam = value.adam;
  if (!isRecord(adam)) return fail(`training.adam is ${describe(adam)}, expected an object`);
  const check = (
    object: Record<string, unknown>,
    path: string,
    key: string,
    ok: (v: number) => boolean,
    expected: string,
  ) => {
    const v = object[key];
    if (!(typeof v === "number" && ok(v))) fail(`${path}.${key} is ${describe(v)}, expected ${expected}`);
  };
  const count = (v: number) => Number.isInteger(v) && v >= 0;
  const positive = (v: number) => Number.isInteger(v) && v > 0;
  check(value, "training", "epoch", count, "a non-negative integer");
  check(value, "training", "step", count, "a non-negative integer");
  check(value, "training", "batchSize", positive, "a positive integer");
  check(value, "training", "trainSize", positive, "a positive integer");
  check(value, "training", "seed", Number.isFinite, "a finite number");
  if (value.binarization !== "none" && value.binarization !== "dynamic")
    fail(`training.binarization is ${describe(value.binarization)}, expected "none" or "dynamic"`);
  if (!(Array.isArray(value.history) && value.history.every(isRecord)))
    fail(`training.history is ${describe(value.history)}, expected a list of epoch records`);
  for (const [i, record] of (value.history as Record<string, unknown>[]).entries()) {
    check(record, `training.history[${i}]`, "epoch", positive, "a positive integer");
    check(record, `training.history[${i}]`, "steps", positive, "a positive integer");
  }
  check(
    adam,
    "training.adam",
    "learningRate",
    (v) => Number.isFinite(v) && v > 0,
    "a finite positive number",
  );
  for (const key of ["beta1", "beta2"])
    check(adam, "training.adam", key, (v) => v >= 0 && v < 1, "a number in [0, 1)");
  check(adam, "training.adam", "epsilon", (v) => Number.isFinite(v) && v > 0, "a finite positive number");
  check(adam, "training.adam", "iterations", count, "a non-negative integer");
  for (const key of ["accBeta1", "accBeta2"])
    check(
      adam,
      "training.adam",
      key,
      (v) => v >= 0 && v <= 1 && Math.fround(v) === v,
      "a float32 number in [0, 1]",
    );
  const problem = inconsistency(value as unknown as SavedTraining);
  if (problem) fail(`training contradicts itself: ${problem}. Resume from another copy, or start a new run`);
  return value as unknown as SavedTraining;
}

function readJson(file: string, fail: (problem: string) => never): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON (${(err as Error).message})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value as an error message shows it: JSON, or its type when it has no JSON form. */
function describe(value: unknown): string {
  return value === undefined ? "missing" : (JSON.stringify(value)?.slice(0, 80) ?? typeof value);
}
