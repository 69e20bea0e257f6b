/** Test helper: an independent PNG reader (filter type 0 only, as our encoder writes). */
import { inflateSync } from "node:zlib";
import { crc32 } from "../src/figures/png";

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  channels: number;
  pixels: Uint8Array;
  chunkTypes: string[];
}

/** Parses a PNG, checking signature, chunk CRCs and scanline filters; throws on anything else. */
export function decodePng(bytes: Uint8Array): DecodedPng {
  const buf = Buffer.from(bytes);
  if (!buf.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])))
    throw new Error("bad signature");
  let pos = 8;
  const idat: Buffer[] = [];
  const chunkTypes: string[] = [];
  let width = 0,
    height = 0,
    bitDepth = 0,
    colorType = 0;
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    const crc = buf.readUInt32BE(pos + 8 + len);
    if (crc !== crc32(buf.subarray(pos + 4, pos + 8 + len))) throw new Error(`bad CRC in ${type}`);
    chunkTypes.push(type);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8];
      colorType = body[9];
    } else if (type === "IDAT") idat.push(body);
    pos += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[colorType];
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error("bad IDAT length");
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    if (raw[y * (stride + 1)] !== 0) throw new Error("unexpected filter");
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, colorType, bitDepth, channels, pixels, chunkTypes };
}
