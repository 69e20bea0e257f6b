/**
 * The latent explorer and the image sliders in headless Chromium, as a reader's browser runs their
 * pages: the explorer's digit under the pointer must be what the model decodes for that code (in
 * tfjs, here) within the quantisation error the explorer states; a slider must swap its picture
 * at every step; and with scripts off, each must show its static picture with the line that says
 * so. Skips, saying why, only where no Chromium is found.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { Browser, Page } from "playwright-core";
import { findChromium, launchChromium } from "../src/figures/browser";
import { type MimeBundle, setDisplaySink, showFigure } from "../src/figures/display";
import { EXPLORER_STATIC_LINE, latentExplorer } from "../src/figures/explorer";
import { exportExplorer } from "../src/figures/export";
import { digitGrid } from "../src/figures/images";
import { STATIC_PICTURE_LINE, standaloneHtml } from "../src/figures/plotly";
import { posterise } from "../src/figures/png";
import { decodeQuantised } from "../src/figures/quantised-decoder";
import { imageSlider } from "../src/figures/sliders";
import { createVae, decodeMean, disposeModel } from "../src/model/model";
import { randomStream } from "../src/random";

/** Why no browser test can run here, or null. */
function noChromium(): string | null {
  const found = findChromium();
  return "reason" in found ? found.reason : null;
}

/** The grey levels (0..1) of a 28 x 28 canvas of the page. */
function canvasGrey(page: Page, selector: string): Promise<number[]> {
  type Canvas = { getContext(kind: "2d"): { getImageData(...at: number[]): { data: Uint8ClampedArray } } };
  return page.$eval(selector, (c) => {
    const d = (c as unknown as Canvas).getContext("2d").getImageData(0, 0, 28, 28).data;
    return Array.from({ length: 784 }, (_, i) => d[4 * i] / 255);
  });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/**
 * Runs `body` with Chromium and a scratch folder, skipping the test where Chromium is missing;
 * closes the browser and removes the folder afterwards, on failures too.
 */
async function inChromium(
  t: { skip: (reason: string) => void },
  prefix: string,
  body: (browser: Browser, dir: string) => Promise<void>,
): Promise<void> {
  const reason = noChromium();
  if (reason) return t.skip(reason);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let browser: Browser | null = null;
  try {
    browser = await launchChromium();
    await body(browser, dir);
  } finally {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Natural widths of the images `selector` finds in a page (0 for one that did not load). */
function imageWidths(page: Page, selector: string): Promise<number[]> {
  return page.$$eval(selector, (imgs) =>
    imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth),
  );
}

/** A 2-D VAE (untrained, seeded) and 60 codes with labels and log-variances. */
function smallExplorer() {
  const model = createVae({ latentDim: 2, hidden: [48], seed: 7 });
  const rng = randomStream(7, "sampling");
  const mu = Array.from({ length: 60 }, () => [1.2 * rng.normal(), 1.2 * rng.normal()]);
  const logVar = mu.map(() => [-2 + rng.normal() * 0.3, -2 + rng.normal() * 0.3]);
  const labels = mu.map((_, i) => i % 10);
  return { model, mu, explorer: latentExplorer(model, mu, labels, { logVar: logVar }) };
}

test(
  "the explorer draws under the pointer what the model decodes there, within its stated error; a click shows a code's reconstruction; without scripts, the static manifold and its line",
  { timeout: 300_000 },
  async (t) => {
    const { model, mu, explorer } = smallExplorer();
    try {
      await inChromium(t, "vae-lab-explorer-", async (browser, dir) => {
        assert.ok(explorer.error.max < 0.05, `quantisation error ${explorer.error.max} is too large`);
        const [page0] = exportExplorer(explorer, "explorer", { dir });
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(pathToFileURL(page0).href);
        await page.waitForSelector(".vae-lab-explorer[data-ready]");
        const plane = (await page.locator(".vae-lab-explorer-plane").boundingBox())!;
        const drawn: number[][] = [];
        for (const [fx, fy] of [
          [0.3, 0.35],
          [0.75, 0.7],
        ]) {
          await page.mouse.move(plane.x + fx * plane.width, plane.y + fy * plane.height);
          const z = (await page.getAttribute(".vae-lab-explorer", "data-z"))!.split(",").map(Number);
          const grey = await canvasGrey(page, ".vae-lab-explorer-digit");
          const kernel = tf.tidy(() => Array.from(decodeMean(model, tf.tensor2d([z])).dataSync()));
          // The canvas holds the page's decoder exactly (to the 8-bit grey level) ...
          const exact = maxDiff(grey, decodeQuantised(explorer.decoder, z));
          assert.ok(
            exact <= 0.5 / 255 + 1e-9,
            `z ${z}: the canvas differs from the page decoder by ${exact}`,
          );
          // ... and the model's own decoding within the stated error (measured on a grid).
          const off = maxDiff(grey, kernel);
          assert.ok(off <= 1.5 * explorer.error.max + 1 / 255, `z ${z}: off by ${off}`);
          drawn.push(grey);
        }
        assert.ok(maxDiff(drawn[0], drawn[1]) > 0.1, "two codes far apart draw different digits");

        // Clicking a code: it is picked, and its reconstruction is the decoder at its mean.
        const [lo, hi] = explorer.extent;
        const pad = 36;
        const scale = (420 - 2 * pad) / (hi - lo);
        const k = 5;
        await page.mouse.click(
          plane.x + pad + (mu[k][0] - lo) * scale,
          plane.y + 420 - pad - (mu[k][1] - lo) * scale,
        );
        assert.equal(await page.getAttribute(".vae-lab-explorer", "data-picked"), String(k));
        const recon = await canvasGrey(page, ".vae-lab-explorer-recon");
        const shownMu = mu[k].map((v) => Math.round(v * 1000) / 1000); // the page holds 3 decimals
        assert.ok(maxDiff(recon, decodeQuantised(explorer.decoder, shownMu)) <= 0.5 / 255 + 1e-9);
        assert.match(await page.locator(".vae-lab-explorer-picked").innerText(), /label 5: mu .* sigma/);
        assert.deepEqual(errors, []);

        // Scripts off: the static manifold, and the line saying how to make it live.
        const noJs = await browser.newContext({ javaScriptEnabled: false });
        const still = await noJs.newPage();
        await still.goto(pathToFileURL(page0).href);
        await still.waitForLoadState("load");
        const widths = await imageWidths(still, ".vae-lab-explorer img");
        assert.equal(widths.length, 1);
        assert.ok(widths[0] > 0, "the static manifold loads");
        assert.equal(await still.getByText(EXPLORER_STATIC_LINE, { exact: true }).count(), 1);
        assert.equal(await still.locator("canvas").count(), 0);
      });
    } finally {
      disposeModel(model);
    }
  },
);

/** Three frames that differ: rows of stripes of three widths. */
function stripeFrames() {
  return [2, 4, 7].map((w) => ({
    label: `width ${w}`,
    png: digitGrid(
      Uint8Array.from({ length: 3 * 784 }, (_, i) => (Math.floor((i % 28) / w) % 2 ? 255 : 0)),
      { rows: 1, cols: 3 },
    ),
  }));
}

test(
  "an image slider swaps its picture at every step in the page, and shows its first frame where scripts do not run",
  { timeout: 300_000 },
  async (t) => {
    const frames = stripeFrames();
    const fig = imageSlider(frames, { title: "Stripes", prefix: "stripes: " });
    try {
      await inChromium(t, "vae-lab-slider-", async (browser, dir) => {
        writeFileSync(join(dir, "slider.html"), standaloneHtml(fig));
        const page = await browser.newPage();
        await page.goto(pathToFileURL(join(dir, "slider.html")).href);
        await page.waitForSelector(".main-svg .im image");
        const shown = () => page.getAttribute(".main-svg .im image", "href");
        const uri = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
        assert.equal(await shown(), uri(posterise(frames[0].png)));
        const rail = (await page.locator(".slider-rail-rect").boundingBox())!;
        for (const k of [2, 1, 0]) {
          // Steps sit evenly along the rail; a click on the rail moves the slider to the nearest.
          await page.mouse.click(rail.x + 8 + ((rail.width - 16) * k) / 2, rail.y + rail.height / 2);
          await page.waitForFunction(
            `document.querySelector(".main-svg .im image")?.getAttribute("href") === ${JSON.stringify(uri(posterise(frames[k].png)))}`,
            undefined,
            { timeout: 10_000 },
          );
          assert.match(
            // The first label of the slider is its current value ("stripes: width 7").
            (await page.locator(".slider-container text.slider-label").first().textContent()) ?? "",
            new RegExp(`^stripes: ${frames[k].label}$`),
          );
        }

        // The chart output without scripts: its static picture is the first frame.
        const outputs: MimeBundle[] = [];
        setDisplaySink((bundle) => void outputs.push(bundle));
        await showFigure(fig);
        setDisplaySink(null);
        writeFileSync(
          join(dir, "output.html"),
          `<!DOCTYPE html><html><body>${outputs[0]["text/html"]}</body></html>`,
        );
        const noJs = await browser.newContext({ javaScriptEnabled: false });
        const still = await noJs.newPage();
        await still.goto(pathToFileURL(join(dir, "output.html")).href);
        await still.waitForLoadState("load");
        const widths = await imageWidths(still, "img");
        assert.equal(widths.length, 1);
        assert.ok(widths[0] > 0);
        assert.equal(await still.getByText(STATIC_PICTURE_LINE, { exact: true }).count(), 1);
      });
    } finally {
      setDisplaySink(null);
    }
  },
);
