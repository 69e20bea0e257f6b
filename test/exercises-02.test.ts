import { test } from "node:test";
import assert from "node:assert/strict";
import { exercise } from "../src";
import { capture } from "./console-capture";

test("exercise 02.1 checks the sigma of an averaged loss on random settings and names the slip", async () => {
  assert.match(await capture(() => exercise("02.1", (D, w) => Math.sqrt((D * w) / 2))), /✓/);
  assert.match(
    await capture(() => exercise("02.1", (_D, w) => Math.sqrt(w / 2))),
    /averages the squared error/,
  );
  assert.match(await capture(() => exercise("02.1", (D, w) => Math.sqrt(D * w))), /divided by 2 sigma²/);
  assert.match(await capture(() => exercise("02.1", (D, w) => (D * w) / 2)), /that is sigma², not sigma/);
});

test("exercise 02.2 accepts a prediction within a factor 2 of the exact ratio and never prints it", async () => {
  assert.match(await capture(() => exercise("02.2", 7800)), /✓/);
  const linear = await capture(() => exercise("02.2", 5 * 360));
  assert.match(linear, /too low: .*E\[f²\]/);
  assert.match(await capture(() => exercise("02.2", 30_000)), /too high/);
  for (const out of [linear, await capture(() => exercise("02.2", 30_000))])
    assert.doesNotMatch(out, /7[0-9]{3}/, "the hint hides the ratio");
});

test("exercise 02.3 runs log C on random logits, 0 included, and says where a formula fails", async () => {
  const right = (l: number) =>
    Math.abs(l) < 1e-4 ? Math.log(2 + (l * l) / 6) : Math.log(l / Math.tanh(l / 2));
  assert.match(await capture(() => exercise("02.3", right)), /✓/);
  const plain = await capture(() => exercise("02.3", (l) => Math.log(l / Math.tanh(l / 2))));
  assert.match(plain, /at logit 0 your function gives NaN/);
  const halfAngle = await capture(() =>
    exercise("02.3", (l) => (l === 0 ? Math.log(2) : Math.log(l / Math.tanh(l)))),
  );
  assert.match(halfAngle, /check the formula away from 0/);
});
