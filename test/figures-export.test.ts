import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeBrowser, findChromium } from "../src/figures/browser";
import { barChart } from "../src/figures/charts";
import { pngSize } from "../src/figures/display";
import { exportFigure, exportTable, saveImage } from "../src/figures/export";
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
