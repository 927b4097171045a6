/** Soft pruning (iEP): nothing is removed; the scores carry over to the next cycle. */
import type { PruningStrategy } from "./pruning";

export const softPruning: PruningStrategy = {
  description: "remove nothing: the scores carry over and every original edge stays selectable",
  atCycleEnd: () => undefined,
};
