/**
 * A tiny run config shared by tests that train whole runs through the public path (not a
 * test file itself); each spreads it and adds its own method, backend and knobs.
 */

/** LeNet-300-100 at width 0.1 (2320 edges) on the synthetic set: 64 training and 64 test images, batches of 32 (2 steps an epoch), 2 epochs. */
export const TINY_LENET = {
  model: "lenet300",
  widthMultiplier: 0.1,
  dataset: "synthetic",
  limitTrain: 64,
  limitTest: 64,
  batchSize: 32,
  evalBatchSize: 64,
  epochs: 2,
} as const;
