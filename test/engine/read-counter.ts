/**
 * Counting the engine's reads of tensor values, shared by test/train/device-path.test.ts and
 * test/engine/webgpu-runner.ts (not a test file itself).
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Counts reads of tensor values: the engine's read and readSync, which every Tensor.data,
 * dataSync, array and arraySync goes through (a read inside a read counts once). Kernels'
 * own access to their backend's memory (wasm's slice reads its heap) is no device read.
 */
export function countReads(): { count: () => number; restore: () => void } {
  const engine = tf.engine() as unknown as Record<"read" | "readSync", (...a: unknown[]) => unknown>;
  const original = { read: engine.read, readSync: engine.readSync };
  let reads = 0;
  let depth = 0;
  for (const name of ["read", "readSync"] as const) {
    engine[name] = function (this: unknown, ...args: unknown[]) {
      if (depth === 0) reads++;
      depth++;
      try {
        return original[name].apply(this, args);
      } finally {
        depth--;
      }
    };
  }
  return {
    count: () => reads,
    restore: () => {
      engine.read = original.read;
      engine.readSync = original.readSync;
    },
  };
}
