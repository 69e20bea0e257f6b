/**
 * Command-line trainer: trains an AE, DAE or VAE on MNIST or Fashion-MNIST, prints progress,
 * and writes a checkpoint plus metrics.json to --out.
 *
 *   npm run train -- --model vae --dataset mnist --epochs 10 --seed 1 --out runs/vae-mlp --iwae-k 100
 *   npm run train -- --resume runs/vae-mlp --epochs 20
 *
 * Every option is checked before any work starts. Ctrl-C once stops after the current epoch (or
 * between batches of the IWAE estimate) and writes what was done; twice quits at once, keeping the
 * last checkpoint. The npm script runs this file with `node --import tsx`, not the `tsx` command,
 * whose wrapper kills its child about 30 ms after relaying a Ctrl-C.
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import {
  type BackendName,
  type EpochRecord,
  EvaluationStopped,
  type Metrics,
  type Model,
  type ModelConfig,
  type TrainingState,
  TrainingError,
  binarizeStatic,
  createModel,
  describeBackend,
  evaluateElbo,
  freeBits,
  iwaeNll,
  linearWarmup,
  loadCheckpoint,
  loadDataset,
  reconstructionErrors,
  saveCheckpoint,
  selectBackend,
  sliceImageSet,
  toImageSet,
  train,
} from "../src";
import { ACTIVATIONS, NOISE_KINDS, modelConfig } from "../src/model/config";
import { checkSaveTarget, readCheckpointConfig } from "../src/train/checkpoint";
import { checkDataEnvironment } from "../src/data/datasets";
import { checkWritableFolder, replaceFile } from "../src/files";

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
  "batch-size": { arg: "N", default: "128", parse: integer(1), help: "images per batch" },
  lr: { arg: "X", default: "1e-3", parse: real(0, true), help: "Adam learning rate" },
  latent: { arg: "N", default: "20", parse: integer(1), help: "latent dimension" },
  hidden: {
    arg: "N[,N...]",
    default: "400",
    parse: widths,
    help: "dense hidden widths, e.g. 400 or 512,256",
  },
  arch: { arg: "mlp|conv", default: "mlp", parse: oneOf("mlp", "conv"), help: "architecture" },
  filters: { arg: "N[,N...]", default: "32,64", parse: widths, help: "conv filters" },
  activation: {
    arg: "NAME",
    default: "relu",
    parse: oneOf(...ACTIVATIONS),
    help: `hidden activation: ${ACTIVATIONS.join(", ")}`,
  },
  likelihood: {
    arg: "bernoulli|gaussian",
    default: "bernoulli",
    parse: oneOf("bernoulli", "gaussian"),
    help: "decoder likelihood",
  },
  sigma: { arg: "X", default: "1", parse: real(0, true), help: "Gaussian sigma" },
  noise: {
    arg: "KIND",
    default: "gaussian",
    parse: oneOf(...NOISE_KINDS),
    help: `DAE input noise: ${NOISE_KINDS.join(", ")}`,
  },
  "noise-level": { arg: "X", default: "0.5", parse: real(0, false), help: "DAE noise std or fraction" },
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
    help: "checkpoint and metrics.json; default runs/<model>-<dataset>, with --resume its DIR",
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
    default: "100",
    parse: integer(0),
    help: "a progress line every N steps; 0: epoch lines only",
  },
};

/** Options a resumed run may change: they do not change what is trained (the backend only its last bits). */
const CHANGEABLE_ON_RESUME = ["epochs", "out", "resume", "backend", "iwae-k", "iwae-n", "log-every"];

const USAGE_LINES: [string, string][] = [
  ...Object.entries(OPTIONS).map(([name, o]): [string, string] => [
    `--${name} ${o.arg}`,
    `${o.help}${o.default === undefined ? "" : ` (default ${o.default})`}`,
  ]),
  ["--learn-sigma", "learn the Gaussian sigma"],
  ["--help", "this list"],
];
const USAGE_WIDTH = Math.max(...USAGE_LINES.map(([left]) => left.length)) + 2;
const USAGE = ["Usage: npm run train -- [options]"]
  .concat(USAGE_LINES.map(([left, help]) => `  ${left.padEnd(USAGE_WIDTH)}${help}`))
  .join("\n");

/** The option texts of a run: what was given, the rest from the defaults (or the resumed run). */
type Texts = Record<string, string | boolean | undefined>;

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

/** The options given on the command line (no defaults), or an error naming the one not understood. */
function givenOptions(argv: string[]): Texts {
  const options = Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: "string" as const }]));
  try {
    return parseArgs({
      args: argv,
      options: { ...options, "learn-sigma": { type: "boolean" }, help: { type: "boolean", short: "h" } },
    }).values;
  } catch (err) {
    throw new Error(`${(err as Error).message}. See --help.`);
  }
}

/**
 * The run's option texts: a new run's from the defaults; a resumed run's from its checkpoint, where
 * only the options that do not change training may differ.
 */
function runTexts(given: Texts): { texts: Texts; resumed?: { dir: string; epoch: number } } {
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
  return { texts: { ...saved, out: dir, ...given }, resumed: { dir, epoch } };
}

/** Everything a run needs, checked before any work starts. */
function settingsOf(texts: Texts) {
  const kind = value<"vae" | "ae" | "dae">(texts, "model");
  const dataset = value<"mnist" | "fashion-mnist">(texts, "dataset");
  const out = value<string | undefined>(texts, "out") ?? join("runs", `${kind}-${dataset}`);
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
    out,
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
  };
  if (settings.iwaeK > 0 && kind !== "vae") {
    throw new Error(`--iwae-k ${settings.iwaeK}: the IWAE estimate needs a VAE, not --model ${kind}.`);
  }
  checkSaveTarget(out);
  checkWritableFolder(out, "--out");
  checkDataEnvironment();
  return settings;
}

/** The texts a checkpoint keeps, so that `--resume` continues with the same settings, on the backend that ran. */
function savedTexts(texts: Texts, backend: BackendName): Texts {
  return { ...texts, out: undefined, resume: undefined, backend };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));
  const given = givenOptions(argv);
  if (given.help) {
    console.log(USAGE);
    return 0;
  }
  const { texts, resumed } = runTexts(given);
  const run = settingsOf(texts);
  const { kind, dataset, out, seed } = run;

  const stop = new AbortController();
  let lastSaved: string | undefined = resumed && `${resumed.dir} (epoch ${resumed.epoch})`;
  process.on("SIGINT", () => {
    if (stop.signal.aborted) {
      console.log(
        `\nQuitting now. ${lastSaved ? `The last checkpoint is ${lastSaved}.` : "Nothing was saved."}`,
      );
      process.exit(130);
    }
    console.log(
      "\nStopping after this epoch, or between batches of the evaluation; Ctrl-C again to quit now.",
    );
    stop.abort();
  });

  const backend = await selectBackend(run.backend ? { backend: run.backend } : {});
  console.log(describeBackend(backend));
  let trainSet = toImageSet(await loadDataset(dataset, "train", { limit: run.limit }));
  let testSet = toImageSet(await loadDataset(dataset, "test", { limit: run.testLimit }));
  if (run.binarize === "static") {
    trainSet = binarizeStatic(trainSet, seed);
    testSet = binarizeStatic(testSet, seed + 1);
  }
  let model: Model;
  let resumeFrom: TrainingState | undefined;
  if (resumed) {
    ({ model, training: resumeFrom } = loadCheckpoint(resumed.dir));
    console.log(`resuming ${resumed.dir} after epoch ${resumed.epoch} of ${run.epochs}`);
  } else model = createModel(run.config);
  console.log(
    `${kind} ${model.config.arch} on ${dataset}: ${trainSet.n} training and ${testSet.n} test images; writing to ${out}`,
  );

  const info = (epoch: number, extra: Record<string, unknown> = {}) => ({
    dataset,
    seed,
    epoch,
    run: savedTexts(texts, backend.backend),
    ...extra,
  });
  let result;
  try {
    result = await train(model, trainSet, {
      epochs: run.epochs,
      batchSize: run.batchSize,
      learningRate: run.learningRate,
      seed,
      testSet,
      beta: run.warmupSteps > 0 ? linearWarmup(run.warmupSteps, run.beta) : run.beta,
      klTerm: run.freeBits > 0 ? freeBits(run.freeBits) : undefined,
      binarization: run.binarize === "dynamic" ? "dynamic" : "none",
      logEvery: run.logEvery,
      signal: stop.signal,
      resumeFrom,
      onEpochEnd: (record, state) => {
        saveCheckpoint(model, out, info(record.epoch), state);
        lastSaved = `${out} (epoch ${record.epoch})`;
      },
    });
  } catch (err) {
    if (err instanceof TrainingError) {
      const kept = lastSaved ? `The last finite checkpoint is ${lastSaved}.` : "Nothing was saved.";
      throw new Error(`${err.message}\n${kept}`);
    }
    throw err;
  }
  const { history, state } = result;
  let stopped = result.stopped;
  if (stopped && history.length === (resumed?.epoch ?? 0)) {
    console.log("Stopped before an epoch finished: nothing was written.");
    return 130;
  }

  const final = await testMetrics(model, testSet, seed, history, stop.signal);
  if (!final) {
    console.log("Stopped during the test evaluation: nothing more was written.");
    return 130;
  }
  const secondsPerEpoch = history.reduce((s, r) => s + r.seconds, 0) / Math.max(1, history.length);
  console.log(
    `test -ELBO ${final.loss.toFixed(2)} = recon ${final.recon.toFixed(2)} + kl ${final.kl.toFixed(2)} nats per image; ${secondsPerEpoch.toFixed(1)} s/epoch on ${backend.backend}`,
  );
  const reconstruction = stopped ? undefined : reconstructionErrors(model, testSet);
  if (reconstruction) {
    console.log(
      `reconstruction: BCE ${reconstruction.bce.toFixed(2)} nats, MSE ${reconstruction.mse.toFixed(5)}, PSNR ${reconstruction.psnr.toFixed(2)} dB`,
    );
  }

  let iwae: { k: number; n: number; of: number; nll: number; seconds: number; stopped?: true } | undefined;
  if (run.iwaeK > 0 && !stopped) {
    const set = run.iwaeN ? sliceImageSet(testSet, 0, run.iwaeN) : testSet;
    const k = run.iwaeK;
    const start = Date.now();
    let lastLog = start;
    console.log(`IWAE estimate of -log p(x), k=${k}, on ${set.n} test images...`);
    const onProgress = (done: number, total: number) => {
      if (Date.now() - lastLog > 10000) {
        console.log(`IWAE k=${k}: ${done}/${total} images`);
        lastLog = Date.now();
      }
    };
    const seconds = () => (Date.now() - start) / 1000;
    try {
      const nll = await iwaeNll(model, set, { k, seed, onProgress, signal: stop.signal });
      iwae = { k, n: set.n, of: set.n, nll, seconds: seconds() };
      console.log(
        `IWAE estimate of -log p(x), k=${k}, ${set.n} test images: ${nll.toFixed(2)} nats (${iwae.seconds.toFixed(0)} s)`,
      );
    } catch (err) {
      if (!(err instanceof EvaluationStopped)) throw err;
      stopped = true;
      if (err.partial !== undefined) {
        iwae = { k, n: err.done, of: set.n, nll: err.partial, seconds: seconds(), stopped: true };
        console.log(
          `IWAE stopped after ${err.done}/${set.n} images: ${err.partial.toFixed(2)} nats on those.`,
        );
      }
    }
  }

  const epoch = state?.epoch ?? history.length;
  saveCheckpoint(model, out, info(epoch, { test: final, iwae }), state);
  const metrics = {
    command: `npm run train -- ${argv.join(" ")}`,
    backend: backend.backend,
    seed,
    config: model.config,
    settings: savedTexts(texts, backend.backend),
    resumedFrom: resumed,
    stopped,
    history,
    test: final,
    reconstruction,
    iwae,
    secondsPerEpoch,
  };
  replaceFile(join(out, "metrics.json"), JSON.stringify(metrics, null, 2));
  console.log(
    `wrote ${resolve(out)}/ (config.json, weights-N.bin, metrics.json)${stopped ? "; stopped early" : ""}`,
  );
  return stopped ? 130 : 0;
}

/**
 * The test -ELBO of the trained model: the last epoch's (the same evaluation), else computed;
 * undefined when Ctrl-C stopped it.
 */
async function testMetrics(
  model: Model,
  testSet: ReturnType<typeof toImageSet>,
  seed: number,
  history: EpochRecord[],
  signal: AbortSignal,
): Promise<Metrics | undefined> {
  const last = history.at(-1)?.test;
  if (last) return last;
  try {
    const metrics = await evaluateElbo(model, testSet, { seed, signal });
    if (![metrics.loss, metrics.recon, metrics.kl].every(Number.isFinite)) {
      throw new Error(`The test -ELBO is not finite (${JSON.stringify(metrics)}): the model has diverged.`);
    }
    return metrics;
  } catch (err) {
    if (err instanceof EvaluationStopped) return undefined;
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? `Error: ${err.message}` : err);
    process.exit(1);
  },
);
