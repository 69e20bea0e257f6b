/**
 * The training settings used when none is given, named once for the library and the trainer:
 * the reference recipe of pytorch/examples vae/main.py (Adam, learning rate 1e-3, batches of 128).
 */
export const TRAINING_DEFAULTS = {
  /** Images per batch. */
  batchSize: 128,
  /** Adam's learning rate. */
  learningRate: 1e-3,
  /** A progress line every this many steps, where progress is printed as lines. */
  logEvery: 100,
} as const;
