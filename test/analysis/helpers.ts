/** Shared pieces of the analysis tests. Not a test file itself. */
import type { RunConfigInput } from "../../src/experiments/config";

/** LeNet-300-100 at width 0.1 on 128 synthetic images (4 steps an epoch), 2 epochs on cpu, keeping `keepFraction`. */
export function tinyRun(keepFraction: number, overrides: RunConfigInput = {}): RunConfigInput {
  return {
    model: "lenet300",
    widthMultiplier: 0.1,
    dataset: "synthetic",
    limitTrain: 128,
    limitTest: 100,
    batchSize: 32,
    evalBatchSize: 100,
    epochs: 2,
    keepFraction,
    backend: "cpu",
    ...overrides,
  };
}
