/**
 * A plotly figure laid out to be read, whoever built it: log axes with 1-2-5 or power-of-ten ticks
 * labelled in full, a second y axis with its own round ticks (plotly would sync it to the first
 * axis's grid and print values such as 19.42, 21.7), titles wrapped to the figure's width, long
 * category labels wrapped instead of tilted, legends below the plot, outside the data, and tick
 * labels that push the margins out rather than being cut off. Only what the figure leaves unset is
 * filled in: explicit ticks, ranges and legend positions stay.
 */
import type { Figure, Trace } from "./charts";
import { logTicks, tickLabels } from "./ticks";

type Obj = Record<string, unknown>;

/**
 * Advance widths of ASCII 32-126 in hundredths of an em, in DejaVu Sans: what headless Chromium on
 * Debian draws plotly's "Open Sans, verdana, arial" with (Open Sans and Arial are narrower).
 */
const WIDTHS = [
  32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34,
  34, 84, 84, 84, 53, 100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79, 60, 79, 69, 63, 61, 73,
  68, 99, 69, 61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62, 35, 63, 63, 28, 28, 58, 28, 97, 63, 61, 63,
  63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
];

/** Estimated width in pixels of text (plotly's tags such as <sup> not counted) at a font size. */
export function textWidth(text: string, fontSize: number): number {
  const plain = text.replace(/<[^>]*>/g, "");
  let em = 0;
  for (const ch of plain) {
    const code = ch.codePointAt(0) as number;
    em += code >= 32 && code < 127 ? WIDTHS[code - 32] / 100 : 0.85;
  }
  return em * fontSize;
}

/**
 * `text` in lines at most `maxWidth` wide: words gathered greedily, a word wider than a line broken
 * after its "/" or "-" ("salt-and-" / "pepper"); a piece that is still wider stays whole.
 */
export function wrapText(text: string, maxWidth: number, fontSize: number): string[] {
  const lines: string[] = [];
  let glue = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const pieces = textWidth(word, fontSize) > maxWidth ? word.split(/(?<=[/-])/) : [word];
    pieces.forEach((piece, i) => {
      const last = lines.length - 1;
      const joined = `${lines[last]}${glue}${piece}`;
      if (last >= 0 && textWidth(joined, fontSize) <= maxWidth) lines[last] = joined;
      else lines.push(piece);
      glue = i === pieces.length - 1 ? " " : "";
    });
  }
  return lines.length ? lines : [""];
}

const BREAK = /<br\s*\/?>/i;
/** plotly's default font size, and its title's (1.4 times larger). */
const FONT_SIZE = 12;
const TITLE_SCALE = 1.4;

function obj(x: unknown): Obj | undefined {
  return x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Obj) : undefined;
}

function num(x: unknown, fallback: number): number {
  return typeof x === "number" && Number.isFinite(x) ? x : fallback;
}

/** The figure's size and margins as plotly will use them (its defaults where unset). */
function frame(layout: Obj) {
  const m = obj(layout.margin) ?? {};
  return {
    width: num(layout.width, 700),
    height: num(layout.height, 450),
    l: num(m.l, 80),
    r: num(m.r, 80),
    t: num(m.t, 100),
    b: num(m.b, 80),
    font: num(obj(layout.font)?.size, FONT_SIZE),
  };
}

/**
 * Wraps the title to the figure's width (less 20 pixels each side) and makes the top margin tall
 * enough for its lines. plotly puts a title's first baseline halfway down the top margin and the
 * other lines below it, so the margin holds twice the height of the lines after the first.
 */
function fitTitle(layout: Obj): void {
  const title = typeof layout.title === "string" ? { text: layout.title } : obj(layout.title);
  if (!title || typeof title.text !== "string" || !title.text) return;
  const f = frame(layout);
  const size = num(obj(title.font)?.size, f.font * TITLE_SCALE);
  const lines = title.text.split(BREAK).flatMap((part) => wrapText(part, f.width - 40, size));
  layout.title = { ...title, text: lines.join("<br>") };
  if (lines.length > 1 && title.y === undefined) {
    const lineHeight = 1.3 * size;
    const t = Math.ceil(2 * ((lines.length - 1) * lineHeight + 0.8 * size));
    layout.margin = { ...obj(layout.margin), t: Math.max(f.t, t) };
  }
}

/** Traces that plotly gives a legend entry by default. */
function inLegend(t: Trace): boolean {
  if (typeof t.showlegend === "boolean") return t.showlegend;
  return !/^(heatmap|contour|histogram2d|histogram2dcontour)$/.test(t.type);
}

/** A legend in rows at the bottom of the figure, from the plot's left edge. */
export const LEGEND_BELOW = {
  orientation: "h",
  x: 0,
  xanchor: "left",
  yref: "container",
  y: 0,
  yanchor: "bottom",
} as const;

/**
 * Puts a legend whose position is not given below the plot, in rows, at the bottom of the figure
 * (plotly pushes the bottom margin up to make room), where it covers neither data nor a right axis.
 */
function placeLegend(layout: Obj, data: Trace[]): void {
  if (layout.showlegend === false) return;
  if (data.filter(inLegend).length < 2 && layout.showlegend !== true) return;
  const legend = obj(layout.legend) ?? {};
  if (legend.x !== undefined || legend.y !== undefined) return;
  layout.legend = { ...legend, ...LEGEND_BELOW };
}

/** "xaxis2" -> "x2": how traces name the axis they are drawn against. */
function axisId(key: string): string {
  return key.replace("axis", "");
}

/** Numbers of a trace field (arrays or typed arrays; other entries dropped). */
function numbers(x: unknown): number[] {
  if (!x || typeof x !== "object" || !("length" in x)) return [];
  return Array.from(x as ArrayLike<unknown>).filter(
    (v): v is number => typeof v === "number" && Number.isFinite(v),
  );
}

/**
 * Every value plotly's autorange fits on an axis ("x", "y2", ...): the data of the traces drawn
 * against it with their error bars, the shapes placed in its units, and `autorangeoptions.include`.
 */
function axisValues(layout: Obj, data: Trace[], id: string): number[] {
  const letter = id[0] as "x" | "y";
  const out: number[] = [];
  for (const t of data) {
    if (((t[`${letter}axis`] as string | undefined) ?? letter) !== id) continue;
    const values = numbers(t[letter]);
    out.push(...values);
    const bars = obj(t[`error_${letter}`]);
    const half = numbers(bars?.array);
    if (bars?.visible !== false && half.length === values.length)
      values.forEach((v, i) => out.push(v - half[i], v + half[i]));
  }
  for (const shape of Array.isArray(layout.shapes) ? layout.shapes : []) {
    const s = obj(shape);
    if (s && ((s[`${letter}ref`] as string | undefined) ?? letter) === id)
      out.push(...numbers([s[`${letter}0`], s[`${letter}1`]]));
  }
  const include = obj(obj(layout[`${letter}axis${id.slice(1)}`])?.autorangeoptions)?.include;
  out.push(...numbers(Array.isArray(include) ? include : [include]));
  return out;
}

/** Explicit ticks of a log axis from its range or its data; widens the range to ticks outside the data. */
function fitLogAxis(axis: Obj, values: number[], maxTicks: number): void {
  const range = Array.isArray(axis.range) ? axis.range.map(Number) : null;
  const explicit = range?.length === 2 && range.every(Number.isFinite);
  const positive = values.filter((v) => v > 0);
  if (!explicit && positive.length === 0) return;
  const [lo, hi] = explicit
    ? [10 ** Math.min(...range!), 10 ** Math.max(...range!)]
    : [Math.min(...positive), Math.max(...positive)];
  const ticks = logTicks(lo, hi, maxTicks);
  axis.tickvals = ticks;
  axis.ticktext = tickLabels(ticks);
  const [first, last] = [ticks[0], ticks[ticks.length - 1]];
  if (!explicit && (first < lo || last > hi)) {
    // Widened to show the ticks outside the data (plotly's autorangeoptions.include, which would
    // keep autorange, leaves log axes as they are: it compares data values with log-scale ones).
    const [a, b] = [Math.log10(Math.min(first, lo)), Math.log10(Math.max(last, hi))];
    axis.range = [a - 0.03 * (b - a), b + 0.03 * (b - a)];
  }
}

/** Tick settings the figure gave an axis, which the pass leaves alone. */
function hasTickSettings(axis: Obj): boolean {
  return axis.tickvals !== undefined || axis.dtick !== undefined || axis.tickmode !== undefined;
}

/**
 * Category labels wider than their slot wrapped onto up to 4 lines (at a font 1 or 2 pixels
 * smaller if need be), level, so that neighbours never collide; upright when even that fails.
 */
function wrapCategories(axis: Obj, data: Trace[], id: string, plotWidth: number, font: number): void {
  if (axis.ticktext !== undefined || axis.tickangle !== undefined) return;
  const onAxis = data.filter((t) => ((t.xaxis as string | undefined) ?? "x") === id);
  const isText = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === "string");
  if (onAxis.length === 0 || !onAxis.every((t) => isText(t.x))) return;
  const labels = [...new Set(onAxis.flatMap((t) => t.x as string[]))];
  const size = num(obj(axis.tickfont)?.size, font);
  const slot = plotWidth / labels.length - 8;
  if (labels.every((l) => textWidth(l, size) <= slot)) return;
  for (const s of [size, size - 1, size - 2]) {
    const wrapped = labels.map((l) => wrapText(l, slot, s));
    if (wrapped.some((lines) => lines.length > 4 || lines.some((line) => textWidth(line, s) > slot)))
      continue;
    const ticktext = wrapped.map((lines) => lines.join("<br>"));
    Object.assign(axis, { tickmode: "array", tickvals: labels, ticktext, tickangle: 0 });
    if (s !== size) axis.tickfont = { ...obj(axis.tickfont), size: s };
    return;
  }
  axis.tickangle = -90;
}

/** Every axis: log axes ticked in full, second axes with their own round ticks, categories wrapped. */
function fitAxes(layout: Obj, data: Trace[]): void {
  const f = frame(layout);
  const plot = { x: f.width - f.l - f.r, y: f.height - f.t - f.b - 40 };
  // The axes the layout describes, and those only traces name (e.g. "x" of a hand-built bar chart).
  const named = data.flatMap((t) => ["x", "y"].map((l) => `${l}axis${String(t[`${l}axis`] ?? l).slice(1)}`));
  const keys = new Set([...Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k)), ...named]);
  // With equal units on both axes (scaleanchor), a left margin pushed out by the y tick labels
  // rescales the axes, which changes those labels again: plotly can redraw without end ("Maximum
  // call stack size exceeded"). Such figures get a fixed left margin wide enough for their labels
  // instead, even where a builder asked for automargin; the x labels' height does not change with
  // the range, so the bottom margin may still grow (for a legend below the plot).
  const anchored = [...keys].some((k) => obj(layout[k])?.scaleanchor !== undefined);
  if (anchored) {
    const m = obj(layout.margin) ?? {};
    layout.margin = { ...m, l: Math.max(Number(m.l ?? 80), 80) };
  }
  for (const key of keys) {
    const axis = obj(layout[key]) ?? {};
    const id = axisId(key);
    const letter = id[0] as "x" | "y";
    // Long tick labels push the margin out instead of being cut off at the figure's edge.
    if (anchored && letter === "y") axis.automargin = false;
    else axis.automargin ??= true;
    if (axis.type === "log" && !hasTickSettings(axis)) {
      // Room for a label every 75 pixels across, every 35 pixels up.
      const maxTicks = Math.max(3, Math.min(10, Math.floor(plot[letter] / (letter === "x" ? 75 : 35))));
      fitLogAxis(axis, axisValues(layout, data, id), maxTicks);
    }
    if (axis.overlaying !== undefined) {
      // plotly's default for an overlaying axis is tickmode "sync": ticks at the other axis's grid.
      if (!hasTickSettings(axis)) axis.tickmode = "auto";
      axis.showgrid ??= false;
    }
    if (letter === "x") wrapCategories(axis, data, id, plot.x, f.font);
    layout[key] = axis;
  }
}

/** A colour bar's title beside the bar (its default place, on top, collides with the top tick label). */
function fitColorbar(trace: Trace): Trace {
  const bar = obj(trace.colorbar);
  const title = obj(bar?.title);
  if (!bar || !title?.text || title.side !== undefined) return trace;
  return { ...trace, colorbar: { ...bar, title: { ...title, side: "right" } } };
}

/**
 * A copy of a figure laid out to be read (see the module's comment); the figure itself is not
 * changed, and a figure that already went through it comes out the same.
 */
export function readableFigure(fig: Figure): Figure {
  const layout = structuredClone(fig.layout) as Obj;
  const data = fig.data.map(fitColorbar);
  fitTitle(layout);
  placeLegend(layout, data);
  fitAxes(layout, data);
  return { ...fig, data, layout: layout as Figure["layout"] };
}
