/**
 * Plotly figure builders for what the course plots: loss parts per epoch, 2-D latent codes by
 * label (with one-sigma ellipses), histograms and empirical CDFs, bar charts and heatmaps. A figure is plain JSON
 * ({ data, layout }), so it can be shown in a notebook, exported, or saved as-is. Whatever shows or
 * renders a figure lays it out to be read first (`readableFigure`: log axes ticked 1-2-5, titles
 * wrapped, legends below the plot), so a figure changed after it was built is laid out too.
 */
import * as tf from "@tensorflow/tfjs";
import { flattenRecord } from "../records";

/** One plotly trace (plain JSON; see plotly.js's reference for the keys). */
export type Trace = Record<string, unknown> & { type: string };

/** A plotly figure. */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown> & { title?: { text: string }; width?: number; height?: number };
  config?: Record<string, unknown>;
  /** Named states a slider (or animation) switches to: plotly's frames, e.g. `imageSlider`'s. */
  frames?: Array<Record<string, unknown> & { name: string }>;
}

/** Options shared by every builder. */
export interface ChartOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Size in CSS pixels (default 700 x 450). */
  width?: number;
  height?: number;
  /** A log scale on the x or y axis, ticked at 1-2-5 or powers of ten and labelled in full. */
  xLog?: boolean;
  yLog?: boolean;
}

/** A second y axis, at the right, for some of the series (e.g. KL beside reconstruction). */
export interface RightAxis {
  /** Names of the series drawn against it; their legend entries say "(right axis)". */
  series: string[];
  title?: string;
  /** A log scale, ticked at 1-2-5 or powers of ten. */
  log?: boolean;
}

/** Ten distinguishable colours (plotly's default sequence), one per digit class. */
export const PALETTE = [
  "#636efa",
  "#ef553b",
  "#00cc96",
  "#ab63fa",
  "#ffa15a",
  "#19d3f3",
  "#ff6692",
  "#b6e880",
  "#ff97ff",
  "#fecb52",
];

function layout(opts: ChartOptions, extra: Record<string, unknown> = {}): Figure["layout"] {
  const axis = (title: string | undefined, log: boolean | undefined) => ({
    title: { text: title ?? "" },
    // automargin: long tick labels push the margin out instead of being cut off.
    automargin: true,
    ...(log ? { type: "log" } : {}),
  });
  return {
    title: { text: opts.title ?? "" },
    width: opts.width ?? 700,
    height: opts.height ?? 450,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    xaxis: axis(opts.xTitle, opts.xLog),
    yaxis: axis(opts.yTitle, opts.yLog),
    template: { layout: { plot_bgcolor: "#f8f9fb" } },
    ...extra,
  };
}

/** The right axis of a figure whose `names` are its series: its layout, or an error naming unknown series. */
function rightAxisLayout(right: RightAxis | undefined, names: string[], chart: string) {
  if (!right) return {};
  const unknown = right.series.filter((k) => !names.includes(k));
  if (unknown.length)
    throw new Error(
      `${chart}: right axis series ${unknown.join(", ")} are not among the series (${names.join(", ")}).`,
    );
  const axis = {
    title: { text: right.title ?? "" },
    automargin: true,
    ...(right.log ? { type: "log" } : {}),
  };
  return { yaxis2: { ...axis, overlaying: "y", side: "right", showgrid: false } };
}

/** What a series on the right axis gets: its axis, and a legend entry saying where to read it. */
function onRightAxis(right: RightAxis | undefined, name: string): Record<string, unknown> {
  return right?.series.includes(name) ? { yaxis: "y2", name: `${name} (right axis)` } : {};
}

/** Rows of a 2-D array, whether given as nested arrays or as a tensor. */
function rows2d(x: number[][] | tf.Tensor2D, name: string): number[][] {
  const out = x instanceof tf.Tensor ? (x.arraySync() as number[][]) : x;
  if (!Array.isArray(out) || out.some((r) => !Array.isArray(r)))
    throw new Error(`${name} must be a 2-D array or tensor.`);
  return out;
}

/** Error bars: for some of the named series, the half-length of the bar at each point (e.g. a standard deviation). */
export type ErrorBars = Record<string, ArrayLike<number>>;

/** plotly's `error_y` of one series (symmetric bars of the given half-lengths), checked against its length. */
function errorY(
  errors: ErrorBars | undefined,
  name: string,
  length: number,
  chart: string,
): Record<string, unknown> {
  const e = errors?.[name];
  if (!e) return {};
  if (e.length !== length)
    throw new Error(`${chart}: error bars of "${name}" have ${e.length} values for ${length} points.`);
  return { error_y: { type: "data", array: Array.from(e), visible: true, thickness: 1.5, width: 4 } };
}

/** Error bars named after no series are a typo: say so instead of dropping them. */
function checkErrorNames(errors: ErrorBars | undefined, names: string[], chart: string): void {
  const unknown = Object.keys(errors ?? {}).filter((k) => !names.includes(k));
  if (unknown.length)
    throw new Error(
      `${chart}: error bars for unknown series ${unknown.join(", ")} (series: ${names.join(", ")}).`,
    );
}

/**
 * Lines of several named series against a shared x (default 1, 2, ...); `errorY` adds error bars
 * to some, `rightAxis` draws some against a second y axis at the right.
 */
export function lineChart(
  series: Record<string, ArrayLike<number>>,
  opts: ChartOptions & { x?: ArrayLike<number>; errorY?: ErrorBars; rightAxis?: RightAxis } = {},
): Figure {
  const names = Object.keys(series);
  if (names.length === 0) throw new Error("lineChart: give at least one series.");
  checkErrorNames(opts.errorY, names, "lineChart");
  const right = rightAxisLayout(opts.rightAxis, names, "lineChart");
  const data = names.map((name) => {
    const y = Array.from(series[name]);
    return {
      type: "scatter",
      mode: "lines+markers",
      name,
      x: opts.x ? Array.from(opts.x) : y.map((_, i) => i + 1),
      y,
      ...errorY(opts.errorY, name, y.length, "lineChart"),
      ...onRightAxis(opts.rightAxis, name),
    };
  });
  return { data, layout: layout(opts, { hovermode: "x unified", ...right }) };
}

/** Line styles of a split ("train", "test", ...): the first solid, the next dotted, then dashed. */
const SPLIT_DASHES = ["solid", "dot", "dash", "dashdot"];

/**
 * Loss parts per epoch from a training history: one record per epoch, flat
 * (`{ epoch: 1, loss: 140.2, recon: 120.1, kl: 20.1 }`) or nested like the library's
 * `train(...).history` (`{ epoch, train: { loss, recon, kl }, test?: {...}, beta, ... }`, drawn as
 * "train.loss", "test.kl", ...). By default every nested number is a line, or, for flat records,
 * every number other than `x` (default "epoch"); `keys` picks lines explicitly, and `rightAxis`
 * puts some on a second axis (e.g. the KL, smaller than the reconstruction term). Nested parts keep
 * one colour per part, one line style per split (train solid, test dotted).
 */
export function lossChart(
  history: ReadonlyArray<object>,
  opts: ChartOptions & { x?: string; keys?: string[]; rightAxis?: RightAxis } = {},
): Figure {
  if (history.length === 0)
    throw new Error("lossChart: the history is empty; train at least one epoch first.");
  const rows = history.map((r) => flattenRecord(r as Record<string, unknown>));
  const xKey = opts.x ?? "epoch";
  const numeric = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter(
    (k) => k !== xKey && rows.some((r) => typeof r[k] === "number"),
  );
  const nested = numeric.filter((k) => k.includes("."));
  const keys = opts.keys ?? (nested.length > 0 ? nested : numeric);
  const series: Record<string, number[]> = {};
  for (const k of keys) {
    series[k] = rows.map((row, i) => {
      const v = row[k];
      if (typeof v !== "number") throw new Error(`lossChart: record ${i} has no number "${k}".`);
      return v;
    });
  }
  const x = rows.map((row, i) => (typeof row[xKey] === "number" ? (row[xKey] as number) : i + 1));
  const fig = lineChart(series, { xTitle: xKey, yTitle: "nats per image", ...opts, x });
  if (keys.every((k) => k.includes("."))) styleBySplit(fig.data, keys);
  // Epochs are whole numbers: no tick at epoch 1.5.
  if (x.every(Number.isInteger))
    (fig.layout.xaxis as Record<string, unknown>).dtick = Math.max(1, Math.ceil(x.length / 10));
  return fig;
}

/** Traces named "split.part" (in `keys` order): one colour per part, one line style per split. */
function styleBySplit(data: Trace[], keys: string[]): void {
  const cut = (k: string) => [k.slice(0, k.indexOf(".")), k.slice(k.indexOf(".") + 1)];
  const splits = [...new Set(keys.map((k) => cut(k)[0]))];
  const parts = [...new Set(keys.map((k) => cut(k)[1]))];
  keys.forEach((k, i) => {
    const [split, part] = cut(k);
    const color = PALETTE[parts.indexOf(part) % PALETTE.length];
    const dash = SPLIT_DASHES[splits.indexOf(split) % SPLIT_DASHES.length];
    Object.assign(data[i], { line: { color, dash }, marker: { color } });
  });
}

/** The closed outline of an axis-aligned ellipse (centre, half-axes) with `points` vertices. */
export function ellipsePath(
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  points = 32,
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i <= points; i++) {
    const t = (2 * Math.PI * i) / points;
    x.push(cx + rx * Math.cos(t));
    y.push(cy + ry * Math.sin(t));
  }
  return { x, y };
}

/** Options of {@link latentScatter}. */
export interface LatentScatterOptions extends ChartOptions {
  /** Log-variances of the posterior (same shape as `mu`): draws one-sigma ellipses. */
  logVar?: number[][] | tf.Tensor2D;
  /** At most this many ellipses (default 200), so the chart stays readable. */
  maxEllipses?: number;
  /** Name of each label value, e.g. a Dataset's `classNames`. */
  classNames?: readonly string[];
  /** The two latent coordinates shown (default [0, 1]). */
  dims?: [number, number];
  /** Marker size in pixels (default 5). */
  markerSize?: number;
  /** Opacity of the ellipse outlines (default 0.4; raise it when few ellipses are drawn). */
  ellipseOpacity?: number;
  /**
   * Radii of dashed circles centred at the origin, e.g. [1, 2, 3] to show where a 2-D standard
   * normal prior puts its mass; the legend gives the mass inside each, 1 - exp(-r^2 / 2).
   */
  circles?: number[];
}

/**
 * 2-D latent codes (posterior means `mu`, [n, latentDim]) coloured by label, one legend entry per
 * class. With `logVar`, each of the first `maxEllipses` points gets its one-sigma ellipse
 * (half-axes exp(logVar / 2)), grouped with its class so legend toggling hides both.
 */
export function latentScatter(
  mu: number[][] | tf.Tensor2D,
  labels: ArrayLike<number>,
  opts: LatentScatterOptions = {},
): Figure {
  const z = rows2d(mu, "mu");
  if (z.length !== labels.length)
    throw new Error(`latentScatter: ${z.length} codes but ${labels.length} labels.`);
  const [dx, dy] = opts.dims ?? [0, 1];
  if (z.length > 0 && z[0].length <= Math.max(dx, dy))
    throw new Error(
      `latentScatter: codes have ${z[0].length} coordinates; dims [${dx}, ${dy}] do not exist.`,
    );
  const logVar = opts.logVar ? rows2d(opts.logVar, "logVar") : undefined;
  if (logVar && logVar.length !== z.length)
    throw new Error(`latentScatter: ${z.length} codes but ${logVar.length} logVar rows.`);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const data: Trace[] = [];
  const maxEllipses = opts.maxEllipses ?? 200;
  for (const c of classes) {
    const idx = z.map((_, i) => i).filter((i) => labels[i] === c);
    const name = opts.classNames?.[c] ?? String(c);
    const color = PALETTE[c % PALETTE.length];
    data.push({
      type: "scatter",
      mode: "markers",
      name,
      legendgroup: name,
      x: idx.map((i) => z[i][dx]),
      y: idx.map((i) => z[i][dy]),
      marker: { color, size: opts.markerSize ?? 5, opacity: 0.7 },
    });
    if (!logVar) continue;
    // All ellipses of a class in one trace; null breaks the line between ellipses.
    const ex: Array<number | null> = [];
    const ey: Array<number | null> = [];
    for (const i of idx.filter((i) => i < maxEllipses)) {
      const e = ellipsePath(z[i][dx], z[i][dy], Math.exp(logVar[i][dx] / 2), Math.exp(logVar[i][dy] / 2));
      ex.push(...e.x, null);
      ey.push(...e.y, null);
    }
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${name} (1 sigma)`,
      legendgroup: name,
      showlegend: false,
      x: ex,
      y: ey,
      line: { color, width: 1 },
      opacity: opts.ellipseOpacity ?? 0.4,
      hoverinfo: "skip",
    });
  }
  for (const r of opts.circles ?? []) {
    if (!(r > 0)) throw new Error(`latentScatter: circle radii must be positive, got ${r}.`);
    const mass = 100 * (1 - Math.exp(-(r * r) / 2));
    data.push({
      type: "scatter",
      mode: "lines",
      name: `|z| = ${r} (2-D N(0, I): ${mass.toFixed(1)}% inside)`,
      ...ellipsePath(0, 0, r, r, 96),
      line: { color: "#444", width: 1.5, dash: "dash" },
      hoverinfo: "skip",
    });
  }
  const xTitle = opts.xTitle ?? `z${dx}`;
  const yTitle = opts.yTitle ?? `z${dy}`;
  const fig = { data, layout: layout({ ...opts, xTitle, yTitle }) };
  // Equal units on both axes: a circle looks round, an ellipse has its true shape.
  (fig.layout.yaxis as Record<string, unknown>).scaleanchor = "x";
  return fig;
}

/** Overlaid histograms of one or several named samples. */
export function histogram(
  samples: Record<string, ArrayLike<number>> | ArrayLike<number>,
  opts: ChartOptions & { bins?: number } = {},
): Figure {
  const named = isSeriesRecord(samples) ? samples : { values: samples };
  const names = Object.keys(named);
  const data = names.map((name) => ({
    type: "histogram",
    name,
    x: Array.from(named[name]),
    opacity: names.length > 1 ? 0.6 : 1,
    ...(opts.bins ? { nbinsx: opts.bins } : {}),
  }));
  return {
    data,
    layout: layout({ yTitle: "count", ...opts }, { barmode: "overlay", showlegend: names.length > 1 }),
  };
}

/**
 * Empirical cumulative distribution functions of named samples, one step line each: at x, the
 * share of the sample's values that are <= x (drawn at no more than `points` ranks, default 200).
 * Easier to compare than overlaid histograms when the samples overlap: a curve further right holds
 * larger values.
 */
export function ecdfChart(
  samples: Record<string, ArrayLike<number>>,
  opts: ChartOptions & { points?: number } = {},
): Figure {
  const names = Object.keys(samples);
  if (names.length === 0) throw new Error("ecdfChart: give at least one sample.");
  const points = opts.points ?? 200;
  const data = names.map((name) => {
    const x = Float64Array.from(samples[name]).sort();
    if (x.length === 0) throw new Error(`ecdfChart: sample "${name}" is empty.`);
    // At most `points` steps, evenly spaced in rank (the first and last included), so the figure stays small.
    const ranks =
      x.length <= points
        ? x.map((_, i) => i)
        : Float64Array.from({ length: points }, (_, k) => Math.round((k * (x.length - 1)) / (points - 1)));
    return {
      type: "scatter",
      mode: "lines",
      name,
      line: { shape: "hv" },
      x: Array.from(ranks, (i) => x[i]),
      y: Array.from(ranks, (i) => (i + 1) / x.length),
    };
  });
  return {
    data,
    layout: layout({ yTitle: "share of the sample at or below x", ...opts }, { hovermode: "closest" }),
  };
}

function isSeriesRecord(x: object): x is Record<string, ArrayLike<number>> {
  return !ArrayBuffer.isView(x) && !Array.isArray(x);
}

/**
 * Grouped bars: one group per category, one bar per named series (e.g. models compared by metric);
 * `errorY` adds error bars; series on the `rightAxis` are drawn as markers against a second axis
 * at the right (bars there would hide the others).
 */
export function barChart(
  categories: string[],
  series: Record<string, ArrayLike<number>>,
  opts: ChartOptions & { errorY?: ErrorBars; rightAxis?: RightAxis } = {},
): Figure {
  const names = Object.keys(series);
  checkErrorNames(opts.errorY, names, "barChart");
  const right = rightAxisLayout(opts.rightAxis, names, "barChart");
  const data = Object.entries(series).map(([name, values]): Trace => {
    if (values.length !== categories.length)
      throw new Error(
        `barChart: series "${name}" has ${values.length} values for ${categories.length} categories.`,
      );
    const bars = errorY(opts.errorY, name, values.length, "barChart");
    const trace = { type: "bar", name, x: categories, y: Array.from(values), ...bars };
    if (!opts.rightAxis?.series.includes(name)) return trace;
    const marker = { color: "#000", size: 9, symbol: "diamond" };
    return { ...trace, type: "scatter", mode: "markers", marker, ...onRightAxis(opts.rightAxis, name) };
  });
  if (data.length === 0) throw new Error("barChart: give at least one series.");
  return { data, layout: layout(opts, { barmode: "group", ...right }) };
}

/** A heatmap of a matrix, row 0 at the top (e.g. a confusion matrix or KL per latent unit and epoch). */
export function heatmap(
  z: number[][] | tf.Tensor2D,
  opts: ChartOptions & { x?: Array<string | number>; y?: Array<string | number>; colorscale?: string } = {},
): Figure {
  const values = rows2d(z, "z");
  const trace: Trace = { type: "heatmap", z: values, colorscale: opts.colorscale ?? "Viridis" };
  if (opts.x) trace.x = opts.x;
  if (opts.y) trace.y = opts.y;
  const fig = { data: [trace], layout: layout(opts) };
  (fig.layout.yaxis as Record<string, unknown>).autorange = "reversed";
  return fig;
}

/**
 * ROC curves of named scores (`rocCurve`'s false- and true-positive rates), each drawn through at
 * most `points` of its points (default 300, the first and last kept), with chance as a dashed line.
 */
export function rocChart(
  curves: Record<string, { fpr: ArrayLike<number>; tpr: ArrayLike<number> }>,
  opts: ChartOptions & { points?: number } = {},
): Figure {
  const names = Object.keys(curves);
  if (names.length === 0) throw new Error("rocChart: give at least one curve.");
  const points = opts.points ?? 300;
  const data: Trace[] = names.map((name) => {
    const { fpr, tpr } = curves[name];
    if (fpr.length !== tpr.length || fpr.length < 2)
      throw new Error(`rocChart: curve "${name}" needs as many fpr as tpr values, at least 2.`);
    const keep =
      fpr.length <= points
        ? Array.from(fpr, (_, i) => i)
        : Array.from({ length: points }, (_, k) => Math.round((k * (fpr.length - 1)) / (points - 1)));
    return {
      type: "scatter",
      mode: "lines",
      name,
      x: keep.map((i) => fpr[i]),
      y: keep.map((i) => tpr[i]),
    };
  });
  const chance = { color: "#888", dash: "dash", width: 1 };
  data.push({ type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: chance });
  const titles = {
    xTitle: "false-positive rate (normal images flagged)",
    yTitle: "true-positive rate (anomalies flagged)",
  };
  const fig = { data, layout: layout({ ...titles, width: 600, height: 560, ...opts }) };
  Object.assign(fig.layout.xaxis as Record<string, unknown>, { range: [0, 1] });
  Object.assign(fig.layout.yaxis as Record<string, unknown>, { range: [0, 1.02] });
  return fig;
}
