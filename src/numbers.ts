/**
 * From tensors to plain numbers in one call: run a function of tensors, read what it returns, and
 * dispose every tensor it made. A notebook cell whose point is a formula then shows the formula,
 * not `tf.tidy`, `dataSync` and `dispose`.
 */
import * as tf from "@tensorflow/tfjs";

/** What {@link numbers} returns for `T`: every tensor read as a flat array of its values. */
export type Numbers<T> = T extends tf.Tensor
  ? number[]
  : T extends number | string | boolean | bigint | symbol | null | undefined | ArrayBufferView
    ? T
    : T extends (...args: never[]) => unknown
      ? T
      : { [K in keyof T]: Numbers<T[K]> };

/**
 * Runs `f` and returns its result with every tensor in it (at any depth of arrays and objects)
 * replaced by a plain array of its values, in row-major order; other values are kept. Every tensor
 * `f` made is disposed, also when it throws.
 *
 *     const { mean, std } = vl.numbers(() => {
 *       const { mean, variance } = tf.moments(codes, 0);
 *       return { mean: mean, std: tf.sqrt(variance) };
 *     });
 */
export function numbers<T>(f: () => T): Numbers<T> {
  return tf.tidy(() => read(f()) as tf.TensorContainer) as Numbers<T>;
}

/**
 * Runs `f`, which returns a tensor holding exactly one value (a scalar, or a `[1]` or `[1, 1]`
 * tensor), and returns that value as a number. Every tensor `f` made is disposed.
 *
 *     const gap = vl.number(() => tf.max(tf.abs(tf.sub(left, right))));
 */
export function number(f: () => tf.Tensor): number {
  return tf.tidy(() => {
    const t = f();
    if (!(t instanceof tf.Tensor))
      throw new Error(`number() needs a function that returns a tensor; it returned ${describe(t)}.`);
    if (t.size !== 1)
      throw new Error(
        `number() needs a tensor with one value; this one has shape [${t.shape}] (${t.size} values): ` +
          "reduce it first (tf.sum, tf.mean, tf.max), or use numbers() for several values.",
      );
    return t.dataSync()[0];
  });
}

/** `value` with every tensor in it read into a plain array. */
function read(value: unknown): unknown {
  if (value instanceof tf.Tensor) return Array.from(value.dataSync() as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(read);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, read(v)]));
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}
