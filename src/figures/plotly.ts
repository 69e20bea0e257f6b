/**
 * HTML for plotly figures: plotly.js inlined from node_modules (no CDN, works offline), a figure
 * div that keeps a static fallback until plotly draws over it, and standalone pages.
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Figure } from "./charts";

/** Path of the bundled plotly.js (from the `plotly.js-dist-min` package). */
export function plotlyPath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

let plotlySource: string | null = null;

/**
 * A <script> defining `window.Plotly`. `module`, `exports` and `define` are shadowed so the UMD
 * header never takes a CommonJS/AMD branch (the classic Notebook page has require.js loaded).
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
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Title text of a figure, or "" . */
export function figureTitle(fig: Figure): string {
  return fig.layout.title?.text ?? "";
}

/**
 * A div that plotly fills in, followed by the script that draws it. `fallback` (HTML, e.g. the
 * static PNG as an <img>) shows until plotly draws, and stays where scripts do not run. The script
 * waits up to 10 s for `window.Plotly`, since plotly.js may arrive in an earlier output.
 */
export function figureDiv(fig: Figure, fallback = ""): string {
  const id = `vae-lab-fig-${randomBytes(6).toString("hex")}`;
  const w = fig.layout.width ?? 700;
  const h = fig.layout.height ?? 450;
  const config = { responsive: false, displaylogo: false, ...fig.config };
  return [
    `<div id="${id}" class="vae-lab-figure" style="width:${w}px;min-height:${h}px">${fallback}</div>`,
    `<script type="text/javascript">(function(){`,
    `var fig=${scriptJson({ data: fig.data, layout: fig.layout, config })};`,
    `function draw(){var el=document.getElementById("${id}");if(!el)return;el.innerHTML="";`,
    `window.Plotly.newPlot(el,fig.data,fig.layout,fig.config);}`,
    `if(window.Plotly){draw();return;}`,
    `var tries=0,t=setInterval(function(){if(window.Plotly){clearInterval(t);draw();}else if(++tries>100){clearInterval(t);}},100);`,
    `})();</script>`,
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
