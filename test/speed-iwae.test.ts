/**
 * The IWAE estimate through the speed layer: at the course's k = 5000, the kernel fixes (products, Tile,
 * Softplus, the sums) give the shipped kernels' estimate to float32 rounding, and the same bits
 * every time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { binarizeStatic, createVae, disposeModel, iwaeNll, selectBackend } from "../src";
import { installWasmFixes, uninstallWasmFixes, wasmFixesState } from "../src/speed/wasm-fixes";
import { syntheticImages } from "./library-fixtures";

/**
 * Each log-weight sums 784 pixels' terms: summed in another order (sixteen running sums) and with
 * a softplus within 3e-7 of float64, it moves by float32 rounding of a sum of ~500 nats.
 */
const TOLERANCE = 2e-6;

test("iwaeNll at k = 5000 with the kernel fixes equals the shipped kernels' estimate to float32 rounding, with the same bits when repeated", async () => {
  const report = await selectBackend({ backend: "wasm" });
  const model = createVae({ seed: 1 }); // the reference MLP 784-400-20
  const set = binarizeStatic(syntheticImages(3, 0, 28, 28), 1);
  const options = { k: 5000, seed: 2 };
  try {
    uninstallWasmFixes();
    const shipped = iwaeNll(model, set, options);
    assert.equal(installWasmFixes({ force: true }), true, `fixes not installed: ${wasmFixesState().reason}`);
    const fixed = iwaeNll(model, set, options);
    assert.equal(iwaeNll(model, set, options), fixed, `repeated on ${report.threads} thread(s)`);
    assert.ok(Number.isFinite(fixed) && fixed > 0, `estimate ${fixed}`);
    assert.ok(
      Math.abs(fixed - shipped) <= TOLERANCE * Math.abs(shipped),
      `fixed ${fixed} vs shipped ${shipped}: ${Math.abs(fixed - shipped) / Math.abs(shipped)} relative`,
    );
  } finally {
    installWasmFixes({ force: true });
    disposeModel(model);
  }
});
