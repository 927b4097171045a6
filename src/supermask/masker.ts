/**
 * Takes the masks of all supermask layers from their current scores, once per step, at
 * the kept fraction it holds (iEP lowers it between cycles).
 */
import type { MaskedLayer } from "./layers";
import { ThresholdHint, globalTopKMasks, keptCount, topKMask } from "./mask";

export interface MaskerOptions {
  /** One top-k across all prunable layers instead of one per layer. */
  globalTopK: boolean;
  /** Fraction of edges kept, per layer (or over all layers together with globalTopK). */
  keepFraction: number;
}

/**
 * The masks of the layers' current scores at `keepFraction`, written into `out` (|S| goes
 * through `abs`). For plug-ins that need the masks of the scores as they are (IteRand);
 * the step itself takes them with Masker.refresh. Returns each layer's score values as read.
 */
export function masksFromScores(
  layers: MaskedLayer[],
  keepFraction: number,
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
    globalTopKMasks(
      abs,
      keptCount(keepFraction, total),
      layers.map((l) => l.alive),
      out,
    );
  } else {
    layers.forEach((layer, i) => {
      topKMask(abs[i], keptCount(keepFraction, layer.numel), layer.alive, out[i], scratch);
    });
  }
  return scoreValues;
}

export class Masker {
  readonly layers: MaskedLayer[];
  private readonly globalTopK: boolean;
  private keep: number;
  private readonly masks: Uint8Array[];
  /** Per layer: last step's threshold, the bracket for this step's (local top-k only). */
  private readonly hints: ThresholdHint[];
  private abs: Float32Array[] | null = null;

  constructor(layers: MaskedLayer[], options: MaskerOptions) {
    this.layers = layers.filter((l) => l.prunable);
    this.globalTopK = options.globalTopK;
    keptCount(options.keepFraction, 1); // validates it
    this.keep = options.keepFraction;
    this.masks = this.layers.map((l) => new Uint8Array(l.numel));
    this.hints = this.layers.map(() => new ThresholdHint());
  }

  /** The kept fraction the masks are taken at. */
  get keepFraction(): number {
    return this.keep;
  }

  /**
   * Recompute every mask from |S| and hand it to its layer. Returns the masks (owned by
   * the Masker and overwritten on the next call: copy to keep).
   */
  refresh(): Uint8Array[] {
    if (this.globalTopK) {
      this.abs ??= this.layers.map((l) => new Float32Array(l.numel));
      const scoreValues = masksFromScores(this.layers, this.keep, true, this.abs, this.masks);
      this.layers.forEach((layer, i) => layer.setMask(this.masks[i], scoreValues[i]));
    } else {
      this.layers.forEach((layer, i) => layer.takeTopK(keptCount(this.keep, layer.numel), this.hints[i], this.masks[i]));
    }
    return this.masks;
  }

  setKeepFraction(keepFraction: number): void {
    keptCount(keepFraction, 1);
    this.keep = keepFraction;
  }
}
