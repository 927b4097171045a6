/**
 * The pruning registry of iEP: what happens to the edges outside a cycle's final mask when
 * the next cycle starts. A new pruning style is one file exporting a PruningStrategy plus
 * one line in `pruningStrategies`; the config's choices, `slt run --help` and the tests
 * read the names from here.
 */
import { SltError } from "../errors";
import type { MaskedLayer } from "../supermask/layers";
import { hardPruning } from "./pruning-hard";
import { softPruning } from "./pruning-soft";

export interface PruningStrategy {
  description: string;
  /** Called (and awaited) at each cycle boundary, after the cycle's final mask was taken. */
  atCycleEnd(layers: MaskedLayer[]): void | Promise<void>;
}

export const pruningStrategies: Readonly<Record<string, PruningStrategy>> = {
  soft: softPruning,
  hard: hardPruning,
};

/** The strategy named `name`; SltError("config") listing the known ones otherwise. */
export function getPruning(name: string): PruningStrategy {
  if (!Object.hasOwn(pruningStrategies, name))
    throw new SltError("config", `Unknown iEP pruning "${name}". Known: ${Object.keys(pruningStrategies).join(", ")}.`, "iep.pruning");
  return pruningStrategies[name];
}
