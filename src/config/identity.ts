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
 * What a config that sets dataDir read there: the data's identity, whatever folder it sits
 * in. Computed by `dataContent` (src/data/content.ts) and stored with the run.
 */
export interface DataContent {
  /** SHA-256 over the canonical JSON of `files`: the data's identity in the run id. */
  sha256: string;
  /** Every file is the data set's published one (known SHA-256): the same data as without dataDir. */
  standard: boolean;
  /** SHA-256 of each file's content (after gunzip), by the file's standard name. */
  files: Record<string, string>;
}

/** Every field that can change a run's results, with `data` standing for where the data came from. */
function identityOf(config: RunConfig, data: Record<string, unknown>): Record<string, unknown> {
  // Execution settings that change no result (tested: threads, device masks) are not identity.
  const { label: _label, threads: _threads, deviceMasks: _deviceMasks, dataDir: _dataDir, ...rest } = config;
  const identity: Record<string, unknown> = { ...rest, ...data };
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
  return identity;
}

const hashIdentity = (identity: Record<string, unknown>) => createHash("sha256").update(canonicalJson(identity)).digest("hex").slice(0, 16);

/**
 * The run's identity: a hash of every field that can change its results. Fields of the
 * iep section are left out unless method = iep, so an EP run has one id however the
 * unused iep defaults are set.
 *
 * The data enter as the data set's name alone when dataDir is empty (its default files),
 * and as `data`, their content identity, when dataDir is set: a folder holding the data
 * set's standard files (known SHA-256) gives the id of the config without dataDir, and any
 * other content gives one id wherever it is read from. `data` is null for a data set that
 * reads no files (dataDir changes nothing). The folder itself is never part of the id.
 */
export function runId(config: RunConfig, data?: DataContent | null): string {
  if (config.dataDir === "" || data === null || data?.standard) return hashIdentity(identityOf(config, { dataDir: "" }));
  if (data === undefined) {
    throw new Error(
      `runId: the config sets dataDir (${config.dataDir}), so its id is its data's content identity: ` +
        "pass dataContent(...) as `data`, or call identifyRun (src/experiments/identity.ts), which computes it.",
    );
  }
  return hashIdentity(identityOf(config, { dataContent: data.sha256 }));
}

/**
 * The id versions before content identities gave a config: dataDir counted as the path it
 * names. Equal to `runId` when dataDir is empty; the store still finds runs under it.
 */
export function pathBasedRunId(config: RunConfig): string {
  return hashIdentity(identityOf(config, { dataDir: config.dataDir }));
}

/** Total epochs a run trains, all cycles together. */
export function totalEpochs(config: Pick<RunConfig, "method" | "epochs" | "iep">): number {
  return config.method === "iep" ? config.iep.cycles * config.iep.epochsPerCycle : config.epochs;
}
