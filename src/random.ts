/**
 * Seeded randomness. One seed fixes everything random in a run: the order of the data, the
 * initial weights and the sampling noise (`eps` of the reparameterization, denoising noise).
 *
 * TensorFlow.js ops take an optional numeric seed (`tf.randomNormal(shape, 0, 1, "float32", seed)`,
 * `tf.initializers.glorotUniform({ seed })`); an {@link Rng} hands out those seeds in a fixed order,
 * so a run is the same every time it is started with the same seed.
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

  /** A fresh seed for a TensorFlow.js op or initializer (a non-negative 31-bit integer). */
  seed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** An independent generator, e.g. one for data order and one for noise. */
  fork(): Rng {
    return new Rng(this.seed());
  }
}

/**
 * The seed to hand a TensorFlow.js op. tfjs reads a seed as `seed ? seed : Math.random()`, so 0
 * would silently mean "unseeded"; it is mapped to 2^31, a value {@link Rng.seed} never returns.
 */
export function tfSeed(seed: number | undefined): number | undefined {
  return seed === 0 ? 2 ** 31 : seed;
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
