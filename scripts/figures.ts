/**
 * Writes the figures the notebooks show, read back from executed notebooks (nothing is re-run, so
 * they are the notebooks' own figures, from the same runs, with the same titles). Each chart output
 * becomes `<notebook>-<nn>-<title>.json` (its plotly spec), `.html` (standalone, interactive, works
 * offline), `.svg` and `.png` (rendered from the spec by headless Chromium; without it the
 * notebook's own PNG, and no SVG); each image output becomes `<notebook>-<nn>-<title>.png`.
 *
 *   npm run figures                        from the committed notebooks, into figures/
 *   npm run figures -- --from DIR          from the executed notebooks in DIR
 *   npm run figures -- --only '^03_'       only the figures whose names match a pattern
 *   npm run figures -- --list              names and titles, nothing written
 *   --dir DIR                              output folder (default figures/, or VAE_LAB_FIGURES_DIR)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  type ExportResult,
  type Figure,
  PLOTLY_MIME,
  closeBrowser,
  exportFigure,
  figureTitle,
  figuresDir,
  findChromium,
  saveImage,
} from "../src";

const ROOT = resolve(__dirname, "..");

/** One figure a notebook shows: a plotly chart (with the PNG it showed) or a PNG image. */
export type NotebookFigure = { name: string; title: string } & (
  | { kind: "chart"; figure: Figure; png: Buffer | null }
  | { kind: "image"; png: Buffer }
);

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}

/** A file-name-safe form of a title: "2-D codes (mu)" -> "2-d-codes-mu". */
export function slug(title: string): string {
  const s = title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return s || "untitled";
}

const text = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));

/** The figures of an executed notebook, in the order it shows them. */
export function notebookFigures(path: string): NotebookFigure[] {
  const nb = JSON.parse(readFileSync(path, "utf8")) as { cells: { outputs?: Output[] }[] };
  const figures: NotebookFigure[] = [];
  const name = (title: string) =>
    `${basename(path, ".ipynb")}-${String(figures.length + 1).padStart(2, "0")}-${slug(title)}`;
  for (const output of nb.cells.flatMap((c) => c.outputs ?? [])) {
    const data = output.data ?? {};
    const png = data["image/png"] ? Buffer.from(text(data["image/png"]), "base64") : null;
    if (data[PLOTLY_MIME]) {
      const figure = data[PLOTLY_MIME] as Figure;
      const title = figureTitle(figure);
      figures.push({ kind: "chart", name: name(title), title, figure, png });
    } else if (png) {
      // showImage's text form: "<title: PNG 560x234>".
      const title = /^<(.*): PNG \d+x\d+>$/s.exec(text(data["text/plain"]))?.[1] ?? "";
      figures.push({ kind: "image", name: name(title), title, png });
    }
  }
  return figures;
}

/** Writes one figure's files into `dir`; returns them, and why some are missing if they are. */
export async function writeFigure(f: NotebookFigure, dir: string): Promise<ExportResult> {
  if (f.kind === "image") return { files: [saveImage(f.png, f.name, { dir })] };
  return exportFigure(f.figure, f.name, { dir, fallbackPng: f.png ?? undefined });
}

/** The executed notebooks of a folder, NN_*.ipynb in order. */
function notebooksIn(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`--from ${dir}: no such folder of executed notebooks.`);
  const names = readdirSync(dir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort();
  if (names.length === 0) throw new Error(`--from ${dir}: no NN_*.ipynb notebooks there.`);
  return names.map((n) => join(dir, n));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: "string", default: join(ROOT, "notebooks") },
      dir: { type: "string" },
      only: { type: "string" },
      list: { type: "boolean", default: false },
    },
  });
  const only = values.only ? new RegExp(values.only) : null;
  const figures = notebooksIn(resolve(values.from!))
    .flatMap((nb) => notebookFigures(nb))
    .filter((f) => !only || only.test(f.name));
  if (figures.length === 0)
    throw new Error(
      `No chart or image outputs${only ? ` matching ${only}` : ""} in ${values.from}: ` +
        "execute the notebooks first (npm run notebooks:outputs), or pass --from a folder of executed ones.",
    );
  if (values.list) {
    for (const f of figures) console.log(`${f.name}  (${f.kind}: ${f.title || "untitled"})`);
    return;
  }
  const dir = values.dir ?? figuresDir();
  const chromium = findChromium();
  if ("reason" in chromium) console.log(`Charts get the notebooks' own PNG and no SVG: ${chromium.reason}`);
  const start = Date.now();
  let files = 0;
  try {
    for (const f of figures) {
      const r = await writeFigure(f, dir);
      files += r.files.length;
      console.log(`${f.name}: ${r.files.map((file) => file.slice(file.lastIndexOf(".") + 1)).join(", ")}`);
    }
  } finally {
    await closeBrowser();
  }
  const seconds = ((Date.now() - start) / 1000).toFixed(0);
  console.log(`${files} files for ${figures.length} figures in ${dir} (${seconds} s)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
