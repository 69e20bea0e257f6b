import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createVae,
  densityPanels,
  disposeModel,
  elboSurgery,
  holeShare,
  logAggregatePosterior,
  logGaussianMixture,
  logStandardNormal,
  selectBackend,
  standardNormalPrior,
  unitActivity,
} from "../src";
import { SMALL, syntheticImages } from "./library-fixtures";

/** N codes' posteriors: means drawn around `centre` with spread `spread`, all with one log-variance. */
function codes(n: number, centre: number, spread: number, logVar: number, seed: number) {
  return tf.tidy(() => ({
    mu: tf.add(tf.randomNormal([n, 2], 0, spread, "float32", seed), centre) as tf.Tensor2D,
    logVar: tf.fill([n, 2], logVar) as tf.Tensor2D,
  }));
}

test("a prior that is the aggregate posterior itself has no holes; a prior far from the codes is nearly all hole", async () => {
  await selectBackend({ backend: "cpu" });
  const q = codes(300, 0, 1, -1, 1);
  // The aggregate posterior as a prior: q(z) = p(z) everywhere, never below p(z) / 10.
  const itself = {
    logProb: (z: tf.Tensor2D) => logAggregatePosterior(z, q),
    sample: (n: number, seed: number) =>
      tf.tidy(() => {
        const k = tf.randomUniform([n], 0, 300, "int32", seed) as tf.Tensor1D;
        const eps = tf.randomNormal([n, 2], 0, Math.exp(-0.5), "float32", seed + 1);
        return tf.add(tf.gather(q.mu, k), eps) as tf.Tensor2D;
      }),
  };
  assert.equal(holeShare(q, itself, { draws: 2000, seed: 3 }).share, 0);
  const far = codes(300, 6, 0.3, -3, 2);
  const hole = holeShare(far, standardNormalPrior(2), { draws: 2000, seed: 3 });
  assert.ok(hole.share > 0.99 && hole.se < 0.01, `share ${hole.share} +- ${hole.se}`);
  assert.throws(() => holeShare(q, itself, { draws: 0, seed: 1 }), /draws must be a positive integer/);
  tf.dispose([q.mu, q.logVar, far.mu, far.logVar]);
});

test("ELBO surgery: codes that are all the prior carry no information; separate codes carry at most log N", async () => {
  await selectBackend({ backend: "cpu" });
  const prior = codes(500, 0, 0, 0, 1); // every q(z|x) = N(0, I)
  const none = elboSurgery(prior, logStandardNormal, 4);
  assert.ok(
    Math.abs(none.meanKl) < 1e-5 && Math.abs(none.aggregateKl) < 1e-5 && Math.abs(none.information) < 1e-5,
  );
  const n = 400;
  const separate = codes(n, 0, 1, -12, 2); // tiny posteriors: each code identifies its image
  const cut = elboSurgery(separate, logStandardNormal, 4);
  assert.ok(Math.abs(cut.information - Math.log(n)) < 0.01, `I = ${cut.information}, log N = ${Math.log(n)}`);
  assert.ok(Math.abs(cut.meanKl - (cut.aggregateKl + cut.information)) < 1e-9);
  // The aggregate posterior of these codes is the mixture of their Gaussians.
  const z = tf.tensor2d([[0.1, -0.2]]);
  assert.equal(
    logAggregatePosterior(z, separate).dataSync()[0],
    logGaussianMixture(z, separate.mu, separate.logVar).dataSync()[0],
  );
  tf.dispose([prior.mu, prior.logVar, separate.mu, separate.logVar, z]);
});

test("unitActivity: a unit whose mean never moves is inactive, and the KL per unit adds up to the KL", async () => {
  await selectBackend({ backend: "cpu" });
  const model = createVae({ ...SMALL, hidden: [] }); // a linear encoder: [mu0, mu1, logVar0, logVar1] = x W + b
  const [kernel, bias] = model.encoder.getWeights();
  const w = kernel.arraySync() as number[][];
  model.encoder.setWeights([tf.tensor2d(w.map((row) => [row[0] * 5, 0, row[2], row[3]])), bias]);
  const set = syntheticImages(200, 3);
  const units = unitActivity(model, set);
  assert.equal(units.activity.length, 2);
  assert.ok(units.activity[0] > 0.01 && units.activity[1] === 0, `activity ${units.activity}`);
  assert.equal(units.active, 1);
  assert.ok(units.klPerDim.every((k) => k >= 0));
  disposeModel(model);
});

test("densityPanels lays panels out on a grid, one contour and its ellipses per panel, each ellipse name once in the legend", () => {
  const panel = (title: string) => ({
    title,
    x: [0, 1, 2],
    y: [0, 1],
    density: [
      [0, 1, 0],
      [1, 2, 1],
    ],
    ellipses: [{ name: "q", cx: 1, cy: 0.5, rx: 0.5, ry: 0.3, color: "#b2182b" }],
  });
  const fig = densityPanels([panel("a"), panel("b"), panel("c"), panel("d")], { columns: 2 });
  assert.deepEqual(fig.layout.grid, { rows: 2, columns: 2, pattern: "independent", ygap: 0.25, xgap: 0.12 });
  assert.equal(fig.data.filter((t) => t.type === "contour").length, 4);
  assert.deepEqual(
    fig.data.filter((t) => t.type === "scatter").map((t) => [t.xaxis, t.showlegend]),
    [
      ["x", true],
      ["x2", false],
      ["x3", false],
      ["x4", false],
    ],
  );
  assert.equal((fig.layout.yaxis4 as { scaleanchor: string }).scaleanchor, "x4");
  assert.throws(
    () => densityPanels([{ ...panel("bad"), y: [0] }]),
    /panel 0 \("bad"\) has a density of 2 rows for 1 y values/,
  );
});
