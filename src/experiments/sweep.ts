/**
 * Sweeps: many runs from one spec (a base config, a grid of values, explicit extra runs),
 * trained in parallel worker processes over one run store. Finished runs are skipped,
 * interrupted ones resume from their checkpoint, runs that another process is training
 * are skipped and reported, a failed run is recorded and the others go on. Shards
 * (`shard: {index, count}`) split one sweep across machines by run id, so a cluster
 * array job needs no coordination beyond the shared store and its locks.
 */
import * as os from "node:os";
import { SltError } from "../errors";
import type { RunEvent } from "../train/events";
import { readFinishedRun } from "./identity";
import { DEFAULT_STALE_MS, type LockHolder } from "./lock";
import { type Pending, errorFields, runInProcess, runInWorkers } from "./pool";
import type { Shard } from "./shards";
import type { RunStore } from "./store";
import { type SweepPlan, planSweep, resolveStore } from "./sweep-status";
import { type HeldRun, waitForRelease } from "./wait";
import type { SweepSpecInput } from "./sweep-spec";

// The sweep by concern: the spec and its runs (sweep-spec.ts), shards (shards.ts), the
// status of its runs in a store (sweep-status.ts), the in-process runner and the worker
// pool (pool.ts); here the types of a sweep's events and results, and runSweep.
export {
  type SweepRunPlan,
  type SweepSpec,
  type SweepSpecInput,
  expandSweep,
  mergeConfig,
  parseSweepSpec,
  planRuns,
  sweepSpecSchema,
} from "./sweep-spec";
export { type Shard, parseShard, shardOf } from "./shards";
export { type PlannedRun, type PlannedStatus, type SweepPlan, planSweep } from "./sweep-status";
export { workerScript } from "./pool";

export type RunEndStatus = "trained" | "cached" | "busy" | "failed" | "stopped";

export type SweepEvent =
  | { type: "plan"; plan: SweepPlan; jobs: number; inProcess: boolean }
  | { type: "worker-start"; worker: number; pid: number }
  | { type: "worker-exit"; worker: number; pid: number; code: number | null; signal: string | null }
  /** An event of the run at `index` of the plan, as the run emitted it; `worker` -1 for none, 0 in this process. */
  | { type: "run"; worker: number; index: number; event: RunEvent }
  /** The run's outcome in the sweep (a settled one too: found finished, busy, damaged, stopped before it started). */
  | { type: "run-end"; worker: number; result: SweepRunResult }
  /** A line a worker process printed (warnings of libraries); never results. */
  | { type: "log"; worker: number; line: string }
  /** --wait: the runs still held by other processes, after `seconds` of waiting. */
  | { type: "waiting"; runs: HeldRun[]; seconds: number };

export interface SweepRunResult {
  index: number;
  id: string;
  label: string;
  status: RunEndStatus;
  /** For failed and stopped runs: why. */
  error?: string;
  /** For stopped runs: true if it had started here (interrupted: it resumes from its last checkpoint), false if it never started. */
  started?: boolean;
  /** SltError kind of a failure ("training", "config", "data", "store"), or "bug". */
  kind?: string;
  testAccuracy?: number | null;
  dyingRatio?: number | null;
  resumedFromEpoch?: number;
  seconds?: number;
  /** For busy runs: the process that holds the run. */
  holder?: LockHolder;
  /** For a finished run found under its path-based id (stored by a version before ids followed the data's content): that id. */
  storedAs?: string;
}

export interface SweepSummary {
  name: string;
  shard: Shard | null;
  /** Runs this call was responsible for (this shard's). */
  total: number;
  trained: SweepRunResult[];
  cached: SweepRunResult[];
  /** Held by another live process (another shard, another terminal): skipped, not run (not finished either). */
  busy: SweepRunResult[];
  failed: SweepRunResult[];
  /** Not finished because the sweep was stopped (signal) or the store stopped taking writes. */
  stopped: SweepRunResult[];
  seconds: number;
}

export interface SweepOptions {
  /** The run store, or its folder. Default: $SLT_STORE or ./runs. */
  store?: RunStore | string;
  /** Parallel runs (worker processes). Default: os.availableParallelism(). */
  jobs?: number;
  shard?: Shard;
  onEvent?(e: SweepEvent): void;
  /** Train in this process instead of workers; default when jobs = 1. */
  inProcess?: boolean;
  staleLockMs?: number;
  /**
   * Wait for runs held by other processes until their locks are released or go stale, then
   * take them up again (finished elsewhere: cached; left unfinished: resumed here), so that
   * the sweep ends with no run busy.
   */
  wait?: boolean;
  /** With `wait`: milliseconds between two looks at the locks (default 2000). */
  waitPollMs?: number;
  /** Stop: start no more runs and stop the workers; their runs stay resumable. */
  signal?: AbortSignal;
  /** Quoted in error messages (the spec's file name). */
  source?: string;
}

const DEFAULT_WAIT_POLL_MS = 2000;

/**
 * Run a sweep (or one shard of it) to the end and summarise. Throws SltError before
 * anything runs if the spec or any of its runs is invalid, or the store is not writable;
 * afterwards every run's outcome is in the summary, failures included (the caller
 * decides the exit code).
 */
export async function runSweep(input: SweepSpecInput | unknown, options: SweepOptions = {}): Promise<SweepSummary> {
  const started = Date.now();
  const store = resolveStore(options.store);
  const summary = await runPass(input, store, options, null);
  // --wait: runs held elsewhere are waited for, then taken up again: finished by their
  // holder (cached), or left unfinished (the holder died or stopped) and resumed here.
  while (options.wait && summary.busy.length > 0 && !options.signal?.aborted) {
    const waitedFor = summary.busy;
    const still = await waitForRelease(store, waitedFor, {
      staleLockMs: options.staleLockMs ?? DEFAULT_STALE_MS,
      pollMs: options.waitPollMs ?? DEFAULT_WAIT_POLL_MS,
      signal: options.signal,
      onPoll: (held, seconds) => options.onEvent?.({ type: "waiting", runs: held, seconds }),
    });
    if (still.length > 0) break; // stopped (signal) while waiting: they stay busy
    const again = await runPass(
      input,
      store,
      { ...options, onEvent: (e) => e.type !== "plan" && options.onEvent?.(e) },
      new Set(waitedFor.map((r) => r.id)),
    );
    summary.busy = [];
    for (const list of ["trained", "cached", "busy", "failed", "stopped"] as const) summary[list].push(...again[list]);
  }
  for (const list of [summary.trained, summary.cached, summary.busy, summary.failed, summary.stopped])
    list.sort((a, b) => a.index - b.index);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

/** One pass over the sweep's runs (only those in `only`, when given). */
async function runPass(
  input: SweepSpecInput | unknown,
  store: RunStore,
  options: SweepOptions,
  only: ReadonlySet<string> | null,
): Promise<SweepSummary> {
  const jobs = options.jobs ?? os.availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new SltError("usage", `--jobs must be a whole number ≥ 1, got ${jobs}.`, "jobs");
  const plan = planSweep(input, { store, shard: options.shard, source: options.source, quick: true });
  if (only) plan.runs = plan.runs.filter((r) => only.has(r.id));
  store.ensureWritable();
  const staleLockMs = options.staleLockMs ?? DEFAULT_STALE_MS;
  const emit = (e: SweepEvent) => options.onEvent?.(e);

  const summary: SweepSummary = {
    name: plan.name,
    shard: plan.shard,
    total: plan.runs.length,
    trained: [],
    cached: [],
    busy: [],
    failed: [],
    stopped: [],
    seconds: 0,
  };
  const record = (worker: number, r: SweepRunResult) => {
    if (r.status === "busy" && !r.holder) {
      const holder = store.holder(r.id, staleLockMs);
      if (holder) r.holder = holder;
    }
    summary[r.status].push(r);
    emit({ type: "run-end", worker, result: r });
  };

  // Settle what needs no training here: finished, damaged, held elsewhere.
  const queue: Pending[] = [];
  const settled: SweepRunResult[] = [];
  for (const p of plan.runs) {
    const base = { index: p.index, id: p.id, label: p.label };
    let finished: ReturnType<RunStore["readFinished"]>;
    try {
      finished = readFinishedRun(store, p)?.run ?? null;
    } catch (e) {
      settled.push({ ...base, status: "failed", ...errorFields(e) });
      continue;
    }
    if (finished)
      settled.push({
        ...base,
        status: "cached",
        testAccuracy: finished.result.final.testAccuracy,
        dyingRatio: finished.result.final.dyingRatio,
        ...(finished.id !== p.id ? { storedAs: finished.id } : {}),
      });
    else {
      const holder = store.holder(p.id, staleLockMs);
      if (holder) settled.push({ ...base, status: "busy", error: "another process is training it", holder });
      else queue.push({ plan: p });
    }
  }
  const inProcess = options.inProcess ?? jobs === 1;
  emit({ type: "plan", plan, jobs: Math.min(jobs, Math.max(1, queue.length)), inProcess });
  for (const r of settled) record(-1, r);

  if (queue.length > 0) {
    if (inProcess) await runInProcess(queue, store, staleLockMs, options, emit, record);
    else await runInWorkers(queue, store, staleLockMs, Math.min(jobs, queue.length), options, emit, record);
  }
  return summary;
}

/** Convert the summary's failures into the error a CLI exits with (or null if none failed). */
export function sweepFailureError(summary: SweepSummary): SltError | null {
  if (summary.failed.length === 0) return null;
  const lines = summary.failed.map((f) => `  - run ${f.id} (${f.label}): ${(f.error ?? "").split("\n").join("\n      ")}`);
  return new SltError(
    summary.failed.every((f) => f.kind === "config") ? "config" : "training",
    `${summary.failed.length} of ${summary.total} runs of sweep "${summary.name}" failed:\n${lines.join("\n")}\nThe other runs are stored. 'slt runs' lists the failures; fix the cause and run the sweep again to retry only these.`,
    summary.failed[0].id,
  );
}
