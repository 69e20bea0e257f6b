/**
 * Tables (danfojs-node DataFrames, or plain arrays of records) as HTML for notebooks, aligned
 * plain text for terminals, and CSV files. danfojs is not imported here: anything with
 * `columns`, `values` and `index` like a DataFrame works.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { displayBundle } from "./display";
import { escapeHtml } from "./plotly";
import { flattenRecord } from "../records";

/** What a danfojs DataFrame offers (structurally), so callers need not import danfojs. */
export interface DataFrameLike {
  columns: string[];
  values: unknown[] | unknown[][];
  index: Array<string | number>;
}

/** A table: a DataFrame, or one record per row (e.g. a training history; nested parts become "train.loss" columns). */
export type TableInput = DataFrameLike | ReadonlyArray<object>;

/** Columns, rows and row labels (null when the index is just 0..n-1). */
interface Grid {
  columns: string[];
  rows: unknown[][];
  index: Array<string | number> | null;
}

function toGrid(table: TableInput): Grid {
  if (Array.isArray(table)) {
    const records = table.map((r) => flattenRecord(r as Record<string, unknown>));
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    return { columns, rows: records.map((r) => columns.map((c) => r[c])), index: null };
  }
  const df = table as DataFrameLike;
  if (!Array.isArray(df.columns) || !Array.isArray(df.values) || !Array.isArray(df.index)) {
    throw new Error("Expected a danfojs DataFrame (columns, values, index) or an array of records.");
  }
  const rows = df.values.map((r) => (Array.isArray(r) ? r : [r]));
  const plain = df.index.every((v, i) => v === i);
  return { columns: df.columns, rows, index: plain ? null : df.index };
}

/** Options of the table renderers. */
export interface TableOptions {
  /** Shown above the table. */
  title?: string;
  /** Significant digits of non-integer numbers (default 5; CSV keeps full precision). */
  digits?: number;
  /** At most this many rows are shown (default 60); CSV keeps all. */
  maxRows?: number;
}

/** Formats one cell for display: integers as-is, other numbers to `digits` significant digits. */
export function formatCell(value: unknown, digits = 5): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** Header and display rows (with the index as first column when it carries labels). */
function displayed(
  table: TableInput,
  opts: TableOptions,
): { header: string[]; body: string[][]; numeric: boolean[]; hidden: number } {
  const g = toGrid(table);
  const maxRows = opts.maxRows ?? 60;
  const shown = g.rows.slice(0, maxRows);
  const header = g.index ? ["", ...g.columns] : g.columns;
  const body = shown.map((r, i) => [
    ...(g.index ? [String(g.index[i])] : []),
    ...r.map((v) => formatCell(v, opts.digits)),
  ]);
  const numeric = header.map((_, c) => {
    const col = c - (g.index ? 1 : 0);
    return col >= 0 && shown.length > 0 && shown.every((r) => typeof r[col] === "number");
  });
  return { header, body, numeric, hidden: g.rows.length - shown.length };
}

/** The table as an HTML <table> (text escaped; numbers right-aligned). */
export function tableHtml(table: TableInput, opts: TableOptions = {}): string {
  const { header, body, numeric, hidden } = displayed(table, opts);
  const align = (c: number) => (numeric[c] ? ' style="text-align:right"' : ' style="text-align:left"');
  const lines = ['<table class="dataframe vae-lab-table" border="1">'];
  if (opts.title) lines.push(`<caption>${escapeHtml(opts.title)}</caption>`);
  lines.push(
    `<thead><tr>${header.map((h, c) => `<th${align(c)}>${escapeHtml(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
  );
  for (const row of body)
    lines.push(`<tr>${row.map((v, c) => `<td${align(c)}>${escapeHtml(v)}</td>`).join("")}</tr>`);
  lines.push("</tbody>", "</table>");
  if (hidden > 0) lines.push(`<p>... ${hidden} more rows</p>`);
  return lines.join("\n");
}

/** The table as aligned plain text, for terminals and text-only viewers. */
export function tableText(table: TableInput, opts: TableOptions = {}): string {
  const { header, body, numeric, hidden } = displayed(table, opts);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c])))
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  if (opts.title) out.unshift(opts.title);
  if (hidden > 0) out.push(`... ${hidden} more rows`);
  return out.join("\n");
}

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
function csvField(value: unknown): string {
  const s = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The whole table as CSV text (full precision, every row, index as first column when labelled). */
export function tableCsv(table: TableInput): string {
  const g = toGrid(table);
  const header = g.index ? ["", ...g.columns] : g.columns;
  const rows = g.rows.map((r, i) => (g.index ? [g.index[i], ...r] : r));
  return [header, ...rows].map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

/** Writes the table as a CSV file (creating folders as needed) and returns the path. */
export function saveCsv(table: TableInput, path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, tableCsv(table));
  return path;
}

/** Shows a table in the notebook as HTML (with its plain-text form for other viewers); prints the text outside one. */
export function showTable(table: TableInput, opts: TableOptions = {}): void {
  displayBundle({ "text/html": tableHtml(table, opts), "text/plain": tableText(table, opts) });
}
