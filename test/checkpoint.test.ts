import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
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
  train,
} from "../src";
import { SMALL as TINY, syntheticImages } from "./library-fixtures";
import { type SaveStep, loadMetrics, saveHooks } from "../src/train/checkpoint";
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

/**
 * Loads `dir` and returns the saved version (info.version), checking the weights are that
 * version's, and so are the metrics when the version has some.
 */
function loadedVersion(dir: string): number {
  const { model, info } = loadCheckpoint(dir);
  const version = info.version as number;
  const metrics = loadMetrics(dir) as { version: number } | undefined;
  if (metrics) assert.equal(metrics.version, version, "the metrics are the weights' version's");
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
    [foreign, /config\.json: format is missing, expected "vae-lab-checkpoint-3".*choose another folder/],
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

/** Starts test/save-child.ts on `dir` and `step`; resolves once what it printed matches `ready`. */
async function startChild(dir: string, step: string, ready: RegExp) {
  const args = ["--import", "tsx", join(ROOT, "test", "save-child.ts"), dir, step];
  const child = spawn(process.execPath, args, { cwd: ROOT });
  let printed = "";
  child.stdout.on("data", (chunk) => (printed += chunk));
  await new Promise<void>((done, failed) => {
    const check: NodeJS.Timeout = setInterval(() => {
      if (ready.test(printed)) (clearInterval(check), done());
    }, 5);
    child.once("exit", () => (clearInterval(check), failed(new Error(`the child exited: ${printed}`))));
  });
  return { child, printed: () => printed };
}

test("a process saving over and over, killed with SIGKILL at random moments, always leaves the last complete version", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = newPath();
  // Seeded delays: a failure names its round, and the same moments can be replayed.
  const delays = new Rng(KILL_SEED);
  for (let round = 0; round < 4; round++) {
    const { child: saver, printed } = await startChild(dir, "loop", /\n.*\n/);
    const delay = 20 + delays.int(200);
    await new Promise((wait) => setTimeout(wait, delay));
    saver.kill("SIGKILL");
    await new Promise((exit) => saver.once("exit", exit));
    const completed = printed().trim().split("\n").map(Number);
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
    /** Records the weights file's checksum as it now is, as a save of these bytes would have. */
    reseal: () => {
      json.sha256[json.weights] = createHash("sha256")
        .update(readFileSync(join(dir, json.weights)))
        .digest("hex");
      writeFileSync(configFile, JSON.stringify(json));
    },
  };
}

test("non-finite weights are refused on loading, naming the tensor; saving a diverged model is refused and keeps the checkpoint there", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { dir, weightsFile, reseal } = savedCheckpoint(model);
  const bytes = readFileSync(weightsFile);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  values[16 * 8 + 3] = NaN; // encoder/1, the first layer's bias, index 3
  writeFileSync(weightsFile, bytes);
  reseal(); // as if saved so, checksum and all (saveCheckpoint itself refuses non-finite weights)
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
      /25 values where the manifest needs \d+: the file was cut short, or it is another model's weights file; its SHA-256 is/,
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
  assert.throws(() => loadWeights(model, dir), /the file was cut short/);
  assert.ok(existsSync(configFile));
  disposeModel(model);
});

test("a save into a folder another running process writes is refused, naming the folder and the process; a dead process's lock is taken over with a line saying so", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const dir = newPath();
  saveCheckpoint(model, dir, { first: true });
  const { child: holder } = await startChild(dir, "hold", /holding/);
  const before = snapshot(dir);
  try {
    assert.throws(
      () => saveCheckpoint(model, dir, { second: true }),
      (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`^Cannot save a checkpoint to ${dir}: another process is writing there`),
        );
        assert.match(
          err.message,
          new RegExp(`process ${holder.pid} \\(node .*save-child\\.ts ${dir} hold\\)`),
        );
        assert.match(
          err.message,
          new RegExp(`stop it \\(kill ${holder.pid}\\), or choose another folder\\. Nothing was written\\.$`),
        );
        return true;
      },
    );
    assert.deepEqual(snapshot(dir), before, "the checkpoint there is untouched");
  } finally {
    holder.kill("SIGKILL");
    await new Promise((exit) => holder.once("exit", exit));
  }
  assert.ok(existsSync(join(dir, "vae-lab.lock")), "SIGKILL left the lock behind");
  const lines: string[] = [];
  saveCheckpoint(model, dir, { third: true }, undefined, { log: (line) => lines.push(line) });
  assert.deepEqual(lines, [
    `${dir}: taking over the lock held by process ${holder.pid} (node test/save-child.ts ${dir} hold), which is no longer running.`,
  ]);
  assert.deepEqual(loadCheckpoint(dir).info, { third: true });
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "weights-2.bin"], "the lock is released");
  disposeModel(model);
});

test("metrics are saved in the same switch as the weights: a folder never pairs one version's weights with another's metrics", async () => {
  await selectBackend({ backend: "cpu" });
  const dir = newPath();
  const [v1, v2] = [1, 2].map(versionModel);
  saveCheckpoint(v1, dir, { version: 1 }, undefined, { metrics: { version: 1 } });
  assert.deepEqual(readdirSync(dir).sort(), ["config.json", "metrics-1.json", "weights-1.bin"]);
  for (const step of STEPS) {
    saveHooks.afterStep = (done) => {
      if (done === step) throw new Error(`interrupted after ${done}`);
    };
    try {
      saveCheckpoint(v2, dir, { version: 2 }, undefined, { metrics: { version: 2 } });
    } catch {
      // interrupted
    } finally {
      saveHooks.afterStep = undefined;
    }
    loadedVersion(dir); // weights and metrics of one version, whichever it is
    saveCheckpoint(v1, dir, { version: 1 }, undefined, { metrics: { version: 1 } });
  }
  // A checkpoint of the earlier format with the trainer's metrics.json beside it: the next save
  // with metrics replaces that file too.
  const json = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ ...json, format: "vae-lab-checkpoint-2", metrics: undefined }),
  );
  rmSync(join(dir, json.metrics));
  writeFileSync(join(dir, "metrics.json"), JSON.stringify({ version: 1 }));
  saveCheckpoint(v2, dir, { version: 2 }, undefined, { metrics: { version: 2 } });
  assert.equal(loadedVersion(dir), 2);
  assert.equal(existsSync(join(dir, "metrics.json")), false, "the earlier version's metrics.json is gone");
  [v1, v2].forEach(disposeModel);
});

test("a flipped bit in the weights file is refused on loading: config.json holds each file's SHA-256", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  const { dir, weightsFile } = savedCheckpoint(model);
  const bytes = readFileSync(weightsFile);
  bytes[43] ^= 0x40; // one bit of the exponent of value 10 (encoder/0): finite, and far off
  writeFileSync(weightsFile, bytes);
  const before = tf.memory().numTensors;
  for (const load of [() => loadCheckpoint(dir), () => loadWeights(model, dir)]) {
    assert.throws(load, (err: Error) => {
      assert.match(
        err.message,
        new RegExp(
          `^${weightsFile}: its SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} that config\\.json recorded`,
        ),
      );
      assert.match(
        err.message,
        /changed after saving.*The checkpoint cannot be trusted: use another copy of it, or retrain\.$/,
      );
      return true;
    });
  }
  assert.equal(tf.memory().numTensors, before, "nothing is left allocated");
  disposeModel(model);
});

test("another model's weights file put in a checkpoint is named as such, not called truncated", async () => {
  await selectBackend({ backend: "cpu" });
  const [small, wide] = [createModel(SMALL), createModel({ ...SMALL, hidden: [12] })];
  const mine = savedCheckpoint(small);
  const theirs = savedCheckpoint(wide);
  writeFileSync(mine.weightsFile, readFileSync(theirs.weightsFile));
  assert.throws(
    () => loadCheckpoint(mine.dir),
    (err: Error) => {
      assert.match(
        err.message,
        /bytes of trailing data after the last tensor \(\d+ values\): something was appended, or it is another model's weights file/,
      );
      assert.match(err.message, /another checkpoint's file put in its place/);
      assert.doesNotMatch(err.message, /truncated/);
      return true;
    },
  );
  [small, wide].forEach(disposeModel);
});

test("a training state that contradicts itself is refused on loading: epoch against history, steps and Adam's updates", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(TINY);
  const dir = newPath();
  const { state, optimizer } = await train(model, syntheticImages(32, 1), {
    epochs: 2,
    batchSize: 16,
    log: () => {},
  });
  optimizer.dispose();
  saveCheckpoint(model, dir, {}, state);
  const configFile = join(dir, "config.json");
  const saved = readFileSync(configFile, "utf8");
  type Training = { epoch: number; step: number; history: unknown[]; adam: { iterations: number } };
  const edits: [(t: Training) => void, RegExp][] = [
    [
      (t) => (t.epoch = 0),
      /training contradicts itself: epoch is 0 but the history holds 2 epochs\. Resume from another copy, or start a new run/,
    ],
    [(t) => (t.history = t.history.slice(0, 1)), /epoch is 2 but the history holds 1 epochs/],
    [(t) => (t.step = 3), /step is 3, but 2 epochs of 2 steps make 4/],
    [(t) => (t.adam.iterations = 7), /Adam made 7 updates in the 4 steps/],
  ];
  for (const [edit, message] of edits) {
    const json = JSON.parse(saved);
    edit(json.training);
    writeFileSync(configFile, JSON.stringify(json));
    assert.throws(
      () => loadCheckpoint(dir),
      (err: Error) => err.message.startsWith(configFile) && message.test(err.message),
    );
  }
  disposeModel(model);
});

test("a full disk during a save names the file, says the checkpoint there is kept as it was, and what to do", async () => {
  await selectBackend({ backend: "cpu" });
  const [v1, v2] = [1, 2].map(versionModel);
  const dir = newPath();
  saveCheckpoint(v1, dir, { version: 1 }, undefined, { metrics: { version: 1 } });
  const before = snapshot(dir);
  const fs = require("node:fs") as typeof import("node:fs");
  const { openSync, writeSync } = fs;
  // What Node raises when the device is full, here for the weights file.
  let weightsFd = -1;
  fs.openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
    if (String(path).endsWith("weights-2.bin")) weightsFd = fd;
    return fd;
  }) as typeof openSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (fd === weightsFd)
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
        code: "ENOSPC",
        syscall: "write",
      });
    return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof writeSync;
  try {
    assert.throws(
      () => saveCheckpoint(v2, dir, { version: 2 }, undefined, { metrics: { version: 2 } }),
      new RegExp(
        `^Error: Cannot save a checkpoint to ${dir}: the disk is full \\(ENOSPC\\) while writing ${join(dir, "weights-2.bin")}\\. ` +
          "The checkpoint that was there \\(version 1\\) is kept as it was, and nothing of this save remains\\. Free some space, or write to another disk\\.$",
      ),
    );
  } finally {
    Object.assign(fs, { openSync, writeSync });
  }
  assert.deepEqual(snapshot(dir), before, "the checkpoint there, byte for byte, and nothing else");
  assert.equal(loadedVersion(dir), 1);
  [v1, v2].forEach(disposeModel);
});

test("many saves add one exit listener to the process, not one per save (no warning on stderr)", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createModel(SMALL);
  for (let i = 0; i < 12; i++) saveCheckpoint(model, newPath());
  const listeners = process.listeners("exit").filter((l) => l.name === "releaseAll");
  assert.equal(listeners.length, 1);
  disposeModel(model);
});
