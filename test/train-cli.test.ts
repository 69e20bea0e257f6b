import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const DATA = process.env.VAE_LAB_TEST_DATA_DIR ?? resolve(ROOT, "..", "shared", "data");

function runTrainer(args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "train.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, VAE_LAB_DATA_DIR: DATA },
  });
}

test("the trainer writes a loadable checkpoint and metrics.json with the history", () => {
  const out = join(mkdtempSync(join(tmpdir(), "vae-lab-cli-")), "run");
  const args = [
    "--epochs",
    "2",
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
  const result = runTrainer([...args, "--seed", "3", "--out", out, "--iwae-k", "5", "--log-every", "1"]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /epoch 1\/2 {2}step 2\/2 {2}objective [\d.]+ = recon [\d.]+ \+ kl/);
  assert.match(result.stdout, /test -ELBO [\d.]+ = recon [\d.]+ \+ kl [\d.]+/);
  assert.match(result.stdout, /IWAE estimate of -log p\(x\), k=5, 128 test images/);
  for (const file of ["config.json", "weights.bin", "weights.json", "metrics.json"])
    assert.ok(existsSync(join(out, file)), file);
  const metrics = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
  assert.equal(metrics.history.length, 2);
  assert.equal(metrics.seed, 3);
  assert.equal(metrics.config.latentDim, 4);
  assert.ok(
    metrics.iwae.nll <= metrics.test.loss + 1,
    `IWAE ${metrics.iwae.nll} vs -ELBO ${metrics.test.loss}`,
  );
});

test("the trainer rejects a bad option with a clear message", () => {
  const result = runTrainer(["--model", "gan"]);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /--model must be one of vae, ae, dae, got "gan"/);
});
