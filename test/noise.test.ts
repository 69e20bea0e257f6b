import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  binarize,
  binarizeStatic,
  gaussianNoise,
  maskingNoise,
  mixedNoise,
  NOISE_LEVELS,
  noiseFunction,
  saltAndPepperNoise,
  Rng,
  selectBackend,
} from "../src";
import { syntheticImages } from "./library-fixtures";

/** Fraction of entries where `cond(value, clean)` holds. */
function fraction(
  noisy: Float32Array | Int32Array | Uint8Array,
  clean: ArrayLike<number>,
  cond: (v: number, c: number) => boolean,
): number {
  let hits = 0;
  noisy.forEach((v, i) => (hits += cond(v, clean[i]) ? 1 : 0));
  return hits / noisy.length;
}

test("masking and salt-and-pepper noise corrupt the requested fraction; Gaussian noise stays in [0, 1]", async () => {
  await selectBackend({ backend: "cpu" });
  const half = tf.fill([100, 100], 0.5) as tf.Tensor2D;
  const masked = maskingNoise(0.3)(half, new Rng(1));
  assert.ok(
    Math.abs(fraction(masked.dataSync() as Float32Array, half.dataSync(), (v) => v === 0) - 0.3) < 0.02,
  );
  const sp = saltAndPepperNoise(0.2)(half, new Rng(1)).dataSync() as Float32Array;
  const salt = fraction(sp, half.dataSync(), (v) => v === 1);
  const pepper = fraction(sp, half.dataSync(), (v) => v === 0);
  assert.ok(Math.abs(salt - 0.1) < 0.015 && Math.abs(pepper - 0.1) < 0.015, `salt ${salt}, pepper ${pepper}`);
  const g = gaussianNoise(1)(half, new Rng(1)).dataSync() as Float32Array;
  assert.ok(g.every((v) => v >= 0 && v <= 1));
  assert.ok(
    fraction(g, half.dataSync(), (v) => v === 0 || v === 1) > 0.5,
    "std 1 around 0.5 clips most pixels",
  );
  // Same stream, same noise; another stream, other noise (redrawn every batch in training).
  const again = noiseFunction({ kind: "masking", level: 0.3 })(half, new Rng(1));
  assert.deepEqual(again.dataSync(), masked.dataSync());
  assert.notDeepEqual(maskingNoise(0.3)(half, new Rng(2)).dataSync(), masked.dataSync());
  tf.dispose([half, masked, again]);
});

test("static binarization draws 0/1 pixels once with probability = grey value; dynamic redraws per seed", async () => {
  await selectBackend({ backend: "cpu" });
  const set = syntheticImages(200, 1);
  const a = binarizeStatic(set, 3);
  assert.deepEqual(binarizeStatic(set, 3).pixels, a.pixels);
  assert.ok(a.pixels.every((v) => v === 0 || v === 1));
  const mean = (p: ArrayLike<number>) => Array.from(p).reduce((s, v) => s + v, 0) / p.length;
  assert.ok(Math.abs(mean(a.pixels) - mean(set.pixels)) < 0.02);
  const x = tf.tensor2d(set.pixels, [200, 16]);
  const d1 = binarize(x, new Rng(1));
  const d2 = binarize(x, new Rng(2));
  assert.ok(Math.abs(mean(d1.dataSync()) - mean(set.pixels)) < 0.02);
  assert.notDeepEqual(d1.dataSync(), d2.dataSync());
  tf.dispose([x, d1, d2]);
});

test("mixed noise draws each kind and level of the course per batch, uniformly, and refuses an empty level list", async () => {
  await selectBackend({ backend: "cpu" });
  const noise = mixedNoise({ gaussian: [0.5], masking: [1] });
  const rng = new Rng(3);
  let masked = 0;
  for (let i = 0; i < 400; i++) {
    const out = tf.tidy(() => noise(tf.fill([1, 50], 0.5) as tf.Tensor2D, rng).dataSync());
    if (out.every((v) => v === 0)) masked++; // masking at level 1 clears the whole batch
  }
  assert.ok(Math.abs(masked - 200) < 5 * Math.sqrt(100), `masking drawn ${masked} times of 400`);
  assert.deepEqual(Object.keys(NOISE_LEVELS), ["gaussian", "masking", "salt-and-pepper"]);
  assert.throws(() => mixedNoise({ gaussian: [] }), /at least one level/);
});
