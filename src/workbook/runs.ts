/**
 * The runs of a notebook: `ensureRuns` with page-friendly progress and a record of the run
 * ids for the published pages' staleness check.
 *
 * Progress: every run and epoch still gets a line while the cell runs (the terminal of
 * `npm run workbook` and a live notebook show them), but those lines are marked transient and
 * the workbook runner drops them from the saved page, which keeps one summary line per batch
 * of runs (and any failure).
 */
import * as path from "node:path";
import type { RunConfig, RunConfigInput } from "../experiments/config";
import type { StoredRun } from "../experiments/store";
import { type EnsureEvent, defaultJobs, ensureRuns, printEnsureEvent } from "../experiments/ensure";
import { transient } from "../plot/notebook";
import { recordRuns } from "./record";

/**
 * $SLT_STORE, else runs/ at the repo root (notebooks run in notebooks/, so a relative default
 * would miss it). `npm run workbook` and `npm run notebook` pass SLT_STORE down as an absolute
 * path, resolved against the folder they were started from.
 */
export function workbookStore(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SLT_STORE;
  if (fromEnv && fromEnv.trim() !== "") return path.resolve(fromEnv);
  // This file is dist/src/workbook/runs.js once built.
  return path.resolve(__dirname, "..", "..", "..", "runs");
}

export interface GetRunsOptions {
  /** The run store (default: `workbookStore()`). */
  store?: string;
  /** Worker processes (default: $SLT_JOBS, else one per core). */
  jobs?: number;
  /** Where lines go (default console.log). */
  write?: (line: string) => void;
}

function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * What an epoch cost the runs, as they measured it: per model, width and data set, the median
 * of the runs' seconds per epoch (`timings.secondsPerEpoch`: wall clock of the process that
 * trained the run, one thread in a sweep worker), e.g. "lenet300 on mnist 10.4 s (median of 15
 * runs)". The pages quote this instead of a number typed into the text.
 */
export function measuredEpochTimes(runs: readonly StoredRun[]): string {
  const groups = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const r of runs) {
    if (seen.has(r.id) || !(r.timings.secondsPerEpoch > 0)) continue;
    seen.add(r.id);
    const c = r.config;
    const key = `${c.model}${c.widthMultiplier === 1 ? "" : `×${c.widthMultiplier}`} on ${c.dataset}${c.limitTrain ? ` (${c.limitTrain} images)` : ""}`;
    groups.set(key, [...(groups.get(key) ?? []), r.timings.secondsPerEpoch]);
  }
  return [...groups]
    .map(([key, s]) => `${key} ${Number(median(s).toPrecision(3))} s (median of ${s.length} run${s.length === 1 ? "" : "s"})`)
    .join(", ");
}

/** The one line a rendered page keeps for a batch of runs; with the runs, it ends with their measured seconds per epoch. */
export function batchSummary(
  e: Extract<EnsureEvent, { kind: "finished" }>,
  configs: number,
  jobs: number,
  runs: readonly StoredRun[] = [],
): string {
  const parts = [`${e.cached} from the store`, `${e.trained} trained`];
  if (e.failed) parts.push(`${e.failed} FAILED`);
  const times = measuredEpochTimes(runs);
  return (
    `[runs] ${configs} config${configs === 1 ? "" : "s"}, ${e.cached + e.trained + e.failed} distinct runs: ${parts.join(", ")} · ${fmtSeconds(e.seconds)}${e.trained ? ` (${jobs} job${jobs === 1 ? "" : "s"})` : ""}` +
    (times ? ` · an epoch took ${times}` : "")
  );
}

/**
 * The stored run of every config (in order), training what is missing; see `ensureRuns`.
 * Under the workbook runner, records the run ids and the runs' tables (`recordRuns`): the page
 * publishes them as runs.csv, run-cycles.csv and run-epochs.csv.
 */
export async function getRuns(configs: ReadonlyArray<RunConfigInput | RunConfig>, options: GetRunsOptions = {}): Promise<StoredRun[]> {
  const write = options.write ?? ((line: string) => console.log(line));
  const jobs = options.jobs ?? defaultJobs();
  // The summary line waits for the runs, so that it can quote their measured epoch times.
  let finished: Extract<EnsureEvent, { kind: "finished" }> | undefined;
  let runs: StoredRun[];
  try {
    runs = await ensureRuns(configs, {
      store: options.store ?? workbookStore(),
      jobs,
      onEvent: (e) => {
        if (e.kind === "finished") finished = e;
        else if (e.kind === "failed") printEnsureEvent(e, write);
        else printEnsureEvent(e, (line) => write(transient(line)));
      },
    });
  } catch (err) {
    if (finished) write(batchSummary(finished, configs.length, jobs));
    throw err;
  }
  if (finished) write(batchSummary(finished, configs.length, jobs, runs));
  recordRuns(runs);
  return runs;
}
