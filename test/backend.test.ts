import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { describeBackend, selectBackend } from "../src";
import { BACKEND_ENV } from "../src/backend";

test("without an override the fastest backend that starts runs, and the report says why", async () => {
  delete process.env[BACKEND_ENV];
  const report = await selectBackend();
  assert.equal(tf.getBackend(), report.backend);
  assert.equal(report.attempts.at(-1)?.ok, true);
  // Every backend tried before the one that runs failed, with a reason.
  for (const attempt of report.attempts.slice(0, -1)) {
    assert.equal(attempt.ok, false);
    assert.ok(attempt.error && report.reason.includes(attempt.error));
  }
  assert.match(
    describeBackend(report),
    new RegExp(`^backend: ${report.backend} \\(tfjs 4\\.22\\.0(, \\d+ threads?)?\\)`),
  );
});

test("an argument forces a backend, and wins over the environment", async () => {
  process.env[BACKEND_ENV] = "wasm";
  try {
    const report = await selectBackend({ backend: "cpu" });
    assert.equal(report.backend, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.equal(report.reason, "requested by the caller.");
  } finally {
    delete process.env[BACKEND_ENV];
  }
});

test("the environment variable forces a backend", async () => {
  process.env[BACKEND_ENV] = "WASM";
  try {
    const report = await selectBackend();
    assert.equal(report.backend, "wasm");
    assert.equal(report.reason, "requested by VAE_LAB_BACKEND=wasm.");
    assert.equal(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0], 6);
  } finally {
    delete process.env[BACKEND_ENV];
  }
});

test("unknown backends are clear errors", async () => {
  await assert.rejects(
    selectBackend({ backend: "gpu" as never }),
    /Unknown backend "gpu": use one of tensorflow, wasm, cpu/,
  );
  process.env[BACKEND_ENV] = "webgpu";
  try {
    await assert.rejects(selectBackend(), /VAE_LAB_BACKEND="webgpu" is not a backend/);
  } finally {
    delete process.env[BACKEND_ENV];
  }
});

test("a requested backend that cannot start is an error, not a silent fallback", async (t) => {
  let native = true;
  try {
    native = require("@tensorflow/tfjs-node/package.json").name === "@tensorflow/tfjs-node";
  } catch {
    native = false;
  }
  if (native) return t.skip("@tensorflow/tfjs-node is installed here");
  await assert.rejects(
    selectBackend({ backend: "tensorflow" }),
    /requested backend "tensorflow" could not start \(tensorflow: @tensorflow\/tfjs-node is not installed/,
  );
});
