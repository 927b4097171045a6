/**
 * Mini-batch assembly in plain typed-array loops: gather images by an index order,
 * optionally augment them (zero-pad + random crop, random horizontal flip, the
 * standard CIFAR recipe), and normalise bytes to (v/255 − mean[c]) / std[c].
 */
import type { Rng } from "../engine/rng";
import { SltError } from "../errors";
import type { ImageSet } from "./types";

export interface Augment {
  /** Zero-pad by this many pixels on each side, then crop back to the original size at a random offset; 0 = no crop. */
  padCrop: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

export interface BatchOptions {
  mean: number[];
  std: number[];
  augment?: Augment;
  /** Source of the augmentation draws; required when `augment` is set. */
  rng?: Rng;
}

export interface Batch {
  /** NHWC, normalised, `(end − start) × height × width × channels` long. */
  x: Float32Array;
  y: Int32Array;
}

/** A fresh random order of `n` examples for one epoch. */
export function epochOrder(n: number, rng: Rng): Int32Array {
  return rng.permutation(n);
}

/**
 * The examples `order[start..end)` of `set` as one batch. With augmentation, each
 * image draws, in this order, its crop row offset, crop column offset (when
 * padCrop > 0) and flip coin (when flip), so a given Rng state gives the same batch.
 * Padding is black (byte 0) before normalisation, as when cropping the raw image.
 */
export function makeBatch(set: ImageSet, order: Int32Array, start: number, end: number, opts: BatchOptions): Batch {
  const { height: H, width: W, channels: C } = set;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= order.length)) {
    throw new SltError("usage", `makeBatch: need 0 ≤ start ≤ end ≤ order.length (${order.length}), got start ${start}, end ${end}`);
  }
  if (opts.mean.length !== C || opts.std.length !== C) {
    throw new SltError(
      "usage",
      `makeBatch: mean and std need ${C} values (one per channel), got ${opts.mean.length} and ${opts.std.length}`,
    );
  }
  const aug = opts.augment;
  const pad = aug ? aug.padCrop : 0;
  const flip = aug ? aug.flip : false;
  if (!Number.isInteger(pad) || pad < 0) throw new SltError("usage", `makeBatch: augment.padCrop must be a whole number ≥ 0, got ${pad}`);
  if ((pad > 0 || flip) && !opts.rng) throw new SltError("usage", "makeBatch: augmentation needs an rng");
  const rng = opts.rng;

  // Byte → normalised value per channel; a zero std (a constant channel) divides by 1 instead.
  const lut = new Float32Array(256 * C);
  for (let c = 0; c < C; c++) {
    const s = opts.std[c] > 0 ? opts.std[c] : 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - opts.mean[c]) / s;
  }

  const size = H * W * C;
  const n = end - start;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  const px = set.pixels;
  for (let b = 0; b < n; b++) {
    const idx = order[start + b];
    if (!(idx >= 0 && idx < set.count)) {
      throw new SltError("usage", `makeBatch: order[${start + b}] = ${idx} is outside 0..${set.count - 1}`);
    }
    y[b] = set.labels[idx];
    const src = idx * size;
    const dst = b * size;
    if (pad === 0 && !flip) {
      for (let i = 0, c = 0; i < size; i++) {
        x[dst + i] = lut[c * 256 + px[src + i]];
        if (++c === C) c = 0;
      }
      continue;
    }
    // Output (r, q) shows padded-image pixel (r + dy, q' + dx), i.e. source (r + dy − pad, q' + dx − pad),
    // where q' = W − 1 − q when flipped (flip applied after the crop).
    const dy = pad > 0 ? (rng as Rng).int(2 * pad + 1) : pad;
    const dx = pad > 0 ? (rng as Rng).int(2 * pad + 1) : pad;
    const mirrored = flip ? (rng as Rng).next() < 0.5 : false;
    for (let r = 0; r < H; r++) {
      const sr = r + dy - pad;
      const rowInside = sr >= 0 && sr < H;
      for (let q = 0; q < W; q++) {
        const sq = (mirrored ? W - 1 - q : q) + dx - pad;
        const o = dst + (r * W + q) * C;
        if (rowInside && sq >= 0 && sq < W) {
          const s = src + (sr * W + sq) * C;
          for (let c = 0; c < C; c++) x[o + c] = lut[c * 256 + px[s + c]];
        } else {
          for (let c = 0; c < C; c++) x[o + c] = lut[c * 256];
        }
      }
    }
  }
  return { x, y };
}
