import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32, encodePng } from "../src/figures/png";
import { decodePng } from "./figures-decode";

test("crc32 matches the standard check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

test("encodePng round-trips grey, RGB and RGBA pixels", () => {
  for (const channels of [1, 3, 4] as const) {
    const width = 7,
      height = 5;
    const data = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37 + 11) % 256);
    const png = decodePng(encodePng({ width, height, channels, data }));
    assert.deepEqual(png.chunkTypes, ["IHDR", "IDAT", "IEND"]);
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.equal(png.bitDepth, 8);
    assert.equal(png.channels, channels);
    assert.deepEqual(png.pixels, data);
  }
});

test("encodePng rejects a pixel buffer of the wrong size", () => {
  assert.throws(
    () => encodePng({ width: 3, height: 3, channels: 1, data: new Uint8Array(8) }),
    /expected 9 bytes/,
  );
  assert.throws(
    () => encodePng({ width: 0, height: 3, channels: 1, data: new Uint8Array(0) }),
    /positive integers/,
  );
});
