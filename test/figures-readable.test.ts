import { test } from "node:test";
import assert from "node:assert/strict";
import type { Figure } from "../src/figures/charts";
import { LEGEND_BELOW, readableFigure, textWidth, wrapText } from "../src/figures/readable";
import { figureTitle } from "../src/figures/plotly";

type Obj = Record<string, unknown>;
const axis = (fig: Figure, key: string) => fig.layout[key] as Obj;

/** 04's KL-and-activity chart as the notebook builds it: bars, then markers on a log right axis. */
function klAndActivity(): Figure {
  const dims = ["z3", "z0", "z7"];
  return {
    data: [
      { type: "bar", name: "mean KL", x: dims, y: [1.9, 1.2, 0.001] },
      { type: "scatter", mode: "markers", name: "activity", yaxis: "y2", x: dims, y: [1.2, 0.6, 0.0004] },
    ],
    layout: {
      title: { text: "KL per dimension" },
      yaxis2: { overlaying: "y", side: "right", type: "log" },
      shapes: [{ type: "line", xref: "paper", yref: "y2", x0: 0, x1: 1, y0: 0.01, y1: 0.01 }],
    },
  };
}

test("a log axis gets 1-2-5 or power-of-ten ticks labelled in full, from its data and shapes", () => {
  const fig = readableFigure(klAndActivity());
  const y2 = axis(fig, "yaxis2");
  assert.deepEqual(y2.tickvals, [0.001, 0.01, 0.1, 1]);
  assert.deepEqual(y2.ticktext, ["0.001", "0.01", "0.1", "1"]);
  // A right axis has its own ticks (not synced to the left grid) and no grid of its own.
  assert.equal(y2.showgrid, false);
  const withRange = klAndActivity();
  Object.assign(withRange.layout.yaxis2 as Obj, { range: [-2, 0.5] });
  assert.deepEqual(axis(readableFigure(withRange), "yaxis2").tickvals, [0.01, 0.1, 1]);
});

test("a log axis narrower than a 1-2-5 step is widened to the two ticks around its data", () => {
  const fig = readableFigure({
    data: [{ type: "scatter", x: [1, 2], y: [0.3, 0.4] }],
    layout: { yaxis: { type: "log" } },
  });
  const y = axis(fig, "yaxis");
  assert.deepEqual(y.tickvals, [0.2, 0.5]);
  const [lo, hi] = y.range as number[];
  assert.ok(lo < Math.log10(0.2) && hi > Math.log10(0.5), `range [${lo}, ${hi}] shows both ticks`);
});

test("error bars count on a log axis: a bar reaching below the points widens the ticks", () => {
  const fig = readableFigure({
    data: [{ type: "scatter", x: [1, 10], y: [0.5, 2], error_y: { type: "data", array: [0.45, 0] } }],
    layout: { yaxis: { type: "log" } },
  });
  assert.deepEqual(axis(fig, "yaxis").tickvals, [0.05, 0.1, 0.2, 0.5, 1, 2]);
});

test("a second linear axis gets plotly's own round ticks instead of ticks synced to the first", () => {
  const fig = readableFigure({
    data: [{ type: "scatter", x: [1], y: [20], yaxis: "y2" }],
    layout: { yaxis2: { overlaying: "y", side: "right" } },
  });
  assert.equal(axis(fig, "yaxis2").tickmode, "auto");
});

test("ticks, ranges and legend positions the figure sets are kept", () => {
  const fig: Figure = {
    data: [
      { type: "scatter", name: "a", x: [1, 2], y: [1, 1000] },
      { type: "scatter", name: "b", x: [1, 2], y: [2, 3] },
    ],
    layout: {
      xaxis: { type: "log", tickvals: [1, 2] },
      yaxis: { type: "log", dtick: 1 },
      legend: { x: 0.4 },
    },
  };
  const out = readableFigure(fig);
  assert.deepEqual(axis(out, "xaxis"), { type: "log", tickvals: [1, 2], automargin: true });
  assert.deepEqual(axis(out, "yaxis"), { type: "log", dtick: 1, automargin: true });
  assert.deepEqual(out.layout.legend, { x: 0.4 });
});

test("a legend goes below the plot in rows; a figure with one trace has none to place", () => {
  const two = readableFigure({
    data: [
      { type: "scatter", name: "train", y: [1] },
      { type: "scatter", name: "test", y: [2] },
    ],
    layout: {},
  });
  assert.deepEqual(two.layout.legend, LEGEND_BELOW);
  assert.equal(readableFigure({ data: [{ type: "scatter", y: [1] }], layout: {} }).layout.legend, undefined);
  const heatmaps = readableFigure({ data: [{ type: "heatmap" }, { type: "heatmap" }], layout: {} });
  assert.equal(heatmaps.layout.legend, undefined);
});

test("a title wider than the figure is wrapped, and the top margin holds its lines", () => {
  const text = "Zoom on the marked square: 15 of its 115 codes (one in ten), one-sigma ellipses to scale";
  const fig = readableFigure({ data: [], layout: { title: { text }, width: 700, margin: { t: 50 } } });
  const wrapped = fig.layout.title?.text as string;
  const lines = wrapped.split("<br>");
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(textWidth(line, 16.8) <= 660, `"${line}" fits`);
  assert.ok(((fig.layout.margin as Obj).t as number) >= 2 * 1.3 * 16.8, "room for the second line");
  // The title reads the same on one line wherever it is named (figure exports, alt text).
  assert.equal(figureTitle(fig), text);
  const short = readableFigure({ data: [], layout: { title: { text: "Loss" }, margin: { t: 50 } } });
  assert.deepEqual(short.layout, { title: { text: "Loss" }, margin: { t: 50 } });
});

test("category labels wider than their slot are wrapped level, at spaces, slashes and hyphens", () => {
  const categories = ["gaussian σ = 0.25", "masking p = 0.5", "salt-and-pepper p = 0.25"];
  const fig = readableFigure({
    data: [{ type: "bar", x: categories, y: [1, 2, 3] }],
    layout: { width: 360, margin: { l: 60, r: 20 } },
  });
  const x = axis(fig, "xaxis");
  assert.equal(x.tickangle, 0);
  assert.deepEqual(x.tickvals, categories);
  assert.deepEqual(x.ticktext, [
    "gaussian σ =<br>0.25",
    "masking p =<br>0.5",
    "salt-and-<br>pepper p =<br>0.25",
  ]);
  const roomy = readableFigure({ data: [{ type: "bar", x: ["a", "b"], y: [1, 2] }], layout: {} });
  assert.deepEqual(axis(roomy, "xaxis"), { automargin: true });
});

test("wrapText keeps lines within the width and breaks a long word after / or -", () => {
  assert.deepEqual(wrapText("one two three", textWidth("one two", 12), 12), ["one two", "three"]);
  assert.deepEqual(wrapText("T-shirt/top", textWidth("T-shirt/", 12), 12), ["T-shirt/", "top"]);
  assert.deepEqual(wrapText("unbreakable", 5, 12), ["unbreakable"]);
});

test("a colour bar's title moves beside the bar, where the top tick label cannot hit it", () => {
  const fig = readableFigure({
    data: [{ type: "heatmap", z: [[1]], colorbar: { title: { text: "log10" } } }],
    layout: {},
  });
  assert.deepEqual(fig.data[0].colorbar, { title: { text: "log10", side: "right" } });
});

test("readableFigure leaves its input alone and changes nothing on a second pass", () => {
  const fig = klAndActivity();
  fig.layout.title = { text: "a title long enough to be wrapped onto two lines in a figure this narrow" };
  fig.layout.width = 300;
  const before = JSON.stringify(fig);
  const once = readableFigure(fig);
  assert.equal(JSON.stringify(fig), before);
  assert.deepEqual(readableFigure(once), once);
});

test("equal units on both axes turn the y axes' automargin off, with a left margin wide enough for tick labels", () => {
  const fig: Figure = {
    data: [{ type: "scatter", x: [-16, 3], y: [-9, 12] }],
    layout: {
      margin: { l: 60, r: 20, t: 50, b: 50 },
      xaxis: { automargin: true },
      yaxis: { automargin: true, scaleanchor: "x" },
    },
  };
  const out = readableFigure(fig).layout;
  const axes = [out.xaxis, out.yaxis] as { automargin: boolean }[];
  assert.deepEqual(
    axes.map((a) => a.automargin),
    [true, false],
  );
  const margin = out.margin as { l: number };
  assert.ok(margin.l >= 80, JSON.stringify(margin));
  // Without scaleanchor, automargin stays as set.
  const free = readableFigure({ ...fig, layout: { ...fig.layout, yaxis: { automargin: true } } }).layout;
  assert.equal((free.yaxis as { automargin: boolean }).automargin, true);
});
