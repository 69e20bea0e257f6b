/**
 * The speed layer as a whole: it installs only on the tfjs it was written for and says why not
 * otherwise; its switch, VAE_LAB_WASM_FIXES, takes only values it understands; a kernel that was
 * never built is a clear error naming the build command.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { describeBackend, selectBackend } from "../src";
import { findKernel } from "../src/speed/kernel-registry";
import {
  WASM_FIXES_ENV,
  installWasmFixes,
  uninstallWasmFixes,
  wasmFixesInstalled,
} from "../src/speed/wasm-fixes";
import { compileKernels } from "../src/speed/wasm-kernels";
import { registerWasmBackend, wasmThreads } from "../src/speed/wasm-threads";

/** The package's own exports object (an `import * as` binding is a read-only copy). */
const wasmPackage = require("@tensorflow/tfjs-backend-wasm") as { version_wasm: string };

/** Runs `f` with VAE_LAB_WASM_FIXES set to `value` (unset when undefined), then restores it. */
async function withFixesEnv<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const saved = process.env[WASM_FIXES_ENV];
  if (value === undefined) delete process.env[WASM_FIXES_ENV];
  else process.env[WASM_FIXES_ENV] = value;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env[WASM_FIXES_ENV];
    else process.env[WASM_FIXES_ENV] = saved;
  }
}

/** The shipped kernel functions and Adam method, to check that nothing was replaced. */
function shippedParts(): unknown[] {
  return [
    ...[tf.Softplus, tf.Sigmoid, tf.Transpose, tf.Tile, tf.BatchMatMul, tf.Conv2D, tf.FusedConv2D].map(
      (k) => findKernel(k, "wasm")?.kernelFunc,
    ),
    findKernel(tf.Conv2DBackpropFilter, "wasm"),
    tf.AdamOptimizer.prototype.applyGradients,
  ];
}

test("the report says whether the kernel fixes are on", async () => {
  uninstallWasmFixes();
  const on = await withFixesEnv(undefined, () => selectBackend({ backend: "wasm" }));
  assert.deepEqual(on.speed, { installed: true });
  assert.match(describeBackend(on), /Kernel fixes: on\.$/);
  uninstallWasmFixes();
  const off = await withFixesEnv("0", () => selectBackend({ backend: "wasm" }));
  assert.deepEqual(off.speed, { installed: false, reason: "turned off by VAE_LAB_WASM_FIXES=0" });
  assert.match(describeBackend(off), /Kernel fixes: off \(turned off by VAE_LAB_WASM_FIXES=0\)\.$/);
  const cpu = await selectBackend({ backend: "cpu" });
  assert.equal(cpu.speed, undefined);
  installWasmFixes({ force: true });
});

for (const [name, read, write] of [
  [
    "@tensorflow/tfjs-backend-wasm",
    () => wasmPackage.version_wasm,
    (v: string) => (wasmPackage.version_wasm = v),
  ],
  ["@tensorflow/tfjs-core", () => tf.version["tfjs-core"], (v: string) => (tf.version["tfjs-core"] = v)],
] as const) {
  test(`with another ${name} version nothing is installed and no threaded build starts, and the report names the package and both versions`, async () => {
    uninstallWasmFixes();
    const shipped = shippedParts();
    const version = read();
    write("4.23.0");
    try {
      const report = await withFixesEnv(undefined, () => selectBackend({ backend: "wasm" }));
      assert.equal(report.backend, "wasm");
      assert.equal(wasmFixesInstalled(), false);
      assert.equal(installWasmFixes({ force: true }), false);
      assert.deepEqual(shippedParts(), shipped, "a kernel or Adam's method was replaced");
      const message = `${name} is 4.23.0, but vae-lab's wasm kernels were written for 4.22.0`;
      assert.equal(report.speed?.installed, false);
      assert.ok(report.speed?.reason?.startsWith(message), report.speed?.reason);
      assert.ok(describeBackend(report).includes(`Kernel fixes: off (${message}`), describeBackend(report));
      const build = `wasm-threads-${name}`;
      assert.equal(registerWasmBackend(2, build), false);
      assert.equal(tf.findBackendFactory(build), null, "a threaded build was registered");
      assert.equal(wasmThreads(build)?.threads, 1);
      assert.ok(wasmThreads(build)?.fallback?.startsWith(message), wasmThreads(build)?.fallback);
    } finally {
      write(version);
    }
    assert.equal(installWasmFixes({ force: true }), true);
  });
}

test("when a shipped kernel the fixes rely on is gone, nothing is installed and the report says which", async () => {
  uninstallWasmFixes();
  const softplus = findKernel(tf.Softplus, "wasm")!;
  tf.unregisterKernel(tf.Softplus, "wasm");
  try {
    assert.equal(installWasmFixes({ force: true }), false);
    const report = await withFixesEnv(undefined, () => selectBackend({ backend: "wasm" }));
    assert.match(
      describeBackend(report),
      /Kernel fixes: off \(a private part of tfjs they rely on changed: the wasm backend has no Softplus kernel\)/,
    );
  } finally {
    tf.registerKernel(softplus);
  }
  assert.equal(installWasmFixes({ force: true }), true);
});

test("an unknown VAE_LAB_WASM_FIXES value is an error from selectBackend naming the accepted values, not a slow fallback", async () => {
  for (const value of ["maybe", "2", "yes"]) {
    await withFixesEnv(value, async () => {
      await assert.rejects(
        selectBackend(),
        new RegExp(
          `VAE_LAB_WASM_FIXES="${value}" is not understood: set it to 0, false or off \\(fixes off\\) or to 1, true or on`,
        ),
      );
      await assert.rejects(selectBackend({ backend: "wasm" }), /VAE_LAB_WASM_FIXES="/);
    });
  }
  for (const value of ["0", "off", "FALSE", "1", "on", "true", " "]) {
    await withFixesEnv(value, () => selectBackend({ backend: "wasm" }));
  }
  installWasmFixes({ force: true });
});

test("a kernel missing from dist/kernels is an error that says to run npm run build", () => {
  assert.throws(
    () => compileKernels(["no-such-kernel"]),
    /vae-lab's wasm kernel no-such-kernel\.shared\.wasm is missing from .*dist\/kernels: run `npm run build`/,
  );
});
