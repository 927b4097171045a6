/** LR rewinding (the iEP default): restart the LR schedule, keep the scores. */
import { type RewindStrategy, restartSchedule } from "./rewinding";

export const lrRewind: RewindStrategy = {
  description: "restart the learning-rate schedule; keep the scores (the iEP default)",
  atCycleStart: () => restartSchedule,
};
