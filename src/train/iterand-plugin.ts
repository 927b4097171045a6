/**
 * The IteRand plug-in (Chijiwa et al., NeurIPS 2021): every `period` optimiser steps it
 * re-draws a share `rate` of the weights the current scores leave out (the re-draw is
 * src/supermask/iterand.ts). Its settings are the config's `iterand` section.
 */
import type { IterandConfig, MaskingSettings, Method } from "../config";
import { Rng } from "../engine/rng";
import { currentMasks, rerandomizeUnselected } from "../supermask/iterand";
import type { PluginSpec } from "./plugins";
import type { StepContext, TrainingPlugin } from "./trainer";

export interface IterandSettings extends IterandConfig {
  /** One top-k over all layers (must match the run's masks). */
  globalTopK: boolean;
}

export class IterandPlugin implements TrainingPlugin {
  readonly name = "iterand";
  readonly settings: IterandSettings;
  /** Weights re-drawn so far, all layers together (for diagnostics). */
  redrawnTotal = 0;

  constructor(settings: IterandSettings) {
    this.settings = settings;
  }

  async afterStep(ctx: StepContext): Promise<void> {
    const { period, rate, globalTopK } = this.settings;
    if (ctx.globalStep % period !== 0 || rate === 0 || ctx.layers.length === 0) return;
    // Seeded by the step number, not a running stream, so a resumed run re-draws exactly the same.
    const rng = Rng.derive(ctx.seed, `iterand-${ctx.globalStep}`);
    const counts = await rerandomizeUnselected(ctx.layers, await currentMasks(ctx.layers, ctx.keepFraction, globalTopK), rate, rng);
    this.redrawnTotal += counts.reduce((a, b) => a + b, 0);
  }
}

/** IteRand is on when its section is set (not null), for supermask runs. */
export function iterandPlugin(
  settings: IterandConfig | null,
  run: { method: Method } & Pick<MaskingSettings, "globalTopK">,
): IterandPlugin | null {
  if (!settings || run.method === "weights") return null;
  return new IterandPlugin({ period: settings.period, rate: settings.rate, globalTopK: run.globalTopK });
}

export const iterandPluginSpec: PluginSpec<"iterand"> = {
  description: "IteRand: every `period` steps re-draw a share `rate` of the unselected weights from their initial distribution",
  settingsField: "iterand",
  create: iterandPlugin,
};
