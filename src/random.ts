/**
 * Seeded randomness. One seed fixes everything random in a run, and each consumer draws from its
 * own stream: initial weights, data order, the reparameterization noise `eps`, input noise,
 * binarization, evaluation and sampling never share draws, however many of them a run uses.
 *
 * TensorFlow.js ops take an optional numeric seed (`tf.randomNormal(shape, 0, 1, "float32", seed)`,
 * `tf.initializers.glorotUniform({ seed })`); an {@link Rng} hands out such seeds in a fixed order.
 */

/** A small seeded pseudo-random generator (mulberry32: 32-bit state, fast, good enough for shuffling). */
export class Rng {
  private state: number;

  /** @param seed any integer; equal seeds give equal sequences. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}.`);
    this.state = Math.trunc(seed) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal number (Box-Muller transform of two uniforms). */
  normal(): number {
    const u = 1 - this.next(); // in (0, 1], so its log is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A fresh seed for a TensorFlow.js op or initializer: an integer in [1, 2^31 - 1]. */
  seed(): number {
    // Never 0: tfjs reads a seed as `seed ? seed : Math.random()`, so 0 would mean "unseeded".
    return 1 + Math.floor(this.next() * 0x7ffffffe);
  }
}

/** What a stream of random numbers is for. */
export type Purpose =
  | "weights"
  | "order"
  | "eps"
  | "noise"
  | "binarization"
  | "evaluation"
  | "sampling"
  | "labels";

/**
 * The random stream of one purpose in the run with this seed, optionally per `index` (the epoch
 * in training). Streams are derived by hashing (seed, purpose, index), so they are independent of
 * one another and of how much any other stream was used.
 */
export function randomStream(seed: number, purpose: Purpose, index = 0): Rng {
  if (!Number.isFinite(seed)) throw new Error(`The seed must be a finite number, got ${seed}.`);
  let h = mix(0x9e3779b9, Math.trunc(seed));
  h = mix(h, Math.floor(Math.trunc(seed) / 2 ** 32)); // the high bits of large seeds count too
  for (let i = 0; i < purpose.length; i++) h = mix(h, purpose.charCodeAt(i));
  return new Rng(mix(h, index));
}

/** One round of MurmurHash3's mixing: a 32-bit value folded into the hash `h`. */
function mix(h: number, value: number): number {
  h = Math.imul(h ^ (value >>> 0), 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Shuffles `array` in place (Fisher-Yates) and returns it. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** The numbers 0..n-1 in a seeded random order. */
export function permutation(n: number, rng: Rng): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffle(order, rng);
}
