/**
 * Sweeps: many runs from one spec (a base config, a grid of values, explicit extra runs),
 * trained in parallel worker processes over one run store. Finished runs are skipped,
 * interrupted ones resume from their checkpoint, runs that another process is training
 * are skipped and reported, a failed run is recorded and the others go on. Shards
 * (`shard: {index, count}`) split one sweep across machines by run id, so a cluster
 * array job needs no coordination beyond the shared store and its locks.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { SltError } from "../errors";
import { type RunConfig, type RunConfigInput, formatProblem, runId, totalEpochs } from "../config";
import { DEFAULT_STALE_MS } from "./lock";
import { executeRun } from "./run";
import { type RunStatus, RunStore } from "./store";
import { type ParentMessage, type SerializedError, type WorkerMessage, serializeError } from "./worker";
import type { EpochMetrics } from "../train/procedure";
import { validateRunConfig } from "./validate";

// ---------------------------------------------------------------------------------------
// The spec

const configObject = z.record(z.string(), z.unknown());

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1).describe("Name of the sweep, shown in progress and used in run labels"),
    base: configObject.default({}).describe("Run config fields shared by every run (see 'slt run --help')"),
    grid: z
      .record(z.string(), z.array(z.unknown()).min(1))
      .default({})
      .describe('Field → list of values; every combination becomes a run. Dotted names reach nested fields, e.g. "iep.pruning"'),
    runs: z.array(configObject).default([]).describe("Explicit extra runs, each merged over base (not combined with the grid)"),
  })
  .strict();

/** A sweep as written (defaults optional). */
export interface SweepSpecInput {
  name: string;
  base?: RunConfigInput;
  grid?: Record<string, unknown[]>;
  runs?: RunConfigInput[];
}

export interface SweepSpec {
  name: string;
  base: RunConfigInput;
  grid: Record<string, unknown[]>;
  runs: RunConfigInput[];
}

/** Validate a spec's shape; one SltError naming each bad field. `source` (a file name) is quoted in the message. */
export function parseSweepSpec(input: unknown, source?: string): SweepSpec {
  const result = sweepSpecSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const field = issue.path.map(String).join(".") || "(spec)";
      if (issue.code === "unrecognized_keys")
        return `  - unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: a sweep spec has name, base, grid and runs.`;
      let got: unknown = input;
      for (const p of issue.path)
        got = got && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
      return `  - "${field}" = ${JSON.stringify(got) ?? "missing"}: ${issue.message}.`;
    });
    throw new SltError(
      "config",
      `Invalid sweep spec${source ? ` ${source}` : ""}:\n${lines.join("\n")}\nSee 'slt sweep --help' for the format.`,
      result.error.issues[0]?.path.map(String).join("."),
    );
  }
  return result.data as SweepSpec;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `over` merged into `base`: nested objects merge field by field, anything else replaces. */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** `{ "iep.pruning": "hard" }` → `{ iep: { pruning: "hard" } }`. */
function nest(dotted: string, value: unknown): Record<string, unknown> {
  const parts = dotted.split(".");
  let out: unknown = value;
  for (let i = parts.length - 1; i >= 0; i--) out = { [parts[i]]: out };
  return out as Record<string, unknown>;
}

/** One run of a sweep, before any store is looked at. */
export interface SweepRunPlan {
  /** Position in the expanded sweep (grid combinations first, then explicit runs). */
  index: number;
  id: string;
  label: string;
  config: RunConfig;
  /** The grid values of this run (empty for an explicit run). */
  assignment: Record<string, unknown>;
}

function formatValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The grid's combinations in a fixed order: the first key varies slowest. */
function combinations(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  return out;
}

/**
 * Every run of the sweep, validated, in a deterministic order (grid combinations with the
 * first grid key varying slowest, then the explicit runs), duplicates (same run id) kept
 * once. Any invalid run is one SltError listing every problem, each attributed to the
 * grid value, explicit run or base field at fault; nothing has run yet.
 */
export function planRuns(input: SweepSpecInput | unknown, source?: string): { runs: SweepRunPlan[]; duplicates: number } {
  const spec = parseSweepSpec(input, source);
  const gridKeys = Object.keys(spec.grid);
  const candidates: { raw: Record<string, unknown>; assignment: Record<string, unknown>; where: string; explicitKeys: string[] }[] = [];
  if (gridKeys.length > 0 || spec.runs.length === 0) {
    for (const assignment of combinations(spec.grid)) {
      let raw = spec.base as Record<string, unknown>;
      for (const [k, v] of Object.entries(assignment)) raw = mergeConfig(raw, nest(k, v));
      const where = gridKeys.length
        ? Object.entries(assignment)
            .map(([k, v]) => `${k}=${formatValue(v)}`)
            .join(" ")
        : "base";
      candidates.push({ raw, assignment, where, explicitKeys: [] });
    }
  }
  spec.runs.forEach((run, i) => {
    candidates.push({
      raw: mergeConfig(spec.base as Record<string, unknown>, run as Record<string, unknown>),
      assignment: {},
      where: `runs[${i}]`,
      explicitKeys: Object.keys(run),
    });
  });

  /** Problem text → the field at fault. */
  const problems = new Map<string, string>();
  const runs: SweepRunPlan[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const c of candidates) {
    const check = validateRunConfig(c.raw);
    if (!check.ok) {
      for (const p of check.problems) {
        const field = p.path;
        const matches = (key: string) => key === field || field.startsWith(`${key}.`) || key.startsWith(`${field}.`);
        const gridKey = c.explicitKeys.length === 0 ? gridKeys.find(matches) : undefined;
        const where = gridKey
          ? `grid "${gridKey}" value ${JSON.stringify(c.assignment[gridKey])}`
          : c.explicitKeys.some(matches)
            ? c.where
            : "base";
        const text = `${where}: ${formatProblem(p)}`;
        if (!problems.has(text)) problems.set(text, p.path);
      }
      continue;
    }
    const config = check.config;
    const id = runId(config);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    if (!config.label) config.label = c.where === "base" ? spec.name : `${spec.name}: ${c.where}`;
    runs.push({ index: runs.length, id, label: config.label, config, assignment: c.assignment });
  }
  if (problems.size > 0) {
    const list = [...problems.keys()].map((t) => `  - ${t}`);
    const shown = list.slice(0, 20);
    throw new SltError(
      "config",
      `Invalid sweep "${spec.name}"${source ? ` (${source})` : ""}: ${list.length} problem${list.length > 1 ? "s" : ""}; no run was started.\n${shown.join("\n")}${list.length > shown.length ? `\n  … and ${list.length - shown.length} more` : ""}\nSee 'slt run --help' for every config field.`,
      [...problems.values()][0],
    );
  }
  return { runs, duplicates };
}

/** Every run config of the sweep, validated, in a deterministic order (see planRuns). */
export function expandSweep(input: SweepSpecInput | unknown): RunConfig[] {
  return planRuns(input).runs.map((r) => r.config);
}

// ---------------------------------------------------------------------------------------
// Shards

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/**
 * The shard (0 … count−1) a run belongs to: a function of its id alone, so it does not
 * change when the spec is reordered or extended, and every process agrees on it.
 */
export function shardOf(id: string, count: number): number {
  if (!Number.isInteger(count) || count < 1)
    throw new SltError("usage", `The shard count must be a whole number ≥ 1, got ${count}.`, "shard");
  // Run ids are already hex hashes of the config; anything else is hashed first.
  const hex = /^[0-9a-f]{1,32}$/i.test(id) ? id : createHash("sha256").update(id).digest("hex").slice(0, 16);
  return Number(BigInt(`0x${hex}`) % BigInt(count));
}

/** Parse "i/n" (0 ≤ i < n), as in `--shard $SLURM_ARRAY_TASK_ID/16`. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new SltError("usage", `--shard expects "i/n" (shard i of n, 0-based, e.g. 3/16), got "${text}".`, "shard");
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count)
    throw new SltError(
      "usage",
      `--shard ${text}: the index must be between 0 and n−1 = ${count - 1} (0-based; Slurm's SLURM_ARRAY_TASK_ID is 0-based with --array=0-${count - 1}).`,
      "shard",
    );
  return { index, count };
}

// ---------------------------------------------------------------------------------------
// Status of a sweep's runs in a store

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

function resolveStore(store: RunStore | string | undefined): RunStore {
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
  const { runs, duplicates } = planRuns(spec, options.source);
  const store = resolveStore(options.store);
  const shard = options.shard ?? null;
  const planned = runs
    .map((r): PlannedRun => {
      const s = shard ? shardOf(r.id, shard.count) : 0;
      const epochs = totalEpochs(r.config);
      if (!fs.existsSync(store.runDir(r.id))) return { ...r, shard: s, status: "new", epochsDone: null, epochs, error: null };
      if (options.quick) return { ...r, shard: s, status: quickStatus(store, r.id), epochsDone: null, epochs, error: null };
      const listing = store.describe(r.id);
      return { ...r, shard: s, status: listing.status, epochsDone: listing.epochsDone, epochs, error: listing.error };
    })
    .filter((r) => !shard || r.shard === shard.index);
  return { name: spec.name, runs: planned, total: runs.length, duplicates, shard };
}

// ---------------------------------------------------------------------------------------
// Running

export type RunEndStatus = "trained" | "cached" | "busy" | "failed" | "stopped";

export type SweepEvent =
  | { type: "plan"; plan: SweepPlan; jobs: number; inProcess: boolean }
  | { type: "worker-start"; worker: number; pid: number }
  | { type: "worker-exit"; worker: number; pid: number; code: number | null; signal: string | null }
  | {
      type: "run-start";
      worker: number;
      index: number;
      id: string;
      label: string;
      resumedFromEpoch: number;
      stepsPerEpoch: number;
      epochs: number;
      backend: string;
    }
  | {
      type: "step";
      worker: number;
      index: number;
      id: string;
      epoch: number;
      epochs: number;
      cycle: number;
      cycles: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      accuracy: number;
      lr: number;
    }
  | { type: "epoch"; worker: number; index: number; id: string; metrics: EpochMetrics }
  | { type: "run-end"; worker: number; result: SweepRunResult }
  /** A line a worker process printed (warnings of libraries); never results. */
  | { type: "log"; worker: number; line: string };

export interface SweepRunResult {
  index: number;
  id: string;
  label: string;
  status: RunEndStatus;
  /** For failed and stopped runs: why. */
  error?: string;
  /** SltError kind of a failure ("training", "config", "data", "store"), or "bug". */
  kind?: string;
  testAccuracy?: number | null;
  dyingRatio?: number | null;
  resumedFromEpoch?: number;
  seconds?: number;
}

export interface SweepSummary {
  name: string;
  shard: Shard | null;
  /** Runs this call was responsible for (this shard's). */
  total: number;
  trained: SweepRunResult[];
  cached: SweepRunResult[];
  /** Held by another live process (another shard, another terminal): skipped, not run. */
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
  /** Stop: start no more runs and stop the workers; their runs stay resumable. */
  signal?: AbortSignal;
  /** Quoted in error messages (the spec's file name). */
  source?: string;
}

/** Store errors after which no other run can succeed either: stop starting runs. */
const FATAL_STORE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "ENOTDIR"]);

interface Pending {
  plan: PlannedRun;
}

/** The compiled worker entry point next to this file (dist/src/experiments/worker.js). */
export function workerScript(): string {
  return path.join(__dirname, "worker.js");
}

/**
 * Run a sweep (or one shard of it) to the end and summarise. Throws SltError before
 * anything runs if the spec or any of its runs is invalid, or the store is not writable;
 * afterwards every run's outcome is in the summary, failures included (the caller
 * decides the exit code).
 */
export async function runSweep(input: SweepSpecInput | unknown, options: SweepOptions = {}): Promise<SweepSummary> {
  const started = Date.now();
  const store = resolveStore(options.store);
  const jobs = options.jobs ?? os.availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new SltError("usage", `--jobs must be a whole number ≥ 1, got ${jobs}.`, "jobs");
  const plan = planSweep(input, { store, shard: options.shard, source: options.source, quick: true });
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
    summary[r.status === "busy" ? "busy" : r.status].push(r);
    emit({ type: "run-end", worker, result: r });
  };

  // Settle what needs no training here: finished, damaged, held elsewhere.
  const queue: Pending[] = [];
  const settled: SweepRunResult[] = [];
  for (const p of plan.runs) {
    const base = { index: p.index, id: p.id, label: p.label };
    let finished: ReturnType<RunStore["readFinished"]>;
    try {
      finished = store.readFinished(p.id);
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
      });
    else if (store.isLocked(p.id, staleLockMs)) settled.push({ ...base, status: "busy", error: "another process is training it" });
    else queue.push({ plan: p });
  }
  const inProcess = options.inProcess ?? jobs === 1;
  emit({ type: "plan", plan, jobs: Math.min(jobs, Math.max(1, queue.length)), inProcess });
  for (const r of settled) record(-1, r);

  if (queue.length > 0) {
    if (inProcess) await runInProcess(queue, store, staleLockMs, options, emit, record);
    else await runInWorkers(queue, store, staleLockMs, Math.min(jobs, queue.length), options, emit, record);
  }
  for (const list of [summary.trained, summary.cached, summary.busy, summary.failed, summary.stopped])
    list.sort((a, b) => a.index - b.index);
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function errorFields(e: unknown): { error: string; kind: string } {
  const s = serializeError(e);
  return { error: s.message, kind: s.kind };
}

function fatalForStore(err: SerializedError): boolean {
  return err.code !== undefined && FATAL_STORE_CODES.has(err.code);
}

type Recorder = (worker: number, r: SweepRunResult) => void;

async function runInProcess(
  queue: Pending[],
  store: RunStore,
  staleLockMs: number,
  options: SweepOptions,
  emit: (e: SweepEvent) => void,
  record: Recorder,
): Promise<void> {
  let halt: string | null = null;
  for (const { plan: p } of queue) {
    const base = { index: p.index, id: p.id, label: p.label };
    if (halt !== null || options.signal?.aborted) {
      record(0, { ...base, status: "stopped", error: halt ?? "the sweep was stopped before this run started" });
      continue;
    }
    const t0 = Date.now();
    try {
      const outcome = await executeRun(p.config, {
        store,
        staleLockMs,
        shouldStop: () => options.signal?.aborted ?? false,
        onStart: (info) =>
          emit({
            type: "run-start",
            worker: 0,
            index: p.index,
            id: p.id,
            label: p.label,
            resumedFromEpoch: info.resumedFromEpoch,
            stepsPerEpoch: info.stepsPerEpoch,
            epochs: totalEpochs(p.config),
            backend: info.backend.name,
          }),
        onStep: (e) =>
          emit({
            type: "step",
            worker: 0,
            index: p.index,
            id: p.id,
            epoch: e.epoch,
            epochs: e.epochs,
            cycle: e.cycle,
            cycles: e.cycles,
            step: e.step,
            stepsPerEpoch: e.stepsPerEpoch,
            loss: e.loss,
            accuracy: e.accuracy,
            lr: e.lr,
          }),
        onEpoch: (m) => emit({ type: "epoch", worker: 0, index: p.index, id: p.id, metrics: m }),
      });
      const seconds = (Date.now() - t0) / 1000;
      if (outcome.status === "busy") record(0, { ...base, status: "busy", error: "another process is training it", seconds });
      else
        record(0, {
          ...base,
          status: outcome.status,
          testAccuracy: outcome.run.result.final.testAccuracy,
          dyingRatio: outcome.run.result.final.dyingRatio,
          resumedFromEpoch: outcome.run.timings.resumedFromEpoch,
          seconds,
        });
    } catch (e) {
      const err = serializeError(e);
      if (err.kind === "stopped") record(0, { ...base, status: "stopped", error: err.message });
      else {
        record(0, { ...base, status: "failed", error: err.message, kind: err.kind, seconds: (Date.now() - t0) / 1000 });
        if (fatalForStore(err)) halt = `not started: ${err.message}`;
      }
    }
  }
}

interface WorkerSlot {
  id: number;
  child: ChildProcess;
  current: PlannedRun | null;
  currentStarted: number;
  ready: boolean;
  exited: boolean;
}

function runInWorkers(
  queue: Pending[],
  store: RunStore,
  staleLockMs: number,
  jobs: number,
  options: SweepOptions,
  emit: (e: SweepEvent) => void,
  record: Recorder,
): Promise<void> {
  const script = workerScript();
  if (!fs.existsSync(script)) {
    throw new SltError(
      "usage",
      `The sweep worker ${script} is missing: build the workbench (npm run build) or use --jobs 1 to train in this process.`,
      script,
    );
  }
  return new Promise<void>((resolve) => {
    const pending = [...queue];
    const slots: WorkerSlot[] = [];
    let nextWorkerId = 0;
    let halt: string | null = null;
    let startupFailures = 0;
    let finished = false;

    const stopAll = (reason: string) => {
      if (halt === null) halt = reason;
      for (const p of pending.splice(0))
        record(-1, { index: p.plan.index, id: p.plan.id, label: p.plan.label, status: "stopped", error: halt });
      for (const s of slots) if (!s.exited) s.child.kill("SIGTERM");
    };
    const onAbort = () => stopAll("the sweep was stopped (signal); the run resumes from its last checkpoint when the sweep runs again");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) halt = "the sweep was stopped before this run started";

    const maybeDone = () => {
      if (finished) return;
      if (slots.every((s) => s.exited) && (pending.length === 0 || halt !== null)) {
        finished = true;
        for (const p of pending.splice(0))
          record(-1, { index: p.plan.index, id: p.plan.id, label: p.plan.label, status: "stopped", error: halt ?? "not started" });
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      }
    };

    const dispatch = (slot: WorkerSlot) => {
      const next = halt === null ? pending.shift() : undefined;
      if (!next) {
        slot.current = null;
        send(slot, { type: "exit" });
        return;
      }
      slot.current = next.plan;
      slot.currentStarted = Date.now();
      send(slot, { type: "run", index: next.plan.index, config: next.plan.config, store: store.root, staleLockMs });
    };

    const send = (slot: WorkerSlot, msg: ParentMessage) => {
      if (slot.exited || !slot.child.connected) return;
      slot.child.send(msg, (err) => {
        if (err && !slot.exited) slot.child.kill("SIGKILL");
      });
    };

    const startWorker = () => {
      // Node flags pass on (e.g. --max-old-space-size), but not those that would make the
      // worker a test runner, a debuggee on a taken port, or a watcher.
      const execArgv = process.execArgv.filter((a) => !/^--(test|inspect|debug|watch)/.test(a));
      const child = fork(script, [], { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json", execArgv });
      const slot: WorkerSlot = { id: nextWorkerId++, child, current: null, currentStarted: 0, ready: false, exited: false };
      slots.push(slot);
      const forward = (stream: NodeJS.ReadableStream | null) => {
        let buffered = "";
        stream?.setEncoding("utf8");
        stream?.on("data", (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim()) emit({ type: "log", worker: slot.id, line });
          }
        });
      };
      forward(child.stdout);
      forward(child.stderr);
      child.on("message", (raw: WorkerMessage) => onMessage(slot, raw));
      child.on("error", () => {
        /* reported through 'exit' */
      });
      child.on("exit", (code, signal) => onExit(slot, code, signal));
    };

    const onMessage = (slot: WorkerSlot, m: WorkerMessage) => {
      switch (m.type) {
        case "ready":
          slot.ready = true;
          emit({ type: "worker-start", worker: slot.id, pid: m.pid });
          dispatch(slot);
          return;
        case "run-start":
          emit({ ...m, worker: slot.id, label: slot.current?.label ?? "", epochs: slot.current ? totalEpochs(slot.current.config) : 0 });
          return;
        case "step":
          emit({ ...m, worker: slot.id });
          return;
        case "epoch":
          emit({ ...m, worker: slot.id });
          return;
        case "run-end": {
          const p = slot.current;
          if (!p || p.index !== m.index) return;
          const base = { index: p.index, id: p.id, label: p.label, seconds: (Date.now() - slot.currentStarted) / 1000 };
          slot.current = null;
          if (m.error) {
            if (m.error.kind === "stopped") record(slot.id, { ...base, status: "stopped", error: m.error.message });
            else {
              record(slot.id, { ...base, status: "failed", error: m.error.message, kind: m.error.kind });
              if (fatalForStore(m.error)) stopAll(`not started: ${m.error.message}`);
            }
          } else if (m.outcome === "busy") record(slot.id, { ...base, status: "busy", error: "another process is training it" });
          else
            record(slot.id, {
              ...base,
              status: m.outcome === "trained" ? "trained" : "cached",
              testAccuracy: m.testAccuracy,
              dyingRatio: m.dyingRatio,
              resumedFromEpoch: m.resumedFromEpoch,
            });
          dispatch(slot);
          return;
        }
      }
    };

    const onExit = (slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null) => {
      slot.exited = true;
      emit({ type: "worker-exit", worker: slot.id, pid: slot.child.pid ?? -1, code, signal });
      const p = slot.current;
      slot.current = null;
      if (p) {
        // The worker cannot have released its lock: do it here, or other hosts wait for it to go stale.
        if (slot.child.pid !== undefined) {
          try {
            store.releaseLockOf(p.id, slot.child.pid);
          } catch {
            /* it goes stale in time */
          }
        }
        const base = { index: p.index, id: p.id, label: p.label, seconds: (Date.now() - slot.currentStarted) / 1000 };
        if (halt !== null || signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGHUP") {
          record(slot.id, {
            ...base,
            status: "stopped",
            error: `its worker was stopped (${signal ?? `exit code ${code}`}); the run resumes from its last checkpoint`,
          });
          if (halt === null) stopAll(`the sweep was stopped (a worker got ${signal})`);
        } else {
          // Killed from outside (out of memory: SIGKILL) or crashed: the run failed, the sweep goes on.
          const error = new SltError(
            "training",
            `The worker process training run ${p.id} died (${signal ? `signal ${signal}` : `exit code ${code}`}) — out of memory? ` +
              `Try a smaller batchSize/evalBatchSize or fewer --jobs. Its last checkpoint is kept; rerun the sweep to retry it.`,
            p.id,
          );
          try {
            store.writeFailure(p.id, p.config, error);
          } catch {
            /* reported in the summary all the same */
          }
          record(slot.id, { ...base, status: "failed", error: error.message, kind: "training" });
        }
      } else if (!slot.ready && halt === null) {
        // Died before it could take work: a broken installation. Do not loop forever.
        startupFailures++;
        if (startupFailures >= 2)
          stopAll(`the sweep's worker processes fail to start (${signal ?? `exit code ${code}`}); run with --jobs 1 to see the error`);
      }
      if (halt === null && pending.length > 0 && slots.filter((s) => !s.exited).length < jobs) startWorker();
      maybeDone();
    };

    for (let i = 0; i < jobs; i++) startWorker();
  });
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
