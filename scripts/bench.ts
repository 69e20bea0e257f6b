/**
 * `npm run bench`: how fast the library's own training step runs on every backend available.
 *
 * Prints one table: ms per training step (median, warm-up excluded) and seconds per MNIST epoch
 * (469 steps of 128) for the reference MLP VAE (784-400-20) and the convolutional VAE, on wasm as
 * shipped (single-threaded, kernel fixes off), wasm with the fixes, wasm with the fixes on every
 * core (the library's default; see src/speed/wasm-threads.ts), cpu (a few steps), and tensorflow
 * when @tensorflow/tfjs-node is installed; the fixed/unfixed wasm ratios measured in this run; and
 * inference throughput (images encoded per second). The wasm setups run in alternating rounds so
 * that load from other processes hits them alike; they train identical models on the same batches,
 * so their losses must agree (printed). Last, when a Python with PyTorch is installed, the same step
 * in PyTorch on this machine (scripts/bench-pytorch.py), as the reference to compare with.
 * About 1-3 minutes on 2 cores, depending on load.
 */
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import {
  type Architecture,
  type BackendName,
  type ImageSet,
  type Model,
  batches,
  createOptimizer,
  createVae,
  disposeModel,
  encode,
  installWasmFixes,
  loadDataset,
  randomStream,
  selectBackend,
  toImageSet,
  trainStep,
  uninstallWasmFixes,
} from "../src";
import { registerWasmBackend, wasmThreads, wasmThreadsWanted } from "../src/speed/wasm-threads";

const BATCH = 128;
const STEPS_PER_EPOCH = Math.ceil(60000 / BATCH); // 469
const ENCODE_BATCH = 512;

/** One column of the comparison: a backend, and for wasm whether the fixes are on and how many threads. */
interface Setup {
  label: string;
  backend: BackendName;
  fixes?: boolean;
  threads?: number;
}

/** The threaded wasm build runs under its own backend name, next to the single-threaded "wasm". */
const THREADED_WASM = "wasm-threads";

/**
 * Step counts per model and kind of backend: [warm-up, rounds, steps per round]. The conv VAE is
 * not trained on cpu: one step takes minutes there (its encoding rate is still measured).
 */
const PLAN: Record<Architecture, Record<"fast" | "slow", [number, number, number] | undefined>> = {
  mlp: { fast: [3, 10, 6], slow: [1, 1, 3] },
  conv: { fast: [1, 3, 2], slow: undefined },
};

/** A model training on its own endless stream of batches. */
interface Trainer {
  model: Model;
  optimizer: tf.Optimizer;
  stream: Iterator<{ x: tf.Tensor2D }>;
  step: number;
  losses: number[];
  times: number[];
  /** Why this setup cannot train this model (e.g. a kernel the backend lacks). */
  error?: string;
}

function* endless(set: ImageSet): Generator<{ x: tf.Tensor2D }> {
  for (;;) yield* batches(set, BATCH, { dropLast: true });
}

function newTrainer(arch: Architecture, set: ImageSet): Trainer {
  return {
    model: createVae({ arch, seed: 1 }),
    optimizer: createOptimizer(),
    stream: endless(set),
    step: 0,
    losses: [],
    times: [],
  };
}

/**
 * Runs `n` training steps (next batch + trainStep), recording each step's time unless warming up.
 * A setup that cannot train (wasm as shipped has no Conv2DBackpropFilter) keeps the error instead.
 */
function runSteps(t: Trainer, n: number, record: boolean): void {
  for (let i = 0; i < n && !t.error; i++) {
    try {
      runStep(t, record);
    } catch (err) {
      t.error = `cannot train: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
    }
  }
}

function runStep(t: Trainer, record: boolean): void {
  const start = performance.now();
  const { x } = t.stream.next().value as { x: tf.Tensor2D };
  // Both wasm runs must see the same noise: eps from the same stream, step by step.
  const seed = randomStream(1, "eps", ++t.step).seed();
  const eps = tf.randomNormal([x.shape[0], t.model.config.latentDim], 0, 1, "float32", seed) as tf.Tensor2D;
  const { loss } = trainStep(t.model, t.optimizer, { x, input: x, eps });
  eps.dispose();
  const ms = performance.now() - start;
  t.losses.push(loss);
  if (record) t.times.push(ms);
}

/** Images encoded per second (mu and logVar of batches of 512), median of `runs` after one warm-up. */
function encodeRate(model: Model, set: ImageSet, runs: number): number {
  const x = tf.tensor2d(set.pixels.subarray(0, ENCODE_BATCH * 784), [ENCODE_BATCH, 784]);
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const { mu, logVar } = encode(model, x);
    mu.dataSync();
    tf.dispose([mu, logVar]);
    if (i > 0) times.push(performance.now() - start);
  }
  x.dispose();
  return ENCODE_BATCH / (median(times) / 1000);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Switches backend (and the wasm fixes) for one setup. */
async function use(setup: Setup): Promise<void> {
  if ((setup.threads ?? 1) > 1) {
    await tf.setBackend(THREADED_WASM); // a copy of the fixed kernels, taken when it was registered
    installWasmFixes({ force: true }); // Adam's fused update is a method of tfjs's optimizer, not a kernel
    return;
  }
  await selectBackend({ backend: setup.backend, threads: 1 });
  if (setup.backend !== "wasm") return;
  if (setup.fixes) installWasmFixes({ force: true });
  else uninstallWasmFixes();
}

interface Row {
  arch: Architecture;
  setup: Setup;
  trainer: Trainer;
  encodePerSecond: number;
}

/** Measures every setup for one model; setups sharing a backend run in alternating rounds. */
async function benchModel(arch: Architecture, setups: Setup[], set: ImageSet): Promise<Row[]> {
  const rows: Row[] = [];
  for (const group of groupByBackend(setups)) {
    const plan = PLAN[arch][group[0].backend === "cpu" ? "slow" : "fast"];
    const [warm, rounds, perRound] = plan ?? [0, 0, 0];
    const trainers = new Map<Setup, Trainer>();
    for (const setup of group) {
      await use(setup);
      const trainer = newTrainer(arch, set);
      if (!plan) trainer.error = "not timed: minutes per step on this backend";
      runSteps(trainer, warm, false);
      trainers.set(setup, trainer);
    }
    for (let r = 0; r < rounds; r++) {
      for (const setup of group) {
        await use(setup);
        runSteps(trainers.get(setup)!, perRound, true);
      }
    }
    for (const setup of group) {
      await use(setup);
      const trainer = trainers.get(setup)!;
      rows.push({
        arch,
        setup,
        trainer,
        encodePerSecond: encodeRate(trainer.model, set, setup.backend === "cpu" ? 2 : 5),
      });
      process.stderr.write(
        `  ${arch} ${setup.label}: ${trainer.error ?? `${median(trainer.times).toFixed(1)} ms/step`}\n`,
      );
    }
  }
  return rows;
}

function groupByBackend(setups: Setup[]): Setup[][] {
  const groups = new Map<BackendName, Setup[]>();
  for (const s of setups) groups.set(s.backend, [...(groups.get(s.backend) ?? []), s]);
  return [...groups.values()];
}

/**
 * The setups this machine can run: tensorflow only when tfjs-node starts; threaded wasm with the
 * library's default thread count, when that is more than 1 and the threaded build starts.
 */
async function availableSetups(): Promise<{ setups: Setup[]; notes: string[] }> {
  const setups: Setup[] = [
    { label: "wasm as shipped", backend: "wasm", fixes: false },
    { label: "wasm + fixes", backend: "wasm", fixes: true },
    { label: "cpu", backend: "cpu" },
  ];
  const notes: string[] = [];
  const threads = wasmThreadsWanted();
  if (threads > 1) {
    await selectBackend({ backend: "wasm", threads: 1 }); // the single-threaded build, with the fixes the copy takes
    registerWasmBackend(threads, THREADED_WASM);
    await tf.setBackend(THREADED_WASM);
    const running = wasmThreads(THREADED_WASM);
    if (running?.fallback) notes.push(`wasm on ${threads} threads: not measured: ${running.fallback}`);
    else
      setups.splice(2, 0, {
        label: `wasm + fixes, ${running?.threads} threads`,
        backend: "wasm",
        fixes: true,
        threads: running?.threads,
      });
  }
  try {
    await selectBackend({ backend: "tensorflow" });
    setups.unshift({ label: "tensorflow (tfjs-node)", backend: "tensorflow" });
  } catch (err) {
    // selectBackend's message quotes the reason after "(tensorflow: ".
    const message = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    notes.push(`tensorflow: not measured: ${/\(tensorflow: (.*?)\)\. /.exec(message)?.[1] ?? message}`);
  }
  return { setups, notes };
}

function table(rows: Row[]): string {
  const lines = [
    "| model | backend | ms/step (median) | steps timed | s per MNIST epoch (469 steps) | images encoded/s |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const { arch, setup, trainer, encodePerSecond } of rows) {
    const ms = median(trainer.times);
    const name = arch === "mlp" ? "MLP VAE 784-400-20" : "conv VAE";
    if (trainer.error) {
      lines.push(`| ${name} | ${setup.label} | ${trainer.error} | 0 | - | ${Math.round(encodePerSecond)} |`);
      continue;
    }
    lines.push(
      `| ${name} | ${setup.label} | ${ms.toFixed(1)} | ${trainer.times.length} | ${((ms * STEPS_PER_EPOCH) / 1000).toFixed(1)} | ${Math.round(encodePerSecond)} |`,
    );
  }
  return lines.join("\n");
}

/** Fixed/unfixed wasm ratios and the largest loss difference between the identical runs. */
function comparisons(rows: Row[], arch: Architecture): string[] {
  const shipped = rows.find((r) => r.arch === arch && r.setup.backend === "wasm" && !r.setup.fixes);
  const fixed = rows.filter((r) => r.arch === arch && r.setup.backend === "wasm" && r.setup.fixes);
  if (!shipped || fixed.length === 0) return [`${arch}: wasm not measured`];
  if (shipped.trainer.error)
    return [`${arch}: no fixed/unfixed ratio (wasm as shipped: ${shipped.trainer.error})`];
  return fixed.map((row) => {
    if (row.trainer.error) return `${arch}: no ratio for ${row.setup.label} (${row.trainer.error})`;
    const ratio = median(row.trainer.times) / median(shipped.trainer.times);
    const n = Math.min(shipped.trainer.losses.length, row.trainer.losses.length);
    let worst = 0;
    for (let i = 0; i < n; i++)
      worst = Math.max(
        worst,
        Math.abs(row.trainer.losses[i] - shipped.trainer.losses[i]) / Math.abs(shipped.trainer.losses[i]),
      );
    return `${arch}: ${row.setup.label} / wasm as shipped = ${ratio.toFixed(3)} (${(1 / ratio).toFixed(1)}x faster); losses over ${n} identical steps agree to ${worst.toExponential(1)} relative (last ${row.trainer.losses[n - 1].toFixed(2)} vs ${shipped.trainer.losses[n - 1].toFixed(2)})`;
  });
}

/** Pythons to try for PyTorch, in the set-up script's order. */
const PYTHONS = [process.env.VAE_LAB_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string =>
  Boolean(p),
);

/**
 * PyTorch's median ms per step of the same model on this machine, on 1 and on `threads` threads
 * (the faster is the reference), or why it was not measured.
 */
function pytorchReference(threads: number): { lines: string[]; ms?: number } {
  const script = path.join(__dirname, "bench-pytorch.py");
  const python = PYTHONS.find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);
  if (!python)
    return {
      lines: [
        "pytorch: not measured: no Python with torch (Debian: apt-get install python3-torch libopenblas0-pthread)",
      ],
    };
  const runs = [...new Set([1, threads])].map((n) => {
    const run = spawnSync(python, [script, String(n)], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr.trim().split("\n").pop()}`);
    return JSON.parse(run.stdout) as { torch: string; threads: number; ms: number; steps: number };
  });
  const best = Math.min(...runs.map((r) => r.ms));
  const lines = runs.map(
    (r) =>
      `pytorch ${r.torch} (${python}), same model and batch, torch.set_num_threads(${r.threads}): ${r.ms.toFixed(1)} ms/step (median of ${r.steps})`,
  );
  return { lines, ms: best };
}

async function main(): Promise<void> {
  const started = Date.now();
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const loadAtStart = load();
  const set = toImageSet(await loadDataset("mnist", "train", { limit: 8 * BATCH }));
  const { setups, notes } = await availableSetups();
  const rows: Row[] = [];
  for (const arch of ["mlp", "conv"] as const) rows.push(...(await benchModel(arch, setups, set)));
  for (const row of rows) {
    await use(row.setup);
    disposeModel(row.trainer.model);
    row.trainer.optimizer.dispose();
  }
  await selectBackend({ backend: "wasm" });
  console.log(
    `vae-lab bench: tfjs ${tf.version.tfjs}, Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), batch ${BATCH}`,
  );
  console.log(
    `load average (1/5/15 min) at start ${loadAtStart}, at end ${load()}; wall time ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  console.log(table(rows));
  console.log("");
  for (const arch of ["mlp", "conv"] as const) console.log(comparisons(rows, arch).join("\n"));
  for (const note of notes) console.log(note);
  const pytorch = pytorchReference(wasmThreadsWanted());
  console.log(pytorch.lines.join("\n"));
  if (pytorch.ms !== undefined) {
    for (const row of rows.filter((r) => r.arch === "mlp" && !r.trainer.error && r.setup.backend !== "cpu")) {
      console.log(
        `mlp: ${row.setup.label} / pytorch (fastest) = ${(median(row.trainer.times) / pytorch.ms).toFixed(2)}`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
