/** Score re-initialisation: restart the LR schedule and draw fresh random scores. */
import { Rng } from "../engine/rng";
import { scoreInits } from "../supermask/init";
import { type RewindContext, type RewindStrategy, assignScores, restartSchedule } from "./rewinding";

export const reinitRewind: RewindStrategy = {
  description: "restart the learning-rate schedule and draw fresh random scores",
  atCycleStart(ctx: RewindContext) {
    const rng = Rng.derive(ctx.seed, `reinit-${ctx.nextCycle}`);
    for (const l of ctx.layers) {
      // The init's own kept fraction, not the cycle's: a re-draw must match the first draw.
      assignScores(l, scoreInits[ctx.scoreInit](l.numel, { fanIn: l.fanIn, keepFraction: l.initKeepFraction, rng }));
    }
    return restartSchedule;
  },
};
