/**
 * Masks taken on the device: the scores never leave the backend. For GPU backends, where
 * reading millions of scores back to JavaScript every step would cost more than the step.
 *
 * The same masks as the JavaScript path (mask.ts), by the same rule: exactly k edges, the
 * k largest |S| among alive edges, ties at the threshold to the lowest index, a NaN score
 * below every number. As tensor ops: the k-th largest value t by tf.topk; every |S| > t
 * kept; of the |S| = t, those whose running count (a cumulative sum over positions, exact
 * in float32 up to 2^24 edges per layer) is within the k − #(|S| > t) still needed.
 */
import * as tf from "@tensorflow/tfjs";

/** Rank keys: |S| for numbers, below them NaN (−0.5), below that dead edges (−1). */
function rankKeys(scores: tf.Tensor, alive: tf.Tensor | null): tf.Tensor1D {
  const a = tf.abs(tf.reshape(scores, [-1]));
  const noNaN = tf.where(tf.isNaN(a), tf.fill(a.shape, -0.5), a);
  return (alive ? tf.where(alive, noNaN, tf.fill(a.shape, -1)) : noNaN) as tf.Tensor1D;
}

/** The mask of the k largest keys, ties to the lowest position, as a flat bool tensor. */
function topKOfKeys(keys: tf.Tensor1D, k: number): tf.Tensor1D {
  const n = keys.size;
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`k=${k} outside 1..${n} edges`);
  const threshold = tf.slice(tf.topk(keys, k, true).values, [k - 1], [1]);
  const above = tf.greater(keys, threshold);
  const tied = tf.equal(keys, threshold);
  const needed = tf.sub(tf.scalar(k, "float32"), tf.sum(tf.cast(above, "float32")));
  const tieRank = tf.cumsum(tf.cast(tied, "float32"));
  return tf.logicalOr(above, tf.logicalAnd(tied, tf.lessEqual(tieRank, needed))) as tf.Tensor1D;
}

/**
 * Alive edges: `known` when the caller has the count (no read-back; the Masker always has
 * it), else counted on the device and read synchronously (not on a GPU backend in Node).
 */
function aliveCount(alive: tf.Tensor | null, n: number, known?: number): number {
  if (!alive) return n;
  if (known !== undefined) return known;
  const count = tf.tidy(() => tf.sum(tf.cast(alive, "int32")));
  const value = count.dataSync()[0];
  count.dispose();
  return value;
}

/**
 * The top-k mask of |scores| (among `alive` edges, a bool tensor of the same size, when
 * given) as a flat bool tensor. `k` must be within 1..(alive edges); `aliveEdges` saves
 * counting them on the device.
 */
export function deviceTopKMask(scores: tf.Tensor, k: number, alive: tf.Tensor | null = null, aliveEdges?: number): tf.Tensor1D {
  const m = aliveCount(alive, scores.size, aliveEdges);
  if (k < 1 || k > m) throw new RangeError(`k=${k} outside 1..${m} candidate edges`);
  return tf.tidy(() => topKOfKeys(rankKeys(scores, alive), k));
}

/**
 * One top-k over several layers (global top-k): the k largest |S| of the concatenation,
 * ties by layer order then position; one flat bool mask per layer.
 */
export function deviceGlobalTopKMasks(scores: tf.Tensor[], k: number, alive: (tf.Tensor | null)[], aliveEdges?: number[]): tf.Tensor1D[] {
  const total = scores.reduce((s, t) => s + t.size, 0);
  const m = alive.reduce((s, a, i) => s + aliveCount(a, scores[i].size, aliveEdges?.[i]), 0);
  if (k < 1 || k > m) throw new RangeError(`k=${k} outside 1..${m} candidate edges (of ${total})`);
  return tf.tidy(() => {
    const joined = topKOfKeys(tf.concat(scores.map((s, i) => rankKeys(s, alive[i]))) as tf.Tensor1D, k);
    return tf.split(
      joined,
      scores.map((s) => s.size),
    ) as tf.Tensor1D[];
  });
}

/**
 * W ⊙ M and W ⊙ sign(S) from a device mask: W where M, +0 elsewhere (as the JS path); W
 * times sign(S) (a zero score gives a zero of W's sign, equal in value to the JS path's +0).
 */
export function deviceFactors(weight: tf.Tensor, scores: tf.Tensor, mask: tf.Tensor): { value: tf.Tensor; gradFactor: tf.Tensor } {
  return tf.tidy(() => ({
    value: tf.where(tf.reshape(mask, weight.shape), weight, tf.zerosLike(weight)),
    gradFactor: tf.mul(weight, tf.sign(scores)),
  }));
}

/** What a DeviceSelectionRecord holds when read: per layer, one byte per edge. */
export interface SelectionBatch {
  /** 1 = selected by some mask of the batch. */
  everSelected: Uint8Array[];
  /** The batch's first and last masks. */
  first: Uint8Array[];
  last: Uint8Array[];
  /** Masks recorded in the batch. */
  steps: number;
}

/**
 * The dying-ratio record of the masks taken on the device since the last drain: which edges
 * any of them selected (e |= m each step), the first and the last mask. A drain reads it
 * (once per epoch) for the JavaScript SelectionTracker (SelectionTracker.recordBatch), which
 * then holds what recording each mask there would have.
 */
export class DeviceSelectionRecord {
  private ever: tf.Tensor[];
  private first: tf.Tensor[] | null = null;
  private last: tf.Tensor[] | null = null;
  private steps = 0;

  constructor(numels: number[]) {
    this.ever = numels.map((n) => tf.keep(tf.zeros([n], "bool")));
  }

  record(masks: tf.Tensor[]): void {
    tf.tidy(() => {
      this.ever = this.ever.map((e, i) => {
        const next = tf.keep(tf.logicalOr(e, tf.reshape(masks[i], [-1])));
        e.dispose();
        return next;
      });
      // Clones share the masks' storage (the layers own and free the masks themselves).
      const copies = () => masks.map((m) => tf.keep(tf.clone(tf.reshape(m, [-1]))));
      this.first ??= copies();
      for (const t of this.last ?? []) t.dispose();
      this.last = copies();
    });
    this.steps++;
  }

  /** The ever-selected record read back: one byte per edge, 1 = ever selected since the last drain. */
  async everSelected(): Promise<Uint8Array[]> {
    return readBytes(this.ever);
  }

  /** Read the record (null when nothing was recorded) and start a new one. */
  async drain(): Promise<SelectionBatch | null> {
    if (this.steps === 0) return null;
    const [everSelected, first, last] = await Promise.all([readBytes(this.ever), readBytes(this.first!), readBytes(this.last!)]);
    const batch = { everSelected, first, last, steps: this.steps };
    this.reset();
    return batch;
  }

  reset(): void {
    this.ever = this.ever.map((e) => {
      const z = tf.keep(tf.zerosLike(e));
      e.dispose();
      return z;
    });
    for (const t of [...(this.first ?? []), ...(this.last ?? [])]) t.dispose();
    this.first = null;
    this.last = null;
    this.steps = 0;
  }

  dispose(): void {
    this.reset();
    for (const e of this.ever) e.dispose();
    this.ever = [];
  }
}

async function readBytes(tensors: tf.Tensor[]): Promise<Uint8Array[]> {
  return Promise.all(tensors.map(async (t) => Uint8Array.from((await t.data()) as Uint8Array)));
}
