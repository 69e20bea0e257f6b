/**
 * The latent explorer: one output with the test codes of a 2-D model, coloured by label, beside
 * the digit the decoder draws for the code under the mouse (or finger). The decoder runs in the
 * page, in plain JavaScript, from quantised weights embedded in the output (no tfjs, no kernel
 * round trip); clicking a test code draws its posterior's one-sigma ellipse and its
 * reconstruction. Where scripts do not run, the static manifold shows, with a line saying so.
 */
import { randomBytes } from "node:crypto";
import * as tf from "@tensorflow/tfjs";
import { type Model, decodeMean } from "../model/model";
import { PALETTE } from "./charts";
import { displayBundle } from "./display";
import { latentManifoldWithAxes } from "./manifold-axes";
import { escapeHtml, scriptJson } from "./plotly";
import { posterise } from "./png";
import {
  DECODER_JS,
  type QuantisedDecoder,
  quantisationError,
  quantiseDecoder,
  squareGrid,
} from "./quantised-decoder";

/** What the line under the explorer's static picture says (where its script did not run). */
export const EXPLORER_STATIC_LINE =
  "Static picture of the latent explorer (the decoded manifold): run the cell, or trust the " +
  "notebook, to move over the codes and watch the decoder draw.";

/** Options of {@link latentExplorer}. */
export interface ExplorerOptions {
  /** The codes' log-variances, for the posterior ellipse of a clicked code. */
  logVar?: number[][];
  /** Heading of the output. */
  title?: string;
  /** The square shown, [lo, hi] on both axes (default: the codes and [-3, 3], rounded out). */
  extent?: [number, number];
  /** Principal directions kept of the last layer (default 24; see `quantiseDecoder`). */
  rank?: number;
  /** Grey (colour) levels the static picture is stored with (default 32; see `posterise`). */
  levels?: number;
  /**
   * The static picture (PNG), stored with 32 levels per channel; default: the decoded manifold
   * over the extent, with axes.
   */
  staticPng?: Uint8Array;
  /** Side of the plane in CSS pixels (default 420). */
  size?: number;
}

/** A built explorer: its HTML, the static picture, and how far the page's decoder is off. */
export interface LatentExplorer {
  html: string;
  staticPng: Uint8Array;
  /** Largest and mean |page - tfjs| of the pixel means over a 25 x 25 grid of the extent. */
  error: { max: number; mean: number };
  /** The decoder as the page runs it. */
  decoder: QuantisedDecoder;
  extent: [number, number];
  title: string;
}

/** The default square: the codes and [-3, 3], out to a multiple of 0.5. */
function defaultExtent(mu: number[][]): [number, number] {
  const reach = Math.max(3, ...mu.flatMap((m) => m.map(Math.abs)));
  const half = Math.ceil(reach * 2) / 2;
  return [-half, half];
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Checks the codes, labels and log-variances, with errors that say what to pass. */
function checkInputs(model: Model, mu: number[][], labels: ArrayLike<number>, logVar?: number[][]) {
  if (model.config.latentDim !== 2)
    throw new Error(
      `latentExplorer: the explorer draws a 2-D latent space; this model has latentDim ` +
        `${model.config.latentDim}. Train one with latentDim: 2.`,
    );
  if (mu.length !== labels.length || mu.length === 0)
    throw new Error(`latentExplorer: ${mu.length} codes but ${labels.length} labels (need as many, > 0).`);
  if (!mu.every((m) => m.length === 2 && m.every(Number.isFinite)))
    throw new Error("latentExplorer: every code must be two finite numbers [z0, z1].");
  if (logVar && (logVar.length !== mu.length || !logVar.every((l) => l.length === 2)))
    throw new Error(`latentExplorer: logVar needs one [lv0, lv1] row per code (${mu.length}).`);
}

/**
 * Builds the latent explorer of a 2-D MLP model: `mu` the codes (rows [z0, z1], or a tensor) of
 * test images and `labels` their labels. Show it with {@link showExplorer}; export it with
 * `exportExplorer`.
 */
export function latentExplorer(
  model: Model,
  mu: number[][] | tf.Tensor2D,
  labels: ArrayLike<number>,
  opts: ExplorerOptions = {},
): LatentExplorer {
  const codes = mu instanceof tf.Tensor ? (mu.arraySync() as number[][]) : mu;
  checkInputs(model, codes, labels, opts.logVar);
  const extent = opts.extent ?? defaultExtent(codes);
  const decoder = quantiseDecoder(model, { rank: opts.rank ?? 24, extent });
  const error = quantisationError(model, decoder, squareGrid(extent, 25));
  const staticPng = posterise(
    opts.staticPng ??
      latentManifoldWithAxes((z) => decodeMean(model, z), {
        values: Array.from({ length: 15 }, (_, i) => extent[0] + ((i + 0.5) * (extent[1] - extent[0])) / 15),
        decimals: 1,
      }),
    opts.levels ?? 32,
  );

  const title = opts.title ?? `Latent explorer: ${codes.length} test codes`;
  const data = {
    title,
    extent,
    size: opts.size ?? 420,
    net: decoder,
    mu: codes.flat().map(round),
    sigma: opts.logVar?.flat().map((lv) => round(Math.exp(lv / 2))) ?? null,
    labels: Array.from(labels),
    palette: PALETTE,
    error: Number(error.max.toPrecision(2)),
  };
  return { html: explorerHtml(data, staticPng, title), staticPng, error, decoder, extent, title };
}

/** The output's HTML: the static picture and its line, then the script that builds the explorer. */
function explorerHtml(data: object, png: Uint8Array, title: string): string {
  const id = `vae-lab-explorer-${randomBytes(6).toString("hex")}`;
  const img = `<img src="data:image/png;base64,${Buffer.from(png).toString("base64")}" alt="${escapeHtml(title)}">`;
  return [
    `<div id="${id}" class="vae-lab-explorer"><div class="vae-lab-explorer-static">`,
    `<div class="vae-lab-caption"><b>${escapeHtml(title)}</b></div>${img}`,
    `<p class="vae-lab-static" style="color:#666;font-size:12px;margin:2px 0">${EXPLORER_STATIC_LINE}</p></div></div>`,
    `<script type="text/javascript">(function () {\nvar id = "${id}", data = ${scriptJson(data)};\n` +
      `${DECODER_JS}\n${EXPLORER_JS}\n})();</script>`,
  ].join("\n");
}

/** Shows the explorer as one output (its HTML with the static picture inside, and a text form). */
export function showExplorer(explorer: LatentExplorer): void {
  displayBundle({
    "text/html": explorer.html,
    "text/plain": `<${explorer.title}: latent explorer (static picture where scripts do not run)>`,
  });
}

/**
 * The page side, run in a function that has `id`, `data` and `decode`: waits for its div (the
 * classic Notebook runs an output's scripts before inserting it), then draws the plane, and on
 * every pointer move decodes the code under the pointer into the digit canvas. The static
 * manifold stays below it; only its caption and its line (that it is a picture) are hidden.
 */
const EXPLORER_JS = String.raw`
var tries = 0;
function el() { return document.getElementById(id); }
function start() {
  if (!el()) { if (++tries < 400) setTimeout(start, 25); return; }
  var root = el(), S = data.size, pad = 36, lo = data.extent[0], hi = data.extent[1];
  var n = data.labels.length, scale = (S - 2 * pad) / (hi - lo);
  [".vae-lab-static", ".vae-lab-caption"].forEach(function (s) {
    var e = root.querySelector(".vae-lab-explorer-static " + s);
    if (e) e.style.display = "none";
  });
  root.insertAdjacentHTML("afterbegin",
    '<div class="vae-lab-explorer-live" style="font:13px sans-serif">' +
    '<b class="vae-lab-explorer-title"></b><div style="display:flex;gap:16px;align-items:flex-start">' +
    '<canvas class="vae-lab-explorer-plane" width="' + S + '" height="' + S + '" style="cursor:crosshair;touch-action:none"></canvas>' +
    '<div><div>decoded at the pointer</div><canvas class="vae-lab-explorer-digit" width="28" height="28" style="width:168px;height:168px;image-rendering:pixelated;border:1px solid #ccc"></canvas>' +
    '<div class="vae-lab-explorer-z">z = (, )</div>' +
    '<div style="margin-top:8px">clicked test code</div><canvas class="vae-lab-explorer-recon" width="28" height="28" style="width:112px;height:112px;image-rendering:pixelated;border:1px solid #ccc"></canvas>' +
    '<div class="vae-lab-explorer-picked">click a point</div></div></div>' +
    '<div style="color:#666;font-size:12px;max-width:' + (S + 200) + 'px">The decoder runs in this page from 8-bit weights (largest pixel difference from the kernel\'s decoder over the square: ' + data.error + '). Move over the plane; click a code for its one-sigma ellipse and its reconstruction (the decoder at its mean).</div></div>');
  root.querySelector(".vae-lab-explorer-title").textContent = data.title;
  var plane = root.querySelector(".vae-lab-explorer-plane"), ctx = plane.getContext("2d");
  var px = function (z) { return pad + (z - lo) * scale; };
  var py = function (z) { return S - pad - (z - lo) * scale; };
  var picked = -1;
  function drawPlane() {
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, S, S);
    ctx.strokeStyle = "#999"; ctx.strokeRect(pad, pad, S - 2 * pad, S - 2 * pad);
    ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.textAlign = "center";
    for (var t = Math.ceil(lo); t <= Math.floor(hi); t++) {
      ctx.fillText(String(t), px(t), S - pad + 14);
      ctx.fillText(String(t), pad - 14, py(t) + 4);
    }
    ctx.fillText("z0", S / 2, S - 6); ctx.fillText("z1", 10, S / 2);
    ctx.setLineDash([4, 4]); ctx.strokeStyle = "#bbb";
    [1, 2, 3].forEach(function (r) { ctx.beginPath(); ctx.arc(px(0), py(0), r * scale, 0, 2 * Math.PI); ctx.stroke(); });
    ctx.setLineDash([]);
    for (var i = 0; i < n; i++) {
      if (Math.max(Math.abs(data.mu[2 * i] - (lo + hi) / 2), Math.abs(data.mu[2 * i + 1] - (lo + hi) / 2)) > (hi - lo) / 2) continue;
      ctx.globalAlpha = 0.7; ctx.fillStyle = data.palette[data.labels[i] % data.palette.length];
      ctx.beginPath(); ctx.arc(px(data.mu[2 * i]), py(data.mu[2 * i + 1]), 2.5, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (picked >= 0) {
      var x = px(data.mu[2 * picked]), y = py(data.mu[2 * picked + 1]);
      ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
      if (data.sigma) { ctx.beginPath(); ctx.ellipse(x, y, data.sigma[2 * picked] * scale, data.sigma[2 * picked + 1] * scale, 0, 0, 2 * Math.PI); ctx.stroke(); }
      ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
    }
  }
  function paint(canvas, z) {
    var p = decode(data.net, z), c = canvas.getContext("2d"), img = c.createImageData(28, 28);
    for (var i = 0; i < 784; i++) {
      var g = Math.round(Math.min(1, Math.max(0, p[i])) * 255);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
    }
    c.putImageData(img, 0, 0);
  }
  function codeAt(e) {
    var r = plane.getBoundingClientRect();
    var x = (e.clientX - r.left) * plane.width / r.width, y = (e.clientY - r.top) * plane.height / r.height;
    return [lo + (x - pad) / scale, lo + (S - pad - y) / scale];
  }
  function hover(z) {
    paint(root.querySelector(".vae-lab-explorer-digit"), z);
    root.setAttribute("data-z", z[0] + "," + z[1]);
    root.querySelector(".vae-lab-explorer-z").textContent = "z = (" + z[0].toFixed(2) + ", " + z[1].toFixed(2) + ")";
  }
  plane.addEventListener("pointermove", function (e) { hover(codeAt(e)); });
  plane.addEventListener("pointerdown", function (e) {
    var z = codeAt(e), best = -1, bestD = Infinity;
    for (var i = 0; i < n; i++) {
      var d = Math.pow(data.mu[2 * i] - z[0], 2) + Math.pow(data.mu[2 * i + 1] - z[1], 2);
      if (d < bestD) { bestD = d; best = i; }
    }
    if (Math.sqrt(bestD) * scale > 12) return hover(z);
    picked = best; drawPlane();
    paint(root.querySelector(".vae-lab-explorer-recon"), [data.mu[2 * best], data.mu[2 * best + 1]]);
    root.setAttribute("data-picked", String(best));
    var s = data.sigma ? ", sigma (" + data.sigma[2 * best].toFixed(3) + ", " + data.sigma[2 * best + 1].toFixed(3) + ")" : "";
    root.querySelector(".vae-lab-explorer-picked").textContent = "test code " + best + ", label " + data.labels[best] + ": mu (" + data.mu[2 * best].toFixed(2) + ", " + data.mu[2 * best + 1].toFixed(2) + ")" + s;
  });
  drawPlane();
  hover([0, 0]);
  root.setAttribute("data-ready", "1");
}
start();`;
