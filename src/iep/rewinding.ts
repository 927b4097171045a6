/** What a rewinding variant of iEP is (the registry is rewind.ts), and the pieces variants share. */
import * as tf from "@tensorflow/tfjs";
import type { ScoreInitName } from "../supermask/init";
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
export function assignScores(layer: MaskedLayer, values: Float32Array): void {
  const t = tf.tensor(values, layer.weightShape);
  layer.scores!.assign(t);
  t.dispose();
}

/** Restart the LR schedule and the optimiser state: what most variants do. */
export const restartSchedule: RewindDecision = { resetOptimizer: true, constantLr: null };
