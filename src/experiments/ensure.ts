/**
 * Getting the runs of a figure: `ensureRuns` returns the stored run of every config,
 * training (in worker processes, through the sweep pool) only what the store lacks. The
 * notebooks' front end to the run store; `slt sweep` is the CLI's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { ConfigError, type RunConfig, type RunConfigInput, totalEpochs } from "../config";
import { wasmThreadsInUse } from "../engine/backend";
import { SltError, type SltErrorKind } from "../errors";
import type { RunEvent } from "../train/events";
import { exportFormat, pickRuns, readExportFile } from "./exchange";
import { noteRunsInUse } from "./provenance";
import { identifyRunOrPathBased, readFinishedRun } from "./identity";
import { executeRun } from "./run";
import { RunStore, type StoredRun } from "./store";
import { type SweepEvent, runSweep, workerScript } from "./sweep";
import { applyRunLimit } from "./limit";
import { validateRunConfig } from "./validate";

// ---------------------------------------------------------------------------
// Getting runs.

/** Finished runs of an export file (`slt export`) or a store folder, without training: `summaryRows(loadRuns(file))`. */
export { loadRuns } from "./exchange";

/** What `ensureRuns` reports as it goes; `index`/`of` count the runs it trains. */
export type EnsureEvent =
  | { kind: "plan"; configs: number; unique: number; cached: number; toTrain: number; store: string }
  /** An event of the `index`-th of the `of` runs to train, as the run emitted it. */
  | { kind: "run"; index: number; of: number; config: RunConfig; event: RunEvent }
  | { kind: "waiting"; index: number; of: number; id: string; config: RunConfig }
  | { kind: "done"; index: number; of: number; id: string; config: RunConfig; run: StoredRun; cached: boolean; seconds: number }
  | { kind: "failed"; index: number; of: number; id: string; config: RunConfig; error: Error }
  | { kind: "finished"; trained: number; cached: number; failed: number; seconds: number };

export interface EnsureOptions {
  /**
   * The run store or its folder (a notebook runs in notebooks/: pass an absolute path), or
   * a run export (`slt export`: .arrow, .csv, .json), read only: figures are redrawn from
   * published runs without training, and a run it lacks is an error.
   */
  store?: RunStore | string;
  /**
   * Runs trained at once. 1 (default): one after another in this process. More: that many
   * worker processes (`runSweep`); each uses one core with the wasm backend. Without the
   * compiled worker script (running from sources) training stays in this process.
   */
  jobs?: number;
  /** Progress; default: one line per run and epoch on the console (`printEnsureEvent`). */
  onEvent?: (e: EnsureEvent) => void;
  /** How often to look again at a run another process is training (ms, default 2000). */
  pollMs?: number;
}

function resolveStore(store: RunStore | string | undefined): RunStore {
  return store instanceof RunStore ? store : new RunStore(store);
}

/** "ep lenet300×0.5 mnist keep=0.5 seed=1" — enough to tell the runs of one figure apart. */
export function describeConfig(c: RunConfig): string {
  const model = c.widthMultiplier === 1 ? c.model : `${c.model}×${c.widthMultiplier}`;
  const method = c.method === "iep" ? `iep(${c.iep.pruning},${c.iep.rewind},K=${c.iep.cycles})` : c.method;
  const extras = [
    c.iterand ? `iterand=${c.iterand.period}/${c.iterand.rate}` : "",
    c.signFlip ? `signflip=${c.signFlip.period}/${c.signFlip.rate}` : "",
  ].filter(Boolean);
  return [
    c.label ? `"${c.label}"` : "",
    method,
    model,
    c.dataset,
    `keep=${Number(c.keepFraction.toPrecision(4))}`,
    `seed=${c.seed}`,
    ...extras,
  ]
    .filter(Boolean)
    .join(" ");
}

function fmt(v: number | null, digits = 3): string {
  return v === null || !Number.isFinite(v) ? "–" : v.toFixed(digits);
}

/** A console line per event, in the style of `progress` (plain lines, streamed live by the workbook runner). */
export function printEnsureEvent(e: EnsureEvent, write: (line: string) => void = (l) => console.log(l)): void {
  switch (e.kind) {
    case "plan":
      write(
        `[runs] ${e.configs} config${e.configs === 1 ? "" : "s"} (${e.unique} distinct): ${e.cached} in the store, ${e.toTrain} to train · store ${e.store}`,
      );
      break;
    case "run": {
      // One line when a run starts and per epoch; its steps are the notebook's transient bar's business.
      const r = e.event;
      if (r.type === "run-start")
        write(
          `[run ${e.index}/${e.of}] ${describeConfig(e.config)}${r.resumedFromEpoch ? ` · resuming after epoch ${r.resumedFromEpoch}` : ""}`,
        );
      else if (r.type === "epoch") {
        const m = r.metrics;
        write(
          `[run ${e.index}/${e.of}] epoch ${m.epoch}/${totalEpochs(e.config)} acc=${fmt(m.testAccuracy)} DR=${fmt(m.dyingRatio)} turnover=${fmt(m.turnover)} · ${m.seconds.toFixed(1)}s`,
        );
      }
      break;
    }
    case "waiting":
      write(`[run ${e.index}/${e.of}] another process is training ${e.id}; waiting for it`);
      break;
    case "done":
      write(
        `[run ${e.index}/${e.of}] ${e.cached ? "found in the store" : "done"} acc=${fmt(e.run.result.final.testAccuracy)} DR=${fmt(e.run.result.final.dyingRatio)} · ${e.seconds.toFixed(1)}s`,
      );
      break;
    case "failed":
      write(`[run ${e.index}/${e.of}] FAILED: ${e.error.message.split("\n")[0]}`);
      break;
    case "finished":
      write(
        `[runs] done: ${e.trained} trained, ${e.cached} from the store${e.failed ? `, ${e.failed} FAILED` : ""} · ${e.seconds.toFixed(1)}s`,
      );
      break;
  }
}

/** $SLT_JOBS if set, else the number of cores: what the notebooks pass as `jobs`. */
export function defaultJobs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SLT_JOBS;
  if (raw !== undefined && raw.trim() !== "") {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new SltError("usage", `SLT_JOBS must be a whole number ≥ 1, got "${raw}".`, "SLT_JOBS");
    return n;
  }
  return Math.max(1, os.availableParallelism());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The stored run of every config, in the order given (a config listed twice gets the same
 * run): finished runs come from the store, the others are trained (an interrupted one
 * resumes from its checkpoint) and stored. A run another process is training is waited
 * for. Every config is validated before anything trains; if runs fail, the others still
 * train and one SltError lists the failures at the end.
 */
export async function ensureRuns(configs: ReadonlyArray<RunConfigInput | RunConfig>, options: EnsureOptions = {}): Promise<StoredRun[]> {
  const onEvent = options.onEvent ?? ((e: EnsureEvent) => printEnsureEvent(e));
  const store = resolveStore(options.store);
  const pollMs = options.pollMs ?? 2000;
  if (options.jobs !== undefined && !(Number.isInteger(options.jobs) && options.jobs >= 1)) {
    throw new SltError("usage", `ensureRuns: "jobs" must be a whole number ≥ 1, got ${options.jobs}.`, "jobs");
  }
  const started = Date.now();

  const parsed = configs.map((input, i) => {
    const check = validateRunConfig(input);
    if (!check.ok) throw new ConfigError(check.problems, `config #${i + 1} (of ${configs.length}) of ensureRuns`);
    return applyRunLimit(check.config);
  });
  // A config whose data cannot be read gets its path-based id here and fails with the data error when it is run.
  const identities = parsed.map((c) => identifyRunOrPathBased(c, store));
  const ids = identities.map((r) => r.id);
  const pathBasedIds = new Map(identities.flatMap((r) => (r.pathBasedId ? [[r.id, r.pathBasedId] as const] : [])));
  const unique = new Map<string, RunConfig>();
  parsed.forEach((c, i) => unique.has(ids[i]) || unique.set(ids[i], c));

  if (typeof options.store === "string" && exportFormat(options.store)) {
    const exported = readExportFile(options.store);
    const held = new Set(exported.map((r) => r.id));
    // An export made before ids followed the data's content holds such runs under their path-based ids.
    const wanted = ids.map((id) => (!held.has(id) && held.has(pathBasedIds.get(id) ?? "") ? pathBasedIds.get(id)! : id));
    const runs = pickRuns(exported, wanted, options.store, (i) => describeConfig(parsed[i]!));
    onEvent({ kind: "plan", configs: configs.length, unique: unique.size, cached: unique.size, toTrain: 0, store: options.store });
    onEvent({ kind: "finished", trained: 0, cached: unique.size, failed: 0, seconds: (Date.now() - started) / 1000 });
    noteRunsInUse(runs, options.store);
    return runs;
  }

  const found = new Map<string, StoredRun>();
  for (const id of unique.keys()) {
    const hit = readFinishedRun(store, { id, pathBasedId: pathBasedIds.get(id) ?? null });
    if (hit) found.set(id, hit.run);
  }
  const toTrain = [...unique].filter(([id]) => !found.has(id));
  onEvent({ kind: "plan", configs: configs.length, unique: unique.size, cached: found.size, toTrain: toTrain.length, store: store.root });

  const failures: Array<{ config: RunConfig; error: Error }> = [];
  let trained = 0;
  const of = toTrain.length;
  let remaining = toTrain;
  // Workers need the compiled worker script (dist/); run from sources (ts-node, tests), train here instead.
  if ((options.jobs ?? 1) > 1 && toTrain.length > 1 && fs.existsSync(workerScript())) {
    const r = await trainInWorkers(toTrain, store, options.jobs!, onEvent, pathBasedIds);
    trained += r.trained;
    for (const [id, run] of r.found) found.set(id, run);
    failures.push(...r.failures);
    // Runs another process held (skipped by the sweep) are waited for below.
    remaining = toTrain.filter(([id, config]) => !found.has(id) && !r.failures.some((f) => f.config === config));
  }
  for (const [k, [id, config]] of remaining.entries()) {
    const index = of - remaining.length + k + 1;
    const t0 = Date.now();
    try {
      let waited = false;
      for (;;) {
        const outcome = await executeRun(config, {
          store,
          // Training here, one run at a time: every core (or what the running backend has).
          threads: wasmThreadsInUse() ?? os.cpus().length,
          onEvent: (event) => onEvent({ kind: "run", index, of, config, event }),
        });
        if (outcome.status !== "busy") {
          found.set(id, outcome.run);
          if (outcome.status === "trained") trained++;
          onEvent({
            kind: "done",
            index,
            of,
            id,
            config,
            run: outcome.run,
            cached: outcome.status === "cached",
            seconds: (Date.now() - t0) / 1000,
          });
          break;
        }
        // Another process (a second notebook, a sweep) holds the lock: its result is ours too.
        if (!waited) onEvent({ kind: "waiting", index, of, id, config });
        waited = true;
        await sleep(pollMs);
      }
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      failures.push({ config, error });
      onEvent({ kind: "failed", index, of, id, config, error });
    }
  }

  onEvent({
    kind: "finished",
    trained,
    cached: unique.size - trained - failures.length,
    failed: failures.length,
    seconds: (Date.now() - started) / 1000,
  });
  if (failures.length) {
    const lines = failures.map((f) => `  - ${describeConfig(f.config)}: ${f.error.message.split("\n")[0]}`);
    const first = failures[0].error;
    throw new SltError(
      first instanceof SltError ? first.kind : "training",
      `${failures.length} of ${unique.size} runs failed:\n${lines.join("\n")}\nThe finished runs are in ${store.root}; fix the cause and run again to train only the missing ones.`,
      first instanceof SltError ? first.subject : undefined,
    );
  }
  const runs = ids.map((id) => found.get(id)!);
  noteRunsInUse(runs, store.root);
  return runs;
}

const ERROR_KINDS: readonly SltErrorKind[] = ["config", "data", "store", "training", "usage"];

/**
 * Trains the runs in `jobs` worker processes through `runSweep`, translating its events.
 * Runs another process holds come back neither found nor failed (the caller waits for them).
 */
async function trainInWorkers(
  toTrain: ReadonlyArray<[string, RunConfig]>,
  store: RunStore,
  jobs: number,
  onEvent: (e: EnsureEvent) => void,
  pathBasedIds: ReadonlyMap<string, string>,
): Promise<{ trained: number; found: Map<string, StoredRun>; failures: Array<{ config: RunConfig; error: Error }> }> {
  const configOf = new Map(toTrain);
  const of = toTrain.length;
  const indexOf = new Map<string, number>();
  const startedAt = new Map<string, number>();
  const found = new Map<string, StoredRun>();
  const failures: Array<{ config: RunConfig; error: Error }> = [];
  let trained = 0;
  const numberOf = (id: string) => {
    let i = indexOf.get(id);
    if (i === undefined) indexOf.set(id, (i = indexOf.size + 1));
    return i;
  };
  const onSweepEvent = (e: SweepEvent) => {
    switch (e.type) {
      case "run": {
        const id = e.event.id;
        const config = configOf.get(id);
        if (!config) return;
        if (e.event.type === "run-start") startedAt.set(id, Date.now());
        onEvent({ kind: "run", index: numberOf(id), of, config, event: e.event });
        return;
      }
      case "run-end": {
        const r = e.result;
        const config = configOf.get(r.id);
        if (!config) return;
        const seconds = (Date.now() - (startedAt.get(r.id) ?? Date.now())) / 1000;
        if (r.status === "trained" || r.status === "cached") {
          const run = readFinishedRun(store, { id: r.id, pathBasedId: pathBasedIds.get(r.id) ?? null })?.run;
          if (!run) return; // cannot happen: the worker stored it before it answered
          found.set(r.id, run);
          if (r.status === "trained") trained++;
          onEvent({ kind: "done", index: numberOf(r.id), of, id: r.id, config, run, cached: r.status === "cached", seconds });
        } else if (r.status === "failed" || r.status === "stopped") {
          const kind = ERROR_KINDS.find((k) => k === r.kind);
          const error = kind
            ? new SltError(kind, r.error ?? "failed", r.id)
            : new Error(r.error ?? `${r.status} (${r.kind ?? "no reason given"})`);
          failures.push({ config, error });
          onEvent({ kind: "failed", index: numberOf(r.id), of, id: r.id, config, error });
        }
        return;
      }
      default:
        return; // worker start/exit and library log lines: not worth a line each
    }
  };
  await runSweep(
    // The sweep labels unlabelled runs by their position in the spec; a description reads better in `slt runs`.
    { name: "workbook", runs: toTrain.map(([, c]) => ({ ...c, label: c.label || describeConfig(c) })) },
    { store, jobs, onEvent: onSweepEvent },
  );
  return { trained, found, failures };
}
