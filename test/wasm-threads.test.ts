/**
 * The threaded wasm build: started in Node with the thread count asked for, it trains to the same
 * numbers as the single-threaded build and frees its tensors. Both builds run side by side under
 * their own backend names, with the kernel fixes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng, batches, createOptimizer, createVae, disposeModel, selectBackend, trainStep } from "../src";
import { installWasmFixes } from "../src/speed/wasm-fixes";
import {
  WASM_THREADS_ENV,
  libraryThreads,
  registerWasmBackend,
  wasmThreads,
  wasmThreadsWanted,
} from "../src/speed/wasm-threads";
import { syntheticImages } from "./library-fixtures";

test("VAE_LAB_WASM_THREADS sets the thread count; bad values are clear errors", () => {
  const saved = process.env[WASM_THREADS_ENV];
  try {
    process.env[WASM_THREADS_ENV] = "3";
    assert.equal(wasmThreadsWanted(), 3);
    for (const bad of ["0", "9", "two", "1.5"]) {
      process.env[WASM_THREADS_ENV] = bad;
      assert.throws(
        () => wasmThreadsWanted(),
        /VAE_LAB_WASM_THREADS=".*" is not a thread count: set a whole number from 1 to 8/,
      );
    }
    delete process.env[WASM_THREADS_ENV];
    assert.ok(wasmThreadsWanted() >= 1 && wasmThreadsWanted() <= 4);
  } finally {
    if (saved === undefined) delete process.env[WASM_THREADS_ENV];
    else process.env[WASM_THREADS_ENV] = saved;
  }
  assert.throws(() => registerWasmBackend(0, "wasm-bad"), /takes 1 to 8 threads, got 0/);
});

/** Losses of `steps` training steps of a small seeded VAE on the named backend; checks for leaks. */
async function trainOn(backendName: string, steps: number): Promise<number[]> {
  await tf.setBackend(backendName);
  const before = tf.memory().numTensors;
  const model = createVae({ inputShape: [8, 8, 1], hidden: [24], latentDim: 3, seed: 4 });
  const optimizer = createOptimizer(1e-2);
  const losses: number[] = [];
  for (const { x } of batches(syntheticImages(64, 2, 8, 8), 16, { rng: new Rng(5) })) {
    const eps = tf.randomNormal([x.shape[0], 3], 0, 1, "float32", losses.length + 1) as tf.Tensor2D;
    losses.push(trainStep(model, optimizer, { x, input: x, eps }).loss);
    eps.dispose();
    if (losses.length === steps) break;
  }
  disposeModel(model);
  optimizer.dispose();
  assert.equal(tf.memory().numTensors, before, `${backendName}: training leaked tensors`);
  return losses;
}

test("2 threads train to the same losses as 1 thread, and the report says how many run", async () => {
  await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true }); // the copies below take the fixed kernels
  registerWasmBackend(1, "wasm-1-thread");
  registerWasmBackend(2, "wasm-2-threads");
  const single = await trainOn("wasm-1-thread", 4);
  const threaded = await trainOn("wasm-2-threads", 4);
  assert.deepEqual(wasmThreads("wasm-1-thread"), { threads: 1 });
  assert.deepEqual(wasmThreads("wasm-2-threads"), { threads: 2 });
  assert.ok(single[3] < single[0], `training should lower the loss: ${single}`);
  single.forEach((loss, i) =>
    assert.ok(Math.abs(threaded[i] - loss) <= 1e-6 * Math.abs(loss), `step ${i}: ${threaded[i]} vs ${loss}`),
  );
  // A backend that has started keeps its threads: registering again changes nothing.
  assert.equal(registerWasmBackend(1, "wasm-2-threads"), false);
  await selectBackend({ backend: "wasm" });
});

/** Threads of XNNPACK's pool in the running wasm backend's module. */
function xnnpackThreads(): number {
  return (
    tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }
  ).wasm.tfjs.getThreadsCount();
}

test("with the fixes on, XNNPACK keeps one thread and the library's kernels split over the rest, to the same losses", async () => {
  const report = await selectBackend({ backend: "wasm" });
  installWasmFixes({ force: true });
  if (report.threads! > 1) {
    // selectBackend chose this when wasm started (the fixes are on in tests).
    assert.equal(xnnpackThreads(), 1, "selectBackend's wasm: XNNPACK's threads");
    assert.equal(libraryThreads(tf.backend()), report.threads, "selectBackend's wasm: the library's threads");
  }
  registerWasmBackend(1, "wasm-one");
  registerWasmBackend(2, "wasm-xnnpack-1", 1);
  const single = await trainOn("wasm-one", 4);
  const split = await trainOn("wasm-xnnpack-1", 4);
  assert.equal(xnnpackThreads(), 1);
  assert.equal(libraryThreads(tf.backend()), 2);
  assert.deepEqual(wasmThreads("wasm-xnnpack-1"), { threads: 2 });
  single.forEach((loss, i) =>
    assert.ok(Math.abs(split[i] - loss) <= 1e-6 * Math.abs(loss), `step ${i}: ${split[i]} vs ${loss}`),
  );
  assert.throws(
    () => registerWasmBackend(2, "wasm-bad-pool", 3),
    /XNNPACK takes 1 to 2 of the backend's threads, got 3/,
  );
  await selectBackend({ backend: "wasm" });
});

test("starting a wasm build leaves Node's own reporting of uncaught errors in place", async () => {
  const events = ["uncaughtException", "unhandledRejection"];
  const before = events.map((event) => (process as NodeJS.EventEmitter).listeners(event).length);
  registerWasmBackend(2, "wasm-listeners");
  await tf.setBackend("wasm-listeners");
  assert.deepEqual(
    events.map((event) => (process as NodeJS.EventEmitter).listeners(event).length),
    before,
  );
  await selectBackend({ backend: "wasm" });
});
