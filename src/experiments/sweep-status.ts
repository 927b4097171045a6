/** The status of a sweep's runs in a store (new, finished, running, interrupted, failed), by shard. */
import * as fs from "node:fs";
import * as path from "node:path";
import { totalEpochs } from "../config";
import { type Shard, shardOf } from "./shards";
import { type RunStatus, RunStore } from "./store";
import { type SweepRunPlan, type SweepSpecInput, parseSweepSpec, planRuns } from "./sweep-spec";

export type PlannedStatus = RunStatus | "new";

export interface PlannedRun extends SweepRunPlan {
  shard: number;
  status: PlannedStatus;
  epochsDone: number | null;
  epochs: number;
  error: string | null;
}

export interface SweepPlan {
  name: string;
  /** Runs of this shard (all runs when no shard is given), in sweep order. */
  runs: PlannedRun[];
  /** Runs in the whole sweep. */
  total: number;
  /** Configs that repeated an earlier run (same id) and were dropped. */
  duplicates: number;
  shard: Shard | null;
}

function quickStatus(store: RunStore, id: string): PlannedStatus {
  const has = (name: string) => fs.existsSync(path.join(store.runDir(id), name));
  if (has("run.json")) return "finished";
  if (store.isLocked(id)) return "running";
  if (has("failed.json")) return "failed";
  return has("checkpoint.bin") ? "interrupted" : "new";
}

export function resolveStore(store: RunStore | string | undefined): RunStore {
  return store instanceof RunStore ? store : new RunStore(store);
}

/**
 * The sweep's runs with their status in the store; reads the store, writes nothing.
 * `quick` judges the status by which files exist instead of reading and verifying them
 * (checkpoints can be large; runSweep verifies what it uses anyway).
 */
export function planSweep(
  input: SweepSpecInput | unknown,
  options: { store?: RunStore | string; shard?: Shard; source?: string; quick?: boolean } = {},
): SweepPlan {
  const spec = parseSweepSpec(input, options.source);
  const store = resolveStore(options.store);
  // A store path that is a file is an error here too, not a plan of "new" runs.
  store.folderExists();
  const { runs, duplicates } = planRuns(spec, options.source, store);
  const shard = options.shard ?? null;
  const planned = runs
    .map((r): PlannedRun => {
      const s = shard ? shardOf(r.id, shard.count) : 0;
      const epochs = totalEpochs(r.config);
      // A run finished under its path-based id (an older version's) counts as finished.
      if (r.pathBasedId && !fs.existsSync(store.runDir(r.id)) && fs.existsSync(path.join(store.runDir(r.pathBasedId), "run.json")))
        return { ...r, shard: s, status: "finished", epochsDone: null, epochs, error: null };
      if (!fs.existsSync(store.runDir(r.id))) return { ...r, shard: s, status: "new", epochsDone: null, epochs, error: null };
      if (options.quick) return { ...r, shard: s, status: quickStatus(store, r.id), epochsDone: null, epochs, error: null };
      const listing = store.describe(r.id);
      return { ...r, shard: s, status: listing.status, epochsDone: listing.epochsDone, epochs, error: listing.error };
    })
    .filter((r) => !shard || r.shard === shard.index);
  return { name: spec.name, runs: planned, total: runs.length, duplicates, shard };
}
