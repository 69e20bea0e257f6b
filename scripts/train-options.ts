/**
 * The trainer's options: what each one means and accepts, their defaults (the library's, named
 * once), the checks done before any work starts, and where a run writes.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ACTIVATIONS,
  type BackendName,
  DEFAULT_CONFIG,
  type ModelConfig,
  NOISE_KINDS,
  TRAINING_DEFAULTS,
  checkDataEnvironment,
  checkSaveTarget,
  checkWritableFolder,
  modelConfig,
  readCheckpointConfig,
} from "../src";

/** How an option's text becomes a value; throws the reason when it cannot. */
type Parse = (text: string) => unknown;

const oneOf =
  (...choices: readonly string[]): Parse =>
  (text) => {
    if (!choices.includes(text)) throw `one of ${choices.join(", ")}`;
    return text;
  };
const integer =
  (min: number): Parse =>
  (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < min) throw `an integer >= ${min}`;
    return value;
  };
const real =
  (min: number, strict: boolean): Parse =>
  (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < min || (strict && value === min))
      throw `a finite number ${strict ? ">" : ">="} ${min}`;
    return value;
  };
const widths: Parse = (text) => {
  const values = text === "" ? [] : text.split(",").map(Number);
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw "positive integers separated by commas";
  return values;
};
const path: Parse = (text) => {
  if (text.trim() === "") throw "a path";
  return text;
};

/** One option: its value's form in --help, its default (if any), what its value must be, and its help. */
interface Option {
  arg: string;
  default?: string;
  parse: Parse;
  help: string;
}

const DAE_NOISE = modelConfig({ kind: "dae" }).noise!;

const OPTIONS: Record<string, Option> = {
  model: { arg: "vae|ae|dae", default: "vae", parse: oneOf("vae", "ae", "dae"), help: "model kind" },
  dataset: {
    arg: "mnist|fashion-mnist",
    default: "mnist",
    parse: oneOf("mnist", "fashion-mnist"),
    help: "dataset",
  },
  epochs: {
    arg: "N",
    default: "10",
    parse: integer(0),
    help: "epochs in all; with --resume, default the run's",
  },
  "batch-size": {
    arg: "N",
    default: `${TRAINING_DEFAULTS.batchSize}`,
    parse: integer(1),
    help: "images per batch",
  },
  lr: {
    arg: "X",
    default: `${TRAINING_DEFAULTS.learningRate}`,
    parse: real(0, true),
    help: "Adam learning rate",
  },
  latent: { arg: "N", default: `${DEFAULT_CONFIG.latentDim}`, parse: integer(1), help: "latent dimension" },
  hidden: {
    arg: "N[,N...]",
    default: `${DEFAULT_CONFIG.hidden}`,
    parse: widths,
    help: "dense hidden widths, e.g. 400 or 512,256",
  },
  arch: { arg: "mlp|conv", default: DEFAULT_CONFIG.arch, parse: oneOf("mlp", "conv"), help: "architecture" },
  filters: { arg: "N[,N...]", default: `${DEFAULT_CONFIG.filters}`, parse: widths, help: "conv filters" },
  activation: {
    arg: "NAME",
    default: DEFAULT_CONFIG.activation,
    parse: oneOf(...ACTIVATIONS),
    help: `hidden activation: ${ACTIVATIONS.join(", ")}`,
  },
  likelihood: {
    arg: "bernoulli|gaussian",
    default: DEFAULT_CONFIG.likelihood,
    parse: oneOf("bernoulli", "gaussian"),
    help: "decoder likelihood",
  },
  sigma: { arg: "X", default: `${DEFAULT_CONFIG.sigma}`, parse: real(0, true), help: "Gaussian sigma" },
  noise: {
    arg: "KIND",
    default: DAE_NOISE.kind,
    parse: oneOf(...NOISE_KINDS),
    help: `DAE input noise: ${NOISE_KINDS.join(", ")}`,
  },
  "noise-level": {
    arg: "X",
    default: `${DAE_NOISE.level}`,
    parse: real(0, false),
    help: "DAE noise std or fraction",
  },
  beta: { arg: "X", default: "1", parse: real(0, false), help: "KL weight" },
  "warmup-steps": {
    arg: "N",
    default: "0",
    parse: integer(0),
    help: "linear KL warm-up over N steps; 0: none",
  },
  "free-bits": {
    arg: "X",
    default: "0",
    parse: real(0, false),
    help: "free bits per latent dimension in nats; 0: none",
  },
  binarize: {
    arg: "none|static|dynamic",
    default: "none",
    parse: oneOf("none", "static", "dynamic"),
    help: "binarization of [0, 1] pixels",
  },
  limit: { arg: "N", parse: integer(1), help: "use only the first N training images" },
  "test-limit": { arg: "N", parse: integer(1), help: "use only the first N test images" },
  seed: { arg: "N", default: "1", parse: integer(0), help: "seed of weights, data order and noise" },
  out: {
    arg: "DIR",
    parse: path,
    help: "checkpoint and metrics; default a new runs/<model>-<dataset>[-N], with --resume its DIR",
  },
  resume: { arg: "DIR", parse: path, help: "continue the run saved in DIR, with its settings" },
  backend: {
    arg: "wasm|cpu|tensorflow",
    parse: oneOf("wasm", "cpu", "tensorflow"),
    help: "backend (default: fastest available)",
  },
  "iwae-k": {
    arg: "K",
    default: "0",
    parse: integer(0),
    help: "IWAE estimate of -log p(x) with K samples after training; 0: skip",
  },
  "iwae-n": { arg: "N", parse: integer(1), help: "... on the first N test images (default all)" },
  "log-every": {
    arg: "N",
    default: `${TRAINING_DEFAULTS.logEvery}`,
    parse: integer(0),
    help: "a progress line every N steps; 0: epoch lines only",
  },
};

/** Options without a value. */
const FLAGS: Record<string, string> = {
  "learn-sigma": "learn the Gaussian sigma",
  overwrite: "replace the checkpoint of another run at --out",
  help: "this list",
};

/** Options a resumed run may change: they do not change what is trained (the backend only its last bits). */
const CHANGEABLE_ON_RESUME = [
  "epochs",
  "out",
  "overwrite",
  "resume",
  "backend",
  "iwae-k",
  "iwae-n",
  "log-every",
];

const USAGE_LINES: [string, string][] = [
  ...Object.entries(OPTIONS).map(([name, o]): [string, string] => [
    `--${name} ${o.arg}`,
    `${o.help}${o.default === undefined ? "" : ` (default ${o.default})`}`,
  ]),
  ...Object.entries(FLAGS).map(([name, help]): [string, string] => [`--${name}`, help]),
];
const USAGE_WIDTH = Math.max(...USAGE_LINES.map(([left]) => left.length)) + 2;
export const USAGE = ["Usage: npm run train -- [options]"]
  .concat(USAGE_LINES.map(([left, help]) => `  ${left.padEnd(USAGE_WIDTH)}${help}`))
  .join("\n");

/** The option texts of a run: what was given, the rest from the defaults (or the resumed run). */
export type Texts = Record<string, string | boolean | undefined>;

/** The value of an option, checked; the error names the option and what it must be. */
function value<T>(texts: Texts, name: string): T {
  const text = texts[name];
  if (text === undefined || typeof text === "boolean") return text as T;
  try {
    return OPTIONS[name].parse(text) as T;
  } catch (expected) {
    throw new Error(`--${name} must be ${expected}, got ${JSON.stringify(text)}. See --help.`);
  }
}

/**
 * Refuses options npm kept for itself: `npm run train --epochs=1` (no `--`) gives npm the
 * options, which it passes on as npm_config_epochs=1, and the trainer would run with defaults.
 */
export function refuseNpmConfig(env: NodeJS.ProcessEnv): void {
  const names = [...Object.keys(OPTIONS), ...Object.keys(FLAGS)];
  const taken = names.filter((name) => env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined);
  if (taken.length === 0) return;
  const given = taken.map((name) => `--${name}=${env[`npm_config_${name.replace(/-/g, "_")}`]}`);
  throw new Error(
    `npm took ${given.join(" ")} for itself (options before \`--\` are npm's), so the trainer would run with ` +
      `its defaults instead. Nothing was done. Put \`--\` before the options: npm run train -- ${given.join(" ")}`,
  );
}

/** The options given on the command line (no defaults), or an error naming the one not understood. */
export function givenOptions(argv: string[]): Texts {
  const options = Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: "string" as const }]));
  const flags = Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: "boolean" as const }]));
  try {
    return parseArgs({ args: argv, options: { ...options, ...flags, help: { type: "boolean", short: "h" } } })
      .values;
  } catch (err) {
    throw new Error(`${(err as Error).message}. See --help.`);
  }
}

/** A run being continued: its folder and the epochs it has done. */
export interface Resumed {
  dir: string;
  epoch: number;
}

/**
 * The run's option texts: a new run's from the defaults; a resumed run's from its checkpoint, where
 * only the options that do not change training may differ, and --epochs counts all epochs.
 */
export function runTexts(given: Texts): { texts: Texts; resumed?: Resumed } {
  const defaults = Object.fromEntries(Object.entries(OPTIONS).map(([name, o]) => [name, o.default]));
  if (!given.resume) return { texts: { ...defaults, "learn-sigma": false, ...given } };
  const dir = value<string>(given, "resume");
  const { info, epoch } = readCheckpointConfig(dir);
  const saved = info.run as Texts | undefined;
  if (typeof saved !== "object" || saved === null || epoch === undefined) {
    throw new Error(
      `--resume ${dir}: this checkpoint was not saved by the trainer with its training state, so it cannot be resumed here. ` +
        "Load it in code with loadCheckpoint, or start a new run.",
    );
  }
  for (const name of Object.keys(given)) {
    if (CHANGEABLE_ON_RESUME.includes(name)) continue;
    if (JSON.stringify(value(given, name)) !== JSON.stringify(value(saved, name))) {
      throw new Error(
        `--resume ${dir}: --${name} ${given[name]} differs from the run's ${JSON.stringify(saved[name])}. ` +
          `A resumed run keeps its settings: drop --${name}, or start a new run with another --out.`,
      );
    }
  }
  const epochs = value<number | undefined>(given, "epochs");
  if (epochs !== undefined && epochs < epoch) {
    throw new Error(
      `--resume ${dir}: the run has done ${epoch} epochs, and --epochs counts all epochs, the done ones ` +
        `included: give --epochs ${epoch} or more (--epochs ${epoch + 1} trains one more).`,
    );
  }
  return { texts: { ...saved, ...given }, resumed: { dir, epoch } };
}

/** Everything a run needs, checked before any work starts. */
export function settingsOf(texts: Texts, resumed: Resumed | undefined) {
  const kind = value<"vae" | "ae" | "dae">(texts, "model");
  const dataset = value<"mnist" | "fashion-mnist">(texts, "dataset");
  const config: ModelConfig = modelConfig({
    kind,
    arch: value(texts, "arch"),
    latentDim: value(texts, "latent"),
    hidden: value(texts, "hidden"),
    filters: value(texts, "filters"),
    activation: value(texts, "activation"),
    likelihood: value(texts, "likelihood"),
    sigma: value(texts, "sigma"),
    learnSigma: value(texts, "learn-sigma"),
    noise: kind === "dae" ? { kind: value(texts, "noise"), level: value(texts, "noise-level") } : undefined,
    seed: value(texts, "seed"),
  });
  const settings = {
    kind,
    dataset,
    config,
    epochs: value<number>(texts, "epochs"),
    batchSize: value<number>(texts, "batch-size"),
    learningRate: value<number>(texts, "lr"),
    beta: value<number>(texts, "beta"),
    warmupSteps: value<number>(texts, "warmup-steps"),
    freeBits: value<number>(texts, "free-bits"),
    binarize: value<"none" | "static" | "dynamic">(texts, "binarize"),
    limit: value<number | undefined>(texts, "limit"),
    testLimit: value<number | undefined>(texts, "test-limit"),
    seed: value<number>(texts, "seed"),
    backend: value<BackendName | undefined>(texts, "backend"),
    iwaeK: value<number>(texts, "iwae-k"),
    iwaeN: value<number | undefined>(texts, "iwae-n"),
    logEvery: value<number>(texts, "log-every"),
    ...outFolder(texts, `${kind}-${dataset}`, resumed),
  };
  if (settings.iwaeK > 0 && kind !== "vae") {
    throw new Error(`--iwae-k ${settings.iwaeK}: the IWAE estimate needs a VAE, not --model ${kind}.`);
  }
  checkDataEnvironment();
  return settings;
}

/** The checked settings of a run. */
export type Settings = ReturnType<typeof settingsOf>;

/**
 * Where the run writes, checked: a resumed run's folder (or --out); an explicit --out, which may
 * not hold another run's checkpoint unless --overwrite; else a new folder per run, the first free
 * of runs/<name>, runs/<name>-2, ... `note` says why the default folder was not taken.
 */
function outFolder(texts: Texts, name: string, resumed: Resumed | undefined): { out: string; note?: string } {
  const given = value<string | undefined>(texts, "out");
  let out = given ?? resumed?.dir;
  let note: string | undefined;
  if (!out) {
    const taken = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
    let n = 1;
    for (out = join("runs", name); taken(out); ) out = join("runs", `${name}-${++n}`);
    const first = join("runs", name);
    if (n === 2) note = `${first} holds an earlier run`;
    if (n > 2) note = `${first} to ${first}-${n - 1} hold earlier runs`;
  }
  const current = checkSaveTarget(out);
  if (current && out !== resumed?.dir && !texts.overwrite) {
    const { info, epoch } = readCheckpointConfig(out);
    const what = typeof info.dataset === "string" ? ` of a ${current.config.kind} on ${info.dataset}` : "";
    const after = epoch === undefined ? "" : `, after epoch ${epoch}`;
    throw new Error(
      `--out ${out} holds another run's checkpoint${what}${after}. Nothing was written. Continue that run with ` +
        `--resume ${out}, replace it with --overwrite, or choose another --out.`,
    );
  }
  checkWritableFolder(out, "--out");
  return { out, note };
}

/** The texts a checkpoint keeps, so that `--resume` continues with the same settings, on the backend that ran. */
export function savedTexts(texts: Texts, backend: BackendName): Texts {
  return { ...texts, out: undefined, resume: undefined, overwrite: undefined, backend };
}
