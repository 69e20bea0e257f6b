/**
 * Command-line trainer: trains an AE, DAE or VAE on MNIST or Fashion-MNIST, prints progress, and
 * after every epoch saves a checkpoint with the run's metrics (metrics-N.json) into its folder.
 *
 *   npm run train -- --model vae --dataset mnist --epochs 10 --seed 1 --out runs/vae-mlp --iwae-k 100
 *   npm run train -- --resume runs/vae-mlp --epochs 20
 *
 * Nothing is lost: every option is checked before any work starts; a new run writes to a new
 * folder (runs/<model>-<dataset>, else -2, -3, ...) and replaces another run's checkpoint only
 * with --overwrite; one process writes a folder at a time (a lock names the one that does).
 * Ctrl-C once, SIGTERM or SIGHUP stops after the current epoch (or between batches of the IWAE
 * estimate) and writes what was done, with the signal; a second quits at once, keeping the last
 * checkpoint. The npm script replaces its shell with this process (`exec node --import tsx`), so
 * npm relays SIGINT and SIGTERM to it and waits for it; the `tsx` command would kill it about
 * 30 ms after relaying a Ctrl-C.
 */
import { resolve } from "node:path";
import {
  type BackendName,
  type EpochRecord,
  EvaluationStopped,
  FolderLockedError,
  type ImageSet,
  type Metrics,
  type Model,
  type ReconstructionErrors,
  type TrainingState,
  TrainingError,
  binarizeStatic,
  createModel,
  describeBackend,
  evaluateElbo,
  fileProblem,
  freeBits,
  iwaeNll,
  linearWarmup,
  loadCheckpoint,
  loadDataset,
  lockFolder,
  reconstructionErrors,
  saveCheckpoint,
  selectBackend,
  sliceImageSet,
  testLossText,
  toImageSet,
  train,
  writeFix,
} from "../src";
import {
  type Resumed,
  type Settings,
  type Texts,
  USAGE,
  givenOptions,
  refuseNpmConfig,
  runTexts,
  savedTexts,
  settingsOf,
} from "./train-options";

async function main(): Promise<number> {
  refuseNpmConfig(process.env);
  const argv = process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--"));
  const given = givenOptions(argv);
  if (given.help) {
    console.log(USAGE);
    return 0;
  }
  const { texts, resumed } = runTexts(given);
  const run = settingsOf(texts, resumed);
  const folder = new RunFolder(run, texts, argv, resumed);
  const stop = stopOnSignals(() => folder.lastSaved);
  lockRunFolder(run.out, resumed);
  const backend = await selectBackend(run.backend ? { backend: run.backend } : {});
  console.log(describeBackend(backend));
  folder.backend = backend.backend;
  const { trainSet, testSet } = await loadData(run);
  const { model, resumeFrom } = startModel(run, resumed);
  const note = run.note ? ` (a new folder: ${run.note})` : "";
  console.log(
    `${run.kind} ${model.config.arch} on ${run.dataset}: ${trainSet.n} training and ${testSet.n} test images; writing to ${run.out}${note}`,
  );

  const history = await trainModel(model, trainSet, testSet, run, folder, stop.signal, resumeFrom);
  const stopped = () => (stop.by() ? { signal: stop.by() } : undefined);
  if (stop.by() && history.length === (resumed?.epoch ?? 0)) {
    console.log("Stopped before an epoch finished: nothing was written.");
    return stop.exitCode();
  }
  const test = await testMetrics(model, testSet, run.seed, history, stop.signal);
  if (!test) {
    console.log("Stopped during the test evaluation: nothing more was written.");
    return stop.exitCode();
  }
  const secondsPerEpoch = history.reduce((s, r) => s + r.seconds, 0) / Math.max(1, history.length);
  console.log(
    `test ${testLossText(test, run.kind)} nats per image; ${secondsPerEpoch.toFixed(1)} s/epoch on ${backend.backend}`,
  );
  const reconstruction = stop.by() ? undefined : reconstructionErrors(model, testSet);
  if (reconstruction) {
    console.log(
      `reconstruction: BCE ${reconstruction.bce.toFixed(2)} nats, MSE ${reconstruction.mse.toFixed(5)}, PSNR ${reconstruction.psnr.toFixed(2)} dB`,
    );
  }
  const iwae = run.iwaeK > 0 && !stop.by() ? await iwaeEstimate(model, testSet, run, stop.signal) : undefined;
  const final = { finished: true, ...stopped(), test, reconstruction, iwae, secondsPerEpoch };
  folder.save(model, folder.state!, { test, iwae }, final);
  console.log(
    `wrote ${resolve(run.out)}/ (config.json, weights-N.bin, metrics-N.json)${stopped() ? "; stopped early" : ""}`,
  );
  return stop.by() ? stop.exitCode() : 0;
}

/** Takes the run folder's lock for the whole run, or says which process writes there. */
function lockRunFolder(out: string, resumed: Resumed | undefined): void {
  const option = resumed?.dir === out ? "--resume" : "--out";
  try {
    lockFolder(out); // released when the process exits
  } catch (err) {
    const why = err instanceof FolderLockedError ? err.message : `${fileProblem(err)}. ${writeFix(err)}`;
    throw new Error(`${option} ${out}: ${why} Nothing was written.`);
  }
}

/** The run's folder: saves the checkpoint with the metrics so far, and knows what it saved last. */
class RunFolder {
  lastSaved?: string;
  backend?: BackendName;
  /** The training state at the end of training (the final save keeps it). */
  state?: TrainingState;

  constructor(
    readonly run: Settings,
    readonly texts: Texts,
    readonly argv: string[],
    readonly resumed: Resumed | undefined,
  ) {
    this.lastSaved = resumed && `${resumed.dir} (epoch ${resumed.epoch})`;
  }

  /** Saves the model, where training stands, `info`, and the metrics: the history so far and `extra`. */
  save(
    model: Model,
    state: TrainingState,
    info: Record<string, unknown>,
    extra: RunEnd | { finished: false },
  ): void {
    const { dataset, seed, out } = this.run;
    const settings = savedTexts(this.texts, this.backend!);
    const metrics = {
      command: `npm run train -- ${this.argv.join(" ")}`,
      backend: this.backend,
      seed,
      config: model.config,
      settings,
      resumedFrom: this.resumed,
      stopped: "signal" in extra,
      ...extra,
      history: state.history,
    };
    saveCheckpoint(model, out, { dataset, seed, epoch: state.epoch, run: settings, ...info }, state, {
      metrics,
    });
    this.lastSaved = `${out} (epoch ${state.epoch})`;
  }
}

/** What the last save of a run adds to its metrics. */
interface RunEnd {
  finished: true;
  signal?: string;
  test: Metrics;
  reconstruction?: ReconstructionErrors;
  iwae?: IwaeResult;
  secondsPerEpoch: number;
}

/** Trains, saving after every epoch; a divergence names the last finite checkpoint. */
async function trainModel(
  model: Model,
  trainSet: ImageSet,
  testSet: ImageSet,
  run: Settings,
  folder: RunFolder,
  signal: AbortSignal,
  resumeFrom: TrainingState | undefined,
): Promise<EpochRecord[]> {
  try {
    const { history, state } = await train(model, trainSet, {
      epochs: run.epochs,
      batchSize: run.batchSize,
      learningRate: run.learningRate,
      seed: run.seed,
      testSet,
      beta: run.warmupSteps > 0 ? linearWarmup(run.warmupSteps, run.beta) : run.beta,
      klTerm: run.freeBits > 0 ? freeBits(run.freeBits) : undefined,
      binarization: run.binarize === "dynamic" ? "dynamic" : "none",
      logEvery: run.logEvery,
      signal,
      resumeFrom,
      onEpochEnd: (_, state) => folder.save(model, state!, {}, { finished: false }),
    });
    folder.state = state;
    return history;
  } catch (err) {
    if (err instanceof TrainingError) {
      const kept = folder.lastSaved
        ? `The last finite checkpoint is ${folder.lastSaved}.`
        : "Nothing was saved.";
      throw new Error(`${err.message}\n${kept}`);
    }
    if (folder.lastSaved && err instanceof Error)
      err.message += `\nTo go on from the last checkpoint, ${folder.lastSaved}: npm run train -- --resume ${run.out}`;
    throw err;
  }
}

/** Exit status per stopping signal: 128 + its number, as a shell reports a process the signal ended. */
const EXIT_STATUS: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
/** npm relays a terminal's Ctrl-C, which the trainer also gets from the terminal: one press, two signals. */
const SAME_SIGNAL_MS = 500;

/** How the run is asked to stop, by whom, and the exit status that reports it. */
interface Stop {
  signal: AbortSignal;
  by(): string | undefined;
  exitCode(): number;
}

/**
 * The first SIGINT (Ctrl-C), SIGTERM or SIGHUP stops the run after the current epoch or between
 * batches of an evaluation, as does, under npm, the end of npm (killed by a signal it does not
 * relay); a second quits at once. `lastSaved` says what is kept.
 */
function stopOnSignals(lastSaved: () => string | undefined): Stop {
  const controller = new AbortController();
  let first: { name: string; at: number } | undefined;
  const onSignal = (name: string, what: string) => {
    if (name === "SIGHUP") ignoreOutputErrors(); // the terminal may be gone
    if (!first) {
      first = { name, at: Date.now() };
      console.log(
        `\n${what}: stopping after this epoch, or between batches of the evaluation; Ctrl-C again to quit now.`,
      );
      controller.abort();
    } else if (Date.now() - first.at > SAME_SIGNAL_MS) {
      const saved = lastSaved();
      console.log(`\nQuitting now. ${saved ? `The last checkpoint is ${saved}.` : "Nothing was saved."}`);
      process.exit(EXIT_STATUS[first.name]);
    }
  };
  process.on("SIGINT", () => onSignal("SIGINT", "Ctrl-C"));
  process.on("SIGTERM", () => onSignal("SIGTERM", "SIGTERM (asked to stop)"));
  process.on("SIGHUP", () => onSignal("SIGHUP", "SIGHUP (the terminal was closed)"));
  if (process.env.npm_lifecycle_event) {
    const npm = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === npm) return;
      clearInterval(watch);
      onSignal("SIGHUP", "npm, which started the trainer, has ended");
    }, 1000);
    watch.unref();
  }
  return {
    signal: controller.signal,
    by: () => first?.name,
    exitCode: () => (first ? EXIT_STATUS[first.name] : 0),
  };
}

/** Writing to a closed terminal fails; the run goes on writing its files. */
function ignoreOutputErrors(): void {
  for (const stream of [process.stdout, process.stderr])
    if (stream.listenerCount("error") === 0) stream.on("error", () => {});
}

async function loadData(run: Settings): Promise<{ trainSet: ImageSet; testSet: ImageSet }> {
  let trainSet = toImageSet(await loadDataset(run.dataset, "train", { limit: run.limit }));
  let testSet = toImageSet(await loadDataset(run.dataset, "test", { limit: run.testLimit }));
  if (run.binarize === "static") {
    trainSet = binarizeStatic(trainSet, run.seed);
    testSet = binarizeStatic(testSet, run.seed + 1);
  }
  return { trainSet, testSet };
}

function startModel(
  run: Settings,
  resumed: Resumed | undefined,
): { model: Model; resumeFrom?: TrainingState } {
  if (!resumed) return { model: createModel(run.config) };
  const { model, training } = loadCheckpoint(resumed.dir);
  console.log(`resuming ${resumed.dir} after epoch ${resumed.epoch} of ${run.epochs}`);
  return { model, resumeFrom: training };
}

/**
 * The test loss of the trained model: the last epoch's (the same evaluation), else computed;
 * undefined when a signal stopped it.
 */
async function testMetrics(
  model: Model,
  testSet: ImageSet,
  seed: number,
  history: EpochRecord[],
  signal: AbortSignal,
): Promise<Metrics | undefined> {
  const last = history.at(-1)?.test;
  if (last) return last;
  try {
    const metrics = await evaluateElbo(model, testSet, { seed, signal });
    if (![metrics.loss, metrics.recon, metrics.kl].every(Number.isFinite)) {
      throw new Error(`The test loss is not finite (${JSON.stringify(metrics)}): the model has diverged.`);
    }
    return metrics;
  } catch (err) {
    if (err instanceof EvaluationStopped) return undefined;
    throw err;
  }
}

/** The IWAE estimate's result; `stopped` when a signal ended it early (then over the first `n` images). */
interface IwaeResult {
  k: number;
  n: number;
  of: number;
  nll: number;
  seconds: number;
  stopped?: true;
}

/** The IWAE estimate of -log p(x) on the test images, with a line every 10 s. */
async function iwaeEstimate(
  model: Model,
  testSet: ImageSet,
  run: Settings,
  signal: AbortSignal,
): Promise<IwaeResult | undefined> {
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
    const nll = await iwaeNll(model, set, { k, seed: run.seed, onProgress, signal });
    console.log(
      `IWAE estimate of -log p(x), k=${k}, ${set.n} test images: ${nll.toFixed(2)} nats (${seconds().toFixed(0)} s)`,
    );
    return { k, n: set.n, of: set.n, nll, seconds: seconds() };
  } catch (err) {
    if (!(err instanceof EvaluationStopped)) throw err;
    if (err.partial === undefined) return undefined;
    console.log(`IWAE stopped after ${err.done}/${set.n} images: ${err.partial.toFixed(2)} nats on those.`);
    return { k, n: err.done, of: set.n, nll: err.partial, seconds: seconds(), stopped: true };
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? `Error: ${err.message}` : err);
    process.exit(1);
  },
);
