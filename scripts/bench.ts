/**
 * `npm run bench`: how fast the library trains and evaluates, on every backend this machine can
 * start, beside PyTorch on the same machine.
 *
 * Each setup runs in a process of its own (scripts/bench-worker.ts; PyTorch in
 * scripts/bench-pytorch.py): wasm as shipped (one thread, kernel fixes off through
 * VAE_LAB_WASM_FIXES), wasm with the fixes on one thread and on every core (the library's default),
 * cpu (a few steps), tensorflow when @tensorflow/tfjs-node is installed, and PyTorch on 1 thread and
 * on as many as wasm uses, with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so that OpenBLAS picks
 * its kernel for this processor (printed). `--baseline DIR` adds the wasm setups of another checkout
 * (built with `npm run build`, e.g. of the main branch), to compare versions in one session;
 * `--only REGEX` keeps the setups whose label matches, `--rounds N` runs N times the rounds (on a
 * loaded machine). The setups take turns,
 * round by round, so that load from other processes hits them alike.
 *
 * It prints ms per training step (median) for the MLP VAE (784-400-20) and the conv VAE, images
 * encoded per second, the IWAE estimate's images per second at k = 5000, every ratio the README's
 * bench table quotes, and checks that setups training identical models agree.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { parseArgs } from "node:util";

const BATCH = 128;
const STEPS_PER_EPOCH = Math.ceil(60000 / BATCH); // 469
const IWAE_K = 5000;
/** The MLP VAE's layers (784-400-20, the encoder's last layer giving mu and logVar). */
const MLP_LAYERS: [number, number][] = [
  [784, 400],
  [400, 40],
  [20, 400],
  [400, 784],
];
/** Multiply-adds of a batch through the layers `[inputs, outputs]`, as floating-point operations. */
const productFlops = (rows: number, layers: [number, number][]) =>
  layers.reduce((sum, [inputs, outputs]) => sum + 2 * rows * inputs * outputs, 0);
/**
 * A training step's products: forward, each weight's gradient (as many operations again), and each
 * layer's input gradient but the first's.
 */
const STEP_FLOPS = 2 * productFlops(BATCH, MLP_LAYERS) + productFlops(BATCH, MLP_LAYERS.slice(1));
/** An IWAE image's products: the decoder on k codes (the encoder's one row is negligible). */
const IWAE_FLOPS = productFlops(IWAE_K, MLP_LAYERS.slice(2));
const IWAE_TARGET = { images: 1000, seconds: 120 };
const STEP_TARGETS: Record<Arch, number> = { mlp: 1.2, conv: 1.5 };
const OPENBLAS_OVERRIDES = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

type Arch = "mlp" | "conv";
type Kind = "wasm" | "pytorch" | "other";

/** [warm-up steps, rounds, steps per round] per model and speed of setup; undefined: not timed. */
const PLAN: Record<Arch, Record<"fast" | "slow", [number, number, number] | undefined>> = {
  mlp: { fast: [3, 10, 6], slow: [1, 1, 3] },
  conv: { fast: [1, 6, 2], slow: undefined },
};
/** IWAE at k = 5000: warm-up images, rounds, images per round (not on cpu: minutes per image). */
const IWAE_PLAN = { warm: 1, rounds: 3, images: 2 };
/** A pause between turns, so that one setup's idle threads have stopped spinning before the next runs. */
const PAUSE_MS = 100;

const pause = () => new Promise((resolve) => setTimeout(resolve, PAUSE_MS));

/** A process running one setup: requests and answers are JSON lines. */
class Setup {
  readonly times: Record<Arch, number[]> = { mlp: [], conv: [] };
  /** CPU time of each step, all the process's threads together. */
  readonly cpu: Record<Arch, number[]> = { mlp: [], conv: [] };
  readonly losses: Record<Arch, number[]> = { mlp: [], conv: [] };
  readonly errors: Partial<Record<Arch, string>> = {};
  readonly encodeRates: Partial<Record<Arch, number>> = {};
  iwae = { ms: 0, cpu: 0, images: 0, nll: [] as number[] };
  info: Record<string, unknown> = {};
  private readonly answers: ((line: string) => void)[] = [];
  private readonly child: ChildProcess;

  constructor(
    public label: string,
    readonly kind: Kind,
    readonly slow: boolean,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(command, args, { env, stdio: ["pipe", "pipe", "inherit"] });
    readline
      .createInterface({ input: this.child.stdout! })
      .on("line", (line) => this.answers.shift()?.(line));
    this.child.on("exit", (code) => {
      for (const answer of this.answers.splice(0)) answer(JSON.stringify({ exited: code }));
    });
  }

  /** The first line: what the setup runs on. */
  async start(): Promise<void> {
    this.info = await this.next();
    if ("error" in this.info) throw new Error(String(this.info.error));
    if ("exited" in this.info) throw new Error(`the process exited (${this.info.exited})`);
  }

  async request(message: object): Promise<Record<string, unknown>> {
    const answer = this.next();
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
    const result = await answer;
    if ("exited" in result) throw new Error(`${this.label}: the process exited (${result.exited})`);
    return result;
  }

  stop(): void {
    this.child.stdin!.end();
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.answers.push((line) => resolve(JSON.parse(line))));
  }
}

function nodeSetup(label: string, options: object, fixes: boolean, kind: Kind, library?: string): Setup {
  const worker = path.join(__dirname, "bench-worker.ts");
  const args = ["--import", "tsx", worker, JSON.stringify(options), ...(library ? [library] : [])];
  const env = { ...process.env, VAE_LAB_WASM_FIXES: fixes ? "on" : "off" };
  return new Setup(
    label,
    kind,
    (options as { backend: string }).backend === "cpu",
    process.execPath,
    args,
    env,
  );
}

/** Pythons to try for PyTorch, in the set-up script's order. */
function pythonWithTorch(): string | undefined {
  const pythons = [process.env.VAE_LAB_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean) as string[];
  return pythons.find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);
}

function pytorchSetup(python: string, threads: number): Setup {
  const env = { ...process.env };
  for (const name of OPENBLAS_OVERRIDES) delete env[name];
  const script = path.join(__dirname, "bench-pytorch.py");
  return new Setup(
    `PyTorch, ${threads} thread${threads > 1 ? "s" : ""}`,
    "pytorch",
    false,
    python,
    [script, String(threads)],
    env,
  );
}

/** Starts every setup this machine can run; notes say what was left out and why. */
async function startSetups(baseline: string | undefined): Promise<{ setups: Setup[]; notes: string[] }> {
  const notes: string[] = [];
  const candidates = [
    nodeSetup("wasm as shipped", { backend: "wasm", threads: 1 }, false, "wasm"),
    nodeSetup("wasm + fixes", { backend: "wasm", threads: 1 }, true, "wasm"),
    nodeSetup("wasm + fixes, every core", { backend: "wasm" }, true, "wasm"),
    nodeSetup("cpu", { backend: "cpu" }, true, "other"),
    nodeSetup("tensorflow (tfjs-node)", { backend: "tensorflow" }, true, "other"),
  ];
  if (baseline) {
    const library = path.resolve(baseline, "dist");
    candidates.push(
      nodeSetup("before: wasm + fixes", { backend: "wasm", threads: 1 }, true, "wasm", library),
      nodeSetup("before: wasm + fixes, every core", { backend: "wasm" }, true, "wasm", library),
    );
  }
  const started = await Promise.allSettled(candidates.map((s) => s.start()));
  const setups = candidates.filter((s, i) => {
    if (started[i].status === "fulfilled") return true;
    notes.push(`${s.label}: not measured (${(started[i] as PromiseRejectedResult).reason.message})`);
    return false;
  });
  for (const s of setups.filter((s) => s.label.endsWith("every core"))) {
    s.label = s.label.replace("every core", `${s.info.threads} threads`);
    if (s.info.threads === 1) {
      notes.push(`${s.label}: not measured (wasm runs on 1 thread here: ${s.info.describe})`);
      s.stop();
      setups.splice(setups.indexOf(s), 1);
    }
  }
  const threads = Math.max(...setups.map((s) => Number(s.info.threads ?? 1)));
  const python = pythonWithTorch();
  if (!python)
    notes.push(
      "PyTorch: not measured: no Python with torch (Debian: apt-get install python3-torch libopenblas0-pthread)",
    );
  else {
    for (const n of [...new Set([1, threads])]) {
      const s = pytorchSetup(python, n);
      await s.start();
      setups.push(s);
    }
  }
  return { setups, notes };
}

/** Trains each setup's own copy of one model, the setups taking turns round by round (`factor` times the plan's rounds). */
async function benchSteps(arch: Arch, setups: Setup[], factor: number): Promise<void> {
  const timed = setups.filter((s) => PLAN[arch][s.slow ? "slow" : "fast"]);
  for (const s of setups.filter((s) => !timed.includes(s))) s.errors[arch] = "not timed: minutes per step";
  const run = async (s: Setup, n: number, record: boolean) => {
    if (s.errors[arch] || n === 0) return;
    await pause();
    const answer = (await s.request({ do: "steps", n })) as {
      times: number[];
      cpu: number[];
      losses: number[];
      error?: string;
    };
    s.losses[arch].push(...answer.losses);
    if (record) s.times[arch].push(...answer.times);
    if (record) s.cpu[arch].push(...answer.cpu);
    if (answer.error) s.errors[arch] = `cannot train: ${answer.error}`;
  };
  for (const s of timed) {
    await s.request({ do: "model", arch });
    await run(s, PLAN[arch][s.slow ? "slow" : "fast"]![0], false);
  }
  const rounds = Math.max(...timed.map((s) => PLAN[arch][s.slow ? "slow" : "fast"]![1] * factor));
  for (let r = 0; r < rounds; r++) {
    for (const s of timed) {
      const [, sRounds, perRound] = PLAN[arch][s.slow ? "slow" : "fast"]!;
      if (r < sRounds * factor) await run(s, perRound, true);
    }
  }
  for (const s of setups.filter((s) => s.kind !== "pytorch")) {
    if (!timed.includes(s)) await s.request({ do: "model", arch });
    s.encodeRates[arch] = (await s.request({ do: "encode", runs: s.slow ? 2 : 5 })).perSecond as number;
  }
}

/** The IWAE estimate at k = 5000 of the MLP VAE, the setups taking turns on the same test images. */
async function benchIwae(setups: Setup[], factor: number): Promise<void> {
  const timed = setups.filter((s) => !s.slow);
  for (const s of timed) await s.request({ do: "model", arch: "mlp" });
  let from = 0;
  const images = (n: number, record: boolean) =>
    Promise.resolve().then(async () => {
      for (const s of timed) {
        await pause();
        const answer = await s.request({ do: "iwae", from, images: n, k: IWAE_K });
        if (!record) continue;
        s.iwae.ms += answer.ms as number;
        s.iwae.cpu += answer.cpu as number;
        s.iwae.images += n;
        if (answer.nll !== undefined) s.iwae.nll.push(answer.nll as number);
      }
      from += n;
    });
  await images(IWAE_PLAN.warm, false);
  for (let r = 0; r < IWAE_PLAN.rounds * factor; r++) await images(IWAE_PLAN.images, true);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The time below which a tenth of the steps ran: what a step costs when other load leaves it alone. */
function fastestTenth(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 10)];
}

const MODEL_NAMES: Record<Arch, string> = { mlp: "MLP VAE 784-400-20", conv: "conv VAE (32-64 filters)" };

function stepTable(setups: Setup[]): string[] {
  const lines = [
    "| model | setup | ms/step (median) | ms/step (10th percentile) | CPU ms/step (median, all threads) | steps timed | s per MNIST epoch (469 steps) | images encoded/s |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const arch of ["mlp", "conv"] as const) {
    for (const s of setups) {
      const encode = s.encodeRates[arch] === undefined ? "-" : Math.round(s.encodeRates[arch]!);
      const ms = median(s.times[arch]);
      const cells = s.errors[arch]
        ? [s.errors[arch], "-", "-", s.times[arch].length, "-"]
        : [
            ms.toFixed(1),
            fastestTenth(s.times[arch]).toFixed(1),
            median(s.cpu[arch]).toFixed(1),
            s.times[arch].length,
            ((ms * STEPS_PER_EPOCH) / 1000).toFixed(1),
          ];
      lines.push(`| ${MODEL_NAMES[arch]} | ${s.label} | ${cells.join(" | ")} | ${encode} |`);
    }
  }
  return lines;
}

function iwaeTable(setups: Setup[]): string[] {
  const lines = [
    `| IWAE, k = ${IWAE_K}, MLP VAE | images/s | CPU ms per image (all threads) | images timed | ${IWAE_TARGET.images} images would take (s) |`,
    "| --- | ---: | ---: | ---: | ---: |",
  ];
  for (const s of setups.filter((s) => s.iwae.images > 0)) {
    const perSecond = s.iwae.images / (s.iwae.ms / 1000);
    const cpu = s.iwae.cpu / s.iwae.images;
    lines.push(
      `| ${s.label} | ${perSecond.toFixed(2)} | ${cpu.toFixed(0)} | ${s.iwae.images} | ${(IWAE_TARGET.images / perSecond).toFixed(0)} |`,
    );
  }
  return lines;
}

/** Largest relative difference between two runs' numbers, over the steps both ran. */
function agreement(a: number[], b: number[]): { worst: number; n: number } {
  const n = Math.min(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return { worst, n };
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}`;

/** Each fixed wasm setup against wasm as shipped: time ratio, and whether the identical runs agree. */
function fixesLines(arch: Arch, setups: Setup[]): string[] {
  const shipped = setups.find((s) => s.label === "wasm as shipped");
  if (!shipped) return [];
  if (shipped.errors[arch]) return [`${arch}: wasm as shipped ${shipped.errors[arch]}: no ratio`];
  return setups
    .filter((s) => s.kind === "wasm" && s !== shipped && !s.errors[arch])
    .map((s) => {
      const { worst, n } = agreement(s.losses[arch], shipped.losses[arch]);
      const r = ratio(median(s.times[arch]), median(shipped.times[arch]));
      return `${arch}: ${s.label} / wasm as shipped = ${r}; losses over ${n} identical steps agree to ${worst.toExponential(1)} relative`;
    });
}

/** The library's default (wasm + fixes on every core, else one thread) against PyTorch at its best. */
function pytorchLines(arch: Arch, setups: Setup[]): string[] {
  const pytorch = setups.filter((s) => s.kind === "pytorch" && !s.errors[arch] && s.times[arch].length > 0);
  if (pytorch.length === 0) return [];
  const best = Math.min(...pytorch.map((s) => median(s.times[arch])));
  const lines = setups
    .filter((s) => s.kind !== "pytorch" && !s.errors[arch])
    .map((s) => {
      const each = pytorch.map((p) => `${ratio(median(s.times[arch]), median(p.times[arch]))} of ${p.label}`);
      return `${arch}: ${s.label} / PyTorch's best = ${ratio(median(s.times[arch]), best)} (${each.join(", ")})`;
    });
  const library = defaultSetup(setups, arch);
  if (library) {
    const r = median(library.times[arch]) / best;
    const tenth =
      fastestTenth(library.times[arch]) / Math.min(...pytorch.map((p) => fastestTenth(p.times[arch])));
    lines.push(
      `${arch}: the library's default (${library.label}) takes ${r.toFixed(2)}x PyTorch's best step (medians; 10th percentiles: ${tenth.toFixed(2)}x): target at most ${STEP_TARGETS[arch]}x: ${r <= STEP_TARGETS[arch] ? "met" : "not met"}`,
    );
  }
  const single = setups.find((s) => s.label === "wasm + fixes" && !s.errors[arch]);
  const pytorch1 = pytorch.find((p) => p.info.threads === 1);
  if (single && pytorch1)
    lines.push(
      `${arch}: on one thread, CPU time per step: ${single.label} / ${pytorch1.label} = ${ratio(median(single.cpu[arch]), median(pytorch1.cpu[arch]))}`,
    );
  return lines;
}

/** What selectBackend() runs by default: this version's fixed wasm on the most threads. */
function defaultSetup(setups: Setup[], arch: Arch): Setup | undefined {
  const fixed = setups.filter(
    (s) => s.kind === "wasm" && s.label.startsWith("wasm + fixes") && !s.errors[arch],
  );
  return fixed.sort((a, b) => Number(b.info.threads) - Number(a.info.threads))[0];
}

/** This version against the baseline checkout, setup by setup. */
function baselineLines(setups: Setup[]): string[] {
  const lines: string[] = [];
  for (const before of setups.filter((s) => s.label.startsWith("before: "))) {
    const after = setups.find((s) => s.label === before.label.slice("before: ".length));
    if (!after) continue;
    for (const arch of ["mlp", "conv"] as const) {
      if (after.errors[arch] || before.errors[arch]) continue;
      const r = median(after.times[arch]) / median(before.times[arch]);
      const cpu = median(after.cpu[arch]) / median(before.cpu[arch]);
      lines.push(
        `${arch}: ${after.label}: this version / before = ${r.toFixed(3)} (${median(after.times[arch]).toFixed(1)} vs ${median(before.times[arch]).toFixed(1)} ms); CPU time ${cpu.toFixed(3)}`,
      );
    }
    const rate = (s: Setup) => s.iwae.images / s.iwae.ms;
    if (after.iwae.images && before.iwae.images)
      lines.push(
        `iwae: ${after.label}: this version's images/s / before = ${ratio(rate(after), rate(before))}; CPU time per image ${ratio(after.iwae.cpu / after.iwae.images, before.iwae.cpu / before.iwae.images)}`,
      );
  }
  return lines;
}

/** IWAE throughput of the default setup against PyTorch's best, the target, and agreement of the estimates. */
function iwaeLines(setups: Setup[]): string[] {
  const rate = (s: Setup) => s.iwae.images / (s.iwae.ms / 1000);
  const lines: string[] = [];
  const library = defaultSetup(setups, "mlp");
  const pytorch = setups.filter((s) => s.kind === "pytorch" && s.iwae.images > 0);
  if (library && library.iwae.images > 0) {
    const seconds = IWAE_TARGET.images / rate(library);
    lines.push(
      `iwae: the library's default (${library.label}) would take ${seconds.toFixed(0)} s for k = ${IWAE_K} on ${IWAE_TARGET.images} images: target at most ${IWAE_TARGET.seconds} s: ${seconds <= IWAE_TARGET.seconds ? "met" : "not met"}`,
    );
    if (pytorch.length > 0) {
      const best = Math.max(...pytorch.map(rate));
      lines.push(
        `iwae: PyTorch's best images/s / the library's default = ${(best / rate(library)).toFixed(2)}`,
      );
    }
    if (!library.errors.mlp) {
      const gflops = (flops: number, ms: number) => (flops / ms / 1e6).toFixed(1);
      lines.push(
        `iwae: the library's default runs the products at ${gflops(IWAE_FLOPS, library.iwae.ms / library.iwae.images)} GFLOP/s in the IWAE estimate (${(IWAE_FLOPS / 1e9).toFixed(2)} GFLOP per image), and a training step's at ${gflops(STEP_FLOPS, median(library.times.mlp))} GFLOP/s (${(STEP_FLOPS / 1e9).toFixed(2)} GFLOP per step), counting the whole time`,
      );
    }
  }
  const ours = setups.filter((s) => s.kind === "wasm" && s.iwae.nll.length > 0);
  for (const s of ours.slice(1)) {
    const { worst, n } = agreement(s.iwae.nll, ours[0].iwae.nll);
    lines.push(
      `iwae: ${s.label} and ${ours[0].label} agree to ${worst.toExponential(1)} relative over ${n} rounds of the same images and draws`,
    );
  }
  return lines;
}

function header(setups: Setup[], loadAtStart: string, started: number): string[] {
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const lines = [
    `vae-lab bench: Node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), batch ${BATCH}`,
    `load average (1/5/15 min) at start ${loadAtStart}, at end ${load()}; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ];
  for (const s of setups.filter((s) => s.kind !== "pytorch")) lines.push(`${s.label}: ${s.info.describe}`);
  const pytorch = setups.find((s) => s.kind === "pytorch");
  if (pytorch) {
    const machine = OPENBLAS_OVERRIDES.map((v) => `${v}=${process.env[v] ?? "(unset)"}`).join(", ");
    lines.push(
      `PyTorch ${pytorch.info.torch}: OpenBLAS kernel ${pytorch.info.openblas}; this machine's ${machine}, unset for PyTorch's runs only`,
    );
  }
  return lines;
}

/** Command-line options: `--baseline DIR`, `--only REGEX` (setups whose label matches), `--rounds N` (N times the rounds). */
function options(): { baseline?: string; only: RegExp; rounds: number } {
  const { values } = parseArgs({
    options: { baseline: { type: "string" }, only: { type: "string" }, rounds: { type: "string" } },
  });
  const rounds = Number(values.rounds ?? 1);
  if (!(Number.isInteger(rounds) && rounds >= 1))
    throw new Error(`--rounds must be a whole number >= 1 (times the usual rounds), got ${values.rounds}.`);
  return { baseline: values.baseline, only: new RegExp(values.only ?? ""), rounds };
}

async function main(): Promise<void> {
  const { baseline, only, rounds } = options();
  const started = Date.now();
  const loadAtStart = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  const { setups: all, notes } = await startSetups(baseline);
  for (const s of all.filter((s) => !only.test(s.label))) s.stop();
  const setups = all.filter((s) => only.test(s.label));
  try {
    for (const arch of ["mlp", "conv"] as const) {
      await benchSteps(arch, setups, rounds);
      process.stderr.write(`  ${arch} timed\n`);
    }
    await benchIwae(setups, rounds);
  } finally {
    for (const s of setups) s.stop();
  }
  const out = [
    ...header(setups, loadAtStart, started),
    "",
    ...stepTable(setups),
    "",
    ...iwaeTable(setups),
    "",
    ...(["mlp", "conv"] as const).flatMap((arch) => [
      ...fixesLines(arch, setups),
      ...pytorchLines(arch, setups),
    ]),
    ...iwaeLines(setups),
    ...baselineLines(setups),
    ...notes,
  ];
  console.log(out.join("\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
