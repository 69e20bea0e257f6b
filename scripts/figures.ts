/**
 * Writes every figure of the course to figures/ (or --dir): charts as standalone HTML, JSON spec,
 * SVG and PNG (SVG/PNG need Chromium), image grids as PNG, tables as CSV. Data come from the
 * dataset files; model figures from short seeded training runs (no notebook is executed).
 * Figure specs that notebooks saved with `exportFigure` are re-rendered if their images are missing.
 *
 *   npm run figures                       every figure
 *   npm run figures -- --only '^03-'      the figures whose names match a pattern
 *   npm run figures -- --list             names and notebooks, nothing written
 */
import { parseArgs } from "node:util";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { COURSE_FIGURES, exportCourseFigures, FigureContext } from "../src/figures/catalog";
import { exportSavedFigures, figuresDir } from "../src/figures/export";
import { describeBackend, selectBackend } from "../src/backend";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      only: { type: "string" },
      list: { type: "boolean", default: false },
      "train-images": { type: "string", default: "10000" },
      epochs: { type: "string", default: "5" },
      seed: { type: "string", default: "1" },
    },
  });
  if (values.list) {
    for (const f of COURSE_FIGURES) console.log(`${f.name.padEnd(22)} ${f.notebook}`);
    return;
  }
  const dir = values.dir ?? figuresDir();
  const chromium = findChromium();
  if ("reason" in chromium)
    console.warn(`Only HTML, JSON, PNG grids and CSV will be written: ${chromium.reason}`);
  console.log(describeBackend(await selectBackend()));
  const ctx = new FigureContext(Number(values["train-images"]), Number(values.epochs), Number(values.seed));
  const start = Date.now();
  try {
    const files = await exportCourseFigures(ctx, {
      dir,
      only: values.only ? new RegExp(values.only) : undefined,
    });
    const saved = await exportSavedFigures({ dir });
    for (const [name, r] of Object.entries(saved))
      console.log(`${name} (saved spec): ${r.files.length} files`);
    console.log(
      `${files.length} files for ${COURSE_FIGURES.length} course figures in ${dir} (${((Date.now() - start) / 1000).toFixed(0)} s)`,
    );
  } finally {
    await ctx.dispose();
    await closeBrowser();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
