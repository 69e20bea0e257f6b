/**
 * Training progress for where the code runs: in a notebook, one line that updates in place
 * (Jupyter's update_display_data); on a terminal, a bar redrawn on one line; anywhere else (a pipe,
 * a log file), plain lines. The epoch summaries are lines everywhere.
 */
import { showsRichOutput, updatingDisplay } from "../figures/display";

/** Where training stands; sent after every step. */
export interface StepProgress {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Running means over the epoch so far of the optimised objective and its parts (nats per image). */
  loss: number;
  recon: number;
  kl: number;
  beta: number;
  msPerStep: number;
  secondsLeft: number;
}

/** Shows training progress; the loop calls step() after every step, epoch() once per epoch, done() at the end (also on error). */
export interface ProgressReporter {
  step(p: StepProgress): void;
  epoch(line: string): void;
  done(): void;
}

/** A duration for people: "45 s", "3 min 05 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/**
 * The optimised objective with beta in its sum: "objective 120.31 = recon 100.11 + 4 × kl 5.05"
 * ("objective 98.20 = recon 98.20" for an autoencoder, which has no KL term).
 */
export function objectiveText(
  m: { loss: number; recon: number; kl: number },
  beta: number,
  kind = "vae",
): string {
  const head = `objective ${m.loss.toFixed(2)} = recon ${m.recon.toFixed(2)}`;
  if (kind !== "vae") return head;
  const weight = beta === 1 ? "" : `${Number(beta.toPrecision(3))} × `;
  return `${head} + ${weight}kl ${m.kl.toFixed(2)}`;
}

/** One line saying where training stands, time per step and time left. */
export function progressLine(p: StepProgress): string {
  return (
    `epoch ${p.epoch}/${p.epochs}  step ${p.step}/${p.stepsPerEpoch}  ${objectiveText(p, p.beta)}  ` +
    `${p.msPerStep.toFixed(0)} ms/step  ${formatDuration(p.secondsLeft)} left`
  );
}

/** The same as a bar: "epoch 2/10 [#####.....] 200/469  loss ...". */
export function progressBar(p: StepProgress, width = 20): string {
  const filled = Math.round((width * Math.min(p.step, p.stepsPerEpoch)) / p.stepsPerEpoch);
  return (
    `epoch ${p.epoch}/${p.epochs} [${"#".repeat(filled)}${".".repeat(width - filled)}] ` +
    `${p.step}/${p.stepsPerEpoch}  ${objectiveText(p, p.beta)}  ${p.msPerStep.toFixed(0)} ms/step  ` +
    `${formatDuration(p.secondsLeft)} left`
  );
}

/**
 * Calls `show` with the latest progress at most every `intervalMs`, and always for an epoch's first
 * and last step; `flush` shows the latest one if it was held back, so the final state stays visible.
 */
function throttled(show: (p: StepProgress) => void, intervalMs: number, now: () => number) {
  let latest: StepProgress | null = null;
  let shown: StepProgress | null = null;
  let shownAt = -Infinity;
  const showLatest = () => {
    if (!latest || latest === shown) return;
    show(latest);
    shown = latest;
    shownAt = now();
  };
  return {
    step(p: StepProgress) {
      latest = p;
      if (p.step === 1 || p.step >= p.stepsPerEpoch || now() - shownAt >= intervalMs) showLatest();
    },
    flush: showLatest,
  };
}

/** Options of the reporters below; `now` (milliseconds) is for tests. */
export interface ReporterOptions {
  log?: (line: string) => void;
  intervalMs?: number;
  now?: () => number;
}

/** In a notebook: one output line replaced in place, at most every 0.5 s; epoch lines go to `log`. */
export function notebookProgress(opts: ReporterOptions = {}): ProgressReporter {
  const log = opts.log ?? console.log;
  const display = updatingDisplay();
  const line = throttled(
    (p) => display.show({ "text/plain": progressLine(p) }),
    opts.intervalMs ?? 500,
    opts.now ?? Date.now,
  );
  return { step: line.step, epoch: (text) => log(text), done: line.flush };
}

/** What the terminal reporter writes to (process.stdout, or a fake in tests). */
export interface TerminalLike {
  write(text: string): unknown;
  columns?: number;
}

/**
 * On a terminal: a bar redrawn in place on the last line, at most every 0.2 s; an epoch line clears
 * it and is printed above it. done() leaves the last bar on screen and ends its line.
 */
export function terminalProgress(out: TerminalLike, opts: ReporterOptions = {}): ProgressReporter {
  const log = opts.log ?? ((text: string) => out.write(`${text}\n`));
  let drawn = false;
  const bar = throttled(
    (p) => {
      // "\r" goes back to the start of the line, "\x1b[K" clears what a longer bar left behind.
      out.write(`\r${progressBar(p).slice(0, Math.max(20, (out.columns ?? 100) - 1))}\x1b[K`);
      drawn = true;
    },
    opts.intervalMs ?? 200,
    opts.now ?? Date.now,
  );
  return {
    step: bar.step,
    epoch(text) {
      if (drawn) out.write("\r\x1b[K");
      drawn = false;
      log(text);
    },
    done() {
      bar.flush();
      if (drawn) out.write("\n");
      drawn = false;
    },
  };
}

/** Anywhere else: a plain progress line every `everySteps` steps (0: none) and the epoch lines. */
export function lineProgress(
  opts: { log?: (line: string) => void; everySteps?: number } = {},
): ProgressReporter {
  const log = opts.log ?? console.log;
  const every = opts.everySteps ?? 100;
  return {
    step(p) {
      if (every > 0 && p.step % every === 0) log(progressLine(p));
    },
    epoch: (text) => log(text),
    done() {},
  };
}

/**
 * The reporter for where the code runs: an updating line in a notebook, a bar on a terminal, lines
 * otherwise. `log` receives the epoch lines (and the plain progress lines); `everySteps` spaces the
 * plain progress lines (default 100); the notebook line and the bar update on time instead.
 */
export function progressReporter(
  options: { log?: (line: string) => void; everySteps?: number } = {},
): ProgressReporter {
  if (showsRichOutput()) return notebookProgress({ log: options.log });
  if (process.stdout.isTTY) return terminalProgress(process.stdout, { log: options.log });
  return lineProgress(options);
}
