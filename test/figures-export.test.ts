import { test, after } from "node:test";
import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { barChart } from "../src/figures/charts";
import { pngSize } from "../src/figures/display";
import { exportFigure, exportTable, figuresDir, saveImage } from "../src/figures/export";
import { digitGrid } from "../src/figures/images";

after(closeBrowser);

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-export-"));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const fig = barChart(["vae", "iwae"], { nll: [86.76, 84.78] }, { title: "NLL" });

test("exportFigure writes standalone HTML, JSON, SVG and a 2x PNG", async (t) => {
  if ("reason" in findChromium()) return t.skip("no Chromium");
  await withDir(async (dir) => {
    const r = await exportFigure(fig, "nll", { dir });
    assert.equal(r.missing, undefined);
    assert.deepEqual(
      r.files.map((f) => f.slice(dir.length + 1)),
      ["nll.html", "nll.json", "nll.svg", "nll.png"],
    );
    assert.ok(readFileSync(join(dir, "nll.html"), "utf8").includes("window.Plotly = Plotly"));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "nll.json"), "utf8")), fig);
    const svg = readFileSync(join(dir, "nll.svg"), "utf8");
    assert.match(svg, /^<svg[^>]*width="700" height="450"/);
    assert.equal(svg.match(/class="point"/g)?.length, 2, "two bars in the SVG");
    assert.deepEqual(pngSize(readFileSync(join(dir, "nll.png"))), { width: 1400, height: 900 });
  });
});

test("without Chromium, exportFigure writes HTML, JSON and a given PNG, and says how to get the rest", async () => {
  const saved = process.env.VAE_LAB_CHROMIUM;
  process.env.VAE_LAB_CHROMIUM = "/nonexistent/chromium";
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    await closeBrowser();
    await withDir(async (dir) => {
      const r = await exportFigure(fig, "nll", { dir });
      assert.equal(r.files.length, 2);
      assert.match(r.missing ?? "", /apt-get install .*chromium.*VAE_LAB_CHROMIUM/s);
      assert.ok(existsSync(join(dir, "nll.html")) && !existsSync(join(dir, "nll.png")));
      const shown = digitGrid(new Uint8Array(784));
      const withPng = await exportFigure(fig, "nll", { dir, fallbackPng: shown });
      assert.deepEqual(readFileSync(join(dir, "nll.png")), Buffer.from(shown));
      assert.match(withPng.missing ?? "", /^SVG of "nll" not written/);
    });
  } finally {
    console.warn = warn;
    if (saved === undefined) delete process.env.VAE_LAB_CHROMIUM;
    else process.env.VAE_LAB_CHROMIUM = saved;
  }
});

test("saveImage and exportTable write PNG and CSV; bad names are refused", async () => {
  await withDir(async (dir) => {
    const png = digitGrid(new Uint8Array(784));
    assert.deepEqual(readFileSync(saveImage(png, "grid", { dir })), Buffer.from(png));
    assert.equal(readFileSync(exportTable([{ k: 1 }], "t", { dir }), "utf8"), "k\r\n1\r\n");
    assert.throws(() => saveImage(png, "../escape", { dir }), /must be letters, digits/);
  });
});

/** Runs `fn` with these environment variables set (undefined: unset), restoring them after. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(saved);
  }
}

test("quick mode exports into figures/quick, never into the reader's figures/; a bad VAE_LAB_FIGURES_DIR is named", () => {
  const root = resolve(__dirname, "..", "figures");
  const dirFor = (mode: string) =>
    withEnv({ VAE_LAB_MODE: mode, VAE_LAB_FIGURES_DIR: undefined }, () => figuresDir());
  assert.equal(dirFor("full"), root);
  assert.equal(dirFor("quick"), join(root, "quick"));
  const file = join(mkdtempSync(join(tmpdir(), "vae-lab-export-")), "notes.txt");
  writeFileSync(file, "mine");
  const cases: [string, RegExp][] = [
    [
      "",
      /^VAE_LAB_FIGURES_DIR is set but empty: set it to the folder exports should go to, or unset it \(exports then go to .*figures\)\. Nothing was written\.$/,
    ],
    [
      file,
      /^VAE_LAB_FIGURES_DIR=.*notes\.txt is a file, not a folder: set it to the folder exports should go to/,
    ],
  ];
  for (const [value, message] of cases) {
    withEnv({ VAE_LAB_FIGURES_DIR: value }, () =>
      assert.throws(
        () => exportTable([{ k: 1 }], "t"),
        (err: Error) => message.test(err.message),
      ),
    );
  }
  assert.equal(readFileSync(file, "utf8"), "mine");
});

test("each export records its notebook, mode, seed and commit beside it, file by file", async () => {
  await withDir(async (dir) => {
    const record = withEnv({ VAE_LAB_MODE: "quick", VAE_LAB_NOTEBOOK: "06_vae_versus_dae.ipynb" }, () => {
      exportTable([{ k: 1 }], "06-comparison", { dir, seed: 3 });
      saveImage(digitGrid(new Uint8Array(784)), "06-comparison", { dir, seed: [1, 2, 3], notebook: "other" });
      return JSON.parse(readFileSync(join(dir, "06-comparison.meta.json"), "utf8"));
    });
    assert.deepEqual(Object.keys(record).sort(), ["06-comparison.csv", "06-comparison.png"]);
    const csv = record["06-comparison.csv"];
    assert.deepEqual([csv.notebook, csv.mode, csv.seed], ["06_vae_versus_dae.ipynb", "quick", 3]);
    assert.match(csv.commit, /^[0-9a-f]{40}(-dirty)?$/);
    assert.match(csv.written, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(
      [record["06-comparison.png"].notebook, record["06-comparison.png"].seed],
      ["other", [1, 2, 3]],
    );
  });
});

test("an export replaces a symlink in the folder, never the file it points to", async () => {
  await withDir(async (dir) => {
    const victim = join(mkdtempSync(join(tmpdir(), "vae-lab-victim-")), "precious.txt");
    writeFileSync(victim, "keep me");
    symlinkSync(victim, join(dir, "t.csv"));
    symlinkSync(victim, join(dir, "t.csv.partial"));
    const path = exportTable([{ k: 1 }], "t", { dir });
    assert.equal(readFileSync(victim, "utf8"), "keep me");
    assert.equal(lstatSync(path).isSymbolicLink(), false);
    assert.equal(readFileSync(path, "utf8"), "k\r\n1\r\n");
  });
});

test("a name too long for a file name is refused before anything is written, saying the limit", async () => {
  await withDir(async (dir) => {
    assert.throws(
      () => exportTable([{ k: 1 }], "x".repeat(251), { dir }),
      /^Error: Figure name "x{40}\.\.\." has 251 characters: use at most 200 \(file names are limited to 255 bytes, extension included\)\. Nothing was written\.$/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});
