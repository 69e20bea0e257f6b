import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { DataFileError, parseIdx } from "../src/data/idx";
import { idx } from "./data-fixtures";

test("parses plain and gzipped IDX to the same dims and data", () => {
  const bytes = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  for (const input of [bytes, gzipSync(bytes)]) {
    const parsed = parseIdx(input, "x.idx");
    assert.deepEqual(parsed.dims, [2, 2, 3]);
    assert.deepEqual(Array.from(parsed.data), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
  }
});

test("a truncated file names the file and says truncated", () => {
  const bytes = idx([3, 2], [1, 2, 3, 4, 5, 6]).subarray(0, 16);
  assert.throws(
    () => parseIdx(bytes, "/d/train.idx", { fix: "Download it again." }),
    (err: Error) => {
      assert.ok(err instanceof DataFileError);
      assert.match(
        err.message,
        /^\/d\/train\.idx: 4 data bytes where the header's dimensions \[3,2\] need 6 \(truncated\)\. Download it again\.$/,
      );
      return true;
    },
  );
});

test("a gzip stream cut short is reported as truncated, a damaged one as damaged", () => {
  const gz = gzipSync(
    idx(
      [100],
      Array.from({ length: 100 }, (_, i) => i),
    ),
  );
  assert.throws(
    () => parseIdx(gz.subarray(0, gz.length - 30), "f.gz"),
    /^DataFileError: f\.gz: the gzip stream stops after \d+ bytes, before its end .*: the file is truncated/,
  );
  const flipped = Buffer.from(gz);
  flipped[flipped.length - 1] ^= 0x01; // the trailer's length
  assert.throws(
    () => parseIdx(flipped, "f.gz"),
    /^DataFileError: f\.gz: gzip data is damaged \(incorrect length check\): the file is corrupt/,
  );
  assert.throws(
    () => parseIdx(Buffer.concat([gz, Buffer.from([0x1f, 0x8b, 8, 0])]), "f.gz"),
    /4 bytes of trailing data after the end of the gzip stream/,
  );
});

test("wrong magic, type code, and dimensions are errors naming what was expected", () => {
  assert.throws(
    () => parseIdx(Buffer.from([1, 2, 3, 4, 5]), "a"),
    /a: not an IDX file \(magic number 01020304\)/,
  );
  assert.throws(
    () => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), "b"),
    /b: IDX type code 0xd is not unsigned byte/,
  );
  assert.throws(
    () => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), "c", { dims: [2, 2] }),
    /c: dimensions \[2,3\] where \[2,2\] were expected/,
  );
  assert.throws(() => parseIdx(idx([2], [1, 2, 3]), "d"), /3 data bytes .* need 2 \(trailing bytes\)/);
  assert.throws(() => parseIdx(Buffer.from([0, 0]), "e"), /only 2 bytes/);
});

test("undefined expected dims accept any size", () => {
  assert.deepEqual(parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), "c", { dims: [undefined, 3] }).dims, [2, 3]);
});
