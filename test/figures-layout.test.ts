/**
 * Every chart builder's static image, rendered by headless Chromium as the notebooks' PNGs are,
 * measured in a page: titles and tick labels whole and apart, legends off the data, numeric ticks
 * in round steps or 1-2-5. The figures are built as the notebooks build theirs, with their long
 * titles, long category names, log axes and second axes. Skips, saying why, without Chromium.
 */
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { closeBrowser, findChromium, launchChromium, renderFigure } from "../src/figures/browser";
import {
  barChart,
  ecdfChart,
  Figure,
  heatmap,
  histogram,
  latentScatter,
  lineChart,
  lossChart,
} from "../src/figures/charts";
import { layoutProblems, measureSvg, tickValue } from "./figures-text-boxes";

const chromium = findChromium();
const noChromium = "reason" in chromium ? chromium.reason : undefined;
let browser: Browser | undefined;
let page: Page;

before(async () => {
  if (noChromium) return;
  browser = await launchChromium();
  page = await browser.newPage();
});
after(async () => {
  await browser?.close();
  await closeBrowser();
});

/** A reproducible stream of numbers in [0, 1). */
function uniform(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** The problems of a figure's static image, as measured in the page. */
async function problemsOf(fig: Figure): Promise<string[]> {
  return layoutProblems(await measureSvg(page, await renderFigure(fig, "svg")));
}

const LONG_TITLE = "Zoom on the marked square: 15 of its 115 codes (one in ten), one-sigma ellipses to scale";

/** Figures as the notebooks build them, by builder. */
function builderFigures(): Record<string, Figure> {
  const r = uniform(7);
  const sizes = [2, 5, 10, 20, 50];
  const history = Array.from({ length: 10 }, (_, i) => ({
    epoch: i + 1,
    train: { recon: 150 - 70 * (1 - Math.exp(-i)), kl: 19 + 7 * (1 - Math.exp(-i)) },
    test: { recon: 104 - 28 * (1 - Math.exp(-i)), kl: 23 + 3.5 * (1 - Math.exp(-i)) },
  }));
  const codes = Array.from({ length: 400 }, () => [6 * r() - 3, 6 * r() - 3]);
  const dims = Array.from({ length: 20 }, (_, u) => `z${u}`);
  const settings = ["gaussian σ", "masking p", "salt-and-pepper p"].flatMap((n) =>
    [0.1, 0.25, 0.5].map((l) => `${n} = ${l}`),
  );
  const measures = [
    "linear probe accuracy",
    "5-NN accuracy",
    "interpolation: mean confidence",
    "interpolation: share of paths changing label twice+",
    "label entropy / ln 10, z ~ N(0, I)",
    "label entropy / ln 10, z ~ fitted Gaussian",
    "smallest class share, z ~ N(0, I)",
    "smallest class share, z ~ fitted Gaussian",
  ];
  return {
    "lineChart, log axes, error bars, long names": lineChart(
      {
        autoencoder: sizes.map((d) => 0.05 / d ** 0.6),
        PCA: sizes.map((d) => 0.06 / d ** 0.5),
        "floor: BCE of a perfect reconstruction": sizes.map(() => 0.004),
      },
      {
        x: sizes,
        xLog: true,
        yLog: true,
        errorY: { PCA: sizes.map(() => 0.001) },
        title: "Test mean squared error against code size, autoencoders beside PCA with as many components",
        xTitle: "code size d (log scale)",
        yTitle: "MSE per pixel (log scale)",
      },
    ),
    "lossChart, KL on a right axis": lossChart(history, {
      keys: ["train.recon", "test.recon", "train.kl", "test.kl"],
      rightAxis: { series: ["train.kl", "test.kl"], title: "KL(q(z|x) || p(z))" },
      title: "Loss parts per epoch, binarized MNIST (nats per image)",
      yTitle: "reconstruction -log p(x|z)",
      width: 760,
    }),
    "latentScatter, ellipses and prior circles": latentScatter(
      codes,
      codes.map((_, i) => i % 10),
      { logVar: codes.map(() => [-4, -5]), circles: [1, 2, 3], title: LONG_TITLE, height: 580 },
    ),
    histogram: histogram(
      { "codes of test images": codes.map((c) => c[0]), "draws of N(0, I)": codes.map((c) => c[1]) },
      { title: "Distance from a code to the nearest training code", xTitle: "distance" },
    ),
    ecdfChart: ecdfChart(
      {
        "codes of test images": codes.map((c) => Math.abs(c[0])),
        "draws of N(0, I)": codes.map((c) => Math.abs(c[1]) * 1.2),
        "draws of the fitted Gaussian": codes.map((c) => Math.abs(c[0] + c[1])),
      },
      { title: "Distance from a code to the nearest training code (cumulative)", xTitle: "distance" },
    ),
    "barChart, long categories": barChart(
      settings,
      {
        "noisy input (no model)": settings.map(() => 5 + 10 * r()),
        "plain AE": settings.map(() => 8 + 8 * r()),
        DAE: settings.map(() => 15 + 3 * r()),
      },
      { title: "Denoising test digits: PSNR against the clean image", yTitle: "PSNR (dB)", width: 860 },
    ),
    "barChart, very long categories and error bars": barChart(
      measures,
      {
        VAE: measures.map(() => r()),
        DAE: measures.map(() => r()),
        "denoising VAE": measures.map(() => r()),
      },
      {
        errorY: { VAE: measures.map(() => 0.02) },
        title: "Codes, interpolations and label coverage (0 to 1); mean ± std over 3 seeds",
        yTitle: "fraction",
        width: 820,
        height: 420,
      },
    ),
    "barChart, markers on a log right axis": barChart(
      dims,
      {
        "mean KL (nats)": dims.map((_, u) => 2 - u / 12),
        "activity A_u": dims.map((_, u) => 10 ** (-u / 6)),
      },
      {
        rightAxis: { series: ["activity A_u"], title: "A_u (log scale)", log: true },
        title: "KL per dimension of the 20-D VAE, sorted (total 26.78 nats); activity",
        xTitle: "latent dimension",
        yTitle: "mean KL (nats per image)",
      },
    ),
    heatmap: heatmap(
      Array.from({ length: 21 }, (_, i) =>
        Array.from({ length: 21 }, (_, j) => Math.sin(i / 3) * Math.cos(j / 4)),
      ),
      {
        x: Array.from({ length: 21 }, (_, i) => -3.5 + 0.35 * i),
        y: Array.from({ length: 21 }, (_, i) => -3.5 + 0.35 * i),
        title: "log10 q(z) / p(z) for the 2-D VAE (below -3 shown as -3); dashed: prior circles",
        width: 600,
        height: 540,
      },
    ),
  };
}

for (const [name, fig] of Object.entries(builderFigures()))
  test(`${name}: the static image's title and tick labels are whole, apart and readable`, async (t) => {
    if (noChromium) return t.skip(noChromium);
    assert.deepEqual(await problemsOf(fig), []);
  });

test("a figure changed after it was built (a log axis, a second axis) is laid out when rendered", async (t) => {
  if (noChromium) return t.skip(noChromium);
  const ks = [1, 10, 100, 1000, 5000];
  const fig = lineChart({ "gain over the ELBO": [0.01, 3.1, 4.3, 4.9, 5.2] }, { x: ks });
  (fig.layout.xaxis as Record<string, unknown>).type = "log";
  fig.data.push({ type: "scatter", name: "seconds", x: ks, y: [1, 3, 20, 190, 900], yaxis: "y2" });
  fig.layout.yaxis2 = { overlaying: "y", side: "right", type: "log", title: { text: "seconds" } };
  const chart = await measureSvg(page, await renderFigure(fig, "svg"));
  assert.deepEqual(layoutProblems(chart), []);
  const labels = (role: string) => chart.texts.filter((x) => x.role === role).map((x) => tickValue(x.text));
  assert.deepEqual(labels("xtick"), [1, 10, 100, 1000]);
  assert.deepEqual(labels("y2tick"), [1, 2, 5, 10, 20, 50, 100, 200, 500]);
});

test("the check finds what a learner could not read: a covered plot, 1-digit log labels, synced ticks, cut text", async (t) => {
  if (noChromium) return t.skip(noChromium);
  // Each bad setting is one readableFigure keeps, because the figure asks for it explicitly.
  const fig = lineChart(
    { "train recon": [150, 90, 80], "train KL": [19.4, 24, 26.3] },
    { rightAxis: { series: ["train KL"] }, yLog: true },
  );
  Object.assign(fig.layout, {
    legend: { x: 0.45, y: 0.95 },
    title: { text: "Loss parts per epoch", y: 1, yanchor: "bottom" },
  });
  Object.assign(fig.layout.yaxis as object, { tickvals: undefined, ticktext: undefined, dtick: "D1" });
  Object.assign(fig.layout.yaxis2 as object, { tickvals: [19.42, 21.7, 23.98, 26.26] });
  const problems = (await problemsOf(fig)).join("\n");
  assert.match(problems, /legend entry "train recon" lies on the plot area/);
  assert.match(problems, /ytick labels .* are not round steps or 1-2-5 values/);
  assert.match(problems, /y2tick labels "19.42", "21.7", "23.98", "26.26" are not round steps/);
  assert.match(problems, /gtitle "Loss parts per epoch" is cut off at the edge/);
});
