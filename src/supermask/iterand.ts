/**
 * IteRand (Chijiwa et al., NeurIPS 2021): every `period` optimiser steps, each weight the
 * current scores leave out is re-drawn from its initial distribution with probability
 * `rate`; selected weights are never touched. Partially re-randomising the unused weights
 * lets a supermask reach weights the first draw did not offer, without growing the network.
 *
 * A TrainingPlugin only: it works for EP and every iEP variant without touching them.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import type { RunConfig } from "../experiments/config";
import type { StepContext, TrainingPlugin } from "../train/trainer";
import { weightInits } from "./init";
import type { MaskedLayer } from "./layers";
import { masksFromScores } from "./masker";

export interface IterandSettings {
  /** Re-randomise after every `period`-th optimiser step of the run. */
  period: number;
  /** Probability that one unselected weight is re-drawn. */
  rate: number;
  /** One top-k over all layers (must match the run's masks). */
  globalTopK: boolean;
}

/**
 * The masks of the layers' *current* scores. The plug-in runs after the optimiser step,
 * so `layer.mask` (the mask this step trained with) may be one update stale; the reference
 * implementation also takes the subnetwork from the scores as they are when it re-draws,
 * which is the mask the next step will train with.
 */
export function currentMasks(layers: MaskedLayer[], keepFraction: number, globalTopK: boolean): Uint8Array[] {
  const out = layers.map((l) => new Uint8Array(l.numel));
  masksFromScores(
    layers,
    keepFraction,
    globalTopK,
    layers.map((l) => new Float32Array(l.numel)),
    out,
  );
  return out;
}

/**
 * Re-draw the unselected, still-available weights of `layers` with probability `rate`.
 * All randomness comes from `rng`, layer by layer in order, so equal inputs give equal
 * weights. Returns how many weights were re-drawn per layer.
 */
export function rerandomizeUnselected(layers: MaskedLayer[], masks: Uint8Array[], rate: number, rng: Rng): number[] {
  return layers.map((layer, li) => {
    const mask = masks[li];
    const alive = layer.alive;
    // A fresh draw of the whole layer keeps the init code the single source of the distribution.
    const fresh = weightInits[layer.weightInit](layer.numel, { fanIn: layer.fanIn, keepFraction: layer.initKeepFraction, rng });
    const w = Float32Array.from(layer.weight.dataSync() as Float32Array);
    let redrawn = 0;
    for (let i = 0; i < w.length; i++) {
      if (mask[i] || (alive && !alive[i])) continue;
      if (rng.next() < rate) {
        w[i] = fresh[i];
        redrawn++;
      }
    }
    if (redrawn) {
      const t = tf.tensor(w, layer.weightShape);
      layer.weight.assign(t);
      t.dispose();
    }
    return redrawn;
  });
}

export class IterandPlugin implements TrainingPlugin {
  readonly name = "iterand";
  readonly settings: IterandSettings;
  /** Weights re-drawn so far, all layers together (for diagnostics). */
  redrawnTotal = 0;

  constructor(settings: IterandSettings) {
    this.settings = settings;
  }

  afterStep(ctx: StepContext): void {
    const { period, rate, globalTopK } = this.settings;
    if (ctx.globalStep % period !== 0 || rate === 0 || ctx.layers.length === 0) return;
    // Seeded by the step number, not a running stream, so a resumed run re-draws exactly the same.
    const rng = Rng.derive(ctx.seed, `iterand-${ctx.globalStep}`);
    const counts = rerandomizeUnselected(ctx.layers, currentMasks(ctx.layers, ctx.keepFraction, globalTopK), rate, rng);
    this.redrawnTotal += counts.reduce((a, b) => a + b, 0);
  }
}

/** The plug-in factory: IteRand is on when `config.iterand` is set, for supermask runs. */
export function iterandPlugin(config: RunConfig): TrainingPlugin | null {
  if (!config.iterand || config.method === "weights") return null;
  return new IterandPlugin({ period: config.iterand.period, rate: config.iterand.rate, globalTopK: config.globalTopK });
}
