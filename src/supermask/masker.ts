/**
 * Takes the masks of all supermask layers from their current scores, once per step.
 */
import type { MaskedLayer } from "./layers";
import { globalTopKMasks, keptCount, topKMask } from "./mask";

export interface MaskerOptions {
  /** One top-k across all prunable layers instead of one per layer. */
  globalTopK: boolean;
}

/**
 * The masks of the layers' current scores, written into `out` (|S| goes through `abs`).
 * The one place masks are taken, for the training step and for plug-ins alike. Returns
 * each layer's score values as read.
 */
export function masksFromScores(
  layers: MaskedLayer[],
  globalTopK: boolean,
  abs: Float32Array[],
  out: Uint8Array[],
  scratch?: Float32Array,
): Float32Array[] {
  const scoreValues = layers.map((layer, i) => {
    const s = layer.scores!.dataSync() as Float32Array;
    const a = abs[i];
    for (let j = 0; j < s.length; j++) a[j] = Math.abs(s[j]);
    return s;
  });
  if (globalTopK) {
    const total = layers.reduce((n, l) => n + l.numel, 0);
    // Global mode keeps the same overall fraction; the first layer's fraction stands for all.
    const k = keptCount(layers[0]?.keepFraction ?? 1, total);
    globalTopKMasks(
      abs,
      k,
      layers.map((l) => l.alive),
      out,
    );
  } else {
    layers.forEach((layer, i) => {
      topKMask(abs[i], keptCount(layer.keepFraction, layer.numel), layer.alive, out[i], scratch);
    });
  }
  return scoreValues;
}

export class Masker {
  readonly layers: MaskedLayer[];
  private readonly globalTopK: boolean;
  private readonly abs: Float32Array[];
  private readonly masks: Uint8Array[];
  private readonly scratch: Float32Array;

  constructor(layers: MaskedLayer[], options: MaskerOptions) {
    this.layers = layers.filter((l) => l.prunable);
    this.globalTopK = options.globalTopK;
    this.abs = this.layers.map((l) => new Float32Array(l.numel));
    this.masks = this.layers.map((l) => new Uint8Array(l.numel));
    this.scratch = new Float32Array(Math.max(0, ...this.layers.map((l) => l.numel)));
  }

  /**
   * Recompute every mask from |S| and hand it to its layer. Returns the masks (owned by
   * the Masker and overwritten on the next call: copy to keep).
   */
  refresh(): Uint8Array[] {
    const scoreValues = masksFromScores(this.layers, this.globalTopK, this.abs, this.masks, this.scratch);
    this.layers.forEach((layer, i) => layer.setMask(this.masks[i], scoreValues[i]));
    return this.masks;
  }

  setKeepFraction(keepFraction: number): void {
    for (const l of this.layers) l.keepFraction = keepFraction;
  }
}
