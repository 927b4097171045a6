/**
 * The whole-run loop's callbacks, in the manner of open_lth's standard callbacks: each does
 * one job at one point of the loop (./procedure.ts) and shares the run's state with the
 * others. The standard list, in order: restore a checkpoint (at the start), the cycle
 * boundary (prune, then rewind), epoch metrics (evaluate, record the epoch and the cycle),
 * report the epoch, and checkpoint. A new job is one more callback in `standardCallbacks`.
 */
import * as tf from "@tensorflow/tfjs";
import { type RunConfig, finetuneLrOf } from "../config";
import type { DataSplits } from "../data/types";
import { getPruning } from "../iep/pruning";
import { getRewind } from "../iep/rewind";
import { type CyclePlan, planCycles } from "../iep/schedule";
import { SelectionTracker } from "../metrics/dying";
import { type FinalMaskRecord, encodeFinalMask } from "../metrics/final-mask";
import { FinalMaskHistory, swappedInShare } from "../metrics/readmission";
import type { Model } from "../models/types";
import type { ScoreInitName } from "../supermask/init";
import type { MaskedLayer } from "../supermask/layers";
import type { Masker } from "../supermask/masker";
import type { Optimizer } from "./optimizer";
import type { LoopEvent } from "./events";
import type { Checkpoint, CycleMetrics, EpochMetrics, FinalMetrics, ProcedureHooks } from "./procedure";
import type { EpochTotals, Trainer } from "./trainer";

/** What the loop and its callbacks share over one run. */
export interface RunState {
  readonly data: DataSplits;
  readonly model: Model;
  readonly optimizer: Optimizer;
  readonly trainer: Trainer;
  readonly masker: Masker | null;
  readonly prunable: MaskedLayer[];
  readonly plan: CyclePlan[];
  readonly totalEpochs: number;
  /** Scores at initialisation, one array per prunable layer (score rewinding returns to them). */
  readonly initialScores: Float32Array[];
  readonly layerInfo: { name: string; numel: number }[];
  readonly totalEdges: number;
  /** Selections since the run began (null without prunable layers). */
  readonly runTracker: SelectionTracker | null;
  /** Selections in the current cycle; a cycle boundary starts a new one. */
  cycleTracker: SelectionTracker | null;
  /** The earlier cycles' final masks, for re-admission (null without prunable layers). */
  readonly finalMaskHistory: FinalMaskHistory | null;
  epochs: EpochMetrics[];
  cycles: CycleMetrics[];
  epochsDone: number;
  lastLr: number;
  /** The LR of every step of this cycle when a rewind fixed it (finetune), else null. */
  constantLr: number | null;
  /** Record a step's (or an evaluation's) masks in both trackers. */
  record(masks: Uint8Array[]): void;
  /** Device path: read the masks recorded on the device since the last call into both trackers (once per epoch). */
  drainDeviceRecord(): Promise<void>;
}

/** Where the loop is when an epoch ends. */
export interface EpochEnd {
  cycle: CyclePlan;
  /** 0-based over the whole run. */
  epochIndex: number;
  /** 1-based within the cycle. */
  epochInCycle: number;
  totals: EpochTotals;
  /** Date.now() when the epoch started. */
  started: number;
}

/** Each point is awaited before the loop goes on (callbacks read tensors with `await t.data()`). */
export interface RunCallback {
  atStart?(s: RunState): void | Promise<void>;
  /** Before the first epoch of cycle ≥ 2 (not when resuming inside a cycle). */
  atCycleStart?(s: RunState, cycle: CyclePlan): void | Promise<void>;
  atEpochEnd?(s: RunState, end: EpochEnd): void | Promise<void>;
}

/** Copies of tensors' values, read asynchronously (GPU backends cannot read synchronously in Node). */
async function readCopies(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => Float32Array.from((await t.data()) as Float32Array)));
}

export async function newRunState(
  config: RunConfig,
  data: DataSplits,
  model: Model,
  optimizer: Optimizer,
  trainer: Trainer,
  masker: Masker | null,
  prunable: MaskedLayer[],
): Promise<RunState> {
  const plan = planCycles(config);
  const layerInfo = prunable.map((l) => ({ name: l.name, numel: l.numel }));
  const initialScores = await readCopies(prunable.map((l) => l.scores!));
  const state: RunState = {
    data,
    model,
    optimizer,
    trainer,
    masker,
    prunable,
    plan,
    totalEpochs: plan.reduce((s, c) => s + c.epochs, 0),
    initialScores,
    layerInfo,
    totalEdges: prunable.reduce((s, l) => s + l.numel, 0),
    runTracker: masker ? new SelectionTracker(layerInfo) : null,
    cycleTracker: masker ? new SelectionTracker(layerInfo) : null,
    finalMaskHistory: masker ? new FinalMaskHistory(layerInfo.map((l) => l.numel)) : null,
    epochs: [],
    cycles: [],
    epochsDone: 0,
    lastLr: config.lr,
    constantLr: null,
    record(masks) {
      state.runTracker!.record(masks);
      state.cycleTracker!.record(masks);
    },
    async drainDeviceRecord() {
      const batch = await masker?.deviceRecord?.drain();
      if (!batch) return;
      state.runTracker!.recordBatch(batch);
      state.cycleTracker!.recordBatch(batch);
    },
  };
  return state;
}

function count(a: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += a[i];
  return c;
}

function removedEdges(s: RunState): number {
  return s.prunable.reduce((n, l) => n + (l.alive ? l.numel - count(l.alive) : 0), 0);
}

/** Dying ratio of the run: never-selected plus removed edges over all prunable edges. */
function runDyingRatio(s: RunState): number | null {
  if (!s.runTracker) return null;
  const dying = s.runTracker.summary().perLayer.reduce((a, c) => a + c.dying, 0);
  return (dying + removedEdges(s)) / s.totalEdges;
}

async function snapshotVariables(model: Model): Promise<Record<string, Float32Array>> {
  const named: [string, tf.Tensor][] = [];
  for (const l of model.layers) {
    named.push([`${l.name}.weight`, l.weight]);
    if (l.scores) named.push([`${l.name}.scores`, l.scores]);
  }
  for (const [k, v] of Object.entries(model.buffers())) named.push([`buffer.${k}`, v]);
  const values = await readCopies(named.map(([, t]) => t));
  return Object.fromEntries(named.map(([k], i) => [k, values[i]]));
}

function restoreVariables(model: Model, vars: Record<string, Float32Array>): void {
  const put = (key: string, v: tf.Variable) => {
    const values = vars[key];
    if (!values || values.length !== v.size) throw new Error(`checkpoint does not match the model: ${key}`);
    v.assign(tf.tensor(values, v.shape));
  };
  for (const l of model.layers) {
    put(`${l.name}.weight`, l.weight);
    if (l.scores) put(`${l.name}.scores`, l.scores);
  }
  for (const [k, v] of Object.entries(model.buffers())) put(`buffer.${k}`, v);
}

/** Restore: continue a run from its last end-of-epoch checkpoint. */
export function restoreCallback(resume: Checkpoint): RunCallback {
  return {
    atStart(s) {
      restoreVariables(s.model, resume.variables);
      s.optimizer.setState(resume.optimizer);
      if (s.runTracker && resume.runTracker) s.runTracker.setState(resume.runTracker);
      if (s.cycleTracker && resume.cycleTracker) s.cycleTracker.setState(resume.cycleTracker);
      if (resume.finalMaskHistory) s.finalMaskHistory?.setState(resume.finalMaskHistory);
      else if (resume.cycles.length > 0) s.finalMaskHistory?.forget();
      s.prunable.forEach((l, i) => (l.alive = resume.alive[i] ?? null));
      // The last mask recorded is the one a cycle boundary prunes with.
      s.runTracker?.lastMasks().forEach((m, i) => {
        if (!m) return;
        if (s.masker?.onDevice) s.prunable[i].setDeviceMask(tf.tensor1d(m, "bool"));
        else s.prunable[i].setMask(Uint8Array.from(m));
      });
      s.runTracker?.setAlive(s.prunable.map((l) => l.alive));
      s.cycleTracker?.setAlive(s.prunable.map((l) => l.alive));
      s.epochs.push(...resume.epochs);
      s.cycles.push(...resume.cycles);
      s.epochsDone = resume.epochsDone;
      s.trainer.globalStep = resume.globalStep;
      s.lastLr = resume.lastLr;
      s.constantLr = resume.constantLr;
    },
  };
}

/** Cycle boundary (iEP): prune with the previous cycle's final mask, then rewind; a new cycle tracker. */
export function cycleBoundaryCallback(config: RunConfig): RunCallback {
  return {
    async atCycleStart(s, cycle) {
      if (!s.masker) return;
      await getPruning(config.iep.pruning).atCycleEnd(s.prunable);
      const decision = getRewind(config.iep.rewind).atCycleStart({
        layers: s.prunable,
        initialScores: s.initialScores,
        scoreInit: config.scoreInit as ScoreInitName,
        seed: config.seed,
        nextCycle: cycle.cycle,
        finetuneLr: finetuneLrOf(config),
      });
      if (decision.resetOptimizer) s.optimizer.reset();
      s.constantLr = decision.constantLr;
      s.cycleTracker = new SelectionTracker(s.layerInfo);
      s.cycleTracker.setAlive(s.prunable.map((l) => l.alive));
      s.runTracker!.setAlive(s.prunable.map((l) => l.alive));
    },
  };
}

async function cycleMetrics(s: RunState, plan: CyclePlan, last: EpochMetrics): Promise<CycleMetrics> {
  const summary = s.cycleTracker?.summary();
  // The cycle's final mask is the layers' current one (its last evaluation's), read once here.
  const finalMasks = s.finalMaskHistory ? await Promise.all(s.prunable.map(async (l) => (await l.readMask())!)) : null;
  const readmission = finalMasks ? s.finalMaskHistory!.recordFinal(finalMasks) : null;
  const removed = removedEdges(s);
  const dying = summary ? summary.perLayer.reduce((a, c) => a + c.dying, 0) : 0;
  const kept = summary ? summary.perLayer.reduce((a, c) => a + c.lastKept, 0) : 0;
  return {
    cycle: plan.cycle,
    keepFraction: plan.keepFraction,
    reachedKeepFraction: summary ? kept / s.totalEdges : null,
    epochs: plan.epochs,
    cycleDyingRatio: summary ? summary.dyingRatio : null,
    cycleDyingRatioWithRemoved: summary ? (dying + removed) / s.totalEdges : null,
    dyingRatio: last.dyingRatio,
    turnover: summary ? summary.turnover : null,
    removedFraction: summary ? removed / s.totalEdges : null,
    readmitted: readmission?.readmitted ?? null,
    readmittedEver: readmission?.readmittedEver ?? null,
    swappedIn: summary ? swappedInShare(summary.perLayer, s.totalEdges) : null,
    testAccuracy: last.testAccuracy,
    testLoss: last.testLoss,
  };
}

/** Epoch metrics: evaluate (test, then validation with the same masks), record the epoch and, at a cycle's end, the cycle. */
export const epochMetricsCallback: RunCallback = {
  async atEpochEnd(s, end) {
    const { trainer, masker, data } = s;
    const test = await trainer.evaluate(data.test, masker ? s.record : undefined);
    // Same scores as for the test pass: reuse its masks.
    const val = data.validation ? await trainer.evaluate(data.validation, undefined, false) : null;
    await s.drainDeviceRecord();
    const runSummary = s.runTracker?.summary();
    const cycleSummary = s.cycleTracker?.summary();
    const metrics: EpochMetrics = {
      epoch: end.epochIndex + 1,
      cycle: end.cycle.cycle,
      epochInCycle: end.epochInCycle,
      keepFraction: end.cycle.keepFraction,
      lr: end.totals.lastLr,
      trainLoss: end.totals.loss,
      trainAccuracy: end.totals.accuracy,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      valLoss: val?.loss ?? null,
      valAccuracy: val?.accuracy ?? null,
      dyingRatio: runDyingRatio(s),
      cycleDyingRatio: cycleSummary?.dyingRatio ?? null,
      turnover: cycleSummary?.turnover ?? null,
      layerDyingRatio: Object.fromEntries(
        (runSummary?.perLayer ?? []).map((c) => [c.layer, (c.dying + (c.total - c.available)) / c.total]),
      ),
      steps: end.totals.steps,
      seconds: (Date.now() - end.started) / 1000,
    };
    s.epochs.push(metrics);
    s.epochsDone = end.epochIndex + 1;
    if (end.epochInCycle === end.cycle.epochs) s.cycles.push(await cycleMetrics(s, end.cycle, metrics));
  },
};

/** Report each finished epoch's metrics. */
export function reportEpochCallback(onEvent: (e: LoopEvent) => void): RunCallback {
  return { atEpochEnd: (s) => onEvent({ type: "epoch", metrics: s.epochs[s.epochs.length - 1] }) };
}

/** Checkpoint: the state to resume from, after every finished epoch. */
export function checkpointCallback(save: (c: Checkpoint) => void): RunCallback {
  return {
    async atEpochEnd(s) {
      save({
        epochsDone: s.epochsDone,
        globalStep: s.trainer.globalStep,
        lastLr: s.lastLr,
        constantLr: s.constantLr,
        variables: await snapshotVariables(s.model),
        optimizer: await s.optimizer.getState(),
        runTracker: s.runTracker?.getState() ?? null,
        cycleTracker: s.cycleTracker?.getState() ?? null,
        finalMaskHistory: s.finalMaskHistory?.getState() ?? null,
        alive: s.prunable.map((l) => l.alive),
        epochs: s.epochs,
        cycles: s.cycles,
      });
    },
  };
}

/** The callbacks of a run, in the order they run at each point. */
export function standardCallbacks(config: RunConfig, hooks: ProcedureHooks): RunCallback[] {
  return [
    ...(hooks.resumeFrom ? [restoreCallback(hooks.resumeFrom)] : []),
    cycleBoundaryCallback(config),
    epochMetricsCallback,
    ...(hooks.onEvent ? [reportEpochCallback(hooks.onEvent)] : []),
    ...(hooks.saveCheckpoint ? [checkpointCallback(hooks.saveCheckpoint)] : []),
  ];
}

/** The run's final metrics, after the last epoch. */
export function finalMetrics(s: RunState): FinalMetrics {
  const last = s.epochs[s.epochs.length - 1];
  const runSummary = s.runTracker?.summary();
  return {
    testAccuracy: last.testAccuracy,
    testLoss: last.testLoss,
    valAccuracy: last.valAccuracy,
    dyingRatio: runDyingRatio(s),
    turnover: runSummary?.turnover ?? null,
    keptFraction: runSummary ? runSummary.perLayer.reduce((a, c) => a + c.lastKept, 0) / s.totalEdges : null,
    readmitted: s.cycles[s.cycles.length - 1]?.readmittedEver ?? null,
    layers: runSummary?.perLayer ?? [],
  };
}

/** The run's final mask as a bitset record (the masks of its last evaluation), or null without prunable layers. */
export async function finalMaskOf(s: RunState): Promise<FinalMaskRecord | null> {
  if (!s.masker) return null;
  const masks = await Promise.all(s.prunable.map(async (l) => (await l.readMask())!));
  return encodeFinalMask(
    s.prunable.map((l) => l.name),
    masks,
  );
}
