/**
 * The kept fraction of each iEP cycle. The final cycle always lands exactly on the target;
 * the per-cycle factors multiply to it (geometric: every cycle keeps the same share of the
 * previous cycle's edges).
 */
import type { IepConfig } from "../experiments/config";

export interface CyclePlan {
  /** 1-based cycle number. */
  cycle: number;
  keepFraction: number;
  epochs: number;
}

export function cycleKeepFractions(finalKeep: number, iep: Pick<IepConfig, "cycles" | "schedule" | "keepFractions">): number[] {
  const K = iep.cycles;
  switch (iep.schedule) {
    case "geometric":
      return Array.from({ length: K }, (_, i) => (i === K - 1 ? finalKeep : Math.pow(finalKeep, (i + 1) / K)));
    case "linear":
      return Array.from({ length: K }, (_, i) => (i === K - 1 ? finalKeep : 1 - ((1 - finalKeep) * (i + 1)) / K));
    case "list":
      return [...iep.keepFractions];
  }
}

export function planCycles(config: {
  method: "ep" | "iep" | "weights";
  keepFraction: number;
  epochs: number;
  iep: IepConfig;
}): CyclePlan[] {
  if (config.method === "weights") return [{ cycle: 1, keepFraction: 1, epochs: config.epochs }];
  if (config.method === "ep") return [{ cycle: 1, keepFraction: config.keepFraction, epochs: config.epochs }];
  return cycleKeepFractions(config.keepFraction, config.iep).map((k, i) => ({
    cycle: i + 1,
    keepFraction: k,
    epochs: config.iep.epochsPerCycle,
  }));
}
