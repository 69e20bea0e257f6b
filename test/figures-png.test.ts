import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { crc32, decodePng as libraryDecodePng, encodePng, recompressPng } from "../src/figures/png";
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

test("each PNG filter type round-trips grey, RGB and RGBA pixels, smooth and random", () => {
  for (const channels of [1, 3, 4] as const) {
    const width = 9,
      height = 6;
    const smooth = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 3) % 256);
    const random = Uint8Array.from(
      { length: width * height * channels },
      (_, i) => (i * 7919 + 104729) % 251,
    );
    for (const data of [smooth, random]) {
      for (const filter of [0, 1, 2, 3, 4, undefined] as const) {
        const back = libraryDecodePng(encodePng({ width, height, channels, data }, filter));
        assert.deepEqual([back.width, back.height, back.channels], [width, height, channels]);
        assert.deepEqual(back.data, data, `filter ${filter}, ${channels} channel(s)`);
      }
    }
  }
});

test("the filters predict as the PNG specification says (hand-computed scanlines)", () => {
  // Two grey rows [10, 20, 40] and [12, 25, 41]: a = left, b = above, c = above-left.
  const image = { width: 3, height: 2, channels: 1 as const, data: Uint8Array.of(10, 20, 40, 12, 25, 41) };
  const rows = (filter: 0 | 1 | 2 | 3 | 4) => {
    const png = Buffer.from(encodePng(image, filter));
    const idat = png.subarray(8 + 25 + 8, png.length - 12 - 4); // after signature, IHDR and a chunk head
    return Array.from(inflateSync(idat));
  };
  assert.deepEqual(rows(0), [0, 10, 20, 40, 0, 12, 25, 41]);
  assert.deepEqual(rows(1), [1, 10, 10, 20, 1, 12, 13, 16]);
  assert.deepEqual(rows(2), [2, 10, 20, 40, 2, 2, 5, 1]);
  // Average: floor((a + b) / 2); first row b = 0: 10, 20-5, 40-10; second: 12-5, 25-16, 41-32.
  assert.deepEqual(rows(3), [3, 10, 15, 30, 3, 7, 9, 9]);
  // Paeth picks whichever of a, b, c is nearest to a + b - c; first row: a each time.
  // Second row: x0 -> b = 10; x1: p = 12+20-10 = 22 -> b = 20; x2: p = 25+40-20 = 45 -> b = 40.
  assert.deepEqual(rows(4), [4, 10, 10, 20, 4, 2, 5, 1]);
});

test("encodePng picks filters where they help (a smooth image) and never does worse than none", () => {
  const width = 112,
    height = 112;
  const smooth = Uint8Array.from({ length: width * height }, (_, i) => {
    const [x, y] = [i % width, Math.floor(i / width)];
    return Math.round(255 * Math.exp(-((x - 50) ** 2 + (y - 40) ** 2) / 900));
  });
  const image = { width, height, channels: 1 as const, data: smooth };
  assert.ok(encodePng(image).length < 0.8 * encodePng(image, 0).length);
  const stripes = Uint8Array.from({ length: width * height }, (_, i) => (i % 7 < 3 ? 255 : 0));
  const flat = { width, height, channels: 1 as const, data: stripes };
  assert.ok(encodePng(flat).length <= encodePng(flat, 0).length);
});

test("recompressPng keeps every pixel, drops an alpha channel that is opaque everywhere, keeps one that is not", () => {
  const width = 20,
    height = 10;
  const rgba = Uint8Array.from({ length: width * height * 4 }, (_, i) =>
    i % 4 === 3 ? 255 : (i * 13) % 256,
  );
  const smaller = libraryDecodePng(recompressPng(encodePng({ width, height, channels: 4, data: rgba }, 0)));
  assert.equal(smaller.channels, 3);
  assert.deepEqual(
    smaller.data,
    rgba.filter((_, i) => i % 4 !== 3),
  );
  const translucent = rgba.slice();
  translucent[7] = 128;
  const kept = libraryDecodePng(
    recompressPng(encodePng({ width, height, channels: 4, data: translucent }, 0)),
  );
  assert.equal(kept.channels, 4);
  assert.deepEqual(kept.data, translucent);
});

test("decodePng names what it cannot read", () => {
  assert.throws(() => libraryDecodePng(Uint8Array.of(1, 2, 3)), /not a PNG file/);
});
