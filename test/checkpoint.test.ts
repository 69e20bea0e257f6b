import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Model,
  type ModelConfig,
  Rng,
  createModel,
  disposeModel,
  loadCheckpoint,
  loadWeights,
  reconstruct,
  saveCheckpoint,
  selectBackend,
} from "../src";
import { type SaveStep, saveHooks } from "../src/train/checkpoint";
import { versionModel } from "./save-child";

const ROOT = resolve(__dirname, "..");
const SMALL: Partial<ModelConfig> = { inputShape: [4, 4, 1], latentDim: 3, hidden: [8], seed: 1 };
/** Seeds the moments at which the saving process is killed. */
const KILL_SEED = 27;
const STEPS: SaveStep[] = ["cleaned", "partial written", "weights written", "switched", "replaced deleted"];

function outputs(model: Model): number[] {
  return tf.tidy(() =>
    Array.from(reconstruct(model, tf.linspace(0, 1, 2 * 16).reshape([2, 16]) as tf.Tensor2D).dataSync()),
  );
}

function weightsOf(model: Model): number[][] {
  return [...model.encoder.getWeights(), ...model.decoder.getWeights()].map((w) => Array.from(w.dataSync()));
}

/** A fresh folder path under a new temporary parent. */
function newPath(name = "run"): string {
  return join(mkdtempSync(join(tmpdir(), "vae-lab-ckpt-")), name);
}

/** Every file under `path` with its content, to compare before and after. */
function snapshot(path: string, files: Record<string, string> = {}): Record<string, string> {
  if (statSync(path).isFile()) files[path] = readFileSync(path, "base64");
  else for (const name of readdirSync(path)) snapshot(join(path, name), files);
  return files;
}

/** Loads `dir` and returns the saved version (info.version), checking the weights are that version's. */
function loadedVersion(dir: string): number {
  const { model, info } = loadCheckpoint(dir);
  const version = info.version as number;
  const expected = versionModel(version);
  assert.deepEqual(weightsOf(model), weightsOf(expected), `the weights are version ${version}'s`);
  [model, expected].forEach(disposeModel);
  return version;
}

test("a checkpoint round-trips config, weights and info; saving over it leaves only the new version's files", async () => {
  await selectBackend({ backend: "cpu" });
  const parent = mkdtempSync(join(tmpdir(), "vae-lab-ckpt-"));
  const dir = join(parent, "run");
  const config: Partial<ModelConfig> = { ...SMALL, hidden: [8, 6], likelihood: "gaussian", learnSigma: true };
  const model = createModel({ ...config, sigma: 0.3 });
  const other = createModel({ ...config, seed: 99 });
  saveCheckpoint(other, dir);
  saveCheckpoint(model, dir, { epoch: 4 });
  assert.deepEqual(readdirSync(parent), ["run"], "nothing is written beside the folder");
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "weights-2.bin"]);
  const before = tf.memory().numTensors;
  const { model: loaded, info, training } = loadCheckpoint(dir);
  assert.deepEqual(info, { epoch: 4 });
  assert.equal(training, undefined, "saved without a training state");
  assert.deepEqual(loaded.config, model.config);
  assert.deepEqual(outputs(loaded), outputs(model));
  assert.equal(loaded.logSigma!.dataSync()[0], model.logSigma!.dataSync()[0]);
  disposeModel(loaded);
  assert.equal(tf.memory().numTensors, before, "loading leaks no tensors");
  [model, other].forEach(disposeModel);
});

test("saving into a path that is not a checkpoint is refused and deletes nothing: a file, a folder of other things, a foreign config.json", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const runs = mkdtempSync(join(tmpdir(), "vae-lab-runs-"));
  saveCheckpoint(model, join(runs, "quick", "02_vae_mnist"));
  writeFileSync(join(runs, "notes.txt"), "mine");
  const file = join(runs, "notes.txt");
  const foreign = mkdtempSync(join(tmpdir(), "vae-lab-foreign-"));
  writeFileSync(join(foreign, "config.json"), '{ "theirs": true }');
  const cases: [string, RegExp][] = [
    [runs, /holds 2 entries that are not a vae-lab checkpoint \((notes\.txt, quick|quick, notes\.txt)\)/],
    [ROOT, /holds \d+ entries that are not a vae-lab checkpoint/],
    [file, /it is a file, which saving would replace/],
    [foreign, /config\.json: format is missing, expected "vae-lab-checkpoint-2".*choose another folder/],
  ];
  for (const [path, message] of cases) {
    const before = path === ROOT ? readdirSync(ROOT) : snapshot(path);
    assert.throws(
      () => saveCheckpoint(model, path),
      (err: Error) => {
        assert.match(err.message, new RegExp(`^Cannot save a checkpoint to ${path}: `));
        assert.match(err.message, message);
        assert.match(err.message, /Nothing was written\.$/);
        return true;
      },
    );
    assert.deepEqual(path === ROOT ? readdirSync(ROOT) : snapshot(path), before, `${path} is untouched`);
  }
  disposeModel(model);
});

test("a save interrupted after any step leaves a loadable checkpoint at the path, and the next save removes what it left", async () => {
  await selectBackend({ backend: "cpu" });
  for (const [i, step] of STEPS.entries()) {
    const dir = newPath();
    const [v1, v2, v3] = [1, 2, 3].map(versionModel);
    saveCheckpoint(v1, dir, { version: 1 });
    saveHooks.afterStep = (done) => {
      if (done === step) throw new Error(`interrupted after ${done}`);
    };
    try {
      assert.throws(() => saveCheckpoint(v2, dir, { version: 2 }), /interrupted/);
    } finally {
      saveHooks.afterStep = undefined;
    }
    const switched = i >= STEPS.indexOf("switched");
    assert.equal(loadedVersion(dir), switched ? 2 : 1, `after "${step}"`);
    saveCheckpoint(v3, dir, { version: 3 });
    assert.equal(loadedVersion(dir), 3);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ["config.json", `weights-${switched ? 3 : 2}.bin`],
      `after "${step}"`,
    );
    [v1, v2, v3].forEach(disposeModel);
  }
});

/** Runs test/save-child.ts; resolves with its exit signal and what it printed. */
function child(dir: string, step: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "test", "save-child.ts"), dir, step], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

test("a save killed with SIGKILL after any step, even the first save into a new folder, loses nothing; the next save cleans up", async () => {
  await selectBackend({ backend: "cpu" });
  for (const step of STEPS) {
    const dir = newPath();
    const first = child(dir, step);
    assert.equal(first.signal, "SIGKILL", first.stderr);
    const complete = STEPS.indexOf(step) >= STEPS.indexOf("switched");
    if (complete) assert.equal(loadedVersion(dir), 1);
    else assert.throws(() => loadCheckpoint(dir), /is not a checkpoint: it has no config\.json/);
    const v2 = versionModel(2);
    saveCheckpoint(v2, dir, { version: 2 }); // the next save accepts the folder
    disposeModel(v2);
    assert.equal(loadedVersion(dir), 2);
    const killed = child(dir, step, { VERSION: "3" });
    assert.equal(killed.signal, "SIGKILL");
    assert.equal(loadedVersion(dir), complete ? 3 : 2, `a kill after "${step}" keeps a complete checkpoint`);
    const model = versionModel(4);
    saveCheckpoint(model, dir, { version: 4 });
    disposeModel(model);
    assert.deepEqual(
      readdirSync(dir).length,
      2,
      `only config.json and one weights file: ${readdirSync(dir)}`,
    );
  }
});

test("a process saving over and over, killed with SIGKILL at random moments, always leaves the last complete version", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = newPath();
  // Seeded delays: a failure names its round, and the same moments can be replayed.
  const delays = new Rng(KILL_SEED);
  for (let round = 0; round < 4; round++) {
    const saver = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "test", "save-child.ts"), dir, "loop"],
      {
        cwd: ROOT,
      },
    );
    let printed = "";
    saver.stdout.on("data", (chunk) => (printed += chunk));
    await new Promise<void>((ready, failed) => {
      const check = setInterval(() => {
        if (/\n.*\n/.test(printed)) (clearInterval(check), ready());
      }, 5);
      saver.once("exit", () => (clearInterval(check), failed(new Error(`the saver exited: ${printed}`))));
    });
    const delay = 20 + delays.int(200);
    await new Promise((wait) => setTimeout(wait, delay));
    saver.kill("SIGKILL");
    await new Promise((exit) => saver.once("exit", exit));
    const completed = printed.trim().split("\n").map(Number);
    const version = loadedVersion(dir);
    assert.ok(
      version >= completed[completed.length - 1],
      `round ${round} (killed ${delay} ms after two saves, seed ${KILL_SEED}): version ${version} after ${completed}`,
    );
  }
});

test("a checkpoint of the earlier format (weights.json + weights.bin) loads, and saving over it removes those files", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const dir = newPath();
  mkdirSync(dir);
  const named = [
    ...model.encoder.getWeights().map((w, i) => [`encoder/${i}`, w] as const),
    ...model.decoder.getWeights().map((w, i) => [`decoder/${i}`, w] as const),
  ];
  const weights = named.map(([, w]) => w);
  let offset = 0;
  const manifest = named.map(([name, w]) => {
    const entry = { name, shape: w.shape, offset };
    offset += w.size;
    return entry;
  });
  const values = new Float32Array(offset);
  weights.forEach((w, i) => values.set(w.dataSync(), manifest[i].offset));
  writeFileSync(join(dir, "weights.bin"), new Uint8Array(values.buffer));
  writeFileSync(join(dir, "weights.json"), JSON.stringify(manifest));
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ format: "vae-lab-checkpoint-1", config: model.config, info: { old: true } }),
  );
  writeFileSync(join(dir, "metrics.json"), "{}");
  const { model: loaded, info } = loadCheckpoint(dir);
  assert.deepEqual(info, { old: true });
  assert.deepEqual(outputs(loaded), outputs(model));
  saveCheckpoint(loaded, dir);
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "metrics.json", "weights-1.bin"]);
  [model, loaded].forEach(disposeModel);
});

/** A saved checkpoint's folder, config.json (parsed) and a function to write it back. */
function savedCheckpoint(model: Model) {
  const dir = newPath();
  saveCheckpoint(model, dir);
  const configFile = join(dir, "config.json");
  const json = JSON.parse(readFileSync(configFile, "utf8"));
  return {
    dir,
    json,
    configFile,
    weightsFile: join(dir, json.weights),
    write: () => writeFileSync(configFile, JSON.stringify(json)),
  };
}

test("non-finite weights are refused on loading, naming the tensor; saving a diverged model is refused and keeps the checkpoint there", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { dir, weightsFile } = savedCheckpoint(model);
  const bytes = readFileSync(weightsFile);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  values[16 * 8 + 3] = NaN; // encoder/1, the first layer's bias, index 3
  writeFileSync(weightsFile, bytes);
  const before = tf.memory().numTensors;
  assert.throws(() => loadCheckpoint(dir), /weights-1\.bin: tensor encoder\/1 holds NaN at index 3 of 8/);
  assert.throws(() => loadWeights(model, dir), /tensor encoder\/1 holds NaN/);
  assert.equal(tf.memory().numTensors, before, "nothing is left allocated");

  const good = savedCheckpoint(model);
  const saved = snapshot(good.dir);
  const diverged = createModel(SMALL);
  const [kernel, bias] = diverged.decoder.layers[1].getWeights();
  tf.tidy(() => diverged.decoder.layers[1].setWeights([kernel, tf.fill(bias.shape, Infinity)]));
  assert.throws(
    () => saveCheckpoint(diverged, good.dir),
    /Not saving to .*: tensor decoder\/3 holds Infinity at index 0 of 16\. The model has diverged/,
  );
  assert.deepEqual(snapshot(good.dir), saved);
  [model, diverged].forEach(disposeModel);
});

test("a damaged manifest or weights file is refused saying what is wrong, and nothing is left allocated", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const before = tf.memory().numTensors;
  type Json = { manifest: { name: string; shape: number[]; offset: number }[] };
  const cases: [string, (json: Json, weightsFile: string) => void, RegExp][] = [
    [
      "overlap",
      (j) => (j.manifest[1].offset -= 1),
      /encoder\/1 starts at value 127, inside encoder\/0 \(which ends at 128\): they overlap/,
    ],
    [
      "gap",
      (j) => (j.manifest[1].offset += 2),
      /encoder\/1 starts at value 130, leaving a gap of 2 values after encoder\/0/,
    ],
    [
      "negative offset",
      (j) => (j.manifest[0].offset = -4),
      /encoder\/0 has offset -4, expected a non-negative integer/,
    ],
    [
      "fractional offset",
      (j) => (j.manifest[2].offset = 136.5),
      /encoder\/2 has offset 136\.5, expected a non-negative integer/,
    ],
    [
      "bad shape",
      (j) => (j.manifest[0].shape = [16, -8]),
      /encoder\/0 has shape \[16,-8\], expected a list of non-negative integers/,
    ],
    ["duplicate", (j) => (j.manifest[1].name = "encoder/0"), /the manifest lists encoder\/0 twice/],
    [
      "not a list",
      (j) => ((j as unknown as { manifest: unknown }).manifest = { a: 1 }),
      /manifest is \{"a":1\}, expected a list/,
    ],
    [
      "trailing bytes",
      (_, w) => writeFileSync(w, Buffer.concat([readFileSync(w), Buffer.alloc(8)])),
      /8 bytes of trailing data after the last tensor/,
    ],
    [
      "truncated",
      (_, w) => truncateSync(w, 100),
      /25 values where the manifest needs \d+: the file is truncated/,
    ],
    ["odd size", (_, w) => truncateSync(w, 101), /101 bytes is not a whole number of float32 values/],
  ];
  for (const [name, damage, message] of cases) {
    const saved = savedCheckpoint(model);
    damage(saved.json as Json, saved.weightsFile);
    saved.write();
    assert.throws(() => loadCheckpoint(saved.dir), message, name);
    assert.throws(() => loadWeights(model, saved.dir), message, name);
  }
  assert.equal(tf.memory().numTensors, before, "failed loads leave nothing allocated");
  disposeModel(model);
});

test("malformed config.json or weights.json is an error naming the file and what is wrong", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { dir, configFile } = savedCheckpoint(model);
  const cases: [string, RegExp][] = [
    [
      '{ "format": "vae-lab-checkpoint-2", ',
      /config\.json: not valid JSON \(.*\); it is damaged, or not a vae-lab checkpoint's\./,
    ],
    ["null", /config\.json: expected a JSON object \{ format, config, \.\.\. \}, got null/],
    ['{ "format": "vae-lab-checkpoint-2", "config": null }', /config\.json: config is null/],
    [
      '{ "format": "vae-lab-checkpoint-2", "config": { "latentDim": -2 } }',
      /config\.json: Invalid model config: latentDim must be a positive integer/,
    ],
  ];
  for (const [text, message] of cases) {
    writeFileSync(configFile, text);
    assert.throws(
      () => loadCheckpoint(dir),
      (err: Error) => err.message.startsWith(configFile) && message.test(err.message),
    );
  }
  writeFileSync(configFile, JSON.stringify({ format: "vae-lab-checkpoint-1", config: model.config }));
  writeFileSync(join(dir, "weights.json"), "[{ ");
  assert.throws(
    () => loadCheckpoint(dir),
    new RegExp(`^Error: ${join(dir, "weights.json")}: not valid JSON`),
  );
  writeFileSync(join(dir, "weights.json"), '{ "list": 1 }');
  assert.throws(() => loadCheckpoint(dir), /weights\.json: manifest is \{"list":1\}, expected a list/);
  disposeModel(model);
});

test("loadWeights compares everything that changes the computation (activation, sigma, learnSigma, noise), not the seed", async () => {
  await selectBackend({ backend: "cpu" });
  const before = tf.memory().numTensors;
  const cases: [Partial<ModelConfig>, Partial<ModelConfig>, RegExp][] = [
    [
      { activation: "tanh" },
      { activation: "relu" },
      /activation is "tanh" in the checkpoint but "relu" in the model/,
    ],
    [
      { likelihood: "gaussian", sigma: 0.3 },
      { likelihood: "gaussian", sigma: 1 },
      /sigma is 0\.3 in the checkpoint but 1/,
    ],
    [
      { likelihood: "gaussian", learnSigma: true },
      { likelihood: "gaussian" },
      /learnSigma is true in the checkpoint but false/,
    ],
    [
      { kind: "dae", noise: { kind: "masking", level: 0.2 } },
      { kind: "dae" },
      /noise is \{"kind":"masking","level":0\.2\} in the checkpoint but \{"kind":"gaussian","level":0\.5\}/,
    ],
    [{ latentDim: 5 }, {}, /latentDim is 5 in the checkpoint but 3 in the model/],
  ];
  for (const [saved, other, message] of cases) {
    const model = createModel({ ...SMALL, ...saved });
    const { dir } = savedCheckpoint(model);
    const target = createModel({ ...SMALL, ...other });
    assert.throws(() => loadWeights(target, dir), message);
    [model, target].forEach(disposeModel);
  }
  const model = createModel(SMALL);
  const { dir } = savedCheckpoint(model);
  const reseeded = createModel({ ...SMALL, seed: 42 });
  loadWeights(reseeded, dir);
  assert.deepEqual(
    outputs(reseeded),
    outputs(model),
    "another seed loads: it only fixed the initial weights",
  );
  [model, reseeded].forEach(disposeModel);
  assert.equal(tf.memory().numTensors, before, "failed loads leave nothing allocated");
});

test("a missing folder, a file, a folder without config.json or with a truncated weights file are clear errors", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { dir, weightsFile, configFile } = savedCheckpoint(model);
  assert.throws(() => loadCheckpoint(join(dir, "nope")), /nope is not a checkpoint: it does not exist\./);
  assert.throws(() => loadCheckpoint(configFile), /config\.json is not a checkpoint: it is a file\./);
  assert.throws(
    () => loadCheckpoint(mkdtempSync(join(tmpdir(), "vae-lab-empty-"))),
    /is not a checkpoint: it has no config\.json\. Save one/,
  );
  truncateSync(weightsFile, 100);
  assert.throws(() => loadWeights(model, dir), /the file is truncated/);
  assert.ok(existsSync(configFile));
  disposeModel(model);
});
