import { test } from "node:test";
import assert from "node:assert/strict";
import { DisplayEntry, MimeBundle, setDisplaySink } from "../src/figures/display";
import {
  formatDuration,
  lineProgress,
  notebookProgress,
  progressBar,
  progressLine,
  progressReporter,
  StepProgress,
  terminalProgress,
} from "../src/train/progress";

/** Progress at `step` of epoch 2 of 3, 10 steps per epoch. */
function at(step: number, more: Partial<StepProgress> = {}): StepProgress {
  return {
    epoch: 2,
    epochs: 3,
    step,
    stepsPerEpoch: 10,
    loss: 120.456,
    recon: 100.4,
    kl: 20.056,
    beta: 1,
    msPerStep: 12.6,
    secondsLeft: 125,
    ...more,
  };
}

/** A clock the test moves by hand. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

test("a progress line says epoch, step, the objective's parts with beta, time per step and time left", () => {
  assert.equal(
    progressLine(at(4)),
    "epoch 2/3  step 4/10  objective 120.46 = recon 100.40 + kl 20.06  13 ms/step  2 min 05 s left",
  );
  assert.match(progressLine(at(4, { beta: 0.25 })), /= recon 100\.40 \+ 0\.25 × kl 20\.06 /);
  assert.match(progressBar(at(4)), /^epoch 2\/3 \[########\.{12}\] 4\/10  objective 120\.46/);
});

test("durations read as seconds, minutes or hours", () => {
  assert.equal(formatDuration(0.4), "0 s");
  assert.equal(formatDuration(59.4), "59 s");
  assert.equal(formatDuration(65), "1 min 05 s");
  assert.equal(formatDuration(3723), "1 h 02 min");
  assert.equal(formatDuration(Number.NaN), "?");
});

test("in a notebook, progress is one output replaced in place at most every 0.5 s; done() shows the last step", () => {
  const sent: Array<{ text: string; entry?: DisplayEntry }> = [];
  const lines: string[] = [];
  const clock = fakeClock();
  setDisplaySink((bundle: MimeBundle, _metadata, entry) =>
    sent.push({ text: String(bundle["text/plain"]), entry }),
  );
  try {
    const reporter = notebookProgress({ log: (l) => lines.push(l), now: clock.now });
    reporter.step(at(1)); // shown: an epoch's first step
    clock.advance(200);
    reporter.step(at(2)); // held back
    clock.advance(400);
    reporter.step(at(3)); // shown: 0.6 s since the last
    reporter.step(at(4)); // held back
    reporter.done(); // shows step 4
    reporter.step(at(10)); // an epoch's last step is always shown
    reporter.epoch("epoch 2/3  train 120.46");
  } finally {
    setDisplaySink(null);
  }
  assert.deepEqual(
    sent.map((s) => s.text.match(/step \d+/)?.[0]),
    ["step 1", "step 3", "step 4", "step 10"],
  );
  const id = sent[0].entry?.id;
  assert.ok(id, "the output has a display_id");
  assert.deepEqual(
    sent.map((s) => s.entry),
    [
      { id, update: false },
      { id, update: true },
      { id, update: true },
      { id, update: true },
    ],
  );
  assert.deepEqual(lines, ["epoch 2/3  train 120.46"], "epoch lines stay as lines");
});

test("on a terminal, a bar redraws one line, epoch lines print above it, and done() leaves the last bar", () => {
  let screen = "";
  const clock = fakeClock();
  const reporter = terminalProgress({ write: (s) => void (screen += s), columns: 200 }, { now: clock.now });
  reporter.step(at(1));
  clock.advance(50);
  reporter.step(at(2)); // held back (0.2 s)
  reporter.step(at(10));
  reporter.epoch("epoch 2/3  train 120.46");
  reporter.step(at(1, { epoch: 3 })); // the bar is back at once
  clock.advance(300);
  reporter.step(at(5, { epoch: 3 })); // shown: 0.3 s later
  reporter.step(at(6, { epoch: 3 })); // held back, then shown by done()
  reporter.done();
  const redraws = screen.split("\r").filter((s) => s.startsWith("epoch"));
  assert.deepEqual(
    redraws.map((s) => s.match(/^epoch \d\/3 \[[#.]+\] \d+\/10/)?.[0].replace(/\[.*\]/, "[]")),
    [
      "epoch 2/3 [] 1/10",
      "epoch 2/3 [] 10/10",
      "epoch 3/3 [] 1/10",
      "epoch 3/3 [] 5/10",
      "epoch 3/3 [] 6/10",
    ],
  );
  assert.ok(screen.includes("\r\x1b[Kepoch 2/3  train 120.46\n"), "the bar is cleared before an epoch line");
  assert.ok(screen.endsWith(" left\x1b[K\n"), "done() ends the last bar's line");
  // A narrow terminal gets a bar that fits.
  let narrow = "";
  terminalProgress({ write: (s) => void (narrow += s), columns: 40 }).step(at(1));
  assert.equal(narrow.replace("\r", "").replace("\x1b[K", "").length, 39);
});

test("piped, progress is a plain line every N steps, and the epoch lines", () => {
  const lines: string[] = [];
  const reporter = lineProgress({ log: (l) => lines.push(l), everySteps: 5 });
  for (let step = 1; step <= 10; step++) reporter.step(at(step));
  reporter.epoch("epoch 2/3  train 120.46");
  reporter.done();
  assert.deepEqual(
    lines.map((l) => l.slice(0, 21)),
    ["epoch 2/3  step 5/10 ", "epoch 2/3  step 10/10", "epoch 2/3  train 120."],
  );
});

test("outside a notebook and a terminal, the reporter writes plain lines and never throws", () => {
  const lines: string[] = [];
  const reporter = progressReporter({ log: (l) => lines.push(l), everySteps: 2 });
  reporter.done(); // before any step
  reporter.step(at(1));
  reporter.step(at(2));
  reporter.epoch("epoch 2/3  train 120.46");
  reporter.done();
  assert.deepEqual(lines, [progressLine(at(2)), "epoch 2/3  train 120.46"]);
});

test("inside a notebook, the reporter updates one output in place", () => {
  const entries: Array<DisplayEntry | undefined> = [];
  setDisplaySink((_bundle, _metadata, entry) => entries.push(entry));
  try {
    const reporter = progressReporter({ log: () => undefined });
    reporter.step(at(1));
    reporter.step(at(10));
  } finally {
    setDisplaySink(null);
  }
  assert.deepEqual(
    entries.map((e) => e?.update),
    [false, true],
  );
  assert.equal(entries[0]?.id, entries[1]?.id);
});
