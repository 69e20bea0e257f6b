/**
 * Showing figures, images, tables and updating lines in the running tslab notebook.
 *
 * tslab's public `display` sends one MIME type per output. Notebook frontends pick the richest
 * type of ONE output they can render, so a chart must travel as one bundle (plotly's own MIME type,
 * interactive HTML, static PNG, plain text) to stay visible where JavaScript does not run (GitHub,
 * nbviewer). tslab keeps the function that writes a whole `display_data` content in its `jupyter`
 * module (`lastWriteDisplayData`, set for every executed cell); we reach it through Node's module
 * cache, which also works when the notebook's tslab and this library's tslab are different copies.
 * Outside a notebook (scripts, tests) the plain-text form is printed instead; inside a kernel whose
 * tslab lacks that function, too, after a one-time warning that says what is missing and lost.
 */

import { randomBytes } from "node:crypto";
import type { Figure } from "./charts";
import { renderFigure } from "./browser";
import { escapeHtml, figureDiv, figureSpec, figureTitle, staticPicture } from "./plotly";

/** One output: MIME type -> content (text, base64 for binary types, an object for JSON types). */
export type MimeBundle = Record<string, string | object>;

/** Plotly's MIME type, drawn natively by JupyterLab (with plotly's renderer) and VS Code. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** The content of a Jupyter `display_data` message. */
interface DisplayContent {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

/** Whether this process is a tslab kernel (started as `tslab kernel ...`), whatever tslab's internals. */
function isTslabKernel(): boolean {
  return /[\\/]tslab[\\/]/.test(process.argv[1] ?? "") && process.argv[2] === "kernel";
}

let writerMissingSaid = false;

/** What a tslab kernel without the private writer loses, said once per kernel. */
export const WRITER_MISSING =
  "vae-lab: this tslab kernel has no lastWriteDisplayData in tslab/dist/jupyter.js (a private " +
  "part of tslab that the library relies on to send a chart or image as one output with several " +
  "forms; it was written against tslab 1.0.22). Charts, images and tables are shown as plain text " +
  "only: no interactive charts, no static images, no HTML tables. Run `npm ci` to get the tslab " +
  "that package-lock.json names, and restart the kernel.";

/** The kernel's display writer, or null when no tslab kernel is executing in this process. */
function kernelWriter(): WriteDisplayData | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer: unknown = mod?.exports?.lastWriteDisplayData;
    if (typeof writer === "function") return writer as WriteDisplayData;
  }
  // Inside a kernel, falling back to text without a word would look like a chart that never came.
  if (isTslabKernel() && !writerMissingSaid) {
    writerMissingSaid = true;
    console.warn(WRITER_MISSING);
  }
  return null;
}

/** True inside a running tslab notebook kernel. */
export function inNotebook(): boolean {
  return kernelWriter() !== null;
}

/** Which output an update replaces: Jupyter's `display_id`, and whether this is a later update. */
export interface DisplayEntry {
  id: string;
  update: boolean;
}

/** Where {@link displayBundle} sends outputs; tests replace it to capture them. */
export type DisplaySink = (
  bundle: MimeBundle,
  metadata: Record<string, unknown>,
  entry?: DisplayEntry,
) => void;

let sinkOverride: DisplaySink | null = null;

/** Sends outputs to `sink` instead of the notebook (null restores the default); for tests. */
export function setDisplaySink(sink: DisplaySink | null): void {
  sinkOverride = sink;
}

/** True when outputs go to a notebook (or a test's sink) rather than to stdout as text. */
export function showsRichOutput(): boolean {
  return sinkOverride !== null || inNotebook();
}

function send(bundle: MimeBundle, metadata: Record<string, unknown>, entry?: DisplayEntry): void {
  if (typeof bundle["text/plain"] !== "string")
    throw new Error("displayBundle: every bundle needs a text/plain form.");
  if (sinkOverride) return sinkOverride(bundle, metadata, entry);
  const write = kernelWriter();
  const transient = entry ? { display_id: entry.id } : {};
  if (write) write({ data: bundle, metadata, transient }, entry?.update ?? false);
  else console.log(bundle["text/plain"]);
}

/**
 * Shows one output carrying several MIME types; the frontend picks the best it can render.
 * Outside a notebook, prints `text/plain` to stdout.
 */
export function displayBundle(bundle: MimeBundle, metadata: Record<string, unknown> = {}): void {
  send(bundle, metadata);
}

/** One output that each {@link UpdatingDisplay.show} replaces in place. */
export interface UpdatingDisplay {
  show(bundle: MimeBundle): void;
}

/**
 * An output that every `show` after the first replaces (Jupyter's update_display_data, as tslab's
 * `newDisplay()` does), e.g. a progress line. Outside a notebook each `show` prints its text.
 */
export function updatingDisplay(): UpdatingDisplay {
  const id = randomBytes(8).toString("hex");
  let update = false;
  return {
    show(bundle) {
      send(bundle, {}, { id, update });
      update = true;
    },
  };
}

/** Width and height of a PNG, read from its IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (png.length < 24 || view.getUint32(12) !== 0x49484452)
    throw new Error("pngSize: not a PNG file (no IHDR chunk).");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Options of {@link showImage}. */
export interface ShowImageOptions {
  /** What the image shows: a caption above it, and its text form (default "image", no caption). */
  title?: string;
  /** Display width in CSS pixels (default: the PNG's own width). */
  width?: number;
}

/** The text form of an image output, from which `npm run figures` reads the title back. */
export function imageText(title: string, png: Uint8Array): string {
  const { width, height } = pngSize(png);
  return `<${title}: PNG ${width}x${height}>`;
}

/**
 * Shows PNG bytes (e.g. from `digitGrid`) inline in the notebook, with its title as a caption
 * above it. The caption is an output of its own (HTML with a text form) so that the PNG is stored
 * once, as image/png, which every viewer shows (GitHub, nbviewer, untrusted notebooks).
 */
export function showImage(png: Uint8Array, opts: ShowImageOptions = {}): void {
  const text = imageText(opts.title ?? "image", png);
  if (opts.title && showsRichOutput())
    displayBundle({
      "text/html": `<div class="vae-lab-caption"><b>${escapeHtml(opts.title)}</b></div>`,
      "text/plain": opts.title,
    });
  displayBundle(
    { "image/png": Buffer.from(png).toString("base64"), "text/plain": text },
    opts.width ? { "image/png": { width: opts.width } } : {},
  );
}

/** A one-line text form of a figure (what terminals and text-only viewers show). */
export function describeFigure(fig: Figure): string {
  const names = fig.data.map((t, i) => String(t.name ?? `${t.type} ${i + 1}`));
  return `<Figure "${figureTitle(fig) || "untitled"}": ${fig.data.length} trace(s): ${names.join(", ")}>`;
}

/** Options of {@link showFigure}. */
export interface ShowFigureOptions {
  /**
   * The static picture to carry (PNG), in place of Chromium's render of the figure: e.g. an image
   * slider's first frame, which is the picture itself, smaller than a render of the whole chart.
   */
  staticPng?: Uint8Array;
}

/**
 * Shows a plotly figure in the notebook as ONE output holding: plotly's MIME type (JupyterLab, VS
 * Code), interactive HTML (the classic Notebook; it loads plotly.js from the Jupyter server), the
 * static PNG rendered by headless Chromium (shown by viewers without JavaScript, e.g. GitHub, and
 * inside the HTML, with a line saying how to make it live, until plotly draws), and a text form. Without Chromium the output says how to get
 * the static image. Outside a notebook it prints the text form.
 */
export async function showFigure(fig: Figure, opts: ShowFigureOptions = {}): Promise<void> {
  let text = describeFigure(fig);
  if (!showsRichOutput()) return void console.log(text);
  const size = opts.staticPng ? pngSize(opts.staticPng) : undefined;
  const width = size?.width ?? fig.layout.width ?? 700;
  const height = size?.height ?? fig.layout.height ?? 450;
  let png: string | null = null;
  let fallback: string;
  try {
    png = Buffer.from(opts.staticPng ?? (await renderFigure(fig, "png"))).toString("base64");
    fallback = staticPicture(png, figureTitle(fig) || "figure", width, height);
  } catch (err) {
    text += `\nStatic image unavailable: ${(err as Error).message}`;
    fallback = `<pre>${escapeHtml(text)}</pre>`;
  }
  const bundle: MimeBundle = {
    [PLOTLY_MIME]: figureSpec(fig),
    "text/html": figureDiv(fig, fallback),
    "text/plain": text,
  };
  if (png) bundle["image/png"] = png;
  displayBundle(bundle, png ? { "image/png": { width, height } } : {});
}
