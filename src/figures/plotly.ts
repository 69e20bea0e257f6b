/**
 * HTML for plotly figures: chart outputs that draw themselves with the plotly.js the Jupyter server
 * serves (a notebook file never carries plotly.js), and standalone pages with plotly.js inlined
 * from node_modules (no CDN, work offline).
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Figure } from "./charts";
import { readableFigure } from "./readable";

/** Path of the bundled plotly.js (from the `plotly.js-dist-min` package). */
export function plotlyPath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

let plotlySource: string | null = null;

/**
 * A <script> defining `window.Plotly` (4.8 MB), for standalone pages. `module`, `exports` and
 * `define` are shadowed so the UMD header never takes a CommonJS/AMD branch, even in a page with
 * require.js.
 */
export function plotlyScriptTag(): string {
  plotlySource ??= readFileSync(plotlyPath(), "utf8");
  return `<script type="text/javascript">(function(){var module, exports, define;\n${escapeScript(plotlySource)}\n})();</script>`;
}

/** Makes text safe inside an inline <script>: no `</script` can end it early. */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1");
}

/** JSON safe to embed in a <script> (no "<" at all, no line separators that break old parsers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Title text of a figure, or "", on one line (a title wrapped to fit its figure has <br> breaks). */
export function figureTitle(fig: Figure): string {
  return (fig.layout.title?.text ?? "").replace(/<br\s*\/?>/gi, " ");
}

/** Where plotly.js is served to the classic Notebook, under /nbextensions/ (set-up copies it there). */
export const PLOTLY_NBEXTENSION = "vae-lab/plotly.min.js";

/**
 * The figure as a chart output carries it (plotly's MIME type and the HTML): laid out to be read
 * (`readableFigure`), with the config every view uses, its frames if any, and fractional numbers cut to 7 significant
 * digits. The library's data are float32, which hold no more, and JSON would print up to 17 (the
 * spec of a 2-D latent scatter of 3,000 codes with ellipses is then half as long).
 */
export function figureSpec(fig: Figure): Figure & { config: Record<string, unknown> } {
  const { data, layout } = readableFigure(fig);
  const spec = {
    data,
    layout,
    config: { responsive: false, displaylogo: false, ...fig.config },
    ...(fig.frames ? { frames: fig.frames } : {}),
  };
  return JSON.parse(
    JSON.stringify(spec, (_key, v: unknown) =>
      typeof v === "number" && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(7)) : v,
    ),
  );
}

/** require.js's name for plotly.js in the classic Notebook (its `nbextensions` path is /nbextensions/). */
const PLOTLY_MODULE = `nbextensions/${PLOTLY_NBEXTENSION.replace(/\.js$/, "")}`;

/**
 * The script of a chart output: waits until its div is in the page (the classic Notebook runs an
 * output's scripts before inserting the output), then draws it with plotly.js, loading plotly.js
 * first when the page has none. The load is shared by every chart of the page (so it does not matter
 * which output runs first) and comes from the Jupyter server, never a CDN: through require.js where
 * the page has it (the classic Notebook, where a plain <script> of a UMD bundle that calls an
 * anonymous define() fails with "Mismatched anonymous define()"), else by a <script> under the
 * server's base URL. When it fails, a note under the static image says why (in place of the line
 * that says how to make the chart live, which would not help).
 */
function drawScript(id: string, fig: Figure): string {
  return `(function () {
var id = "${id}", fig = ${scriptJson(figureSpec(fig))}, w = window;
function el() { return document.getElementById(id); }
function draw(Plotly) { var e = el(); e.innerHTML = ""; return Plotly.newPlot(e, fig); }
function note(text) {
  var line = el().querySelector(".vae-lab-static");
  if (line) line.remove();
  var p = document.createElement("p");
  p.className = "vae-lab-note";
  p.style.cssText = "color:#a33;font-size:13px;margin:4px 0";
  p.textContent = text;
  el().appendChild(p);
}
function loadPlotly() {
  return w.vaeLabPlotly || (w.vaeLabPlotly = new Promise(function (resolve, reject) {
    var from = "/nbextensions/${PLOTLY_NBEXTENSION}";
    function fail() { reject(new Error("plotly.js could not be loaded from " + from + " (npm start serves it)")); }
    if (typeof w.require === "function" && typeof w.define === "function" && w.define.amd) {
      w.require(["${PLOTLY_MODULE}"], function (P) { resolve((w.Plotly = w.Plotly || P)); }, fail);
      return;
    }
    var config = document.getElementById("jupyter-config-data");
    var base = config ? JSON.parse(config.textContent).baseUrl : document.body.getAttribute("data-base-url");
    if (!base) return reject(new Error("plotly.js is served by Jupyter, and this page does not come from Jupyter"));
    var s = document.createElement("script");
    s.src = from = (base.charAt(base.length - 1) === "/" ? base : base + "/") + from.slice(1);
    s.onload = function () { w.Plotly ? resolve(w.Plotly) : fail(); };
    s.onerror = fail;
    document.head.appendChild(s);
  }));
}
var tries = 0;
(function start() {
  if (!el()) { if (++tries < 400) setTimeout(start, 25); return; }
  if (w.Plotly) return draw(w.Plotly);
  loadPlotly().then(draw).catch(function (err) { note("Interactive chart unavailable: " + err.message + ". Showing the static image."); });
})();
})();`;
}

/** What the line under a chart's static picture says (where the chart's script did not run). */
export const STATIC_PICTURE_LINE =
  "Static picture of an interactive chart: run the cell, or trust the notebook, to make it live.";

/**
 * A chart's static picture (a PNG, base64) as HTML, with the line that says it is a picture and how
 * to make it live. It shows wherever the chart's script does not run: an untrusted notebook, HTML
 * exported without JavaScript, GitHub. Where the script runs, plotly draws over both.
 */
export function staticPicture(png: string, alt: string, width: number, height: number): string {
  return [
    `<img src="data:image/png;base64,${png}" alt="${escapeHtml(alt)}" width="${width}" height="${height}">`,
    `<p class="vae-lab-static" style="color:#666;font-size:12px;margin:2px 0">${STATIC_PICTURE_LINE}</p>`,
  ].join("\n");
}

/**
 * A div that plotly fills in, followed by the script that draws it. `fallback` (HTML, e.g. the
 * static PNG as an <img>) shows until plotly draws, and stays where scripts do not run.
 */
export function figureDiv(fig: Figure, fallback = ""): string {
  const id = `vae-lab-fig-${randomBytes(6).toString("hex")}`;
  const style = `width:${fig.layout.width ?? 700}px;min-height:${fig.layout.height ?? 450}px`;
  return [
    `<div id="${id}" class="vae-lab-figure" style="${style}">${fallback}</div>`,
    `<script type="text/javascript">${drawScript(id, fig)}</script>`,
  ].join("\n");
}

/** A self-contained HTML page showing one interactive figure (plotly.js inlined). */
export function standaloneHtml(fig: Figure, title = figureTitle(fig) || "figure"): string {
  return [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`,
    plotlyScriptTag(),
    "</head><body>",
    figureDiv(fig),
    "</body></html>",
    "",
  ].join("\n");
}
