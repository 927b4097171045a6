/**
 * The kept fraction of each iEP cycle. The final cycle always lands exactly on the target;
 * the per-cycle factors multiply to it (geometric: every cycle keeps the same share of the
 * previous cycle's edges, K given; fixed-share: every cycle prunes a given share of the
 * remaining edges, K follows from it).
 */
import { SltError } from "../errors";
import type { IepSettings, Method } from "../config";

export interface CyclePlan {
  /** 1-based cycle number. */
  cycle: number;
  keepFraction: number;
  epochs: number;
}

/**
 * K of the fixed-share schedule: the fewest cycles with (1 − share)^K ≤ finalKeep (at least 1).
 * The tolerance keeps a target that is exactly a power, e.g. 0.8³ = 0.512, at that power
 * although 0.8 ** 3 is 0.5120000000000001 in floating point.
 */
export function fixedShareCycles(finalKeep: number, share: number): number {
  return Math.max(1, Math.ceil(Math.log(finalKeep) / Math.log(1 - share) - 1e-9));
}

/** The iep settings a schedule reads; `pruneShare` only matters (and is only required) for fixed-share. */
export type CycleScheduleSettings = Pick<IepSettings, "cycles" | "schedule" | "keepFractions"> & Partial<Pick<IepSettings, "pruneShare">>;

export function cycleKeepFractions(finalKeep: number, iep: CycleScheduleSettings): number[] {
  const K = iep.cycles;
  switch (iep.schedule) {
    case "fixed-share": {
      const share = iep.pruneShare;
      if (share === undefined)
        throw new SltError(
          "usage",
          `cycleKeepFractions: schedule = fixed-share needs iep.pruneShare; pass the parsed config's iep section.`,
          "iep.pruneShare",
        );
      // Small equal steps: each cycle prunes the same share of what is left; the last is clamped onto the target.
      return Array.from({ length: K }, (_, i) => (i === K - 1 ? finalKeep : Math.pow(1 - share, i + 1)));
    }
    case "geometric":
      return Array.from({ length: K }, (_, i) => (i === K - 1 ? finalKeep : Math.pow(finalKeep, (i + 1) / K)));
    case "linear":
      return Array.from({ length: K }, (_, i) => (i === K - 1 ? finalKeep : 1 - ((1 - finalKeep) * (i + 1)) / K));
    case "list":
      return [...iep.keepFractions];
  }
}

export function planCycles(config: { method: Method; keepFraction: number; epochs: number; iep: IepSettings }): CyclePlan[] {
  if (config.method === "weights") return [{ cycle: 1, keepFraction: 1, epochs: config.epochs }];
  if (config.method === "ep") return [{ cycle: 1, keepFraction: config.keepFraction, epochs: config.epochs }];
  return cycleKeepFractions(config.keepFraction, config.iep).map((k, i) => ({
    cycle: i + 1,
    keepFraction: k,
    epochs: config.iep.epochsPerCycle,
  }));
}
