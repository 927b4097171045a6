/**
 * A run's final mask, stored with its result so that two runs' subnetworks can be compared
 * later (e.g. the deck's slide 11: the same weights and scores with another data order give
 * another SLT). One bit per prunable edge (layers in model order, each edge's bit at its
 * position in the concatenation, least significant bit first), base64: an eighth of a byte
 * per edge, 44 KB for LeNet-300-100's 266,200 edges.
 */

export interface FinalMaskRecord {
  /** The prunable layers, in model order. */
  layers: string[];
  /** Edges of each layer. */
  edges: number[];
  /** The bitset, base64. */
  bits: string;
}

export function encodeFinalMask(layers: string[], masks: Uint8Array[]): FinalMaskRecord {
  if (layers.length !== masks.length) throw new Error(`encodeFinalMask: ${layers.length} layers, ${masks.length} masks`);
  const total = masks.reduce((s, m) => s + m.length, 0);
  const packed = new Uint8Array(Math.ceil(total / 8));
  let k = 0;
  for (const m of masks) for (let i = 0; i < m.length; i++, k++) if (m[i]) packed[k >>> 3] |= 1 << (k & 7);
  return { layers: [...layers], edges: masks.map((m) => m.length), bits: Buffer.from(packed).toString("base64") };
}

/** One byte per edge (0/1) per layer, as the record was made from. */
export function decodeFinalMask(record: FinalMaskRecord): Uint8Array[] {
  const packed = new Uint8Array(Buffer.from(record.bits, "base64"));
  const total = record.edges.reduce((s, n) => s + n, 0);
  if (packed.length !== Math.ceil(total / 8)) throw new Error(`final mask record: ${packed.length} bytes for ${total} edges`);
  let k = 0;
  return record.edges.map((n) => {
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++, k++) m[i] = (packed[k >>> 3] >>> (k & 7)) & 1;
    return m;
  });
}

export interface MaskOverlap {
  /** |A ∩ B| / |A ∪ B| over all prunable edges (1 when both are empty). */
  jaccard: number;
  /** The same per layer. */
  perLayer: Record<string, number>;
  /** |A ∩ B|, |A|, |B| over all prunable edges. */
  shared: number;
  keptA: number;
  keptB: number;
}

/** Jaccard overlap of two masks of the same layers. */
export function maskOverlap(layers: string[], a: Uint8Array[], b: Uint8Array[]): MaskOverlap {
  let shared = 0;
  let keptA = 0;
  let keptB = 0;
  const perLayer: Record<string, number> = {};
  layers.forEach((name, l) => {
    const x = a[l];
    const y = b[l];
    let both = 0;
    let either = 0;
    for (let i = 0; i < x.length; i++) {
      both += x[i] & y[i];
      either += x[i] | y[i];
      keptA += x[i];
      keptB += y[i];
    }
    shared += both;
    perLayer[name] = either === 0 ? 1 : both / either;
  });
  const union = keptA + keptB - shared;
  return { jaccard: union === 0 ? 1 : shared / union, perLayer, shared, keptA, keptB };
}
