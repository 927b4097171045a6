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
    throw new SltError(
      "config",
      `keepFraction must be in (0, 1], got ${keepFraction}. It is the fraction of edges KEPT (1 − prune rate).`,
      "keepFraction",
    );
  }
  return Math.min(n, Math.max(1, Math.round(keepFraction * n)));
}

/** Convert between the two conventions, so no call site has to guess which it holds. */
export function keepFractionFromPruneRate(pruneRate: number): number {
  return 1 - pruneRate;
}

/** Rearranges `a` so that a[k] holds the (k+1)-th largest value (k counted from 0). */
function selectKthLargest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot keeps sorted or constant inputs linear.
    const mid = (lo + hi) >>> 1;
    let x = a[lo],
      y = a[mid],
      z = a[hi];
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

/** Below this many values a plain quickselect is as fast as sampling first. */
const SAMPLING_MIN_N = 16384;
/** Sample size for the threshold estimate; sorting it takes ~0.1 ms. */
const SAMPLE_SIZE = 4096;

interface Threshold {
  /** The k-th largest candidate value. */
  threshold: number;
  /** Candidates strictly greater than it (so k − above ties at the threshold are kept). */
  above: number;
}

/**
 * Guess a value range [lo, hi] that holds the k-th largest of the `m` alive values, from an
 * evenly spaced sample: its k/m quantile ± 3 binomial standard deviations. Null when the
 * sample is too small to say anything.
 */
function sampledBracket(
  values: Float32Array,
  k: number,
  m: number,
  alive: Uint8Array | null | undefined,
): { lo: number; hi: number } | null {
  const n = values.length;
  const sample = new Float32Array(SAMPLE_SIZE);
  let s = 0;
  for (let j = 0; j < SAMPLE_SIZE; j++) {
    const i = Math.floor(((j + 0.5) * n) / SAMPLE_SIZE);
    if (!alive || alive[i]) sample[s++] = values[i];
  }
  if (s < 256) return null;
  const sorted = sample.subarray(0, s).sort(); // ascending; NaNs last
  const q = k / m; // fraction of alive values at or above the threshold
  // 3σ: the bracket misses ~0.3% of the time (then one full quickselect), and holds fewer values than at 4σ.
  const margin = Math.ceil(3 * Math.sqrt(s * q * (1 - q))) + 2;
  const rankFromTop = q * s; // 1-based rank of the estimate among the sample, largest first
  const hiRank = Math.max(1, Math.floor(rankFromTop - margin));
  const loRank = Math.min(s, Math.ceil(rankFromTop + margin));
  const hi = hiRank <= 1 ? Infinity : sorted[s - hiRank];
  const lo = loRank >= s ? -Infinity : sorted[s - loRank];
  if (Number.isNaN(hi) || Number.isNaN(lo)) return null;
  return { lo, hi };
}

/** Edges a mask may choose from (the alive ones, or all n); k must lie in 1..that. */
function candidateCount(n: number, k: number, alive: Uint8Array | null | undefined): number {
  let m = n;
  if (alive) {
    m = 0;
    for (let i = 0; i < n; i++) m += alive[i];
  }
  if (k < 1 || k > m) throw new RangeError(`k=${k} outside 1..${m} candidate edges`);
  return m;
}

/**
 * The k-th largest alive value and how many alive values exceed it. Large inputs take one
 * counting pass against a sampled bracket and a quickselect over the few values inside it;
 * when the bracket misses (rare), or for small inputs, a quickselect over all values.
 */
function selectThreshold(
  values: Float32Array,
  k: number,
  alive: Uint8Array | null | undefined,
  scratch: Float32Array | undefined,
): Threshold {
  const n = values.length;
  const m = candidateCount(n, k, alive);
  const buf = scratch && scratch.length >= n ? scratch : new Float32Array(n);
  if (n >= SAMPLING_MIN_N) {
    const bracket = sampledBracket(values, k, m, alive);
    if (bracket) {
      const { lo, hi } = bracket;
      // Branch-free counting (+(a > b) is 0 or 1): the comparisons are coin flips near
      // the median, and mispredicted branches made this pass ~6x slower.
      let above = 0;
      let c = 0;
      if (alive) {
        for (let i = 0; i < n; i++) {
          const v = values[i];
          const a = alive[i];
          above += a & +(v > hi);
          buf[c] = v;
          c += a & +(v >= lo) & +(v <= hi);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = values[i];
          above += +(v > hi);
          buf[c] = v;
          c += +(v >= lo) & +(v <= hi);
        }
      }
      if (above < k && k <= above + c) {
        const threshold = selectKthLargest(buf.subarray(0, c), k - above - 1);
        for (let j = 0; j < c; j++) above += +(buf[j] > threshold);
        return { threshold, above };
      }
    }
  }
  let c = 0;
  if (alive) {
    for (let i = 0; i < n; i++) if (alive[i]) buf[c++] = values[i];
  } else {
    buf.set(values);
    c = n;
  }
  const threshold = selectKthLargest(buf.subarray(0, c), k - 1);
  let above = 0;
  for (let i = 0; i < n; i++) if ((!alive || alive[i]) && values[i] > threshold) above++;
  return { threshold, above };
}

/**
 * The k-th largest of `values` (k counted from 1), considering only entries where
 * `alive` is 1 when given. `scratch` is reused between calls to avoid allocation.
 */
export function kthLargest(values: Float32Array, k: number, alive?: Uint8Array | null, scratch?: Float32Array): number {
  return selectThreshold(values, k, alive, scratch).threshold;
}

/**
 * Writes into `out` the mask of the k largest |score| entries of `absScores`
 * (among `alive` ones when given). Returns `out`.
 */
export function topKMask(
  absScores: Float32Array,
  k: number,
  alive?: Uint8Array | null,
  out?: Uint8Array,
  scratch?: Float32Array,
): Uint8Array {
  const n = absScores.length;
  const mask = out ?? new Uint8Array(n);
  if (n >= SAMPLING_MIN_N && bracketedTopKMask(absScores, k, alive, mask, scratch)) return mask;
  const { threshold, above } = selectThreshold(absScores, k, alive, scratch);
  if (alive) for (let i = 0; i < n; i++) mask[i] = alive[i] & +(absScores[i] > threshold);
  else for (let i = 0; i < n; i++) mask[i] = +(absScores[i] > threshold);
  // Then the ties at the threshold, lowest index first, until k are kept.
  let tiesToTake = k - above;
  for (let i = 0; i < n && tiesToTake > 0; i++) {
    if (absScores[i] === threshold && (!alive || alive[i])) {
      mask[i] = 1;
      tiesToTake--;
    }
  }
  return mask;
}

/** Positions of the values inside the bracket; reused between calls (grown as needed). */
let bracketPositions = new Int32Array(0);

/**
 * topKMask in one pass over the layer: against a sampled bracket [lo, hi], every value
 * above hi is kept and every value below lo dropped as the pass goes, and the few inside
 * are remembered with their positions and settled once the threshold is known. False (the
 * mask half written) when the bracket misses; the caller then takes the plain path.
 */
function bracketedTopKMask(
  absScores: Float32Array,
  k: number,
  alive: Uint8Array | null | undefined,
  mask: Uint8Array,
  scratch: Float32Array | undefined,
): boolean {
  const n = absScores.length;
  const m = candidateCount(n, k, alive);
  const bracket = sampledBracket(absScores, k, m, alive);
  if (!bracket) return false;
  const { lo, hi } = bracket;
  const values = scratch && scratch.length >= n ? scratch : new Float32Array(n);
  if (bracketPositions.length < n) bracketPositions = new Int32Array(n);
  const positions = bracketPositions;
  let above = 0;
  let c = 0;
  // Comparisons as 0/1 numbers (+(a > b)), not branches: they are coin flips near the
  // threshold. The one branch left, "inside the bracket", is rarely taken, so predictable.
  if (alive) {
    for (let i = 0; i < n; i++) {
      const v = absScores[i];
      const a = alive[i];
      const keep = a & +(v > hi);
      mask[i] = keep;
      above += keep;
      if ((a & +(v >= lo) & +(v <= hi)) !== 0) {
        values[c] = v;
        positions[c++] = i;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = absScores[i];
      const keep = +(v > hi);
      mask[i] = keep;
      above += keep;
      if ((+(v >= lo) & +(v <= hi)) !== 0) {
        values[c] = v;
        positions[c++] = i;
      }
    }
  }
  if (!(above < k && k <= above + c)) return false;
  // Select on a copy: the candidates must stay paired with their positions.
  const selection = 2 * c <= values.length ? values.subarray(c, 2 * c) : new Float32Array(c);
  selection.set(values.subarray(0, c));
  const threshold = selectKthLargest(selection, k - above - 1);
  let greater = 0;
  for (let j = 0; j < c; j++) greater += +(values[j] > threshold);
  // Positions are in increasing order, so ties go to the lowest index.
  let ties = k - above - greater;
  for (let j = 0; j < c; j++) {
    const v = values[j];
    let keep = +(v > threshold);
    if (v === threshold && ties > 0) {
      keep = 1;
      ties--;
    }
    mask[positions[j]] = keep;
  }
  return true;
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

// ---------------------------------------------------------------------------------------
// The training step's path: top-k on the scores' float bits, fused with W ⊙ M and W ⊙ sign(S).
// ---------------------------------------------------------------------------------------

const ABS_BITS = 0x7fffffff;
const INFINITY_BITS = 0x7f800000;
const SIGN_BIT = -2147483648;
/** The narrowest bracket (in float-bit units) tried around the previous threshold. */
const MIN_BRACKET_WIDTH = 256;

/**
 * What one layer's top-k remembers between steps: the last threshold, as the bits of |S|,
 * and how far it moved. Scores move little per step, so the next threshold is almost
 * always within a few such moves: one pass then settles everything but the few values
 * inside that bracket. Only a hint: a miss costs a second pass, never a different mask.
 */
export class ThresholdHint {
  /** The last threshold's key (bits of |S|); null before the first top-k. */
  key: number | null = null;
  /** Half-width of the next bracket, in key units. */
  width = MIN_BRACKET_WIDTH;
  /** Top-k calls whose bracket missed (a second pass), for diagnostics and tests. */
  misses = 0;
  calls = 0;

  update(threshold: number, hit: boolean): void {
    const moved = this.key === null ? 0 : Math.abs(threshold - this.key);
    // A hit narrows towards 4 moves; a miss at least doubles the width.
    this.width = hit ? Math.max(MIN_BRACKET_WIDTH, 4 * moved, this.width >> 1) : Math.max(2 * this.width, 4 * moved);
    this.key = threshold;
  }
}

/**
 * Rearranges the keys so that a[k] holds the (k+1)-th largest (quickselect, as selectKthLargest).
 * A copy on purpose: one function over both array types would see two element kinds at its
 * loads (polymorphic in V8), on the training step's hot path.
 */
function selectKthLargestKey(a: Int32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    let x = a[lo],
      y = a[mid],
      z = a[hi];
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

/** Reused between calls (grown as needed): keys and positions of the values in the bracket. */
let fusedKeys = new Int32Array(0);
let fusedPositions = new Int32Array(0);
let fusedSelection = new Int32Array(0);

/** Where the fused top-k writes: the mask and the float bits of W ⊙ M and W ⊙ sign(S). */
export interface FusedOutputs {
  mask: Uint8Array;
  maskedWeight: Int32Array;
  signedWeight: Int32Array;
}

/**
 * The mask of the k largest |S| (among `alive` ones), and with it W ⊙ M and W ⊙ sign(S),
 * in one pass over the float bits of S and W.
 *
 * The same mask as topKMask by construction: |S| is ordered as its bits (s & 0x7fffffff
 * read as an integer) for all non-NaN values, -0 and +0 included; ties at the threshold go
 * to the lowest index. (A NaN score ranks below every number here.) W ⊙ M is W's bits
 * where M = 1 and +0 where M = 0; W ⊙ sign(S) as tf.sign: 0 where S = ±0, NaN where S is NaN.
 */
export function fusedTopKMask(
  scoreBits: Int32Array,
  weightBits: Int32Array,
  k: number,
  alive: Uint8Array | null,
  out: FusedOutputs,
  hint: ThresholdHint,
): void {
  const n = scoreBits.length;
  const m = candidateCount(n, k, alive);
  const { mask, maskedWeight, signedWeight } = out;
  if (fusedKeys.length < n) {
    fusedKeys = new Int32Array(n);
    fusedPositions = new Int32Array(n);
    fusedSelection = new Int32Array(n);
  }
  const keys = fusedKeys;
  const positions = fusedPositions;
  hint.calls++;
  // Before the first top-k the bracket is everything (the pass then keeps nothing outright).
  const lo = hint.key === null ? -1 : hint.key - hint.width;
  const hi = hint.key === null ? INFINITY_BITS : hint.key + hint.width;
  let above = 0;
  let c = 0;
  // Comparisons as 0/1 numbers, not branches: they are coin flips near the threshold. The
  // branches left (inside the bracket, zero or NaN score) are rarely taken, so predictable.
  for (let i = 0; i < n; i++) {
    const s = scoreBits[i];
    const w = weightBits[i];
    let key = s & ABS_BITS;
    if (key === 0 || key > INFINITY_BITS) {
      signedWeight[i] = key === 0 ? 0 : 0x7fc00000;
      if (key !== 0) key = -1;
    } else {
      signedWeight[i] = w ^ (s & SIGN_BIT);
    }
    const a = alive === null ? 1 : alive[i];
    const keep = a & +(key > hi);
    mask[i] = keep;
    maskedWeight[i] = w & -keep;
    above += keep;
    if ((a & +(key >= lo) & +(key <= hi)) !== 0) {
      keys[c] = key;
      positions[c++] = i;
    }
  }
  const hit = above < k && k <= above + c;
  if (!hit) {
    // The bracket missed: collect every candidate's key and settle all of them.
    hint.misses++;
    above = 0;
    c = 0;
    for (let i = 0; i < n; i++) {
      if (alive !== null && alive[i] === 0) {
        mask[i] = 0;
        maskedWeight[i] = 0;
        continue;
      }
      const bits = scoreBits[i] & ABS_BITS;
      keys[c] = bits > INFINITY_BITS ? -1 : bits;
      positions[c++] = i;
    }
    if (c !== m) throw new Error("fusedTopKMask: candidate count changed during the pass");
  }
  // Select on a copy: the keys must stay paired with their positions.
  const selection = fusedSelection.subarray(0, c);
  selection.set(keys.subarray(0, c));
  const threshold = selectKthLargestKey(selection, k - above - 1);
  let greater = 0;
  for (let j = 0; j < c; j++) greater += +(keys[j] > threshold);
  // Positions are in increasing order, so ties go to the lowest index.
  let ties = k - above - greater;
  for (let j = 0; j < c; j++) {
    const key = keys[j];
    let keep = +(key > threshold);
    if (key === threshold && ties > 0) {
      keep = 1;
      ties--;
    }
    const i = positions[j];
    mask[i] = keep;
    maskedWeight[i] = weightBits[i] & -keep;
  }
  hint.update(threshold, hit && hint.key !== null);
}
