/** Flattening of nested records, e.g. a training history's `{ epoch, train: { loss, kl } }`. */

/**
 * One level of nesting becomes joined keys: `{ epoch: 1, train: { loss: 2 } }` ->
 * `{ epoch: 1, "train.loss": 2 }` (or `train_loss` with `separator` "_"). Arrays and deeper
 * values are kept as they are.
 */
export function flattenRecord(record: Record<string, unknown>, separator = "."): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
      for (const [sub, v] of Object.entries(value)) out[`${key}${separator}${sub}`] = v;
    } else out[key] = value;
  }
  return out;
}
