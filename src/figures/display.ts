/**
 * Showing figures, images and tables in the running tslab notebook.
 *
 * tslab's public `display` sends one MIME type per output. Notebook frontends pick the richest
 * type of ONE output they can render, so a chart must travel as one bundle (interactive HTML +
 * static PNG + plain text) to stay visible where JavaScript does not run (GitHub, nbviewer).
 * tslab keeps the function that writes a whole `display_data` content in its `jupyter` module
 * (`lastWriteDisplayData`, set for every executed cell); we reach it through Node's module cache,
 * which also works when the notebook's tslab and this library's tslab are different copies.
 * Outside a notebook (scripts, tests) the plain-text form is printed instead.
 */

import type { Figure } from "./charts";
import { renderFigure } from "./browser";
import { escapeHtml, figureDiv, figureTitle, plotlyScriptTag } from "./plotly";

/** One output: MIME type -> content (text, or base64 for binary types). */
export type MimeBundle = Record<string, string>;

/** The content of a Jupyter `display_data` message. */
interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

/** The kernel's display writer, or null when no tslab kernel is executing in this process. */
function kernelWriter(): WriteDisplayData | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer: unknown = mod?.exports?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as WriteDisplayData;
  }
  return null;
}

/** True inside a running tslab notebook kernel. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

/** Where {@link displayBundle} sends outputs; tests replace it to capture them. */
export type DisplaySink = (bundle: MimeBundle, metadata: Record<string, unknown>) => void;

let sinkOverride: DisplaySink | null = null;

/** Sends outputs to `sink` instead of the notebook (null restores the default); for tests. */
export function setDisplaySink(sink: DisplaySink | null): void {
  sinkOverride = sink;
}

/**
 * Shows one output carrying several MIME types; the frontend picks the best it can render.
 * Outside a notebook, prints `text/plain` to stdout.
 */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): void {
  if (!("text/plain" in bundle)) throw new Error("displayBundle: every bundle needs a text/plain form.");
  if (sinkOverride) return sinkOverride(bundle, metadata);
  const write = kernelWriter();
  if (write) write({ data: bundle, metadata, transient: {} }, false);
  else console.log(bundle["text/plain"]);
}

/** Width and height of a PNG, read from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 24 || view.getUint32(12) !== 0x49484452) throw new Error("pngSize: not a PNG file (no IHDR chunk).");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Options of {@link showImage}. */
export interface ShowImageOptions {
  /** What the image shows; used as its text form (default "image"). */
  title?: string;
  /** Display width in CSS pixels (default: the PNG's own width). */
  width?: number;
}

/** Shows PNG bytes (e.g. from `digitGrid`) inline in the notebook. */
export function showImage(png: Uint8Array, opts: ShowImageOptions = {}): void {
  const { width, height } = pngSize(png);
  displayBundle(
    {
      "image/png": Buffer.from(png).toString("base64"),
      "text/plain": `<${opts.title ?? "image"}: PNG ${width}x${height}>`,
    },
    opts.width ? { "image/png": { width: opts.width } } : {},
  );
}

/** A one-line text form of a figure (what terminals and text-only viewers show). */
export function describeFigure(fig: Figure): string {
  const names = fig.data.map((t, i) => String(t.name ?? `${t.type} ${i + 1}`));
  return `<Figure "${figureTitle(fig) || "untitled"}": ${fig.data.length} trace(s): ${names.join(", ")}>`;
}

// plotly.js (4.8 MB) goes into the first chart output of a kernel session only.
let plotlySent = false;

/** Makes the next {@link showFigure} include plotly.js again (e.g. after clearing all outputs). */
export function resendPlotly(): void {
  plotlySent = false;
}

/**
 * Shows a plotly figure in the notebook as ONE output holding: interactive HTML (plotly.js from
 * node_modules, inlined once per session), the static PNG rendered by headless Chromium (shown by
 * viewers without JavaScript, e.g. GitHub, and inside the HTML until plotly draws), and a text
 * form. Without Chromium the output says how to get the static image. Outside a notebook it
 * prints the text form.
 */
export async function showFigure(fig: Figure): Promise<void> {
  let text = describeFigure(fig);
  if (!sinkOverride && !inNotebook()) return void console.log(text);
  const width = fig.layout.width ?? 700;
  const height = fig.layout.height ?? 450;
  let png: Uint8Array | null = null;
  let fallback: string;
  try {
    png = await renderFigure(fig, "png");
    const src = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
    fallback = `<img src="${src}" alt="${escapeHtml(figureTitle(fig) || "figure")}" width="${width}" height="${height}">`;
  } catch (err) {
    const note = `Static image unavailable: ${(err as Error).message}`;
    text += `\n${note}`;
    fallback = `<pre>${escapeHtml(text)}</pre>`;
  }
  const bundle: MimeBundle = {
    "text/html": (plotlySent ? "" : plotlyScriptTag()) + figureDiv(fig, fallback),
    "text/plain": text,
  };
  if (png) bundle["image/png"] = Buffer.from(png).toString("base64");
  displayBundle(bundle, png ? { "image/png": { width, height } } : {});
  plotlySent = true;
}
