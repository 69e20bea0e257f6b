/**
 * The tidy table of a factorial experiment read back: each (model, measure, budget) summarised over
 * seeds, the comparison table, the main effects and interaction with the factor that causes each
 * difference, and learning curves.
 */
import { type Figure, lineChart } from "../figures/charts";
import {
  BEYOND_SPREAD,
  type CellSummaries,
  type Effect,
  type FactorialEffects,
  type Summary,
  factorialEffects,
  summarise,
} from "./effects";
import { CELLS, type CellName, type FactorialRow } from "./factorial";

/** Summaries over seeds of a tidy table, by model, measure and budget. */
export class Summaries {
  private readonly groups = new Map<string, Summary>();
  private readonly measureNames: string[] = [];
  private readonly budgetList: number[] = [];

  constructor(rows: readonly FactorialRow[]) {
    const values = new Map<string, number[]>();
    for (const row of rows) {
      const key = Summaries.key(row.model, row.measure, row.epochs);
      if (!values.has(key)) values.set(key, []);
      values.get(key)!.push(row.value);
      if (!this.measureNames.includes(row.measure)) this.measureNames.push(row.measure);
      if (!this.budgetList.includes(row.epochs)) this.budgetList.push(row.epochs);
    }
    for (const [key, v] of values) this.groups.set(key, summarise(v));
    this.budgetList.sort((a, b) => a - b);
  }

  private static key(model: string, measure: string, epochs: number): string {
    return JSON.stringify([model, measure, epochs]);
  }

  /** The summary of one model's measure at one budget, if measured. */
  get(model: string, measure: string, epochs: number): Summary | undefined {
    return this.groups.get(Summaries.key(model, measure, epochs));
  }

  /** Like {@link get}, but a missing group is an error that names it. */
  need(model: string, measure: string, epochs: number): Summary {
    const s = this.get(model, measure, epochs);
    if (!s) throw new Error(`No measurements of "${measure}" for the ${model} after ${epochs} epochs.`);
    return s;
  }

  /** The measures, in the order they were first recorded. */
  measures(): string[] {
    return [...this.measureNames];
  }

  /** The budgets (epochs), increasing. */
  budgets(): number[] {
    return [...this.budgetList];
  }

  /** The largest budget. */
  last(): number {
    return this.budgetList[this.budgetList.length - 1];
  }

  /** The four cells' summaries of a measure, or undefined when a cell lacks it. */
  cells(measure: string, epochs: number): CellSummaries | undefined {
    const entries = CELLS.map((c) => [c.name, this.get(c.name, measure, epochs)] as const);
    if (entries.some(([, s]) => !s)) return undefined;
    return Object.fromEntries(entries) as unknown as CellSummaries;
  }

  /** Main effects and interaction of a measure, or undefined when a cell lacks it. */
  effects(measure: string, epochs: number): FactorialEffects | undefined {
    const cells = this.cells(measure, epochs);
    return cells && factorialEffects(cells);
  }
}

/** "mean ± std" with digits suited to the size of the numbers. */
export function formatSummary(s: Summary | undefined): string {
  if (!s) return "—";
  const digits = Math.abs(s.mean) >= 100 ? 1 : Math.abs(s.mean) >= 10 ? 2 : 3;
  return `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

/** An effect as "+1.23 ± 0.04". */
export function formatEffect(e: Effect): string {
  const digits = Math.abs(e.effect) >= 10 ? 1 : Math.abs(e.effect) >= 1 ? 2 : 3;
  return `${e.effect >= 0 ? "+" : ""}${e.effect.toFixed(digits)} ± ${e.se.toFixed(digits)}`;
}

/**
 * One row per measure, one column per cell: "mean ± std" over seeds at budget `epochs`; with
 * `floor`, a last column of reference values for the measures it names (e.g. real images' scores).
 */
export function comparisonTable(
  summaries: Summaries,
  epochs: number,
  measures: string[] = summaries.measures(),
  floor?: { name: string; value: (measure: string) => number | undefined },
): Record<string, string>[] {
  return measures.map((measure) => {
    const row: Record<string, string> = {
      measure,
      ...Object.fromEntries(
        CELLS.map((c) => [c.name, formatSummary(summaries.get(c.name, measure, epochs))]),
      ),
    };
    if (floor) row[floor.name] = floor.value(measure)?.toFixed(3) ?? "";
    return row;
  });
}

/** The factors of the design, as the conclusions name them. */
export const FACTOR_NAMES = {
  kl: "the KL term",
  noise: "noise training",
  interaction: "their interaction",
} as const;
export type Factor = keyof typeof FACTOR_NAMES;

/** What the effects of one measure say: each factor's sign beyond the spread, and the cause. */
export interface EffectVerdict {
  measure: string;
  effects: FactorialEffects;
  /** Per factor: "raises", "lowers" or "no effect beyond the spread". */
  signs: Record<Factor, string>;
  /** The factor with the largest |t| beyond the spread, or undefined when none is. */
  cause?: Factor;
  sentence: string;
}

const signWord = (e: Effect) =>
  Math.abs(e.t) >= BEYOND_SPREAD ? (e.effect > 0 ? "raises" : "lowers") : "no effect beyond the spread";

/** The conclusion about one measure at one budget, or undefined when a cell lacks it. */
export function effectVerdict(
  summaries: Summaries,
  measure: string,
  epochs: number,
): EffectVerdict | undefined {
  const effects = summaries.effects(measure, epochs);
  if (!effects) return undefined;
  const factors = Object.keys(FACTOR_NAMES) as Factor[];
  const signs = Object.fromEntries(factors.map((f) => [f, signWord(effects[f])])) as Record<Factor, string>;
  const beyond = factors.filter((f) => Math.abs(effects[f].t) >= BEYOND_SPREAD);
  const cause = beyond.sort((a, b) => Math.abs(effects[b].t) - Math.abs(effects[a].t))[0];
  const parts = factors.map(
    (f) => `${FACTOR_NAMES[f]} ${formatEffect(effects[f])} (t = ${effects[f].t.toFixed(1)})`,
  );
  const named = cause
    ? `the difference comes mainly from ${FACTOR_NAMES[cause]}, which ${signs[cause]} it.`
    : "no factor moves it beyond the seed spread.";
  return { measure, effects, signs, cause, sentence: `${measure}: ${parts.join("; ")}; ${named}` };
}

/**
 * For each measure, the conclusion at the largest budget (its effects and cause) and whether the
 * same factor was the cause after the smaller budgets.
 */
export function effectLines(summaries: Summaries, measures: string[]): string[] {
  const budgets = summaries.budgets();
  const last = budgets[budgets.length - 1];
  const smaller = budgets.slice(0, -1);
  return measures.flatMap((measure) => {
    const verdict = effectVerdict(summaries, measure, last);
    if (!verdict) return [];
    const same = smaller.filter((b) => effectVerdict(summaries, measure, b)?.cause === verdict.cause);
    const held =
      smaller.length === 0
        ? "no smaller budget was measured"
        : same.length === smaller.length
          ? `the same cause after every smaller budget (${smaller.join(", ")} epochs)`
          : same.length
            ? `the same cause after ${same.join(" and ")} of ${smaller.join(", ")} epochs`
            : `another cause after each smaller budget (${smaller.join(", ")} epochs)`;
    return [`${verdict.sentence} ${held[0].toUpperCase()}${held.slice(1)}.`];
  });
}

/** Main effects and interaction of each measure as table rows ("effect ± se"), with the cause named. */
export function effectsTable(summaries: Summaries, epochs: number, measures = summaries.measures()) {
  return measures.flatMap((measure) => {
    const v = effectVerdict(summaries, measure, epochs);
    if (!v) return [];
    const cell = (f: Factor) => `${formatEffect(v.effects[f])} (t ${v.effects[f].t.toFixed(1)})`;
    return [
      {
        measure,
        "KL term": cell("kl"),
        "noise training": cell("noise"),
        interaction: cell("interaction"),
        "caused by": v.cause ? FACTOR_NAMES[v.cause] : "nothing beyond the spread",
      },
    ];
  });
}

/** A measure against the budget, one line per model, error bars of one standard deviation over seeds. */
export function learningCurve(
  summaries: Summaries,
  measure: string,
  options: { models?: readonly string[]; title?: string; yTitle?: string } = {},
): Figure {
  const models = options.models ?? CELLS.map((c) => c.name as CellName);
  const budgets = summaries.budgets();
  const series: Record<string, number[]> = {};
  const errors: Record<string, number[]> = {};
  for (const model of models) {
    const s = budgets.map((b) => summaries.get(model, measure, b));
    if (s.some((v) => !v)) continue;
    series[model] = s.map((v) => v!.mean);
    errors[model] = s.map((v) => v!.std);
  }
  if (Object.keys(series).length === 0)
    throw new Error(`learningCurve: no model has "${measure}" at every budget.`);
  return lineChart(series, {
    x: budgets,
    xLog: true,
    errorY: errors,
    title: options.title ?? `${measure} against training epochs (mean ± std over seeds)`,
    xTitle: "epochs trained",
    yTitle: options.yTitle ?? measure,
    width: 640,
    height: 380,
  });
}
