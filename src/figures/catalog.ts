/**
 * The course's figures, rebuilt from the data and short seeded training runs so `npm run figures`
 * can regenerate them without executing notebooks. Each entry names the notebook it belongs to.
 * Figures a notebook saves itself with `exportFigure` are re-exported from their JSON specs too.
 */
import { basename } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadDataset, CLASS_NAMES, type Dataset, type DatasetName } from "../data/datasets";
import { sliceImageSet, toImageSet, type ImageSet } from "../data/batches";
import { createVae, decode, disposeModel, encode, outputMean, reconstruct, sampleImages, type Model } from "../model/model";
import { train, type EpochRecord } from "../train/loop";
import { barChart, heatmap, histogram, latentScatter, lossChart, type Figure } from "./charts";
import { digitGrid, interpolationGrid, latentManifold, reconstructionGrid } from "./images";
import { exportFigure, exportTable, saveImage, type ExportOptions } from "./export";
import { latentManifoldWithAxes } from "./manifold-axes";
import type { TableInput } from "./tables";

/** What a course figure is: a plotly chart, PNG bytes of an image grid, or a table. */
export type CourseOutput = Figure | Uint8Array | TableInput;

/** A trained model with its training history and held-out images. */
export interface TrainedRun {
  model: Model;
  history: EpochRecord[];
  testSet: ImageSet;
}

/** Shared, lazily built inputs of the course figures (datasets, short seeded runs). */
export class FigureContext {
  private readonly datasets = new Map<string, Promise<Dataset>>();
  private readonly runs = new Map<number, Promise<TrainedRun>>();

  /** @param trainImages training images of each short run (more: sharper figures, slower). */
  constructor(readonly trainImages = 10_000, readonly epochs = 5, readonly seed = 1) {}

  /** A dataset split, loaded once. */
  dataset(name: DatasetName, split: "train" | "test"): Promise<Dataset> {
    const key = `${name}/${split}`;
    if (!this.datasets.has(key)) this.datasets.set(key, loadDataset(name, split));
    return this.datasets.get(key)!;
  }

  /** An MLP VAE (784-400-latentDim) trained briefly on MNIST with a fixed seed, trained once. */
  trainedVae(latentDim: number): Promise<TrainedRun> {
    if (!this.runs.has(latentDim)) {
      this.runs.set(latentDim, (async () => {
        const trainSet = toImageSet(await this.dataset("mnist", "train"), this.trainImages);
        const testSet = toImageSet(await this.dataset("mnist", "test"), 1000);
        const model = createVae({ latentDim, hidden: [400], seed: this.seed });
        const result = await train(model, trainSet, { epochs: this.epochs, seed: this.seed, testSet, logEvery: 0, log: () => undefined });
        result.optimizer.dispose();
        return { model, history: result.history, testSet };
      })());
    }
    return this.runs.get(latentDim)!;
  }

  /** Frees the trained models. */
  async dispose(): Promise<void> {
    for (const run of this.runs.values()) disposeModel((await run).model);
    this.runs.clear();
  }
}

/** One figure of the course. */
export interface CourseFigure {
  /** File name stem, prefixed by the notebook number, e.g. "02-loss". */
  name: string;
  /** The notebook that shows it. */
  notebook: string;
  build(ctx: FigureContext): Promise<CourseOutput>;
}

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of d.labels) counts[label]++;
  return counts;
}

/** Pixel means pushed through the model's decoder: the callback the image grids take. */
function decoderOf(model: Model): (z: tf.Tensor2D) => tf.Tensor2D {
  return (z) => tf.tidy(() => outputMean(model, decode(model, z)));
}

/** The first `n` test images as a tensor [n, 784]. */
function firstImages(set: ImageSet, n: number): tf.Tensor2D {
  const s = sliceImageSet(set, 0, n);
  return tf.tensor2d(s.pixels, [s.n, s.rows * s.cols * s.channels]);
}

/** Every figure `npm run figures` writes. */
export const COURSE_FIGURES: CourseFigure[] = [
  {
    name: "00-class-counts", notebook: "00_getting_started",
    build: async (ctx) => barChart(
      CLASS_NAMES.mnist.map((digit, i) => `${digit} / ${CLASS_NAMES["fashion-mnist"][i]}`),
      { "MNIST train": classCounts(await ctx.dataset("mnist", "train")), "Fashion-MNIST train": classCounts(await ctx.dataset("fashion-mnist", "train")) },
      { title: "Training images per class (digit / clothing)", xTitle: "class", yTitle: "images" },
    ),
  },
  { name: "00-mnist-digits", notebook: "00_getting_started", build: async (ctx) => digitGrid((await ctx.dataset("mnist", "train")).images, { rows: 4, cols: 10 }) },
  { name: "00-fashion-images", notebook: "00_getting_started", build: async (ctx) => digitGrid((await ctx.dataset("fashion-mnist", "train")).images, { rows: 4, cols: 10 }) },
  {
    name: "00-pixel-histogram", notebook: "00_getting_started",
    build: async (ctx) => {
      const sample = (d: Dataset) => Array.from(d.images.subarray(0, 200 * 784)).filter((v) => v > 0).map((v) => v / 255);
      return histogram(
        { MNIST: sample(await ctx.dataset("mnist", "train")), "Fashion-MNIST": sample(await ctx.dataset("fashion-mnist", "train")) },
        { title: "Non-zero pixel values of 200 training images", xTitle: "pixel value", bins: 50 },
      );
    },
  },
  {
    name: "00-mean-digit", notebook: "00_getting_started",
    build: async (ctx) => {
      const d = await ctx.dataset("mnist", "train");
      const mean = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => {
        let sum = 0;
        for (let i = 0; i < d.n; i++) sum += d.images[i * 784 + r * 28 + c];
        return sum / d.n / 255;
      }));
      return heatmap(mean, { title: "Mean MNIST training image", width: 520, height: 480, colorscale: "Greys" });
    },
  },
  { name: "02-history", notebook: "02_training_a_vae", build: async (ctx) => (await ctx.trainedVae(20)).history },
  {
    name: "02-loss", notebook: "02_training_a_vae",
    build: async (ctx) => lossChart((await ctx.trainedVae(20)).history, {
      keys: ["train.loss", "test.loss", "test.recon", "test.kl"], title: "Loss and its parts per epoch",
    }),
  },
  {
    name: "02-reconstructions", notebook: "02_training_a_vae",
    build: async (ctx) => {
      const { model, testSet } = await ctx.trainedVae(20);
      const x = firstImages(testSet, 16);
      const y = reconstruct(model, x);
      const png = reconstructionGrid(x, y, { cols: 8 });
      tf.dispose([x, y]);
      return png;
    },
  },
  {
    name: "02-samples", notebook: "02_training_a_vae",
    build: async (ctx) => {
      const samples = sampleImages((await ctx.trainedVae(20)).model, 40, ctx.seed);
      const png = digitGrid(samples, { rows: 4, cols: 10 });
      samples.dispose();
      return png;
    },
  },
  {
    name: "04-latent-scatter", notebook: "04_latent_space",
    build: async (ctx) => {
      const { model, testSet } = await ctx.trainedVae(2);
      const x = firstImages(testSet, 1000);
      const { mu, logVar } = encode(model, x);
      const fig = latentScatter(mu, testSet.labels!.subarray(0, 1000), {
        circles: [1, 2, 3], title: "Test codes (posterior means) of a 2-D VAE; dashed: the prior",
      });
      tf.dispose([x, mu, logVar!]);
      return fig;
    },
  },
  {
    name: "04-latent-manifold", notebook: "04_latent_space",
    build: async (ctx) => {
      const values = Array.from({ length: 25 }, (_, i) => -3 + i / 4);
      return latentManifoldWithAxes(decoderOf((await ctx.trainedVae(2)).model), { values, tickEvery: 4, decimals: 0, circles: [1, 2, 3] });
    },
  },
  {
    name: "04-interpolation", notebook: "04_latent_space",
    build: async (ctx) => {
      const { model, testSet } = await ctx.trainedVae(2);
      const x = firstImages(testSet, 8);
      const mu = encode(model, x);
      const codes = mu.mu.arraySync();
      tf.dispose([x, mu.mu, mu.logVar!]);
      const pairs = [[0, 1], [2, 3], [4, 5], [6, 7]].map(([a, b]) => [codes[a], codes[b]] as [number[], number[]]);
      return interpolationGrid(decoderOf(model), pairs, { steps: 10 });
    },
  },
];

function isFigure(out: CourseOutput): out is Figure {
  return !ArrayBuffer.isView(out) && !Array.isArray(out) && "data" in out && "layout" in out;
}

/** Builds and writes the course figures whose names match `only` (default all); returns the files written. */
export async function exportCourseFigures(
  ctx: FigureContext,
  opts: ExportOptions & { only?: RegExp; log?: (line: string) => void } = {},
): Promise<string[]> {
  const log = opts.log ?? console.log;
  const files: string[] = [];
  for (const entry of COURSE_FIGURES.filter((f) => !opts.only || opts.only.test(f.name))) {
    const start = Date.now();
    const out = await entry.build(ctx);
    let written: string[];
    if (out instanceof Uint8Array) written = [saveImage(out, entry.name, opts)];
    else if (isFigure(out)) written = (await exportFigure(out, entry.name, opts)).files;
    else written = [exportTable(out, entry.name, opts)];
    const seconds = ((Date.now() - start) / 1000).toFixed(1);
    log(`${entry.name} (${entry.notebook}, ${seconds} s): ${written.map((f) => basename(f)).join(", ")}`);
    files.push(...written);
  }
  return files;
}
