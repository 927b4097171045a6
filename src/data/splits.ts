/**
 * What every loader does after reading its files: check the options, hold out a
 * seeded validation set from the training images, apply the train/test limits and
 * measure per-channel mean and standard deviation of the remaining training pixels.
 */
import { SltError } from "../errors";
import { Rng } from "../engine/rng";
import type { DataSplits, ImageSet, LoadOptions } from "./types";

/** Throws SltError("config") for options no loader can honour; loaders call it before reading files. */
export function checkLoadOptions(o: LoadOptions): void {
  const f = o.validationFraction;
  if (typeof f !== "number" || !Number.isFinite(f) || f < 0 || f >= 1) {
    throw new SltError("config", `validationFraction must be a number in [0, 1), got ${String(f)}`, "validationFraction");
  }
  for (const key of ["limitTrain", "limitTest"] as const) {
    const v = o[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new SltError("config", `${key} must be a whole number ≥ 0 (0 = all), got ${String(v)}`, key);
    }
  }
  if (typeof o.seed !== "number" || !Number.isInteger(o.seed)) {
    throw new SltError("config", `seed must be an integer, got ${String(o.seed)}`, "seed");
  }
}

/** A new ImageSet of the images at `indices`, in that order (pixels copied). */
export function subsetImageSet(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = set.height * set.width * set.channels;
  const n = indices.length;
  const pixels = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i];
    if (!(j >= 0 && j < set.count)) throw new RangeError(`subsetImageSet: index ${j} outside 0..${set.count - 1}`);
    pixels.set(set.pixels.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j];
  }
  return { pixels, labels, count: n, height: set.height, width: set.width, channels: set.channels };
}

/** The first `n` images (a view, no copy); 0 or n ≥ count means all. */
export function limitImageSet(set: ImageSet, n: number): ImageSet {
  if (n <= 0 || n >= set.count) return set;
  const size = set.height * set.width * set.channels;
  return { ...set, pixels: set.pixels.subarray(0, n * size), labels: set.labels.subarray(0, n), count: n };
}

/**
 * Splits off `round(fraction × count)` images (at least one when fraction > 0, and
 * never all) chosen by a permutation seeded from `seed`. Both parts keep file order,
 * so limits and epoch orders act on a stable sequence.
 */
export function splitValidation(set: ImageSet, fraction: number, seed: number): { train: ImageSet; validation?: ImageSet } {
  if (fraction <= 0) return { train: set };
  if (set.count < 2) {
    throw new SltError(
      "config",
      `validationFraction ${fraction} needs at least 2 training images, found ${set.count}`,
      "validationFraction",
    );
  }
  const nVal = Math.min(set.count - 1, Math.max(1, Math.round(fraction * set.count)));
  const perm = Rng.derive(seed, "validation-split").permutation(set.count);
  const valIdx = perm.slice(0, nVal).sort();
  const trainIdx = perm.slice(nVal).sort();
  return { train: subsetImageSet(set, trainIdx), validation: subsetImageSet(set, valIdx) };
}

/** Per-channel mean and (population) standard deviation on a 0..1 scale, exact, via a byte histogram. */
export function channelStats(set: ImageSet): { mean: number[]; std: number[] } {
  const c = set.channels;
  const hist = new Float64Array(256 * c);
  const px = set.pixels;
  const total = set.count * set.height * set.width * c;
  for (let i = 0, ch = 0; i < total; i++) {
    hist[ch * 256 + px[i]]++;
    if (++ch === c) ch = 0;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let n = 0;
    let s = 0;
    for (let v = 0; v < 256; v++) {
      n += hist[ch * 256 + v];
      s += hist[ch * 256 + v] * (v / 255);
    }
    const m = n > 0 ? s / n : 0;
    let q = 0;
    for (let v = 0; v < 256; v++) q += hist[ch * 256 + v] * (v / 255 - m) ** 2;
    mean.push(m);
    std.push(n > 0 ? Math.sqrt(q / n) : 0);
  }
  return { mean, std };
}

export interface RawSplits {
  name: string;
  source: string;
  numClasses: number;
  /** Everything in the training files. */
  train: ImageSet;
  test: ImageSet;
}

/** Validation split, limits and statistics, in that order. */
export function finishSplits(raw: RawSplits, o: LoadOptions): DataSplits {
  checkLoadOptions(o);
  const { train: fullTrain, validation } = splitValidation(raw.train, o.validationFraction, o.seed);
  const train = limitImageSet(fullTrain, o.limitTrain);
  const test = limitImageSet(raw.test, o.limitTest);
  const { mean, std } = channelStats(train);
  const out: DataSplits = { name: raw.name, source: raw.source, numClasses: raw.numClasses, train, test, mean, std };
  if (validation) out.validation = validation;
  return out;
}
