/**
 * A small, seeded, learnable data set generated in memory, for fast tests: each class
 * has a random prototype image, and each sample is its class's prototype plus
 * Gaussian pixel noise and a random brightness offset. A linear model learns it far
 * above chance but (at the default noise) not perfectly, so accuracy still moves.
 */
import { Rng } from "../engine/rng";
import { SltError } from "../errors";
import type { DataSplits, DatasetSpec, ImageSet, LoadOptions } from "./types";
import { checkLoadOptions, finishSplits } from "./splits";

export interface SyntheticConfig {
  numClasses: number;
  height: number;
  width: number;
  channels: number;
  trainCount: number;
  testCount: number;
  /** Standard deviation of the per-pixel noise, in byte units (0..255 scale). */
  noise: number;
  /** Standard deviation of the per-image brightness offset, in byte units. */
  brightness: number;
  /** Seed of the data itself; fixed per data set, unlike the split seed in LoadOptions. */
  seed: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticConfig = {
  numClasses: 10,
  height: 8,
  width: 8,
  channels: 1,
  trainCount: 5000,
  testCount: 1000,
  noise: 96,
  brightness: 24,
  seed: 1,
};

function checkConfig(c: SyntheticConfig): void {
  const positive = ["numClasses", "height", "width", "channels"] as const;
  for (const k of positive) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new SltError("config", `synthetic ${k} must be a whole number ≥ 1, got ${c[k]}`, k);
  }
  if (c.numClasses > 256)
    throw new SltError("config", `synthetic numClasses must be ≤ 256 (labels are bytes), got ${c.numClasses}`, "numClasses");
  for (const k of ["trainCount", "testCount"] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0) throw new SltError("config", `synthetic ${k} must be a whole number ≥ 0, got ${c[k]}`, k);
  }
  for (const k of ["noise", "brightness"] as const) {
    if (!Number.isFinite(c[k]) || c[k] < 0) throw new SltError("config", `synthetic ${k} must be ≥ 0, got ${c[k]}`, k);
  }
}

/** Generates the training and test sets; the same config always gives the same bytes. */
export function makeSynthetic(config: Partial<SyntheticConfig> = {}): { train: ImageSet; test: ImageSet } {
  const c: SyntheticConfig = { ...SYNTHETIC_DEFAULTS, ...config };
  checkConfig(c);
  const rng = new Rng(c.seed);
  const size = c.height * c.width * c.channels;
  // Prototypes away from 0 and 255 so that noise is rarely clipped.
  const protos = new Float64Array(c.numClasses * size);
  for (let i = 0; i < protos.length; i++) protos[i] = rng.uniform(48, 208);
  const make = (count: number): ImageSet => {
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) labels[i] = i % c.numClasses; // balanced classes…
    rng.shuffle(labels); // …in random order
    const pixels = new Uint8Array(count * size);
    for (let i = 0; i < count; i++) {
      const p = labels[i] * size;
      const shift = c.brightness * rng.normal();
      for (let j = 0; j < size; j++) {
        const v = protos[p + j] + shift + c.noise * rng.normal();
        pixels[i * size + j] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    }
    return { pixels, labels, count, height: c.height, width: c.width, channels: c.channels };
  };
  const train = make(c.trainCount);
  const test = make(c.testCount);
  return { train, test };
}

/** A registry entry for a synthetic set with the given config (defaults for the rest). */
export function syntheticSpec(name: string, config: Partial<SyntheticConfig> = {}): DatasetSpec {
  const c: SyntheticConfig = { ...SYNTHETIC_DEFAULTS, ...config };
  return {
    name,
    description:
      `Synthetic prototypes + noise, ${c.height}×${c.width}×${c.channels}, ${c.numClasses} classes, ` +
      `${c.trainCount} train / ${c.testCount} test, generated in memory (for fast tests)`,
    inputShape: [c.height, c.width, c.channels],
    numClasses: c.numClasses,
    howToGet: "Nothing to get: generated in memory.",
    dataFiles: null,
    load: async (options: LoadOptions): Promise<DataSplits> => {
      checkLoadOptions(options);
      const { train, test } = makeSynthetic(c);
      return finishSplits({ name, source: `synthetic(seed=${c.seed})`, numClasses: c.numClasses, train, test }, options);
    },
  };
}

export const syntheticDatasetSpec: DatasetSpec = syntheticSpec("synthetic");
