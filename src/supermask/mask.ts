/**
 * Top-k masks over score magnitudes, computed in plain JS on typed arrays.
 *
 * Why not tf.topk: on the wasm backend a top-k over a 235k-score layer costs as much as
 * the layer's forward matMul; an O(n) quickselect on the scores' values is several times
 * cheaper, and the same pass feeds the dying-ratio bookkeeping for free.
 *
 * Ties at the threshold are broken by position (lower index first), so a mask always
 * holds exactly k edges and is the same on every backend.
 */
import { SltError } from "../errors";

/**
 * Number of edges a layer of `n` edges keeps at `keepFraction` (the fraction KEPT, not
 * pruned): round(keep · n), at least 1 so that no layer is cut off entirely.
 */
export function keptCount(keepFraction: number, n: number): number {
  if (!(keepFraction > 0 && keepFraction <= 1)) {
    throw new SltError("config", `keepFraction must be in (0, 1], got ${keepFraction}. It is the fraction of edges KEPT (1 − prune rate).`, "keepFraction");
  }
  return Math.min(n, Math.max(1, Math.round(keepFraction * n)));
}

/** Convert between the two conventions, so no call site has to guess which it holds. */
export function keepFractionFromPruneRate(pruneRate: number): number {
  return 1 - pruneRate;
}

/** Rearranges `a[lo..hi]` so that a[k] holds the k-th largest value of that range. */
function selectKthLargest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot keeps sorted or constant inputs linear.
    const mid = (lo + hi) >>> 1;
    let x = a[lo], y = a[mid], z = a[hi];
    if (x < y) [x, y] = [y, x];
    if (y < z) [y, z] = [z, y];
    if (x < y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/**
 * The k-th largest of `values` (k counted from 1), considering only entries where
 * `alive` is 1 when given. `scratch` is reused between calls to avoid allocation.
 */
export function kthLargest(values: Float32Array, k: number, alive?: Uint8Array | null, scratch?: Float32Array): number {
  let m = 0;
  const buf = scratch && scratch.length >= values.length ? scratch : new Float32Array(values.length);
  if (alive) {
    for (let i = 0; i < values.length; i++) if (alive[i]) buf[m++] = values[i];
  } else {
    buf.set(values);
    m = values.length;
  }
  if (k < 1 || k > m) throw new RangeError(`k=${k} outside 1..${m} candidate edges`);
  return selectKthLargest(buf.subarray(0, m), k - 1);
}

/**
 * Writes into `out` the mask of the k largest |score| entries of `absScores`
 * (among `alive` ones when given). Returns `out`.
 */
export function topKMask(absScores: Float32Array, k: number, alive?: Uint8Array | null, out?: Uint8Array, scratch?: Float32Array): Uint8Array {
  const mask = out ?? new Uint8Array(absScores.length);
  const threshold = kthLargest(absScores, k, alive, scratch);
  let above = 0;
  for (let i = 0; i < absScores.length; i++) if ((!alive || alive[i]) && absScores[i] > threshold) above++;
  let tiesToTake = k - above;
  for (let i = 0; i < absScores.length; i++) {
    const v = absScores[i];
    if (alive && !alive[i]) mask[i] = 0;
    else if (v > threshold) mask[i] = 1;
    else if (v === threshold && tiesToTake > 0) {
      mask[i] = 1;
      tiesToTake--;
    } else mask[i] = 0;
  }
  return mask;
}

/**
 * One top-k across several layers (the "global" option): the k largest |score| over the
 * concatenation of all layers, ties broken by layer order then position.
 */
export function globalTopKMasks(absScores: Float32Array[], k: number, alive: (Uint8Array | null)[], out: Uint8Array[]): Uint8Array[] {
  const total = absScores.reduce((s, a) => s + a.length, 0);
  const all = new Float32Array(total);
  const allAlive = alive.some((a) => a) ? new Uint8Array(total) : null;
  let offset = 0;
  absScores.forEach((a, li) => {
    all.set(a, offset);
    if (allAlive) {
      const al = alive[li];
      if (al) allAlive.set(al, offset);
      else allAlive.fill(1, offset, offset + a.length);
    }
    offset += a.length;
  });
  const joined = topKMask(all, k, allAlive);
  offset = 0;
  absScores.forEach((a, li) => {
    out[li].set(joined.subarray(offset, offset + a.length));
    offset += a.length;
  });
  return out;
}

/** Number of ones in a mask. */
export function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}
