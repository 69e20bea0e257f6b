/**
 * Saving figures for reuse: standalone HTML (interactive, plotly.js inlined), SVG and PNG of plotly
 * charts (rendered by headless Chromium), PNG of image grids, CSV of tables; by default into the
 * project's figures/ folder (gitignored), or VAE_LAB_FIGURES_DIR.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Figure } from "./charts";
import { renderFigure } from "./browser";
import { standaloneHtml } from "./plotly";
import { saveCsv, TableInput } from "./tables";

/** Environment variable naming the output folder of exports. */
export const FIGURES_DIR_ENV = "VAE_LAB_FIGURES_DIR";

/** Where exports go: VAE_LAB_FIGURES_DIR, or figures/ at the project root. */
export function figuresDir(): string {
  // This file is src/figures/export.ts or dist/figures/export.js: the root is two levels up.
  return process.env[FIGURES_DIR_ENV] ?? resolve(__dirname, "..", "..", "figures");
}

/** Where exports go (`dir` creates the folder if needed). */
export interface ExportOptions {
  /** Output folder (default {@link figuresDir}). */
  dir?: string;
}

function target(name: string, ext: string, opts: ExportOptions): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(
      `Figure name "${name}" must be letters, digits, ".", "_" or "-" (it becomes a file name).`,
    );
  }
  const dir = opts.dir ?? figuresDir();
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.${ext}`);
}

/** What {@link exportFigure} wrote, and why SVG/PNG are missing if they are. */
export interface ExportResult {
  files: string[];
  /** Set when Chromium could not render SVG and PNG: the reason and how to fix it. */
  missing?: string;
}

/**
 * Writes a plotly figure as `<name>.html` (standalone, interactive), `<name>.json` (its spec),
 * `<name>.svg` and `<name>.png` (2x pixel ratio). Without Chromium the HTML and JSON are still
 * written, and `fallbackPng` (e.g. the PNG a notebook showed) if given; `missing` says how to get
 * the rest.
 */
export async function exportFigure(
  fig: Figure,
  name: string,
  opts: ExportOptions & { scale?: number; fallbackPng?: Uint8Array } = {},
): Promise<ExportResult> {
  const files = [target(name, "html", opts), target(name, "json", opts)];
  writeFileSync(files[0], standaloneHtml(fig));
  writeFileSync(files[1], JSON.stringify(fig));
  try {
    const svg = await renderFigure(fig, "svg");
    const png = await renderFigure(fig, "png", { scale: opts.scale ?? 2 });
    files.push(target(name, "svg", opts), target(name, "png", opts));
    writeFileSync(files[2], svg);
    writeFileSync(files[3], png);
    return { files };
  } catch (err) {
    if (opts.fallbackPng) files.push(saveImage(opts.fallbackPng, name, opts));
    const missing = `${opts.fallbackPng ? "SVG" : "SVG and PNG"} of "${name}" not written: ${(err as Error).message}`;
    console.warn(missing);
    return { files, missing };
  }
}

/** Writes PNG bytes (e.g. from `digitGrid`) as `<name>.png` and returns the path. */
export function saveImage(png: Uint8Array, name: string, opts: ExportOptions = {}): string {
  const path = target(name, "png", opts);
  writeFileSync(path, png);
  return path;
}

/** Writes a table (DataFrame or records) as `<name>.csv` and returns the path. */
export function exportTable(table: TableInput, name: string, opts: ExportOptions = {}): string {
  return saveCsv(table, target(name, "csv", opts));
}
