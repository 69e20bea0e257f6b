/**
 * The IDX file format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero bytes, a type
 * code, the number of dimensions), one big-endian uint32 per dimension, then the data row-major.
 */
import { gunzipSync, inflateRawSync } from "node:zlib";
import { readFileSync } from "node:fs";

/** A parsed IDX array of unsigned bytes. */
export interface IdxArray {
  /** Sizes of the dimensions, e.g. [60000, 28, 28]. */
  dims: number[];
  data: Uint8Array;
  /** The whole decompressed file, header included (what checksums of the content are over). */
  file: Uint8Array;
}

/** What the caller expects of a file; a mismatch is an error naming the file. */
export interface IdxExpectation {
  /** Expected sizes; `undefined` entries accept any size. */
  dims?: (number | undefined)[];
  /** Appended to every error: how to get a good copy of this file. */
  fix?: string;
}

/** A data file that is missing, truncated, damaged or not the official one. The message names the file and the fix. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
    this.name = "DataFileError";
  }
}

const UBYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b];

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Parses IDX bytes (gzipped or not). `file` is only used in error messages.
 * Only the unsigned-byte type is accepted: it is the one MNIST-style datasets use.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpectation = {}): IdxArray {
  const fix = expect.fix ?? "Replace it with the official file.";
  const fail = (problem: string): never => {
    throw new DataFileError(file, problem, fix);
  };
  const raw = isGzip(bytes) ? gunzip(bytes, fail) : bytes;
  if (raw.length < 4) fail(`only ${raw.length} bytes, too short for an IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0)
    fail(`not an IDX file (magic number ${view.getUint32(0).toString(16).padStart(8, "0")})`);
  if (raw[2] !== UBYTE) fail(`IDX type code 0x${raw[2].toString(16)} is not unsigned byte (0x08)`);
  const rank = raw[3];
  if (rank === 0) fail("IDX header declares zero dimensions");
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes) fail(`${raw.length} bytes, too short for a header of ${rank} dimensions`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  if (expect.dims) {
    const wanted = expect.dims;
    const matches = wanted.length === rank && wanted.every((d, i) => d === undefined || d === dims[i]);
    if (!matches) fail(`dimensions [${dims}] where [${wanted.map((d) => d ?? "any")}] were expected`);
  }
  const length = dims.reduce((a, b) => a * b, 1);
  const actual = raw.length - headerBytes;
  if (actual !== length) {
    fail(
      `${actual} data bytes where the header's dimensions [${dims}] need ${length} (${actual < length ? "truncated" : "trailing bytes"})`,
    );
  }
  return { dims, data: raw.subarray(headerBytes), file: raw };
}

/**
 * Decompresses gzip data, or fails saying what is wrong: the stream ends early (truncated), its
 * data or checksum is wrong (damaged), or other bytes follow its end (trailing data).
 */
export function gunzip(bytes: Uint8Array, fail: (problem: string) => never): Uint8Array {
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = gunzipSync(bytes, { info: true }) as unknown as typeof result;
  } catch (err) {
    return fail(gzipProblem(bytes, (err as Error).message));
  }
  const end = result.engine.bytesWritten;
  if (end < bytes.length) fail(trailing(end, bytes.length));
  return result.buffer;
}

/** Why gunzip failed, told apart by where the first gzip member ends against the data's length. */
function gzipProblem(bytes: Uint8Array, message: string): string {
  const end = memberEnd(bytes);
  if (end === "truncated")
    return `the gzip stream stops after ${bytes.length} bytes, before its end (${message}): the file is truncated`;
  if (end === "damaged") return `gzip data is damaged (${message}): the file is corrupt`;
  try {
    gunzipSync(bytes.subarray(0, end)); // the first member alone: its checksum and length
  } catch (err) {
    return `gzip data is damaged (${(err as Error).message}): the file is corrupt`;
  }
  return trailing(end, bytes.length);
}

function trailing(end: number, length: number): string {
  return `${length - end} bytes of trailing data after the end of the gzip stream (at byte ${end} of ${length})`;
}

/**
 * Where the first gzip member ends (header, deflate stream, 8-byte trailer), found by inflating
 * its deflate stream alone, which stops at the stream's end; or why it cannot be found.
 */
function memberEnd(bytes: Uint8Array): number | "truncated" | "damaged" {
  const FEXTRA = 4,
    FNAME = 8,
    FCOMMENT = 16,
    FHCRC = 2; // header flags (RFC 1952)
  if (bytes.length < 10) return "truncated";
  if (bytes[2] !== 8) return "damaged"; // compression method: deflate
  let p = 10;
  if (bytes[3] & FEXTRA) p += 2 + (bytes[p] | (bytes[p + 1] << 8));
  if (bytes[3] & FNAME) while (p < bytes.length && bytes[p++] !== 0);
  if (bytes[3] & FCOMMENT) while (p < bytes.length && bytes[p++] !== 0);
  if (bytes[3] & FHCRC) p += 2;
  if (p >= bytes.length) return "truncated";
  try {
    const { engine } = inflateRawSync(bytes.subarray(p), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    const end = p + engine.bytesWritten + 8;
    return end > bytes.length ? "truncated" : end;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "Z_BUF_ERROR" ? "truncated" : "damaged";
  }
}

/** Reads and parses an IDX file (gzipped or not); a missing file is a {@link DataFileError}. */
export function readIdxFile(file: string, expect: IdxExpectation = {}): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataFileError(
      file,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      expect.fix ?? "Check the path.",
    );
  }
  return parseIdx(bytes, file, expect);
}
