/**
 * Where the text of a rendered chart lies: an SVG from `renderFigure(fig, "svg")` is put in a
 * Chromium page and every <text> element's box is measured there, with the plot areas; then
 * `layoutProblems` lists text cut off at the picture's edge, texts drawn over each other, legend
 * entries over the data, plot areas squeezed to less than a third of the picture, and numeric
 * tick labels that do not read as round steps or 1-2-5 values.
 */
import type { Page } from "playwright-core";

/** A box in page pixels: left, top, right, bottom. */
export type Box = [number, number, number, number];

/** One text element of the chart: what it is (from plotly's class names), what it says, where it is. */
export interface TextBox {
  role: string;
  text: string;
  box: Box;
}

/** The measured chart. */
export interface ChartText {
  width: number;
  height: number;
  texts: TextBox[];
  plots: Box[];
}

/** Measures an SVG chart in `page` (which it replaces the content of). */
export async function measureSvg(page: Page, svg: string): Promise<ChartText> {
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
  // No named functions inside: the test runner's compiler would wrap them in a helper the page lacks.
  const texts = await page.$$eval("svg text", (elements) =>
    elements
      .filter((t) => (t.textContent ?? "").trim() !== "")
      .map((t) => {
        const r = t.getBoundingClientRect();
        // plotly's classes: "gtitle", "xtitle", "legendtext" on the text; "xtick", "y2tick" on its group.
        const cls = t.getAttribute("class") || t.parentElement?.getAttribute("class") || "text";
        return {
          role: cls.split(" ")[0],
          text: t.textContent ?? "",
          box: [r.left, r.top, r.right, r.bottom] as Box,
        };
      }),
  );
  // A subplot's clip rectangle (id "...xy", "...x2y2") is its plot area, whatever its background.
  const plots = await page.$$eval("clipPath.axesclip", (clips) =>
    clips
      .filter((c) => /x\d*y\d*$/.test(c.id))
      .map((c) => {
        const r = c.querySelector("rect");
        const [x, y, w, h] = ["x", "y", "width", "height"].map((k) => Number(r?.getAttribute(k) ?? 0));
        return [x, y, x + w, y + h] as Box;
      }),
  );
  const size = await page.$eval("svg", (e) =>
    [e.getAttribute("width"), e.getAttribute("height")].map(Number),
  );
  return { width: size[0], height: size[1], texts, plots };
}

/** Overlap of two boxes in both directions, in pixels (negative: apart). */
function overlap(a: Box, b: Box): [number, number] {
  return [Math.min(a[2], b[2]) - Math.max(a[0], b[0]), Math.min(a[3], b[3]) - Math.max(a[1], b[1])];
}

/** What makes the chart hard to read; empty when every text is whole, apart and off the data. */
export function layoutProblems(chart: ChartText): string[] {
  const problems: string[] = [];
  const name = (t: TextBox) => `${t.role} "${t.text}"`;
  for (const t of chart.texts) {
    const [l, top, r, bottom] = t.box;
    if (l < -0.5 || top < -0.5 || r > chart.width + 0.5 || bottom > chart.height + 0.5)
      problems.push(`${name(t)} is cut off at the edge: [${t.box.map(Math.round).join(", ")}]`);
  }
  chart.texts.forEach((a, i) =>
    chart.texts.slice(i + 1).forEach((b) => {
      const [x, y] = overlap(a.box, b.box);
      if (x > 1 && y > 1) problems.push(`${name(a)} and ${name(b)} overlap`);
    }),
  );
  for (const t of chart.texts.filter((t) => t.role === "legendtext"))
    if (chart.plots.some((p) => overlap(t.box, p).every((v) => v > 0)))
      problems.push(`legend entry "${t.text}" lies on the plot area`);
  for (const p of chart.plots.slice(0, 1))
    if (p[2] - p[0] < chart.width / 3 || p[3] - p[1] < chart.height / 3)
      problems.push(`the plot area is squeezed to ${Math.round(p[2] - p[0])} x ${Math.round(p[3] - p[1])}`);
  const axes = new Set(chart.texts.map((t) => t.role).filter((r) => r.endsWith("tick")));
  for (const role of axes) problems.push(...tickProblems(chart, role));
  return problems;
}

/**
 * The number a tick label shows, or NaN: "−0.5", "1000", and plotly's superscripts, which it sets
 * off with zero-width spaces ("2×10\u200b−6\u200b" for 2×10<sup>−6</sup>).
 */
export function tickValue(text: string): number {
  const t = text.replace(/\u2212/g, "-").trim();
  const power = /^(?:(\d+(?:\.\d+)?)×)?10\u200b(-?\d+)\u200b?$/.exec(t);
  if (power) return Number(power[1] ?? 1) * 10 ** Number(power[2]);
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
}

/** Whether x is m × 10^k for one of the mantissas. */
function isRound(x: number, mantissas: number[]): boolean {
  const k = Math.floor(Math.log10(Math.abs(x)) + 1e-9);
  const m = Math.abs(x) / 10 ** k;
  return mantissas.some((r) => Math.abs(m - r) < 1e-6 * r);
}

/**
 * Problems of one axis's tick labels (texts of one role, e.g. "ytick"): when they are numbers, in
 * their order along the axis they must step evenly by a round step (1, 2, 2.5 or 5 × 10^k), or be
 * 1-2-5 values (a log axis), monotonic. Category labels are not checked.
 */
export function tickProblems(chart: ChartText, role: string): string[] {
  const ticks = chart.texts.filter((t) => t.role === role);
  const vertical = role.startsWith("y");
  // Along the axis: left to right, or bottom to top.
  ticks.sort((a, b) => (vertical ? b.box[3] - a.box[3] : a.box[0] - b.box[0]));
  const values = ticks.map((t) => tickValue(t.text));
  if (values.length < 2 || values.some(Number.isNaN)) return [];
  const steps = values.slice(1).map((v, i) => v - values[i]);
  const even = steps.every((d) => Math.abs(d - steps[0]) <= 1e-6 * Math.abs(steps[0]));
  const monotonic = steps.every((d) => Math.sign(d) === Math.sign(steps[0]) && d !== 0);
  if (even && monotonic && isRound(steps[0], [1, 2, 2.5, 5])) return [];
  if (monotonic && values.every((v) => v > 0 && isRound(v, [1, 2, 5]))) return [];
  return [`${role} labels ${ticks.map((t) => `"${t.text}"`).join(", ")} are not round steps or 1-2-5 values`];
}
