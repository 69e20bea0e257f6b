/**
 * A factorial experiment on autoencoders: two factors crossed, the KL term (VAE objective or plain
 * reconstruction) and the input (clean or corrupted), giving four cells of the same network:
 *
 *                     clean input    corrupted input
 *   no KL term        AE             DAE
 *   KL term           VAE            denoising VAE
 *
 * Every cell is trained with every seed; the seed fixes the initial weights, the batches and their
 * order, the binarization and the noise draws, so that the cells of one seed see the same data.
 * Each run is measured after each budget (a number of epochs) of the same training, so the budgets
 * cost no extra training, and every number goes into one tidy table: one row per (cell, seed,
 * budget, measure).
 */
import type { ImageSet } from "../data/batches";
import type { ModelConfig } from "../model/config";
import { type Model, createAutoencoder, createVae, disposeModel } from "../model/model";
import type { NoiseFn } from "../model/noise";
import { train } from "../train/loop";

/** The name of a cell of the design. */
export type CellName = "AE" | "DAE" | "VAE" | "denoising VAE";

/** A cell: whether the objective has the KL term, and whether the input is corrupted. */
export interface Cell {
  name: CellName;
  kl: boolean;
  noisy: boolean;
}

/** The four cells, in the order they are trained for each seed. */
export const CELLS: readonly Cell[] = [
  { name: "AE", kl: false, noisy: false },
  { name: "DAE", kl: false, noisy: true },
  { name: "VAE", kl: true, noisy: false },
  { name: "denoising VAE", kl: true, noisy: true },
];

/** What is trained: the data, the seeds, the budgets and the shared settings of every cell. */
export interface FactorialDesign {
  /** Training images (grey values in [0, 1]; binarized afresh every batch unless `binarization` is "none"). */
  trainSet: ImageSet;
  seeds: number[];
  /** Epochs after which every run is measured, increasing; the last is how long each run trains. */
  budgets: number[];
  /** The corruption of the noisy cells' inputs, redrawn every batch. */
  noise: NoiseFn;
  /** The network, the same for every cell (default: MLP 784-400-20, Bernoulli decoder). */
  model?: Partial<Pick<ModelConfig, "inputShape" | "hidden" | "latentDim" | "activation">>;
  /** Default 128. */
  batchSize?: number;
  /** Adam's learning rate (default 1e-3). */
  learningRate?: number;
  /** Default "dynamic": the VAEs' objectives are then bounds on a likelihood of binary pixels. */
  binarization?: "dynamic" | "none";
}

/** Which run is being measured. */
export interface RunInfo {
  cell: Cell;
  seed: number;
  /** Epochs trained so far (a budget). */
  epochs: number;
}

/** Measures a trained model: measure name -> value. A measure a cell does not have is left out. */
export type MeasureRun = (
  model: Model,
  run: RunInfo,
) => Record<string, number> | Promise<Record<string, number>>;

/** One measurement: the tidy table's row. */
export interface FactorialRow {
  model: CellName;
  /** Whether the objective has the KL term. */
  kl: boolean;
  /** Whether the input was corrupted in training. */
  noisy: boolean;
  seed: number;
  epochs: number;
  measure: string;
  value: number;
}

/** Wall-clock time of one run up to one budget. */
export interface RunTime {
  model: CellName;
  seed: number;
  epochs: number;
  /** Seconds of training steps up to this budget (measuring excluded). */
  trainSeconds: number;
  /** Seconds spent measuring at this budget. */
  measureSeconds: number;
}

/** Options of {@link runFactorial}. */
export interface FactorialOptions {
  /** Receives one line per finished run. */
  log?: (line: string) => void;
  /** Keep these runs' models (trained to the last budget) instead of disposing them; the caller disposes them. */
  keep?: (cell: Cell, seed: number) => boolean;
}

/** Everything a factorial run produced. */
export interface FactorialResult {
  rows: FactorialRow[];
  times: RunTime[];
  /** The models asked for with `keep`. */
  models: { cell: Cell; seed: number; model: Model }[];
}

/** The untrained model of a cell: a VAE when the objective has the KL term, else an autoencoder. */
export function cellModel(cell: Cell, design: FactorialDesign, seed: number): Model {
  const options = { ...design.model, seed };
  return cell.kl ? createVae(options) : createAutoencoder(options);
}

/**
 * Trains every cell with every seed for the largest budget, measures each run after every budget
 * with `measure`, and returns the tidy table. A measure that is not a finite number is an error
 * that names it.
 */
export async function runFactorial(
  design: FactorialDesign,
  measure: MeasureRun,
  options: FactorialOptions = {},
): Promise<FactorialResult> {
  checkDesign(design);
  const result: FactorialResult = { rows: [], times: [], models: [] };
  for (const seed of design.seeds) {
    for (const cell of CELLS) {
      const model = cellModel(cell, design, seed);
      let kept = false;
      try {
        await trainAndMeasure(model, { cell, seed, epochs: 0 }, design, measure, result);
        const done = result.times.filter((t) => t.model === cell.name && t.seed === seed);
        const last = done[done.length - 1];
        const measuring = done.reduce((s, t) => s + t.measureSeconds, 0);
        options.log?.(
          `${cell.name}, seed ${seed}: ${last.epochs} epochs in ${last.trainSeconds.toFixed(1)} s, ` +
            `measured after epochs ${design.budgets.join(", ")} in ${measuring.toFixed(1)} s`,
        );
        kept = options.keep?.(cell, seed) ?? false;
        if (kept) result.models.push({ cell, seed, model });
      } finally {
        if (!kept) disposeModel(model);
      }
    }
  }
  return result;
}

/** One run: trains `model` to the last budget, measuring after each budget into `result`. */
async function trainAndMeasure(
  model: Model,
  run: RunInfo,
  design: FactorialDesign,
  measure: MeasureRun,
  result: FactorialResult,
): Promise<void> {
  let trainSeconds = 0;
  const { optimizer } = await train(model, design.trainSet, {
    epochs: design.budgets[design.budgets.length - 1],
    seed: run.seed,
    batchSize: design.batchSize,
    learningRate: design.learningRate,
    binarization: design.binarization ?? "dynamic",
    noise: run.cell.noisy ? design.noise : undefined,
    logEvery: 0,
    log: () => {},
    onEpochEnd: async (record) => {
      trainSeconds += record.seconds;
      if (!design.budgets.includes(record.epoch)) return;
      const start = Date.now();
      const at = { ...run, epochs: record.epoch };
      const values = await measure(model, at);
      for (const [name, value] of Object.entries(values)) {
        if (!Number.isFinite(value))
          throw new Error(
            `The measure "${name}" of the ${run.cell.name}, seed ${run.seed}, after ${record.epoch} epochs is ${value}: ` +
              "every measure must be a finite number (leave out a measure a model does not have).",
          );
        const { name: model, kl, noisy } = run.cell;
        result.rows.push({ model, kl, noisy, seed: run.seed, epochs: record.epoch, measure: name, value });
      }
      const measureSeconds = (Date.now() - start) / 1000;
      result.times.push({
        model: run.cell.name,
        seed: run.seed,
        epochs: record.epoch,
        trainSeconds,
        measureSeconds,
      });
    },
  });
  optimizer.dispose();
}

function checkDesign(design: FactorialDesign): void {
  const { seeds, budgets } = design;
  if (!(seeds.length >= 1 && seeds.every(Number.isInteger) && new Set(seeds).size === seeds.length))
    throw new Error(`The design's seeds must be distinct integers, got [${seeds}].`);
  if (
    !(
      budgets.length >= 1 &&
      budgets.every((b, i) => Number.isInteger(b) && b >= 1 && (i === 0 || b > budgets[i - 1]))
    )
  )
    throw new Error(
      `The design's budgets must be increasing whole numbers of epochs >= 1, got [${budgets}].`,
    );
  if (typeof design.noise !== "function")
    throw new Error(
      "The design needs a noise function for the noisy cells (for example vl.mixedNoise(...)).",
    );
}
