/**
 * Image sweeps as plotly sliders: one image per setting (a PNG, e.g. a `digitGrid`), all embedded
 * as plotly frames, so that moving the slider swaps the picture in the page with no kernel. The
 * figure shows its first (or `active`) frame until the slider moves, and that frame is its static
 * picture where scripts do not run.
 */
import type { Figure } from "./charts";
import { pngSize, showFigure } from "./display";
import { posterise } from "./png";

/** One setting of a sweep: the slider's label for it and its picture. */
export interface SliderFrame {
  label: string;
  png: Uint8Array;
}

/** Options of {@link imageSlider}. */
export interface ImageSliderOptions {
  title?: string;
  /** Text before the current label above the slider, e.g. "beta = " (default ""). */
  prefix?: string;
  /** How many CSS pixels each image pixel takes (default 1). */
  zoom?: number;
  /** The frame shown first, and as the static picture (default 0, the first). */
  active?: number;
  /** Grey (colour) levels the frames are stored with (default 32; 256 keeps them as they are). */
  levels?: number;
}

const dataUri = (png: Uint8Array) => `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
const pngOf = (uri: string) => new Uint8Array(Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64"));

/**
 * A slider over precomputed pictures (all the same size): plotly's image trace shows the active frame, and
 * each slider step animates (at once, no transition) to its frame, which replaces the picture.
 */
export function imageSlider(frames: SliderFrame[], opts: ImageSliderOptions = {}): Figure {
  if (frames.length < 2) throw new Error(`imageSlider: give at least two frames, got ${frames.length}.`);
  const { width, height } = pngSize(frames[0].png);
  frames.forEach((f, i) => {
    const size = pngSize(f.png);
    if (size.width !== width || size.height !== height)
      throw new Error(
        `imageSlider: frame ${i} ("${f.label}") is ${size.width}x${size.height}, frame 0 is ` +
          `${width}x${height}; draw every frame with the same grid options.`,
      );
  });
  const labels = new Set(frames.map((f) => f.label));
  if (labels.size !== frames.length) throw new Error("imageSlider: frame labels must differ.");
  const zoom = opts.zoom ?? 1;
  const active = opts.active ?? 0;
  if (!(Number.isInteger(active) && active >= 0 && active < frames.length))
    throw new Error(`imageSlider: active must be a frame index below ${frames.length}, got ${active}.`);
  const axis = { visible: false, fixedrange: true };
  const levels = opts.levels ?? 32;
  const uris = frames.map((f) => dataUri(levels === 256 ? f.png : posterise(f.png, levels)));
  const step = (f: SliderFrame) => ({
    label: f.label,
    method: "animate",
    args: [
      [f.label],
      { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } },
    ],
  });
  return {
    data: [{ type: "image", source: uris[active], hoverinfo: "skip" }],
    layout: {
      ...(opts.title ? { title: { text: opts.title } } : {}),
      width: Math.max(640, width * zoom + 80),
      height: height * zoom + (opts.title ? 60 : 20) + 110,
      margin: { l: 40, r: 40, t: opts.title ? 60 : 20, b: 110 },
      xaxis: { ...axis, range: [-0.5, width - 0.5] },
      yaxis: { ...axis, range: [height - 0.5, -0.5], scaleanchor: "x" },
      sliders: [
        {
          active: active,
          currentvalue: { prefix: opts.prefix ?? "", font: { size: 14 } },
          pad: { t: 30 },
          steps: frames.map(step),
        },
      ],
    },
    frames: frames.map((f, i) => ({ name: f.label, data: [{ source: uris[i] }] })),
  };
}

/**
 * Shows an image slider as one chart output whose static picture (where scripts do not run) is its
 * active frame itself.
 */
export function showImageSlider(frames: SliderFrame[], opts: ImageSliderOptions = {}): Promise<void> {
  const fig = imageSlider(frames, opts);
  return showFigure(fig, { staticPng: pngOf(String(fig.data[0].source)) });
}
