/**
 * Rewinding variants of iEP: what is reset when a new cycle begins. A new variant is one
 * entry here.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { scoreInits, type ScoreInitName } from "../supermask/init";
import type { MaskedLayer } from "../supermask/layers";

export interface RewindContext {
  layers: MaskedLayer[];
  /** Scores at initialisation, one array per prunable layer. */
  initialScores: Float32Array[];
  scoreInit: ScoreInitName;
  seed: number;
  /** The cycle about to start (1-based). */
  nextCycle: number;
  /** The constant LR fine-tuning trains at (iep.finetuneLr, default lr / 10). */
  finetuneLr: number;
}

export interface RewindDecision {
  /** Forget momentum/moments. */
  resetOptimizer: boolean;
  /** Learning rate to use for the whole next cycle instead of restarting the schedule. */
  constantLr: number | null;
}

export interface RewindStrategy {
  description: string;
  atCycleStart(ctx: RewindContext): RewindDecision;
}

/** Overwrite a layer's scores (the temporary tensor is freed: this runs once per cycle per layer). */
function assignScores(layer: MaskedLayer, values: Float32Array): void {
  const t = tf.tensor(values, layer.weightShape);
  layer.scores!.assign(t);
  t.dispose();
}

const restartSchedule: RewindDecision = { resetOptimizer: true, constantLr: null };

export const rewindStrategies = {
  lr: {
    description: "restart the learning-rate schedule; keep the scores (the iEP default)",
    atCycleStart: () => restartSchedule,
  },
  scores: {
    description: "restart the learning-rate schedule and reset the scores to their initial values",
    atCycleStart(ctx: RewindContext) {
      ctx.layers.forEach((l, i) => assignScores(l, ctx.initialScores[i]));
      return restartSchedule;
    },
  },
  reinit: {
    description: "restart the learning-rate schedule and draw fresh random scores",
    atCycleStart(ctx: RewindContext) {
      const rng = Rng.derive(ctx.seed, `reinit-${ctx.nextCycle}`);
      for (const l of ctx.layers) {
        // The init's own kept fraction, not the cycle's: a re-draw must match the first draw.
        assignScores(l, scoreInits[ctx.scoreInit](l.numel, { fanIn: l.fanIn, keepFraction: l.initKeepFraction, rng }));
      }
      return restartSchedule;
    },
  },
  finetune: {
    description: "no rewinding: keep scores and optimiser state, train on at the small constant LR iep.finetuneLr",
    // Not the cycle's last LR: a cosine schedule ends at ≈ 0, and later cycles would not train.
    atCycleStart: (ctx: RewindContext) => ({ resetOptimizer: false, constantLr: ctx.finetuneLr }),
  },
} satisfies Record<string, RewindStrategy>;

export type RewindName = keyof typeof rewindStrategies;
