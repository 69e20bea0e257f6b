/**
 * The exercises of notebook 04 (inside the latent space): an interpolation that turns like slerp
 * while its norm changes linearly, the aggregate posterior's variance without sampling, and the
 * norm of a straight line's midpoint in 100 dimensions, predicted.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random";
import { median } from "../statistics";
import { defineExercise } from "./check";

const norm = (v: number[]) => Math.hypot(...v);
const angle = (u: number[], v: number[]) =>
  Math.acos(Math.min(1, Math.max(-1, u.reduce((s, x, i) => s + x * v[i], 0) / (norm(u) * norm(v)))));
const normalVector = (d: number, rng: Rng, scale = 1) =>
  Array.from({ length: d }, () => scale * rng.normal());

type Path = (a: number[], b: number[], t: number) => number[];

/** 04.1: slerp's direction with a norm that goes linearly from |a| to |b|. */
const normInterpolation = defineExercise<Path>({
  check(path, _given, rng) {
    if (typeof path !== "function") return "your answer must be a function (a, b, t) => number[].";
    for (let round = 0; round < 4; round++) {
      const d = 2 + rng.int(30);
      const [a, b] = [normalVector(d, rng), normalVector(d, rng, 0.5 + 2 * rng.next())];
      const omega = angle(a, b);
      for (const t of [0, 0.3, 0.5, 0.8, 1]) {
        const p = path(a, b, t);
        if (!Array.isArray(p) || p.length !== d) return "return a vector of the same length as a and b.";
        if (Math.abs(norm(p) - ((1 - t) * norm(a) + t * norm(b))) > 1e-9 * (1 + norm(a) + norm(b)))
          return `the norm is off at t = ${t}: it should move in a straight line from |a| to |b|.`;
        if (Math.abs(angle(a, p) - t * omega) > 1e-6)
          return `the direction is off at t = ${t}: it should turn from a towards b at a constant rate.`;
      }
    }
    return true;
  },
});

type Variance = (mu: tf.Tensor2D, logVar: tf.Tensor2D) => number[];

/** 04.2: Var of codes drawn from the aggregate posterior, per dimension, from mu and logVar alone. */
const aggregateVariance = defineExercise<Variance>({
  check(variance, _given, rng) {
    if (typeof variance !== "function") return "your answer must be a function (mu, logVar) => number[].";
    for (let round = 0; round < 3; round++) {
      const [n, d] = [200 + rng.int(300), 1 + rng.int(20)];
      const mu = Float32Array.from({ length: n * d }, () => (0.2 + 2 * rng.next()) * rng.normal());
      const logVar = Float32Array.from({ length: n * d }, () => -4 + 4 * rng.next());
      const reference = mixtureVariance(mu, logVar, n, d);
      const got = tf.tidy(() => variance(tf.tensor2d(mu, [n, d]), tf.tensor2d(logVar, [n, d])));
      if (!Array.isArray(got) || got.length !== d) return "return one variance per dimension (an array).";
      // Dividing by n or by n - 1 are both accepted.
      if (!got.every((v, u) => close(v, reference[u], n))) return wrongVariance(got, mu, n, d);
    }
    return true;
  },
});

/** Equal up to dividing by n - 1 instead of n (and float32 rounding). */
const close = (v: number, reference: number, n: number) =>
  Math.abs(v - reference) <= (1.5 * reference) / (n - 1) + 1e-4;

/** Per dimension: the variance of the means (over n) plus the mean of the variances. */
function mixtureVariance(mu: Float32Array, logVar: Float32Array, n: number, d: number): number[] {
  return Array.from({ length: d }, (_, u) => {
    let [sum, sumSq, noise] = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      sum += mu[i * d + u];
      sumSq += mu[i * d + u] ** 2;
      noise += Math.exp(logVar[i * d + u]);
    }
    return sumSq / n - (sum / n) ** 2 + noise / n;
  });
}

function wrongVariance(got: number[], mu: Float32Array, n: number, d: number): string {
  const spread = mixtureVariance(mu, new Float32Array(n * d).fill(-Infinity), n, d);
  if (got.every((v, u) => close(v, spread[u], n)))
    return "that is the spread of the means alone: a code drawn from q(z|x) also varies around its mean.";
  return "a code drawn from the aggregate posterior varies for two reasons: which image, and the draw from q(z|x).";
}

/** 04.3: the typical norm of (a + b) / 2 for independent a, b ~ N(0, I_100), within 3%. */
const midpointNorm = defineExercise<number>({
  check(guess, _given, rng) {
    if (typeof guess !== "number" || !Number.isFinite(guess)) return "answer one number.";
    const d = 100;
    const mids = Array.from({ length: 4000 }, () => {
      const [a, b] = [normalVector(d, rng), normalVector(d, rng)];
      return norm(a.map((v, i) => (v + b[i]) / 2));
    });
    const measured = median(mids);
    if (Math.abs(guess - measured) < 0.03 * measured) return true;
    return "what is the variance of each coordinate of (a + b) / 2, and what norm follows in 100-D?";
  },
});

/** Notebook 04's exercises, by ID. */
export const nb04 = {
  "04.1": normInterpolation,
  "04.2": aggregateVariance,
  "04.3": midpointNorm,
};
