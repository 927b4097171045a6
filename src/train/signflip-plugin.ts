/**
 * Sign flips, PaB-like (deck slide 19: "edges may only flip their sign"): every `period`
 * optimiser steps, each weight the current scores leave out flips its sign with probability
 * `rate`; its magnitude never changes, and selected or removed (hard-pruned) weights are never
 * touched. Like IteRand, it gives an edge that EP leaves unused (a dying edge) another value it
 * can be selected with, so both are DR-related improvements; unlike IteRand, the weight keeps
 * its magnitude, so only the sign can be what kept it unused. (With the signed-constant init an
 * IteRand re-draw also keeps the magnitude and flips the sign half of the time: sign flips at
 * rate r match IteRand at rate 2r there, and differ for the other inits.)
 *
 * A TrainingPlugin only: it works for EP and every iEP variant without touching them. Its
 * settings are the config's `signFlip` section.
 */
import * as tf from "@tensorflow/tfjs";
import type { SignFlipConfig } from "../config";
import { Rng } from "../engine/rng";
import { currentMasks, weightCopies } from "../supermask/iterand";
import type { MaskedLayer } from "../supermask/layers";
import type { PluginRun, PluginSpec } from "./plugins";
import type { StepContext, TrainingPlugin } from "./trainer";

export interface SignFlipSettings extends SignFlipConfig {
  /** One top-k over all layers (must match the run's masks). */
  globalTopK: boolean;
}

/**
 * Flip the signs of the unselected, still-available weights of `layers` with probability
 * `rate`. All randomness comes from `rng`, one draw per eligible weight, layer by layer in
 * order, so equal inputs give equal weights. Returns how many signs flipped per layer.
 */
export async function flipUnselectedSigns(layers: MaskedLayer[], masks: Uint8Array[], rate: number, rng: Rng): Promise<number[]> {
  const weights = await weightCopies(layers);
  return layers.map((layer, li) => {
    const mask = masks[li];
    const alive = layer.alive;
    const w = weights[li];
    let flipped = 0;
    for (let i = 0; i < w.length; i++) {
      if (mask[i] || (alive && !alive[i])) continue;
      if (rng.next() < rate) {
        w[i] = -w[i];
        flipped++;
      }
    }
    if (flipped) {
      const t = tf.tensor(w, layer.weightShape);
      layer.weight.assign(t);
      t.dispose();
    }
    return flipped;
  });
}

export class SignFlipPlugin implements TrainingPlugin {
  readonly name = "signFlip";
  readonly settings: SignFlipSettings;
  /** Signs flipped so far, all layers together (for diagnostics). */
  flippedTotal = 0;

  constructor(settings: SignFlipSettings) {
    this.settings = settings;
  }

  async afterStep(ctx: StepContext): Promise<void> {
    const { period, rate, globalTopK } = this.settings;
    if (ctx.globalStep % period !== 0 || rate === 0 || ctx.layers.length === 0) return;
    // Seeded by the step number, not a running stream, so a resumed run flips exactly the same signs.
    const rng = Rng.derive(ctx.seed, `signflip-${ctx.globalStep}`);
    const counts = await flipUnselectedSigns(ctx.layers, await currentMasks(ctx.layers, ctx.keepFraction, globalTopK), rate, rng);
    this.flippedTotal += counts.reduce((a, b) => a + b, 0);
  }
}

/** Sign flips are on when their section is set (not null), for supermask runs. */
export function signFlipPlugin(settings: SignFlipConfig | null, run: PluginRun): SignFlipPlugin | null {
  if (!settings || run.method === "weights") return null;
  return new SignFlipPlugin({ period: settings.period, rate: settings.rate, globalTopK: run.globalTopK });
}

export const signFlipPluginSpec: PluginSpec<"signFlip"> = {
  description: "Sign flips (PaB-like): every `period` steps flip the sign of a share `rate` of the unselected weights",
  settingsField: "signFlip",
  create: signFlipPlugin,
};
