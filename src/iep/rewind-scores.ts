/** Score rewinding: restart the LR schedule and reset the scores to their initial values. */
import { type RewindContext, type RewindStrategy, assignScores, restartSchedule } from "./rewinding";

export const scoresRewind: RewindStrategy = {
  description: "restart the learning-rate schedule and reset the scores to their initial values",
  atCycleStart(ctx: RewindContext) {
    ctx.layers.forEach((l, i) => assignScores(l, ctx.initialScores[i]));
    return restartSchedule;
  },
};
