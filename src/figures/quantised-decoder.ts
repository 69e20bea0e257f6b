/**
 * An MLP decoder packed to travel inside a notebook output and run in a web page without tfjs:
 * each dense layer's weights as 8-bit integers with one scale per output unit (its largest
 * |weight| / 127), biases as float32, and the same plain-JavaScript forward pass for the page and
 * for Node (so what a test measures against tfjs is exactly what the page computes).
 */
import * as tf from "@tensorflow/tfjs";
import type { Activation } from "../model/config";
import { type Model, decodeMean } from "../model/model";

/** One dense layer: `outputs` rows of `inputs` int8 weights, row r scaled by `scales[r]`. */
export interface QuantisedLayer {
  inputs: number;
  outputs: number;
  activation: Activation;
  scales: number[];
  bias: number[];
  /** Base64 of the int8 weights, row after row (row r: the weights into output unit r). */
  weights: string;
}

/** A decoder as the page runs it: its layers, and whether outputs are logits (Bernoulli). */
export interface QuantisedDecoder {
  latentDim: number;
  layers: QuantisedLayer[];
  /** True when the last layer gives logits, whose sigmoid are the pixel means. */
  logits: boolean;
}

/**
 * The page's forward pass, as JavaScript source: `decode(net, z)` returns the pixel means of code
 * `z` (an array of numbers). Each layer's int8 weights are decoded once and kept on the layer.
 */
export const DECODER_JS = `function decode(net, z) {
  var act = {
    relu: function (v) { return v > 0 ? v : 0; },
    elu: function (v) { return v > 0 ? v : Math.exp(v) - 1; },
    tanh: Math.tanh,
    sigmoid: function (v) { return 1 / (1 + Math.exp(-v)); },
    selu: function (v) { return 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1)); },
    softplus: function (v) { return v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)); },
    linear: function (v) { return v; }
  };
  var h = Float64Array.from(z);
  net.layers.forEach(function (layer, k) {
    if (!layer.q) {
      var bytes = atob(layer.weights), q = new Int8Array(bytes.length);
      for (var b = 0; b < bytes.length; b++) q[b] = bytes.charCodeAt(b);
      Object.defineProperty(layer, "q", { value: q });
    }
    var out = new Float64Array(layer.outputs), f = act[layer.activation];
    var last = k === net.layers.length - 1;
    for (var r = 0; r < layer.outputs; r++) {
      var sum = 0, row = r * layer.inputs;
      for (var i = 0; i < layer.inputs; i++) sum += layer.q[row + i] * h[i];
      var v = sum * layer.scales[r] + layer.bias[r];
      out[r] = last ? (net.logits ? 1 / (1 + Math.exp(-v)) : v) : f(v);
    }
    h = out;
  });
  return h;
}`;

/** The page's forward pass, run in Node: pixel means of code `z`. */
export const decodeQuantised = new Function(`${DECODER_JS}\nreturn decode;`)() as (
  net: QuantisedDecoder,
  z: ArrayLike<number>,
) => Float64Array;

/** Quantises one dense layer (kernel `[inputs, outputs]`), a scale per output unit. */
function quantiseLayer(kernel: Float32Array, bias: Float32Array, inputs: number, activation: Activation) {
  const outputs = bias.length;
  const q = new Int8Array(inputs * outputs);
  const scales: number[] = [];
  for (let r = 0; r < outputs; r++) {
    let max = 0;
    for (let i = 0; i < inputs; i++) max = Math.max(max, Math.abs(kernel[i * outputs + r]));
    const scale = max / 127 || 1;
    scales.push(Number(scale.toPrecision(7)));
    for (let i = 0; i < inputs; i++) q[r * inputs + i] = Math.round(kernel[i * outputs + r] / scales[r]);
  }
  const weights = Buffer.from(q.buffer).toString("base64");
  return {
    inputs,
    outputs,
    activation,
    scales,
    bias: Array.from(bias, (b) => Number(b.toPrecision(7))),
    weights,
  };
}

/** Options of {@link quantiseDecoder}. */
export interface QuantiseOptions {
  /**
   * Keep this many principal directions of the last layer's outputs (default: all). The last
   * layer W (hidden -> pixels) becomes two, hidden -> rank -> pixels: W V and V^T, where V holds
   * the top principal directions of the logits over a grid of `extent`, so few bytes remain.
   */
  rank?: number;
  /** The square of codes the page decodes, [lo, hi] on each axis (default [-4, 4]). */
  extent?: [number, number];
}

/**
 * The decoder of `model` quantised for a page. Only unconditional MLP decoders (dense layers)
 * can be packed; anything else is refused with the reason.
 */
export function quantiseDecoder(model: Model, opts: QuantiseOptions = {}): QuantisedDecoder {
  const { arch, classes, activation, latentDim, likelihood } = model.config;
  if (arch !== "mlp" || classes > 0)
    throw new Error(
      `quantiseDecoder: only an unconditional MLP decoder runs in the page; this model is ` +
        `${classes > 0 ? `conditioned on ${classes} classes` : `arch "${arch}"`}. ` +
        `Train a model with arch "mlp" and no classes to explore it.`,
    );
  const values = model.decoder.getWeights().map((w) => w.dataSync() as Float32Array);
  const hiddenLayers = values.length / 2 - 1;
  const pixels = values[values.length - 1].length;
  if (opts.rank !== undefined && opts.rank < pixels) {
    if (!(Number.isInteger(opts.rank) && opts.rank > 0))
      throw new Error(`quantiseDecoder: rank must be a positive integer, got ${opts.rank}.`);
    values.splice(values.length - 2, 2, ...lowRankLast(model, opts.rank, opts.extent ?? [-4, 4]));
  }
  const layers: QuantisedLayer[] = [];
  let inputs = latentDim;
  for (let k = 0; k < values.length; k += 2) {
    const f = k / 2 < hiddenLayers ? activation : "linear";
    layers.push(quantiseLayer(values[k], values[k + 1], inputs, f));
    inputs = values[k + 1].length;
  }
  return { latentDim, layers, logits: likelihood === "bernoulli" };
}

/** Codes on a steps x steps grid over the square [lo, hi]^2. */
export function squareGrid([lo, hi]: [number, number], steps: number): number[][] {
  const at = (i: number) => lo + ((hi - lo) * i) / (steps - 1);
  return Array.from({ length: steps * steps }, (_, i) => [at(i % steps), at(Math.floor(i / steps))]);
}

/**
 * The last layer (kernel W, bias b) as two layers through its top `rank` principal directions V
 * of its outputs l over a grid of codes (mean m): l ~ m + (l - m) V V^T, that is kernels W V and
 * V^T, biases (b - m) V and m.
 */
function lowRankLast(model: Model, rank: number, extent: [number, number]): Float32Array[] {
  const layers = model.decoder.layers;
  const last = layers[layers.length - 1];
  const [kernel, bias] = last.getWeights();
  const { cov, mean } = tf.tidy(() => {
    let h = tf.tensor2d(squareGrid(extent, 32)) as tf.Tensor;
    for (const layer of layers.slice(0, -1)) h = layer.apply(h) as tf.Tensor;
    const l = tf.add(tf.matMul(h as tf.Tensor2D, kernel as tf.Tensor2D), bias);
    const m = tf.mean(l, 0);
    const centred = tf.sub(l, m) as tf.Tensor2D;
    return {
      cov: tf.div(tf.matMul(centred, centred, true, false), l.shape[0]).dataSync() as Float32Array,
      mean: m.dataSync() as Float32Array,
    };
  });
  const pixels = mean.length;
  const v = principalDirections(cov, pixels, rank);
  const w = kernel.dataSync() as Float32Array;
  const b = bias.dataSync() as Float32Array;
  const hidden = w.length / pixels;
  const down = new Float32Array(hidden * rank);
  const downBias = new Float32Array(rank);
  const up = new Float32Array(rank * pixels);
  for (let c = 0; c < rank; c++) {
    for (let p = 0; p < pixels; p++) {
      up[c * pixels + p] = v[p * rank + c];
      downBias[c] += (b[p] - mean[p]) * v[p * rank + c];
    }
    for (let i = 0; i < hidden; i++) {
      let sum = 0;
      for (let p = 0; p < pixels; p++) sum += w[i * pixels + p] * v[p * rank + c];
      down[i * rank + c] = sum;
    }
  }
  return [down, downBias, up, mean];
}

/**
 * The top `rank` eigenvectors of a symmetric n x n matrix, by orthogonal iteration (power
 * iteration on a block, re-orthonormalised each time), as columns of an n x rank matrix.
 */
function principalDirections(matrix: Float32Array, n: number, rank: number): Float64Array {
  const m = tf.tensor2d(matrix, [n, n]);
  try {
    const start = tf.randomNormal([n, rank], 0, 1, "float32", 1).dataSync();
    let v = orthonormalColumns(Float64Array.from(start), n, rank);
    for (let it = 0; it < 40; it++) {
      const next = tf.tidy(() => tf.matMul(m, tf.tensor2d(Float32Array.from(v), [n, rank])).dataSync());
      v = orthonormalColumns(Float64Array.from(next), n, rank);
    }
    return v;
  } finally {
    m.dispose();
  }
}

/** Modified Gram-Schmidt on the columns of an n x rank matrix. */
function orthonormalColumns(m: Float64Array, n: number, rank: number): Float64Array {
  for (let c = 0; c < rank; c++) {
    for (let d = 0; d < c; d++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += m[r * rank + c] * m[r * rank + d];
      for (let r = 0; r < n; r++) m[r * rank + c] -= dot * m[r * rank + d];
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += m[r * rank + c] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < n; r++) m[r * rank + c] /= norm;
  }
  return m;
}

/**
 * The largest and mean absolute difference, over the codes `z` and their pixels, between the
 * pixel means of the quantised decoder (as the page computes them) and of `model` in tfjs.
 */
export function quantisationError(
  model: Model,
  net: QuantisedDecoder,
  z: number[][],
): { max: number; mean: number } {
  const exact = tf.tidy(() => decodeMean(model, tf.tensor2d(z)).arraySync());
  let max = 0;
  let sum = 0;
  let count = 0;
  z.forEach((code, n) => {
    decodeQuantised(net, code).forEach((v, i) => {
      const d = Math.abs(v - exact[n][i]);
      max = Math.max(max, d);
      sum += d;
      count++;
    });
  });
  return { max, mean: sum / count };
}
