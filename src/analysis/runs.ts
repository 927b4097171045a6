/**
 * From stored runs to the flat rows the notebooks feed to arquero and `summarise`, and
 * `ensureRuns`, which gets every run of a figure: from the store when it is finished,
 * trained otherwise.
 *
 * Rows carry the config fields a figure groups or filters by (flattened: `iep.cycles` →
 * `iepCycles`), so `aq.from(rows).filter(...)` needs no lookups. Fields that do not apply
 * to a run are null (the iep.* columns of an EP run, the iterand.* columns without
 * IteRand), so that grouping by them never splits runs by unused defaults.
 */
import { SltError, type SltErrorKind } from "../errors";
import { ConfigError, type RunConfig, type RunConfigInput, runId, totalEpochs } from "../config";
import * as fs from "node:fs";
import * as os from "node:os";
import { exportFormat, readExportFile, pickRuns } from "../experiments/exchange";
import { noteRunsInUse } from "../experiments/provenance";
import { wasmThreadsInUse } from "../engine/backend";
import { executeRun } from "../experiments/run";
import { validateRunConfig } from "../experiments/validate";
import { RunStore, type StoredRun } from "../experiments/store";
import { type SweepEvent, runSweep, workerScript } from "../experiments/sweep";
import type { EpochMetrics } from "../train/procedure";

// ---------------------------------------------------------------------------
// Rows.

/** Extra columns a notebook attaches to each run's rows, e.g. `{ variant: "soft iEP" }`. */
export type RunTags = Readonly<Record<string, string | number | boolean | null>>;

export interface RowOptions {
  /**
   * Extra columns per run (index = position in the `runs` array). Use this rather than
   * `config.label` to name variants: the label is not part of a run's identity, so a run
   * found in the store keeps the label of whoever trained it first.
   */
  tags?: (run: StoredRun, index: number) => RunTags;
}

/** The config fields every row carries. */
export interface ConfigColumns {
  id: string;
  label: string;
  method: RunConfig["method"];
  model: string;
  widthMultiplier: number;
  dataset: string;
  limitTrain: number;
  /** The final kept fraction of the run. */
  keepFraction: number;
  /** 1 − keepFraction, rounded so that 0.7 reads 0.3 and not 0.30000000000000004. */
  pruneRate: number;
  seed: number;
  /** Epochs of the whole run (all iEP cycles together). */
  epochs: number;
  optimizer: string;
  lr: number;
  lrSchedule: string;
  batchSize: number;
  weightDecay: number;
  weightInit: string;
  scoreInit: string;
  iepCycles: number | null;
  iepSchedule: string | null;
  iepEpochsPerCycle: number | null;
  iepPruning: string | null;
  iepRewind: string | null;
  iterandPeriod: number | null;
  iterandRate: number | null;
}

/** One row per run: its config and final results. */
export interface SummaryRow extends ConfigColumns {
  testAccuracy: number;
  testLoss: number;
  valAccuracy: number | null;
  dyingRatio: number | null;
  /** First mask of the run vs final mask. */
  turnover: number | null;
  keptFraction: number | null;
  backend: string;
  /** Wall-clock seconds of the (last) training attempt. */
  seconds: number;
  secondsPerEpoch: number;
}

/** One row per run and epoch. */
export interface EpochRow extends ConfigColumns {
  epoch: number;
  cycle: number;
  epochInCycle: number;
  /** Kept fraction of the cycle this epoch belongs to (= keepFraction for EP). */
  cycleKeepFraction: number;
  cyclePruneRate: number;
  epochLr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  dyingRatio: number | null;
  cycleDyingRatio: number | null;
  turnover: number | null;
  epochSeconds: number;
}

/** One row per run and cycle (EP and weight training have one cycle). */
export interface CycleRow extends ConfigColumns {
  cycle: number;
  cycleKeepFraction: number;
  cyclePruneRate: number;
  reachedKeepFraction: number | null;
  cycleEpochs: number;
  /** Available edges never selected within the cycle, over available edges (dotted line of the deck). */
  cycleDyingRatio: number | null;
  /** (never selected in the cycle + already removed) / all edges (solid line of the deck). */
  cycleDyingRatioWithRemoved: number | null;
  /** Run-level DR at the end of the cycle. */
  dyingRatio: number | null;
  turnover: number | null;
  removedFraction: number | null;
  testAccuracy: number;
  testLoss: number;
}

/** One row per run, epoch and prunable layer: the run-level DR of that layer so far. */
export interface LayerRow extends ConfigColumns {
  epoch: number;
  cycle: number;
  layer: string;
  /** Position of the layer in the model (input side first). */
  layerIndex: number;
  dyingRatio: number;
}

/** One row per run and prunable layer, from the final selection counts. */
export interface FinalLayerRow extends ConfigColumns {
  layer: string;
  layerIndex: number;
  /** Edges in the layer. */
  edges: number;
  /** Edges removed by hard pruning. */
  removed: number;
  everSelected: number;
  /** (never selected + removed) / edges: the layer's share of the run's DR. */
  dyingRatio: number;
  /** Share of the layer's first mask missing from its final mask. */
  turnover: number;
  /** Edges in the final mask / edges. */
  keptFraction: number;
}

/** 1 − keep without the binary-fraction noise. */
export function pruneRateOf(keepFraction: number): number {
  return Number((1 - keepFraction).toFixed(10));
}

/** The config columns of a run. */
export function configColumns(run: StoredRun): ConfigColumns {
  const c = run.config;
  const iep = c.method === "iep" ? c.iep : null;
  return {
    id: run.id,
    label: c.label,
    method: c.method,
    model: c.model,
    widthMultiplier: c.widthMultiplier,
    dataset: c.dataset,
    limitTrain: c.limitTrain,
    keepFraction: c.keepFraction,
    pruneRate: pruneRateOf(c.keepFraction),
    seed: c.seed,
    epochs: totalEpochs(c),
    optimizer: c.optimizer,
    lr: c.lr,
    lrSchedule: c.lrSchedule,
    batchSize: c.batchSize,
    weightDecay: c.weightDecay,
    weightInit: c.weightInit,
    scoreInit: c.scoreInit,
    iepCycles: iep ? iep.cycles : null,
    iepSchedule: iep ? iep.schedule : null,
    iepEpochsPerCycle: iep ? iep.epochsPerCycle : null,
    iepPruning: iep ? iep.pruning : null,
    iepRewind: iep ? iep.rewind : null,
    iterandPeriod: c.iterand ? c.iterand.period : null,
    iterandRate: c.iterand ? c.iterand.rate : null,
  };
}

function tagged<T extends object>(run: StoredRun, index: number, row: T, options: RowOptions): T & RunTags {
  return options.tags ? { ...row, ...options.tags(run, index) } : (row as T & RunTags);
}

/** One row per run: config columns and final results. */
export function summaryRows(runs: readonly StoredRun[], options: RowOptions = {}): Array<SummaryRow & RunTags> {
  return runs.map((run, i) => {
    const f = run.result.final;
    const row: SummaryRow = {
      ...configColumns(run),
      testAccuracy: f.testAccuracy,
      testLoss: f.testLoss,
      valAccuracy: f.valAccuracy,
      dyingRatio: f.dyingRatio,
      turnover: f.turnover,
      keptFraction: f.keptFraction,
      backend: run.backend.name,
      seconds: run.timings.seconds,
      secondsPerEpoch: run.timings.secondsPerEpoch,
    };
    return tagged(run, i, row, options);
  });
}

function epochRow(columns: ConfigColumns, m: EpochMetrics): EpochRow {
  return {
    ...columns,
    epoch: m.epoch,
    cycle: m.cycle,
    epochInCycle: m.epochInCycle,
    cycleKeepFraction: m.keepFraction,
    cyclePruneRate: pruneRateOf(m.keepFraction),
    epochLr: m.lr,
    trainLoss: m.trainLoss,
    trainAccuracy: m.trainAccuracy,
    testLoss: m.testLoss,
    testAccuracy: m.testAccuracy,
    valLoss: m.valLoss,
    valAccuracy: m.valAccuracy,
    dyingRatio: m.dyingRatio,
    cycleDyingRatio: m.cycleDyingRatio,
    turnover: m.turnover,
    epochSeconds: m.seconds,
  };
}

/** One row per run and epoch. */
export function epochRows(runs: readonly StoredRun[], options: RowOptions = {}): Array<EpochRow & RunTags> {
  return runs.flatMap((run, i) => {
    const columns = configColumns(run);
    return run.result.epochs.map((m) => tagged(run, i, epochRow(columns, m), options));
  });
}

/** One row per run and cycle. */
export function cycleRows(runs: readonly StoredRun[], options: RowOptions = {}): Array<CycleRow & RunTags> {
  return runs.flatMap((run, i) => {
    const columns = configColumns(run);
    return run.result.cycles.map((c) =>
      tagged(
        run,
        i,
        {
          ...columns,
          cycle: c.cycle,
          cycleKeepFraction: c.keepFraction,
          cyclePruneRate: pruneRateOf(c.keepFraction),
          reachedKeepFraction: c.reachedKeepFraction,
          cycleEpochs: c.epochs,
          cycleDyingRatio: c.cycleDyingRatio,
          cycleDyingRatioWithRemoved: c.cycleDyingRatioWithRemoved,
          dyingRatio: c.dyingRatio,
          turnover: c.turnover,
          removedFraction: c.removedFraction,
          testAccuracy: c.testAccuracy,
          testLoss: c.testLoss,
        },
        options,
      ),
    );
  });
}

/**
 * One row per run, epoch and prunable layer (the per-layer DR heatmap: layer × epoch).
 * Layers keep the model's order (layerIndex); weight-trained runs have no rows.
 */
export function layerRows(runs: readonly StoredRun[], options: RowOptions = {}): Array<LayerRow & RunTags> {
  return runs.flatMap((run, i) => {
    const columns = configColumns(run);
    const order = new Map(run.result.final.layers.map((l, k) => [l.layer, k]));
    return run.result.epochs.flatMap((m) =>
      Object.entries(m.layerDyingRatio).map(([layer, dr]) =>
        tagged(
          run,
          i,
          { ...columns, epoch: m.epoch, cycle: m.cycle, layer, layerIndex: order.get(layer) ?? order.size, dyingRatio: dr },
          options,
        ),
      ),
    );
  });
}

/** One row per run and prunable layer, from the final selection counts. */
export function finalLayerRows(runs: readonly StoredRun[], options: RowOptions = {}): Array<FinalLayerRow & RunTags> {
  return runs.flatMap((run, i) => {
    const columns = configColumns(run);
    return run.result.final.layers.map((l, k) => {
      const removed = l.total - l.available;
      return tagged(
        run,
        i,
        {
          ...columns,
          layer: l.layer,
          layerIndex: k,
          edges: l.total,
          removed,
          everSelected: l.everSelected,
          dyingRatio: l.total ? (l.dying + removed) / l.total : 0,
          turnover: l.firstKept ? l.firstDropped / l.firstKept : 0,
          keptFraction: l.total ? l.lastKept / l.total : 0,
        },
        options,
      );
    });
  });
}

/** Every finished run in a store (damaged or unfinished ones are skipped), e.g. to explore it. */
export function storedRuns(store: RunStore | string, filter?: (run: StoredRun) => boolean): StoredRun[] {
  const s = store instanceof RunStore ? store : new RunStore(store);
  const out: StoredRun[] = [];
  for (const id of s.ids()) {
    let run: StoredRun | null = null;
    try {
      run = s.readFinished(id);
    } catch {
      continue; // `slt runs` reports damaged results; exploring should not stop at one
    }
    if (run && (!filter || filter(run))) out.push(run);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Getting runs.

/** Finished runs of an export file (`slt export`) or a store folder, without training: `summaryRows(loadRuns(file))`. */
export { loadRuns } from "../experiments/exchange";

/** What `ensureRuns` reports as it goes; `index`/`of` count the runs it trains. */
export type EnsureEvent =
  | { kind: "plan"; configs: number; unique: number; cached: number; toTrain: number; store: string }
  | { kind: "start"; index: number; of: number; id: string; config: RunConfig; resumedFromEpoch: number }
  | { kind: "epoch"; index: number; of: number; id: string; config: RunConfig; epochs: number; metrics: EpochMetrics }
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
  const extras = [c.iterand ? `iterand=${c.iterand.period}/${c.iterand.rate}` : ""].filter(Boolean);
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
    case "start":
      write(
        `[run ${e.index}/${e.of}] ${describeConfig(e.config)}${e.resumedFromEpoch ? ` · resuming after epoch ${e.resumedFromEpoch}` : ""}`,
      );
      break;
    case "epoch": {
      const m = e.metrics;
      write(
        `[run ${e.index}/${e.of}] epoch ${m.epoch}/${e.epochs} acc=${fmt(m.testAccuracy)} DR=${fmt(m.dyingRatio)} turnover=${fmt(m.turnover)} · ${m.seconds.toFixed(1)}s`,
      );
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
    return check.config;
  });
  const ids = parsed.map(runId);
  const unique = new Map<string, RunConfig>();
  parsed.forEach((c, i) => unique.has(ids[i]) || unique.set(ids[i], c));

  if (typeof options.store === "string" && exportFormat(options.store)) {
    const runs = pickRuns(readExportFile(options.store), ids, options.store, (i) => describeConfig(parsed[i]!));
    onEvent({ kind: "plan", configs: configs.length, unique: unique.size, cached: unique.size, toTrain: 0, store: options.store });
    onEvent({ kind: "finished", trained: 0, cached: unique.size, failed: 0, seconds: (Date.now() - started) / 1000 });
    noteRunsInUse(runs, options.store);
    return runs;
  }

  const found = new Map<string, StoredRun>();
  for (const id of unique.keys()) {
    const run = store.readFinished(id);
    if (run) found.set(id, run);
  }
  const toTrain = [...unique].filter(([id]) => !found.has(id));
  onEvent({ kind: "plan", configs: configs.length, unique: unique.size, cached: found.size, toTrain: toTrain.length, store: store.root });

  const failures: Array<{ config: RunConfig; error: Error }> = [];
  let trained = 0;
  const of = toTrain.length;
  let remaining = toTrain;
  // Workers need the compiled worker script (dist/); run from sources (ts-node, tests), train here instead.
  if ((options.jobs ?? 1) > 1 && toTrain.length > 1 && fs.existsSync(workerScript())) {
    const r = await trainInWorkers(toTrain, store, options.jobs!, onEvent);
    trained += r.trained;
    for (const [id, run] of r.found) found.set(id, run);
    failures.push(...r.failures);
    // Runs another process held (skipped by the sweep) are waited for below.
    remaining = toTrain.filter(([id]) => !found.has(id) && !r.failures.some((f) => runId(f.config) === id));
  }
  for (const [k, [id, config]] of remaining.entries()) {
    const index = of - remaining.length + k + 1;
    const t0 = Date.now();
    const epochs = totalEpochs(config);
    try {
      let waited = false;
      for (;;) {
        const outcome = await executeRun(config, {
          store,
          // Training here, one run at a time: every core (or what the running backend has).
          threads: wasmThreadsInUse() ?? os.cpus().length,
          onStart: (info) => onEvent({ kind: "start", index, of, id, config, resumedFromEpoch: info.resumedFromEpoch }),
          onEpoch: (metrics) => onEvent({ kind: "epoch", index, of, id, config, epochs, metrics }),
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
      case "run-start": {
        const config = configOf.get(e.id);
        if (!config) return;
        startedAt.set(e.id, Date.now());
        onEvent({ kind: "start", index: numberOf(e.id), of, id: e.id, config, resumedFromEpoch: e.resumedFromEpoch });
        return;
      }
      case "epoch": {
        const config = configOf.get(e.id);
        if (config)
          onEvent({ kind: "epoch", index: numberOf(e.id), of, id: e.id, config, epochs: totalEpochs(config), metrics: e.metrics });
        return;
      }
      case "run-end": {
        const r = e.result;
        const config = configOf.get(r.id);
        if (!config) return;
        const seconds = (Date.now() - (startedAt.get(r.id) ?? Date.now())) / 1000;
        if (r.status === "trained" || r.status === "cached") {
          const run = store.readFinished(r.id);
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
        return; // worker start/exit, steps and library log lines: not worth a line each
    }
  };
  await runSweep(
    // The sweep labels unlabelled runs by their position in the spec; a description reads better in `slt runs`.
    { name: "workbook", runs: toTrain.map(([, c]) => ({ ...c, label: c.label || describeConfig(c) })) },
    { store, jobs, onEvent: onSweepEvent },
  );
  return { trained, found, failures };
}
