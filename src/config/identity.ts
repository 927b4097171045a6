/** A run's identity (a hash of its config) and the quantities derived from the config alone. */
import { createHash } from "node:crypto";
import type { RunConfig } from "./schema";

/** Canonical JSON: keys sorted, so equal configs serialise (and hash) equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The constant LR of the cycles after the first when iep.rewind = finetune: iep.finetuneLr, or lr / 10 when it is null. */
export function finetuneLrOf(config: Pick<RunConfig, "lr" | "iep">): number {
  return config.iep.finetuneLr ?? config.lr / 10;
}

/**
 * The iep section as it enters the run id: a field that only one schedule or rewind uses
 * counts only there (so configs from before it existed keep their ids), and finetuneLr
 * counts by its value, so null and lr / 10 are one run.
 */
function iepIdentity(config: RunConfig): Record<string, unknown> {
  const { pruneShare, finetuneLr: _finetuneLr, ...identity } = config.iep;
  return {
    ...identity,
    ...(config.iep.schedule === "fixed-share" ? { pruneShare } : {}),
    ...(config.iep.rewind === "finetune" ? { finetuneLr: finetuneLrOf(config) } : {}),
  };
}

/**
 * The run's identity: a hash of every field that can change its results. Fields of the
 * iep section are left out unless method = iep, so an EP run has one id however the
 * unused iep defaults are set.
 */
export function runId(config: RunConfig): string {
  // Execution settings that change no result (tested: threads, device masks) are not identity.
  const { label: _label, threads: _threads, deviceMasks: _deviceMasks, ...rest } = config;
  const identity: Record<string, unknown> = { ...rest };
  // A plug-in that is off (null) counts as absent, so configs from before it existed keep their ids.
  if (config.signFlip === null) delete identity.signFlip;
  // The data order counts only when it differs from the seed's (null = seed: one run), so
  // configs from before dataOrderSeed existed keep their ids.
  if (config.dataOrderSeed === null || config.dataOrderSeed === config.seed) delete identity.dataOrderSeed;
  if (config.method !== "iep") delete identity.iep;
  else {
    delete identity.epochs;
    identity.iep = iepIdentity(config);
  }
  return createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 16);
}

/** Total epochs a run trains, all cycles together. */
export function totalEpochs(config: Pick<RunConfig, "method" | "epochs" | "iep">): number {
  return config.method === "iep" ? config.iep.cycles * config.iep.epochsPerCycle : config.epochs;
}
