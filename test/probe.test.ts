import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { type Codes, PROBE_PENALTIES, Rng, linearProbe, selectBackend } from "../src";
import { fitPenaltyPath, standardisation } from "../src/eval/probe";

/** Codes of `classes` Gaussian classes N(means[label], I), labels in turn; extra dims appended by `extra`. */
function gaussianClasses(
  means: number[][],
  n: number,
  seed: number,
  extra: (rng: Rng, label: number) => number[] = () => [],
): Codes {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % means.length;
    rows.push([...means[labels[i]].map((m) => m + rng.normal()), ...extra(rng, labels[i])]);
  }
  return { values: Float32Array.from(rows.flat()), labels, n, dim: rows[0].length };
}

/** Accuracy of the Bayes-optimal rule for equal priors and covariance I: argmax_k mu_k.x - |mu_k|^2 / 2. */
function bayesAccuracy(means: number[][], codes: Codes): number {
  let correct = 0;
  for (let i = 0; i < codes.n; i++) {
    const x = codes.values.subarray(i * codes.dim, i * codes.dim + means[0].length);
    const scores = means.map((m) => m.reduce((s, v, j) => s + v * x[j] - (v * v) / 2, 0));
    if (scores.indexOf(Math.max(...scores)) === codes.labels[i]) correct++;
  }
  return correct / codes.n;
}

/** The penalised mean cross-entropy of softmax(x W + b), in float64 (`w` row-major [dim, classes]). */
function objective(
  x: number[][],
  labels: ArrayLike<number>,
  w: number[],
  b: number[],
  penalty: number,
): number {
  const classes = b.length;
  let loss = 0;
  x.forEach((row, i) => {
    const s = b.map((bk, k) => bk + row.reduce((t, v, j) => t + v * w[j * classes + k], 0));
    const max = Math.max(...s);
    loss += max + Math.log(s.reduce((t, v) => t + Math.exp(v - max), 0)) - s[labels[i]];
  });
  return loss / x.length + (penalty / 2) * w.reduce((t, v) => t + v * v, 0);
}

/** The exact minimiser of {@link objective}: Newton's method in float64 with a backtracking line search. */
function newtonOptimum(x: number[][], labels: ArrayLike<number>, classes: number, penalty: number) {
  const dim = x[0].length;
  const size = (dim + 1) * classes; // W row-major, then b
  let theta = new Array<number>(size).fill(0);
  const split = (t: number[]) => ({ w: t.slice(0, dim * classes), b: t.slice(dim * classes) });
  const f = (t: number[]) => objective(x, labels, split(t).w, split(t).b, penalty);
  for (let iteration = 0; iteration < 50; iteration++) {
    const { w, b } = split(theta);
    const grad = new Array<number>(size).fill(0);
    const hess = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    x.forEach((row, i) => {
      const xt = [...row, 1]; // the bias as a feature of value 1
      const s = b.map((bk, k) => bk + row.reduce((t, v, j) => t + v * w[j * classes + k], 0));
      const max = Math.max(...s);
      const e = s.map((v) => Math.exp(v - max));
      const p = e.map((v) => v / e.reduce((t, u) => t + u, 0));
      const at = (j: number, k: number) => (j < dim ? j * classes + k : dim * classes + k);
      for (let j = 0; j < dim + 1; j++)
        for (let k = 0; k < classes; k++) {
          grad[at(j, k)] += (xt[j] * (p[k] - (labels[i] === k ? 1 : 0))) / x.length;
          for (let j2 = 0; j2 < dim + 1; j2++)
            for (let k2 = 0; k2 < classes; k2++)
              hess[at(j, k)][at(j2, k2)] +=
                (xt[j] * xt[j2] * ((k === k2 ? p[k] : 0) - p[k] * p[k2])) / x.length;
        }
    });
    for (let a = 0; a < size; a++) {
      if (a < dim * classes) grad[a] += penalty * theta[a];
      hess[a][a] += a < dim * classes ? penalty : 1e-9; // the biases' common shift is free
    }
    const step = solve(hess, grad);
    let t = 1;
    while (f(theta.map((v, a) => v - t * step[a])) > f(theta) && t > 1e-8) t /= 2;
    theta = theta.map((v, a) => v - t * step[a]);
    if (Math.max(...grad.map(Math.abs)) < 1e-12) break;
  }
  return { ...split(theta), value: f(theta) };
}

/** Solves a x = y for a symmetric positive definite a (Gaussian elimination with partial pivoting). */
function solve(a: number[][], y: number[]): number[] {
  const n = y.length;
  const m = a.map((row, i) => [...row, y[i]]);
  for (let c = 0; c < n; c++) {
    const p = m.reduce((best, row, r) => (r >= c && Math.abs(row[c]) > Math.abs(m[best][c]) ? r : best), c);
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const factor = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= factor * m[c][k];
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    out[r] = (m[r][n] - m[r].slice(r + 1, n).reduce((s, v, k) => s + v * out[r + 1 + k], 0)) / m[r][r];
  }
  return out;
}

const MEANS = [
  [0, 0, 0, 0],
  [1.5, 0.5, 0, 0],
  [0, 1.5, -1, 0.5],
];

test("along its penalty path the probe's fits reach the exact optima of penalised softmax regression (Newton in float64)", async () => {
  await selectBackend({ backend: "cpu" });
  const codes = gaussianClasses(MEANS, 300, 1);
  const before = tf.memory().numTensors;
  const { x, y } = tf.tidy(() => {
    const raw = tf.tensor2d(codes.values, [codes.n, codes.dim]);
    const { mean, scale } = standardisation(raw);
    return {
      x: tf.div(tf.sub(raw, mean), scale) as tf.Tensor2D,
      y: tf.oneHot(tf.tensor1d(codes.labels, "int32"), 3) as tf.Tensor2D,
    };
  });
  const rows = x.arraySync();
  const gaps: string[] = [];
  const settings = { steps: 300, pathSteps: 100, learningRate: 0.05 }; // the probe's defaults
  fitPenaltyPath(x, y, [1e-1, 1e-2, 1e-3, 1e-4], settings, (penalty, w, b) => {
    const fitted = objective(rows, codes.labels, Array.from(w.dataSync()), Array.from(b.dataSync()), penalty);
    const exact = newtonOptimum(rows, codes.labels, 3, penalty).value;
    if (!(fitted - exact < 1e-4)) gaps.push(`penalty ${penalty}: objective ${fitted}, optimum ${exact}`);
  });
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before, "no tensor left behind");
  assert.deepEqual(gaps, []);
});

test("on Gaussian classes with a shared covariance the probe is as accurate as the Bayes-optimal rule", async () => {
  await selectBackend({ backend: "cpu" });
  // Two Gaussians N(0, I) and N(delta e1, I): the Bayes rule's accuracy is Phi(delta / 2) exactly.
  const delta = 2;
  const two = gaussianClasses(
    [
      [0, 0],
      [delta, 0],
    ],
    40000,
    2,
  );
  const phi = 0.8413447460685429; // Phi(1), the standard normal CDF at delta / 2
  const se = Math.sqrt((phi * (1 - phi)) / two.n);
  assert.ok(
    Math.abs(
      bayesAccuracy(
        [
          [0, 0],
          [delta, 0],
        ],
        two,
      ) - phi,
    ) <
      4 * se,
    "the known answer itself",
  );

  const train = gaussianClasses(MEANS, 3000, 3);
  const test = gaussianClasses(MEANS, 20000, 4);
  const result = linearProbe(train, test, { seed: 1 });
  const bayes = bayesAccuracy(MEANS, test);
  assert.ok(Math.abs(result.accuracy - bayes) < 0.01, `probe ${result.accuracy}, Bayes-optimal ${bayes}`);
  assert.deepEqual(
    result.validation.map((v) => v.penalty),
    [...PROBE_PENALTIES],
  );
});

test("a dimension constant in training cannot move test predictions, and a nearly constant one cannot blow up", async () => {
  await selectBackend({ backend: "cpu" });
  // Dimension 5 is always 0 in training; dimension 6 is tiny noise (an inactive code unit).
  const extra = (rng: Rng) => [0, 1e-4 * rng.normal()];
  const train = gaussianClasses(MEANS, 2000, 5, extra);
  const test = gaussianClasses(MEANS, 4000, 6, extra);
  const reference = linearProbe(train, test, { seed: 2 }).accuracy;
  const shifted = {
    ...test,
    values: test.values.map((v, i) => (i % test.dim === 4 ? 1e6 : i % test.dim === 5 ? v + 1 : v)),
  };
  const accuracy = linearProbe(train, shifted, { seed: 2 }).accuracy;
  // The constant dimension gets no weight; the tiny one is scaled by at most 10 / (typical std).
  assert.ok(Math.abs(accuracy - reference) < 0.05, `accuracy ${accuracy} against ${reference}`);
  assert.ok(Math.abs(reference - bayesAccuracy(MEANS, test)) < 0.02);
});

test("the penalty is chosen on a validation split: with few codes and many noise dimensions a strong one wins", async () => {
  await selectBackend({ backend: "cpu" });
  const noise = (rng: Rng) => Array.from({ length: 60 }, () => rng.normal());
  const means = [
    [0, 0],
    [2, 0],
  ];
  const train = gaussianClasses(means, 80, 7, noise);
  const test = gaussianClasses(means, 4000, 8, noise);
  const chosen = linearProbe(train, test, { seed: 3 });
  const weakest = linearProbe(train, test, { penalties: [1e-4] });
  const best = Math.max(...chosen.validation.map((v) => v.accuracy));
  const ties = chosen.validation.filter((v) => v.accuracy === best).map((v) => v.penalty);
  assert.equal(chosen.penalty, Math.max(...ties), "the strongest of the best penalties on validation");
  assert.ok(chosen.penalty >= 1e-2, `chose ${chosen.penalty}`);
  assert.ok(
    chosen.accuracy > weakest.accuracy + 0.03,
    `chosen ${chosen.accuracy}, weakest ${weakest.accuracy}`,
  );
  assert.deepEqual(weakest.validation, [], "one penalty: no validation split");
});

test("the probe refuses codes it cannot use, with errors that say what to do", async () => {
  await selectBackend({ backend: "cpu" });
  const codes = gaussianClasses(MEANS, 30, 9);
  assert.throws(
    () => linearProbe(codes, codes, { classes: 2 }),
    /classes = 2, but the training codes have label 2/,
  );
  assert.throws(
    () =>
      linearProbe(
        { ...codes, n: 2, values: codes.values.slice(0, 8), labels: codes.labels.slice(0, 2) },
        codes,
      ),
    /too few to hold out/,
  );
  assert.throws(() => linearProbe(codes, codes, { penalties: [] }), /penalties must be one or more/);
  assert.throws(
    () => linearProbe(codes, { ...codes, n: 31 }),
    /test codes hold 120 values and 30 labels for n = 31/,
  );
});
