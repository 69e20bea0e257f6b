/**
 * A latent manifold as one PNG with axes drawn in: tick marks and labels in latent units, the axis
 * names, and optional dashed circles around the origin. A plain image (no chart library), so it
 * is as small as the grid itself and reads the same everywhere.
 */
import { encodePng } from "./png";
import { linearTicks } from "./ticks";
import {
  type Decode,
  type ManifoldOptions,
  decodeToGrey,
  manifoldPoints,
  manifoldValues,
  tileImages,
} from "./images";

/** 5 x 7 glyphs of the characters tick labels and axis names need. */
const GLYPHS: Record<string, string[]> = {
  "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
  "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
  "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
  "3": ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
  "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
  "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
  "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
  "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
  "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
  "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
  "-": ["00000", "00000", "00000", "11111", "00000", "00000", "00000"],
  ".": ["00000", "00000", "00000", "00000", "00000", "01100", "01100"],
  z: ["00000", "00000", "11111", "00010", "00100", "01000", "11111"],
};
const SCALE = 2;
const ADVANCE = 6 * SCALE; // glyph width plus one column of space
const TEXT_HEIGHT = 7 * SCALE;
const INK = 40;
const TICK = 6;

/** Width in pixels of `text` drawn by {@link drawText}. */
export function textWidth(text: string): number {
  return text.length * ADVANCE - SCALE;
}

/** Draws `text` (digits, "-", ".", "z") into a grey canvas with its top-left corner at (x, y). */
export function drawText(data: Uint8Array, width: number, x: number, y: number, text: string): void {
  [...text].forEach((ch, k) => {
    const glyph = GLYPHS[ch];
    if (!glyph) throw new Error(`drawText: no glyph for ${JSON.stringify(ch)}.`);
    glyph.forEach((row, r) => {
      for (let c = 0; c < 5; c++) {
        if (row[c] !== "1") continue;
        for (let dy = 0; dy < SCALE; dy++)
          for (let dx = 0; dx < SCALE; dx++)
            data[(y + r * SCALE + dy) * width + x + k * ADVANCE + c * SCALE + dx] = INK;
      }
    });
  });
}

/** Options of {@link latentManifoldWithAxes}. */
export interface ManifoldAxesOptions extends ManifoldOptions {
  /**
   * Tick the centre of every this many tiles with its latent value, always including the last.
   * Default: about 7 ticks at round values (steps of 1, 2 or 5 × 10^k) wherever they fall.
   */
  tickEvery?: number;
  /** Digits after the decimal point of the labels of `tickEvery` ticks (default 1). */
  decimals?: number;
  /** Radii of dashed circles around the origin, in latent units (evenly spaced values only). */
  circles?: number[];
}

/** A tick along the grid: pixels from the grid's left (or bottom) edge, and its label. */
interface GridTick {
  at: number;
  label: string;
}

/**
 * The ticks of a grid of tiles `size` pixels wide with these latent values at their centres:
 * every `tickEvery` tile centre, or round values placed by interpolating between tile centres.
 */
function gridTicks(values: number[], size: number, opts: ManifoldAxesOptions): GridTick[] {
  const steps = values.length;
  const noMinus = (text: string) => (Number(text) === 0 ? text.replace("-", "") : text);
  if (opts.tickEvery !== undefined || steps < 2) {
    const every = opts.tickEvery ?? 1;
    return values
      .map((v, i) => ({ at: (i + 0.5) * size, label: noMinus(v.toFixed(opts.decimals ?? 1)) }))
      .filter((_, i) => i % every === 0 || i === steps - 1);
  }
  // Round values, as many as fit (up to 7) with a label's width of space between neighbours.
  for (let n = 7; ; n--) {
    const ticks = linearTicks(values[0], values[steps - 1], n).map((v) => {
      const i = Math.min(
        steps - 2,
        values.findIndex((_, j) => v <= values[j + 1] || j === steps - 2),
      );
      const at = (i + 0.5 + (v - values[i]) / (values[i + 1] - values[i])) * size;
      return { at, label: noMinus(String(v)) };
    });
    const room = Math.max(...ticks.map((t) => textWidth(t.label))) + ADVANCE;
    if (n === 2 || ticks.every((t, k) => k === 0 || t.at - ticks[k - 1].at >= room)) return ticks;
  }
}

/**
 * Decoder outputs over a latent grid (see `latentManifold`), with axes: ticks labelled with their
 * latent values, the first spanned coordinate growing to the right ("z0" under the axis), the
 * second upwards ("z1" at the left). Grey PNG bytes.
 */
export function latentManifoldWithAxes(decode: Decode, opts: ManifoldAxesOptions = {}): Uint8Array {
  const values = manifoldValues(opts);
  const steps = values.length;
  const tiles = tileImages(decodeToGrey(decode, manifoldPoints(opts), opts), steps, steps, {
    gap: 0,
    scale: 1,
    ...opts,
  });
  const size = tiles.width / steps;
  const ticks = gridTicks(values, size, opts);
  const [dx, dy] = opts.dims ?? [0, 1];
  const [nameX, nameY] = [`z${dx}`, `z${dy}`];
  const labelWidth = Math.max(...ticks.map((t) => textWidth(t.label)));
  const left = 8 + textWidth(nameY) + 10 + labelWidth + 4 + TICK;
  const top = 8;
  const bottom = TICK + 4 + TEXT_HEIGHT + 8 + TEXT_HEIGHT + 8;
  const right = Math.ceil(labelWidth / 2) + 8;
  const width = left + tiles.width + right;
  const height = top + tiles.height + bottom;
  const data = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < tiles.height; y++)
    data.set(tiles.data.subarray(y * tiles.width, (y + 1) * tiles.width), (top + y) * width + left);
  for (const { at, label } of ticks) {
    const x = left + Math.min(tiles.width - 1, Math.floor(at));
    for (let t = 1; t <= TICK; t++) data[(top + tiles.height + t) * width + x] = INK;
    drawText(data, width, x - Math.floor(textWidth(label) / 2), top + tiles.height + TICK + 4, label);
    // The y axis grows upwards: `at` pixels above the grid's bottom edge.
    const y = top + tiles.height - Math.ceil(at);
    for (let t = 1; t <= TICK; t++) data[y * width + left - t] = INK;
    drawText(data, width, left - TICK - 4 - textWidth(label), y - Math.floor(TEXT_HEIGHT / 2), label);
  }
  drawText(
    data,
    width,
    left + Math.floor((tiles.width - textWidth(nameX)) / 2),
    height - 8 - TEXT_HEIGHT,
    nameX,
  );
  drawText(data, width, 8, top + Math.floor((tiles.height - TEXT_HEIGHT) / 2), nameY);
  for (const r of opts.circles ?? [])
    drawCircle(data, width, { left, top, size, tiles: tiles.width }, values, r);
  return encodePng({ width, height, channels: 1, data });
}

/** A dashed mid-grey circle of latent radius r around the origin, clipped to the grid. */
function drawCircle(
  data: Uint8Array,
  width: number,
  grid: { left: number; top: number; size: number; tiles: number },
  values: number[],
  r: number,
): void {
  const steps = values.length;
  const step = (values[steps - 1] - values[0]) / (steps - 1);
  const even =
    steps > 1 && values.every((v, i) => Math.abs(v - values[0] - i * step) <= 1e-9 * Math.abs(step) * steps);
  if (!even) throw new Error("latentManifoldWithAxes: circles need evenly spaced values.");
  if (!(r > 0)) throw new Error(`latentManifoldWithAxes: circle radii must be positive, got ${r}.`);
  const cx = grid.left + ((0 - values[0]) / step + 0.5) * grid.size;
  const cy = grid.top + ((values[steps - 1] - 0) / step + 0.5) * grid.size;
  const radius = (r / step) * grid.size;
  const points = Math.ceil(2 * Math.PI * radius * 2);
  for (let k = 0; k < points; k++) {
    const arc = (k / points) * 2 * Math.PI * radius; // pixels along the circle
    if (Math.floor(arc / 6) % 2 === 1) continue; // dashes of 6 pixels
    const x = Math.round(cx + radius * Math.cos((2 * Math.PI * k) / points));
    const y = Math.round(cy - radius * Math.sin((2 * Math.PI * k) / points));
    if (x < grid.left || x >= grid.left + grid.tiles || y < grid.top || y >= grid.top + grid.tiles) continue;
    data[y * width + x] = 150;
  }
}
