import { test } from "node:test";
import assert from "node:assert/strict";
import { isQuick, pick, runMode } from "../src";
import { MODE_ENV } from "../src/mode";

test("run mode comes from VAE_LAB_MODE, full by default", () => {
  const saved = process.env[MODE_ENV];
  try {
    delete process.env[MODE_ENV];
    assert.equal(runMode(), "full");
    assert.equal(pick(1, 2), 2);
    process.env[MODE_ENV] = " Quick ";
    assert.equal(isQuick(), true);
    assert.equal(pick(1, 2), 1);
    process.env[MODE_ENV] = "fast";
    assert.throws(() => runMode(), /VAE_LAB_MODE="fast" is not a run mode: set it to "quick" or "full"/);
  } finally {
    if (saved === undefined) delete process.env[MODE_ENV];
    else process.env[MODE_ENV] = saved;
  }
});
