/**
 * Which runs the figures of a notebook session are drawn from: `ensureRuns` and `loadRuns`
 * note the runs they hand out, and `show` (src/plot) prints them under each chart.
 */
import type { StoredRun } from "./store";

export interface RunsInUse {
  /** Run ids, in the order they were handed out (no repeats). */
  ids: string[];
  /** Backends the runs trained on, e.g. ["wasm"]. */
  backends: string[];
  /** tfjs versions the runs trained with. */
  tfjsVersions: string[];
  /** The store folder or export file they came from. */
  source: string;
}

let current: RunsInUse | undefined;

/** Records the runs handed to a notebook last (one `ensureRuns`/`loadRuns` call). */
export function noteRunsInUse(runs: readonly StoredRun[], source: string): void {
  current = {
    ids: [...new Set(runs.map((r) => r.id))],
    backends: [...new Set(runs.map((r) => r.backend.name))],
    tfjsVersions: [...new Set(runs.map((r) => r.backend.tfjsVersion))],
    source,
  };
}

/** The runs of the latest `ensureRuns`/`loadRuns` call in this process, if any. */
export function runsInUse(): RunsInUse | undefined {
  return current;
}

/** Forgets the runs in use (tests; a notebook that starts over). */
export function clearRunsInUse(): void {
  current = undefined;
}
