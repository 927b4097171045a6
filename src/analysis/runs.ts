/**
 * From stored runs to the flat rows the notebooks feed to arquero and `summarise`.
 *
 * Rows carry the config fields a figure groups or filters by (flattened: `iep.cycles` →
 * `iepCycles`), so `aq.from(rows).filter(...)` needs no lookups. Fields that do not apply
 * to a run are null (the iep.* columns of an EP run, the iterand.* columns without
 * IteRand, signFlip.* without sign flips), so that grouping by them never splits runs by
 * unused defaults.
 */
import { type RunConfig, finetuneLrOf, totalEpochs } from "../config";
import { RunStore, type StoredRun } from "../experiments/store";
import type { EpochMetrics } from "../train/procedure";

// Getting runs (ensureRuns and its progress) is orchestration: src/experiments/ensure.ts.
// Re-exported here, the notebooks' import path.
export {
  type EnsureEvent,
  type EnsureOptions,
  defaultJobs,
  describeConfig,
  ensureRuns,
  loadRuns,
  printEnsureEvent,
} from "../experiments/ensure";

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
  /** Seed of the data order and augmentation when it differs from seed's (null = seed's). */
  dataOrderSeed: number | null;
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
  /** schedule = fixed-share only. */
  iepPruneShare: number | null;
  /** rewind = finetune only: the LR it trains at (iep.finetuneLr, or lr / 10). */
  iepFinetuneLr: number | null;
  iterandPeriod: number | null;
  iterandRate: number | null;
  signFlipPeriod: number | null;
  signFlipRate: number | null;
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
  /** The run's re-admission (last cycle's readmittedEver); null for EP, weights, or a run stored before it was recorded. */
  readmitted: number | null;
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
  /** Share of the cycle's final mask outside the previous cycle's (null: cycle 1, or a run stored before it was recorded). */
  readmitted: number | null;
  /** Share of the cycle's final mask outside at least one earlier cycle's final mask. */
  readmittedEver: number | null;
  /** Edges selected during the cycle that were outside its first mask, over all prunable edges. */
  swappedIn: number | null;
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
    // null (or absent in runs stored before it existed) and = seed are the same run.
    dataOrderSeed: c.dataOrderSeed == null || c.dataOrderSeed === c.seed ? null : c.dataOrderSeed,
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
    iepPruneShare: iep && iep.schedule === "fixed-share" ? iep.pruneShare : null,
    iepFinetuneLr: iep && iep.rewind === "finetune" ? finetuneLrOf(c) : null,
    iterandPeriod: c.iterand ? c.iterand.period : null,
    iterandRate: c.iterand ? c.iterand.rate : null,
    signFlipPeriod: c.signFlip ? c.signFlip.period : null,
    signFlipRate: c.signFlip ? c.signFlip.rate : null,
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
      // Runs stored before re-admission was recorded lack it.
      readmitted: f.readmitted ?? null,
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
          // Runs stored before these were recorded lack them.
          readmitted: c.readmitted ?? null,
          readmittedEver: c.readmittedEver ?? null,
          swappedIn: c.swappedIn ?? null,
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
