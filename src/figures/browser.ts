/**
 * Static renders (PNG, SVG) of plotly figures by headless Chromium: Debian's `chromium` package
 * (or any Chromium/Chrome named by VAE_LAB_CHROMIUM) driven by playwright-core; no browser is
 * downloaded. One browser per process, launched on first use and closed after a short idle time
 * (so scripts can exit), with plotly.js loaded into its page once.
 */
import { existsSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import type { Figure } from "./charts";
import { plotlyPath } from "./plotly";
import { recompressPng } from "./png";
import { readableFigure } from "./readable";

/** Environment variable naming a Chromium or Chrome executable. */
export const CHROMIUM_ENV = "VAE_LAB_CHROMIUM";

/** What to do when no Chromium is found. */
export const CHROMIUM_HINT =
  "Install Debian's Chromium (`sudo apt-get install -y --no-install-recommends chromium`) " +
  `or set ${CHROMIUM_ENV}=<path to a Chromium or Chrome executable>.`;

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** Where Chromium is: { path }, or { reason } saying why none can be used. */
export function findChromium(): { path: string } | { reason: string } {
  const fromEnv = process.env[CHROMIUM_ENV];
  if (fromEnv)
    return existsSync(fromEnv)
      ? { path: fromEnv }
      : { reason: `${CHROMIUM_ENV}=${fromEnv} does not exist. ${CHROMIUM_HINT}` };
  const found = CANDIDATES.find((p) => existsSync(p));
  return found
    ? { path: found }
    : { reason: `No Chromium found (looked in ${CANDIDATES.join(", ")}). ${CHROMIUM_HINT}` };
}

/** Flags that keep headless Chromium quiet and offline in containers and CI. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Launches headless Chromium (playwright gives it a new empty profile directory). */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  if ("reason" in found) throw new Error(found.reason);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: found.path, headless: true, args: CHROMIUM_ARGS });
}

const IDLE_MS = 20_000;
let session: Promise<{ browser: Browser; page: Page }> | null = null;
let idle: NodeJS.Timeout | null = null;
let queue: Promise<unknown> = Promise.resolve();

async function openSession(): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await page.addScriptTag({ path: plotlyPath() });
  return { browser, page };
}

/** Closes the rendering browser if one is open (scripts may call it to exit at once). */
export async function closeBrowser(): Promise<void> {
  if (idle) clearTimeout(idle);
  idle = null;
  const s = session;
  session = null;
  // A browser that failed to start or already died has nothing left to close.
  if (s) await (await s.catch(() => null))?.browser.close().catch(() => undefined);
}

/** Options of {@link renderFigure}. */
export interface RenderOptions {
  /** Pixel ratio of PNGs (default 1; 2 gives sharp images on high-density screens). */
  scale?: number;
}

/**
 * Renders a figure, laid out to be read (`readableFigure`), to PNG bytes or SVG text in headless
 * Chromium. Throws with a hint when Chromium is missing.
 */
export function renderFigure(fig: Figure, format: "png", opts?: RenderOptions): Promise<Uint8Array>;
export function renderFigure(fig: Figure, format: "svg", opts?: RenderOptions): Promise<string>;
export function renderFigure(
  fig: Figure,
  format: "png" | "svg",
  opts: RenderOptions = {},
): Promise<Uint8Array | string> {
  // One page renders one figure at a time.
  const job = queue.then(async () => {
    if (idle) clearTimeout(idle);
    session ??= openSession();
    try {
      const { page } = await session;
      const url = await page.evaluate(
        ({ fig, format, scale }) => {
          const plotly = (globalThis as { Plotly?: { toImage(f: unknown, o: unknown): Promise<string> } })
            .Plotly;
          if (!plotly) throw new Error("plotly.js did not load in the rendering page.");
          const { width = 700, height = 450 } = fig.layout;
          return plotly.toImage({ data: fig.data, layout: fig.layout }, { format, width, height, scale });
        },
        { fig: readableFigure(fig), format, scale: opts.scale ?? 1 },
      );
      const comma = url.indexOf(",");
      const head = url.slice(0, comma);
      const body = url.slice(comma + 1);
      if (format === "png") return recompressPng(new Uint8Array(Buffer.from(body, "base64")));
      return head.endsWith(";base64")
        ? Buffer.from(body, "base64").toString("utf8")
        : decodeURIComponent(body);
    } catch (err) {
      await closeBrowser();
      throw err;
    } finally {
      idle = setTimeout(() => void closeBrowser(), IDLE_MS);
      idle.unref();
    }
  });
  queue = job.catch(() => undefined);
  return job;
}
