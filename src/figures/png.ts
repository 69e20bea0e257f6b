/**
 * A minimal PNG encoder and decoder (8-bit grey, RGB or RGBA), built on node:zlib so images need no
 * browser and no dependency. Notebooks store every image, so the encoder works for small files.
 */
import { deflateSync, inflateSync } from "node:zlib";

/** Raw pixels: `height` rows of `width` pixels, `channels` bytes per pixel, row-major. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** The 8 bytes every PNG file starts with. */
export const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (ISO 3309, the same as zlib's). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "latin1");
  out.set(body, 8);
  // The CRC covers the chunk type and its body, not the length.
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;
const CHANNELS: Record<number, 1 | 3 | 4> = { 0: 1, 2: 3, 6: 4 };

/** The PNG filter types: how a byte is predicted from its left (a), upper (b) and upper-left (c) neighbours. */
export type PngFilter = 0 | 1 | 2 | 3 | 4;

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function predict(filter: PngFilter, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >>> 1;
    case 4:
      return paeth(a, b, c);
  }
}

/** One scanline filtered with `filter` into `out` (filter byte first). */
function filterRow(filter: PngFilter, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  out[0] = filter;
  for (let x = 0; x < row.length; x++) {
    const a = x >= bpp ? row[x - bpp] : 0;
    const c = x >= bpp ? prev[x - bpp] : 0;
    out[x + 1] = (row[x] - predict(filter, a, prev[x], c)) & 0xff;
  }
}

/** How well a filtered row will compress: the sum of its bytes read as signed (libpng's heuristic). */
function cost(filtered: Uint8Array): number {
  let sum = 0;
  for (let i = 1; i < filtered.length; i++) sum += filtered[i] < 128 ? filtered[i] : 256 - filtered[i];
  return sum;
}

/** The zlib stream of the image's scanlines, each row with `filter`, or with its best one (undefined). */
function compressRows(image: RawImage, filter: PngFilter | undefined): Buffer {
  const { width, height, channels, data } = image;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const trial = new Uint8Array(stride + 1);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const out = raw.subarray(y * (stride + 1), (y + 1) * (stride + 1));
    if (filter !== undefined) filterRow(filter, row, prev, channels, out);
    else {
      let best = Infinity;
      for (const f of [0, 1, 2, 3, 4] as const) {
        filterRow(f, row, prev, channels, trial);
        const c = cost(trial);
        if (c < best) {
          best = c;
          out.set(trial);
        }
      }
    }
    prev = row;
  }
  return deflateSync(raw, { level: 9, memLevel: 9 });
}

/**
 * Encodes raw 8-bit pixels as a PNG file, as small as this encoder can: each row with the filter
 * that predicts it best, or no filter at all, whichever compresses better (photographic grey
 * images gain from filters, flat-coloured charts do not).
 */
export function encodePng(image: RawImage, filter?: PngFilter): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}x${height}.`);
  }
  if (!(channels in COLOR_TYPE)) {
    throw new Error(`encodePng: channels must be 1 (grey), 3 (RGB) or 4 (RGBA), got ${channels}.`);
  }
  const stride = width * channels;
  if (data.length !== stride * height) {
    throw new Error(
      `encodePng: expected ${stride * height} bytes for ${width}x${height}x${channels}, got ${data.length}.`,
    );
  }
  let idat = compressRows(image, filter);
  if (filter === undefined) {
    const unfiltered = compressRows(image, 0);
    if (unfiltered.length < idat.length) idat = unfiltered;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels];
  // bytes 10-12: compression 0, filter method 0, no interlace
  return new Uint8Array(
    Buffer.concat([
      PNG_SIGNATURE,
      chunk("IHDR", ihdr),
      chunk("IDAT", idat),
      chunk("IEND", new Uint8Array(0)),
    ]),
  );
}

/** Decodes an 8-bit, non-interlaced grey, RGB or RGBA PNG (what browsers and this encoder write). */
export function decodePng(png: Uint8Array): RawImage {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < 8 || !PNG_SIGNATURE.every((v, i) => bytes[i] === v)) {
    throw new Error("decodePng: not a PNG file (its first 8 bytes are not the PNG signature).");
  }
  let width = 0;
  let height = 0;
  let channels: 1 | 3 | 4 | undefined;
  const idat: Buffer[] = [];
  for (let pos = 8; pos + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(pos);
    const type = bytes.toString("latin1", pos + 4, pos + 8);
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      channels = CHANNELS[body[9]];
      if (body[8] !== 8 || !channels || body[12] !== 0) {
        throw new Error(
          `decodePng: only 8-bit, non-interlaced grey, RGB or RGBA is supported (bit depth ${body[8]}, colour type ${body[9]}, interlace ${body[12]}).`,
        );
      }
    } else if (type === "IDAT") idat.push(body);
    pos += 12 + length;
  }
  if (!channels) throw new Error("decodePng: the PNG has no IHDR chunk.");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) {
    throw new Error(`decodePng: expected ${(stride + 1) * height} bytes of scanlines, got ${raw.length}.`);
  }
  const data = new Uint8Array(stride * height);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    if (filter > 4) throw new Error(`decodePng: row ${y} has an unknown filter type ${filter}.`);
    const row = data.subarray(y * stride, (y + 1) * stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const c = x >= channels ? prev[x - channels] : 0;
      row[x] = (raw[y * (stride + 1) + 1 + x] + predict(filter as PngFilter, a, prev[x], c)) & 0xff;
    }
    prev = row;
  }
  return { width, height, channels, data };
}

/**
 * The same pixels in a smaller PNG: an alpha channel that is opaque everywhere is dropped, and the
 * rows are filtered and compressed as {@link encodePng} does. Browsers' PNGs of charts shrink by
 * about a third, which matters because a notebook stores each chart's PNG twice.
 */
export function recompressPng(png: Uint8Array): Uint8Array {
  const image = decodePng(png);
  let opaque = image.channels === 4;
  for (let i = 3; opaque && i < image.data.length; i += 4) opaque = image.data[i] === 255;
  if (opaque) {
    const rgb = new Uint8Array((image.data.length / 4) * 3);
    for (let i = 0, j = 0; i < image.data.length; i += 4, j += 3) rgb.set(image.data.subarray(i, i + 3), j);
    image.data = rgb;
    image.channels = 3;
  }
  const smaller = encodePng(image);
  return smaller.length < png.length ? smaller : png;
}

/**
 * The picture with each colour value rounded to one of `levels` evenly spaced levels (alpha kept):
 * for pictures that are fallbacks or slider frames, since a PNG of grey digits with few levels
 * compresses far better.
 */
export function posterise(png: Uint8Array, levels = 32): Uint8Array {
  if (!(Number.isInteger(levels) && levels >= 2 && levels <= 256))
    throw new Error(`posterise: levels must be an integer from 2 to 256, got ${levels}.`);
  const image = decodePng(png);
  const step = 255 / (levels - 1);
  const data = image.data.map((v, i) =>
    image.channels === 4 && i % 4 === 3 ? v : Math.round(Math.round(v / step) * step),
  );
  return encodePng({ ...image, data });
}
