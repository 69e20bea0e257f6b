import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  barChart,
  ecdfChart,
  ellipsePath,
  heatmap,
  histogram,
  latentScatter,
  lineChart,
  lossChart,
  Trace,
} from "../src/figures/charts";
import { escapeScript, figureDiv, figureSpec, scriptJson, standaloneHtml } from "../src/figures/plotly";

test("lossChart draws one line per numeric key against the epoch", () => {
  const fig = lossChart(
    [
      { epoch: 1, loss: 150, kl: 10, note: "warm-up" },
      { epoch: 2, loss: 120, kl: 12, note: "" },
    ],
    { title: "Loss" },
  );
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["loss", "kl"],
  );
  assert.deepEqual(fig.data[0].x, [1, 2]);
  assert.deepEqual(fig.data[1].y, [10, 12]);
  assert.equal(fig.layout.title?.text, "Loss");
  assert.throws(() => lossChart([]), /empty/);
  assert.throws(() => lossChart([{ epoch: 1, loss: 1 }, { epoch: 2 }]), /record 1 has no number "loss"/);
});

test("lineChart defaults x to 1..n", () => {
  assert.deepEqual(lineChart({ a: Float32Array.of(3, 4, 5) }).data[0].x, [1, 2, 3]);
});

test("lineChart and barChart draw error bars for the series given, and refuse mismatched ones", () => {
  const line = lineChart(
    { a: [1, 2, 3], b: [3, 2, 1] },
    { x: [0.1, 0.2, 0.3], errorY: { a: [0.5, 0.25, 0] } },
  );
  assert.deepEqual(line.data[0].error_y, {
    type: "data",
    array: [0.5, 0.25, 0],
    visible: true,
    thickness: 1.5,
    width: 4,
  });
  assert.equal(line.data[1].error_y, undefined);
  const bars = barChart(
    ["bce", "psnr"],
    { vae: [90, 14], dae: [80, 15] },
    { errorY: { vae: [1, 0.2], dae: [2, 0.1] } },
  );
  assert.deepEqual((bars.data[1].error_y as { array: number[] }).array, [2, 0.1]);
  assert.throws(
    () => lineChart({ a: [1, 2] }, { errorY: { a: [1] } }),
    /error bars of "a" have 1 values for 2 points/,
  );
  assert.throws(() => barChart(["x"], { a: [1] }, { errorY: { b: [1] } }), /error bars for unknown series b/);
});

test("ellipsePath is a closed outline at the given half-axes", () => {
  const e = ellipsePath(1, -2, 3, 0.5, 8);
  assert.equal(e.x.length, 9);
  assert.ok(Math.abs(e.x[0] - e.x[8]) < 1e-12 && Math.abs(e.y[0] - e.y[8]) < 1e-12);
  for (let i = 0; i < 9; i++)
    assert.ok(Math.abs(((e.x[i] - 1) / 3) ** 2 + ((e.y[i] + 2) / 0.5) ** 2 - 1) < 1e-12);
  assert.equal(Math.max(...e.x), 4);
});

test("latentScatter groups points by label and draws one-sigma ellipses from logVar", () => {
  const mu = tf.tensor2d([
    [0, 0],
    [1, 2],
    [3, 4],
  ]);
  const logVar = [
    [0, 0],
    [Math.log(4), Math.log(0.25)],
    [0, 0],
  ];
  const fig = latentScatter(mu, [1, 0, 1], { logVar, classNames: ["zero", "one"], maxEllipses: 2 });
  mu.dispose();
  const points = fig.data.filter((t) => t.mode === "markers");
  assert.deepEqual(
    points.map((t) => t.name),
    ["zero", "one"],
  );
  assert.deepEqual(points[1].x, [0, 3]);
  const rings = fig.data.filter((t) => t.mode === "lines") as Array<
    Trace & { x: Array<number | null>; y: Array<number | null> }
  >;
  assert.equal(rings.length, 2);
  assert.equal(rings[0].legendgroup, "zero");
  // Label 0's point (1, 2) has sigma (2, 0.5): its ring spans x 1±2 and y 2±0.5.
  const xs = rings[0].x.filter((v): v is number => v !== null);
  const ys = rings[0].y.filter((v): v is number => v !== null);
  assert.ok(Math.abs(Math.max(...xs) - 3) < 1e-9 && Math.abs(Math.min(...xs) + 1) < 1e-9);
  assert.ok(Math.abs(Math.max(...ys) - 2.5) < 1e-9 && Math.abs(Math.min(...ys) - 1.5) < 1e-9);
  // maxEllipses 2: label 1 keeps only point 0's ring (one ring, one null separator).
  assert.equal(rings[1].x.filter((v) => v === null).length, 1);
  assert.throws(() => latentScatter([[0, 0]], [1, 2]), /1 codes but 2 labels/);
});

test("latentScatter draws dashed circles with the 2-D prior mass inside each, and sized markers", () => {
  const fig = latentScatter([[0, 0]], [0], { circles: [1, 2], markerSize: 9 });
  assert.equal(fig.data[0].marker && (fig.data[0].marker as { size: number }).size, 9);
  const circles = fig.data.filter((t) => String(t.name).startsWith("|z| ="));
  assert.deepEqual(
    circles.map((t) => t.name),
    ["|z| = 1 (2-D N(0, I): 39.3% inside)", "|z| = 2 (2-D N(0, I): 86.5% inside)"],
  );
  const c = circles[1] as Trace & { x: number[]; y: number[] };
  for (let i = 0; i < c.x.length; i++) assert.ok(Math.abs(Math.hypot(c.x[i], c.y[i]) - 2) < 1e-12);
  assert.throws(() => latentScatter([[0, 0]], [0], { circles: [0] }), /radii must be positive/);
});

test("ecdfChart sorts each sample and steps from 1/n to 1, at no more than `points` ranks", () => {
  const fig = ecdfChart({ a: [3, 1, 2], b: Float32Array.of(5) }, { title: "cdf" });
  assert.deepEqual(fig.data[0].x, [1, 2, 3]);
  assert.deepEqual(fig.data[0].y, [1 / 3, 2 / 3, 1]);
  assert.deepEqual(fig.data[1].y, [1]);
  assert.equal((fig.data[0].line as { shape: string }).shape, "hv");
  const thin = ecdfChart({ a: Array.from({ length: 1001 }, (_, i) => 1000 - i) }, { points: 11 });
  assert.deepEqual(thin.data[0].x, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.equal((thin.data[0].y as number[])[10], 1);
  assert.throws(() => ecdfChart({}), /at least one sample/);
  assert.throws(() => ecdfChart({ a: [] }), /sample "a" is empty/);
});

test("histogram, barChart and heatmap build the right trace types", () => {
  assert.deepEqual(histogram([1, 2, 3], { bins: 5 }).data[0], {
    type: "histogram",
    name: "values",
    x: [1, 2, 3],
    opacity: 1,
    nbinsx: 5,
  });
  assert.equal(histogram({ a: [1], b: [2] }).layout.barmode, "overlay");
  const bars = barChart(["x", "y"], { m1: [1, 2], m2: [3, 4] });
  assert.deepEqual(
    bars.data.map((t) => [t.type, t.y]),
    [
      ["bar", [1, 2]],
      ["bar", [3, 4]],
    ],
  );
  assert.throws(() => barChart(["x"], { m1: [1, 2] }), /2 values for 1 categories/);
  const h = heatmap(
    [
      [1, 2],
      [3, 4],
    ],
    { x: ["a", "b"] },
  );
  assert.deepEqual(h.data[0].z, [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(h.data[0].x, ["a", "b"]);
});

test("figure HTML embeds JSON and scripts safely", () => {
  const fig = lineChart({ "</script><b>": [1] }, { title: "a </script> b" });
  const div = figureDiv(fig, "<img alt=fallback>");
  assert.equal(div.match(/<\/script>/g)?.length, 1);
  assert.ok(div.includes("<img alt=fallback>"));
  assert.equal(JSON.parse(scriptJson({ s: "<\u2028" })).s, "<\u2028");
  assert.equal(escapeScript("x</SCRIPT>y"), "x<\\/SCRIPT>y");
  const page = standaloneHtml(fig);
  assert.ok(page.includes("window.Plotly = Plotly"), "plotly.js is inlined");
  assert.ok(page.includes("<title>a &lt;/script&gt; b</title>"));
  assert.ok(!/src="https?:/.test(page), "no CDN");
});

test("lossChart draws the nested train/test parts of the library's history", () => {
  const history = [
    {
      epoch: 1,
      train: { loss: 150, recon: 130, kl: 20 },
      test: { loss: 140, recon: 121, kl: 19 },
      beta: 1,
      steps: 3,
      seconds: 2,
    },
    {
      epoch: 2,
      train: { loss: 120, recon: 99, kl: 21 },
      test: { loss: 118, recon: 97, kl: 21 },
      beta: 1,
      steps: 3,
      seconds: 2,
    },
  ];
  const fig = lossChart(history);
  assert.deepEqual(
    fig.data.map((t) => t.name),
    ["train.loss", "train.recon", "train.kl", "test.loss", "test.recon", "test.kl"],
  );
  assert.deepEqual(fig.data[4].y, [121, 97]);
  assert.deepEqual(lossChart(history, { keys: ["beta"] }).data[0].y, [1, 1]);
});

test("a chart output's spec keeps 7 significant digits of fractions, integers as they are", () => {
  const fig = lineChart({ loss: [Math.fround(0.1), 123456789, 1 / 3] }, { title: "T" });
  const spec = figureSpec(fig);
  assert.deepEqual(spec.data[0].y, [0.1, 123456789, 0.3333333]);
  assert.deepEqual(spec.data[0].x, [1, 2, 3]);
  assert.deepEqual(spec.config, { responsive: false, displaylogo: false });
  assert.equal(spec.layout.title?.text, "T");
});

test("xLog and yLog make log axes; the spec a chart output carries ticks them 1-2-5 in full", () => {
  const fig = lineChart({ gap: [0.3, 0.08, 0.007] }, { x: [1, 10, 100], xLog: true, yLog: true });
  assert.equal((fig.layout.xaxis as { type: string }).type, "log");
  assert.equal((fig.layout.yaxis as { type: string }).type, "log");
  const spec = figureSpec(fig);
  assert.deepEqual((spec.layout.xaxis as { ticktext: string[] }).ticktext, [
    "1",
    "2",
    "5",
    "10",
    "20",
    "50",
    "100",
  ]);
  assert.deepEqual((spec.layout.yaxis as { ticktext: string[] }).ticktext, [
    "0.01",
    "0.02",
    "0.05",
    "0.1",
    "0.2",
  ]);
});

test("rightAxis draws the series it names against a second axis at the right, and says so in the legend", () => {
  const fig = lineChart(
    { recon: [100, 90], kl: [20, 24] },
    { rightAxis: { series: ["kl"], title: "KL", log: true } },
  );
  assert.deepEqual(
    fig.data.map((t) => [t.name, t.yaxis]),
    [
      ["recon", undefined],
      ["kl (right axis)", "y2"],
    ],
  );
  assert.deepEqual(fig.layout.yaxis2, {
    title: { text: "KL" },
    automargin: true,
    type: "log",
    overlaying: "y",
    side: "right",
    showgrid: false,
  });
  assert.throws(
    () => lineChart({ recon: [1] }, { rightAxis: { series: ["KL"] } }),
    /right axis series KL are not among the series \(recon\)/,
  );
  // Bars on an overlaid axis would hide the others: barChart draws right-axis series as markers.
  const bars = barChart(
    ["z0", "z1"],
    { kl: [2, 1], activity: [1, 0.001] },
    { rightAxis: { series: ["activity"] } },
  );
  assert.deepEqual(
    bars.data.map((t) => [t.type, t.mode, t.yaxis]),
    [
      ["bar", undefined, undefined],
      ["scatter", "markers", "y2"],
    ],
  );
});

test("lossChart colours each part once, train solid and test dotted, and can put the KL on the right", () => {
  const history = [1, 2].map((epoch) => ({
    epoch,
    train: { recon: 100 / epoch, kl: 20 + epoch },
    test: { recon: 95 / epoch, kl: 22 + epoch },
  }));
  const fig = lossChart(history, {
    keys: ["train.recon", "test.recon", "train.kl", "test.kl"],
    rightAxis: { series: ["train.kl", "test.kl"] },
  });
  assert.deepEqual(
    fig.data.map((t) => [t.name, (t.line as { dash: string }).dash, t.yaxis]),
    [
      ["train.recon", "solid", undefined],
      ["test.recon", "dot", undefined],
      ["train.kl (right axis)", "solid", "y2"],
      ["test.kl (right axis)", "dot", "y2"],
    ],
  );
  const colour = (i: number) => (fig.data[i].line as { color: string }).color;
  assert.equal(colour(0), colour(1));
  assert.equal(colour(2), colour(3));
  assert.notEqual(colour(0), colour(2));
});
