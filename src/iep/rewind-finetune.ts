/** Fine-tuning: no rewinding; keep scores and optimiser state, train on at the small constant LR iep.finetuneLr. */
import type { RewindContext, RewindStrategy } from "./rewinding";

export const finetuneRewind: RewindStrategy = {
  description: "no rewinding: keep scores and optimiser state, train on at the small constant LR iep.finetuneLr",
  // Not the cycle's last LR: a cosine schedule ends at ≈ 0, and later cycles would not train.
  atCycleStart: (ctx: RewindContext) => ({ resetOptimizer: false, constantLr: ctx.finetuneLr }),
};
