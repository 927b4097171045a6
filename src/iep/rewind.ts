/**
 * The rewinding registry of iEP: what is reset when a new cycle begins. A new variant is
 * one file exporting a RewindStrategy (see rewinding.ts for the interface and helpers) plus
 * one line in `rewindStrategies`; the config's choices, `slt run --help` and the tests
 * read the names from here.
 */
import { SltError } from "../errors";
import { finetuneRewind } from "./rewind-finetune";
import { lrRewind } from "./rewind-lr";
import { reinitRewind } from "./rewind-reinit";
import { scoresRewind } from "./rewind-scores";
import type { RewindStrategy } from "./rewinding";

export type { RewindContext, RewindDecision, RewindStrategy } from "./rewinding";

export const rewindStrategies: Readonly<Record<string, RewindStrategy>> = {
  lr: lrRewind,
  scores: scoresRewind,
  reinit: reinitRewind,
  finetune: finetuneRewind,
};

/** The variant named `name`; SltError("config") listing the known ones otherwise. */
export function getRewind(name: string): RewindStrategy {
  if (!Object.hasOwn(rewindStrategies, name))
    throw new SltError("config", `Unknown iEP rewinding "${name}". Known: ${Object.keys(rewindStrategies).join(", ")}.`, "iep.rewind");
  return rewindStrategies[name];
}
