/**
 * Saving figures for reuse: standalone HTML (interactive, plotly.js inlined), SVG and PNG of plotly
 * charts (rendered by headless Chromium), PNG of image grids, CSV of tables. By default into the
 * project's figures/ folder (gitignored) in full mode, and figures/quick/ in quick mode, so that a
 * quick run never replaces what a reader's full run exported; or into VAE_LAB_FIGURES_DIR.
 *
 * Beside each export, `<name>.meta.json` records for every file which notebook, mode, seed and
 * commit made it. A file is replaced in one rename, never written through a symlink.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Figure } from "./charts";
import { renderFigure } from "./browser";
import { escapeHtml, standaloneHtml } from "./plotly";
import type { LatentExplorer } from "./explorer";
import { TableInput, tableCsv } from "./tables";
import { type RunMode, runMode } from "../mode";
import { fileProblem, makeFolders, replaceFile, writeFix } from "../files";

/** Environment variable naming the output folder of exports. */
export const FIGURES_DIR_ENV = "VAE_LAB_FIGURES_DIR";
/** Environment variable naming the notebook being run (the notebook runner sets it). */
export const NOTEBOOK_ENV = "VAE_LAB_NOTEBOOK";
/** Longest export name: with an extension and ".meta.json", a file name stays under 255 bytes. */
const MAX_NAME = 200;

/** The project's figures/ folder. This file is src/figures/export.ts or dist/figures/export.js. */
const PROJECT_FIGURES = resolve(__dirname, "..", "..", "figures");

/**
 * Where exports go: VAE_LAB_FIGURES_DIR (checked), else the project's figures/ in full mode and
 * figures/quick/ in quick mode.
 */
export function figuresDir(): string {
  const value = process.env[FIGURES_DIR_ENV];
  const fallback = runMode() === "quick" ? join(PROJECT_FIGURES, "quick") : PROJECT_FIGURES;
  if (value === undefined) return fallback;
  const fix = `set it to the folder exports should go to, or unset it (exports then go to ${fallback})`;
  if (value.trim() === "")
    throw new Error(`${FIGURES_DIR_ENV} is set but empty: ${fix}. Nothing was written.`);
  if (existsSync(value) && !statSync(value).isDirectory())
    throw new Error(`${FIGURES_DIR_ENV}=${value} is a file, not a folder: ${fix}. Nothing was written.`);
  return value;
}

/** Where exports go and what they record about their origin. */
export interface ExportOptions {
  /** Output folder (default {@link figuresDir}), created if needed. */
  dir?: string;
  /** The notebook that made the export (default VAE_LAB_NOTEBOOK, or Jupyter's session name). */
  notebook?: string;
  /** The seed (or seeds) of the run that made it, recorded beside it. */
  seed?: number | number[];
}

/** The folder of an export, made if needed, after the name is checked; nothing is written on error. */
function exportFolder(name: string, opts: ExportOptions): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(
      `Figure name "${name}" must be letters, digits, ".", "_" or "-" (it becomes a file name).`,
    );
  }
  if (name.length > MAX_NAME) {
    throw new Error(
      `Figure name "${name.slice(0, 40)}..." has ${name.length} characters: use at most ${MAX_NAME} ` +
        "(file names are limited to 255 bytes, extension included). Nothing was written.",
    );
  }
  const dir = opts.dir ?? figuresDir();
  try {
    makeFolders(dir);
  } catch (err) {
    throw new Error(
      `Cannot export "${name}" to ${dir}: ${fileProblem(err)}. Nothing was written. ${writeFix(err)}`,
    );
  }
  return dir;
}

/** Writes the files of one export, then its record beside them; returns their paths. */
function writeExport(name: string, files: [string, string | Uint8Array][], opts: ExportOptions): string[] {
  const dir = exportFolder(name, opts);
  const paths: string[] = [];
  for (const [ext, data] of files) {
    const path = join(dir, `${name}.${ext}`);
    try {
      replaceFile(path, data);
    } catch (err) {
      const kept = existsSync(path) ? "The file there was kept as it was" : "Nothing was written there";
      throw new Error(`Cannot write ${path}: ${fileProblem(err)}. ${kept}. ${writeFix(err)}`);
    }
    paths.push(path);
  }
  recordOrigin(dir, name, paths, opts);
  return paths;
}

/** What `<name>.meta.json` records of each file. */
export interface ExportOrigin {
  notebook: string | null;
  mode: RunMode;
  seed: number | number[] | null;
  /** The project's git commit, with "-dirty" when files differ from it; null outside a git checkout. */
  commit: string | null;
  /** When it was written (ISO time). */
  written: string;
}

/** Adds the files' origin to `<name>.meta.json` (files of other exports of that name keep theirs). */
function recordOrigin(dir: string, name: string, paths: string[], opts: ExportOptions): void {
  const meta = join(dir, `${name}.meta.json`);
  let record: Record<string, ExportOrigin> = {};
  try {
    const earlier = JSON.parse(readFileSync(meta, "utf8"));
    if (typeof earlier === "object" && earlier !== null && !Array.isArray(earlier)) record = earlier;
  } catch {
    // none yet, or not ours: written anew
  }
  const origin: ExportOrigin = {
    notebook: opts.notebook ?? notebookName(),
    mode: runMode(),
    seed: opts.seed ?? null,
    commit: projectCommit(),
    written: new Date().toISOString(),
  };
  for (const path of paths) record[basename(path)] = origin;
  replaceFile(meta, JSON.stringify(record, null, 2) + "\n");
}

/** The notebook being run: the runner's VAE_LAB_NOTEBOOK, or the session Jupyter names, else null. */
function notebookName(): string | null {
  const session = process.env[NOTEBOOK_ENV] ?? process.env.JPY_SESSION_NAME;
  return session ? basename(session) : null;
}

let commit: string | null | undefined;
/** The project's commit ("-dirty" when tracked files differ from it), read once; null without git. */
function projectCommit(): string | null {
  if (commit !== undefined) return commit;
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: resolve(PROJECT_FIGURES, ".."), encoding: "utf8", stdio: "pipe" });
  try {
    const head = git("rev-parse", "HEAD").trim();
    commit = git("status", "--porcelain", "--untracked-files=no").trim() ? `${head}-dirty` : head;
  } catch {
    commit = null;
  }
  return commit;
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
  exportFolder(name, opts); // checks name and folder before Chromium starts
  const files = writeExport(
    name,
    [
      ["html", standaloneHtml(fig)],
      ["json", JSON.stringify(fig)],
    ],
    opts,
  );
  let rendered: [string, string | Uint8Array][];
  try {
    rendered = [
      ["svg", await renderFigure(fig, "svg")],
      ["png", await renderFigure(fig, "png", { scale: opts.scale ?? 2 })],
    ];
  } catch (err) {
    if (opts.fallbackPng) files.push(saveImage(opts.fallbackPng, name, opts));
    const missing = `${opts.fallbackPng ? "SVG" : "SVG and PNG"} of "${name}" not written: ${(err as Error).message}`;
    console.warn(missing);
    return { files, missing };
  }
  return { files: [...files, ...writeExport(name, rendered, opts)] };
}

/**
 * Writes a latent explorer as `<name>.html` (a standalone page: its decoder and codes are in the
 * page, so it needs no server and no plotly.js) and `<name>.png` (its static picture).
 */
export function exportExplorer(explorer: LatentExplorer, name: string, opts: ExportOptions = {}): string[] {
  const page = [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtml(explorer.title)}</title></head><body>`,
    explorer.html,
    "</body></html>",
    "",
  ].join("\n");
  return writeExport(
    name,
    [
      ["html", page],
      ["png", explorer.staticPng],
    ],
    opts,
  );
}

/** Writes PNG bytes (e.g. from `digitGrid`) as `<name>.png` and returns the path. */
export function saveImage(png: Uint8Array, name: string, opts: ExportOptions = {}): string {
  return writeExport(name, [["png", png]], opts)[0];
}

/** Writes a table (DataFrame or records) as `<name>.csv` and returns the path. */
export function exportTable(table: TableInput, name: string, opts: ExportOptions = {}): string {
  return writeExport(name, [["csv", tableCsv(table)]], opts)[0];
}
