/**
 * A whole training run: one cycle for EP and weight training, K cycles for iEP. Keeps the
 * dying-edge bookkeeping, the per-epoch and per-cycle metrics, and the checkpoints that
 * let an interrupted run resume exactly.
 */
import * as tf from "@tensorflow/tfjs";
import { type RunConfig, finetuneLrOf } from "../config";
import type { DataSplits } from "../data/types";
import { getPruning } from "../iep/pruning";
import { getRewind } from "../iep/rewind";
import { type CyclePlan, planCycles } from "../iep/schedule";
import { SelectionTracker, type SelectionTrackerState, type LayerSelectionCounts } from "../metrics/dying";
import { buildModel } from "../models/factory";
import type { Model } from "../models/types";
import type { ScoreInitName } from "../supermask/init";
import { Masker } from "../supermask/masker";
import { Optimizer, type OptimizerState } from "./optimizer";
import { pluginsFor } from "./plugins";
import { learningRate } from "./schedule";
import { type StepProgress, type TrainingPlugin, Trainer } from "./trainer";

export interface EpochMetrics {
  /** 1-based over the whole run. */
  epoch: number;
  cycle: number;
  epochInCycle: number;
  keepFraction: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  valLoss: number | null;
  valAccuracy: number | null;
  /** Edges never selected since the run began, or removed by hard pruning, over all prunable edges. */
  dyingRatio: number | null;
  /** Within the current cycle: available edges never selected in it, over available edges. */
  cycleDyingRatio: number | null;
  /** Share of the cycle's first mask missing from its latest mask. */
  turnover: number | null;
  /** Run-level dying ratio per prunable layer. */
  layerDyingRatio: Record<string, number>;
  steps: number;
  seconds: number;
}

export interface CycleMetrics {
  cycle: number;
  keepFraction: number;
  /** Kept edges in the cycle's final mask over all prunable edges. */
  reachedKeepFraction: number | null;
  epochs: number;
  cycleDyingRatio: number | null;
  /** The deck's solid line: (never selected in the cycle + already removed) / all edges. */
  cycleDyingRatioWithRemoved: number | null;
  dyingRatio: number | null;
  turnover: number | null;
  removedFraction: number | null;
  testAccuracy: number;
  testLoss: number;
}

export interface FinalMetrics {
  testAccuracy: number;
  testLoss: number;
  valAccuracy: number | null;
  dyingRatio: number | null;
  /** First mask of the run vs final mask. */
  turnover: number | null;
  keptFraction: number | null;
  layers: LayerSelectionCounts[];
}

export interface ProgressEvent extends StepProgress {
  kind: "step";
  cycle: number;
  cycles: number;
  epoch: number;
  epochs: number;
}

export interface Checkpoint {
  /** Epochs finished over the whole run. */
  epochsDone: number;
  globalStep: number;
  lastLr: number;
  constantLr: number | null;
  variables: Record<string, Float32Array>;
  optimizer: OptimizerState;
  runTracker: SelectionTrackerState | null;
  cycleTracker: SelectionTrackerState | null;
  alive: (Uint8Array | null)[];
  epochs: EpochMetrics[];
  cycles: CycleMetrics[];
}

export interface ProcedureHooks {
  onStep?(e: ProgressEvent): void;
  onEpoch?(m: EpochMetrics): void;
  /** Called after every finished epoch with the state to resume from. */
  saveCheckpoint?(c: Checkpoint): void;
  /** A checkpoint to resume from, if any. */
  resumeFrom?: Checkpoint | null;
  /** Extra plug-ins after the ones the config switches on (tests use it to watch every step). */
  plugins?: TrainingPlugin[];
}

export interface ProcedureResult {
  epochs: EpochMetrics[];
  cycles: CycleMetrics[];
  final: FinalMetrics;
}

function snapshotVariables(model: Model): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const l of model.layers) {
    out[`${l.name}.weight`] = Float32Array.from(l.weight.dataSync() as Float32Array);
    if (l.scores) out[`${l.name}.scores`] = Float32Array.from(l.scores.dataSync() as Float32Array);
  }
  for (const [k, v] of Object.entries(model.buffers())) out[`buffer.${k}`] = Float32Array.from(v.dataSync() as Float32Array);
  return out;
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

export function runProcedure(config: RunConfig, data: DataSplits, hooks: ProcedureHooks = {}): ProcedureResult {
  const { train } = data;
  const model = buildModel(config, [train.height, train.width, train.channels], data.numClasses);
  const variables = model.layers.flatMap((l) => l.trainableVariables());
  const optimizer = new Optimizer(variables, {
    kind: config.optimizer,
    momentum: config.momentum,
    nesterov: config.nesterov,
    weightDecay: config.weightDecay,
  });
  // Disposed however the run ends (a worker process trains many runs, some of which fail).
  try {
    return runWithModel(config, data, model, optimizer, variables, hooks);
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function runWithModel(
  config: RunConfig,
  data: DataSplits,
  model: Model,
  optimizer: Optimizer,
  variables: tf.Variable[],
  hooks: ProcedureHooks,
): ProcedureResult {
  const prunable = model.layers.filter((l) => l.prunable);
  const masker = prunable.length ? new Masker(model.layers, { globalTopK: config.globalTopK, keepFraction: config.keepFraction }) : null;
  const trainer = new Trainer(
    model,
    data,
    {
      batchSize: config.batchSize,
      evalBatchSize: config.evalBatchSize,
      labelSmoothing: config.labelSmoothing,
      augment: config.augment,
      seed: config.seed,
    },
    optimizer,
    masker,
    [...pluginsFor(config), ...(hooks.plugins ?? [])],
    variables,
  );
  const initialScores = prunable.map((l) => Float32Array.from(l.scores!.dataSync() as Float32Array));
  const plan: CyclePlan[] = planCycles(config);
  const totalEpochs = plan.reduce((s, c) => s + c.epochs, 0);
  const layerInfo = prunable.map((l) => ({ name: l.name, numel: l.numel }));
  const totalEdges = prunable.reduce((s, l) => s + l.numel, 0);
  const runTracker = masker ? new SelectionTracker(layerInfo) : null;
  let cycleTracker = masker ? new SelectionTracker(layerInfo) : null;
  const epochs: EpochMetrics[] = [];
  const cycles: CycleMetrics[] = [];
  let lastLr = config.lr;
  let constantLr: number | null = null;
  let epochsDone = 0;

  const resume = hooks.resumeFrom;
  if (resume) {
    restoreVariables(model, resume.variables);
    optimizer.setState(resume.optimizer);
    if (runTracker && resume.runTracker) runTracker.setState(resume.runTracker);
    if (cycleTracker && resume.cycleTracker) cycleTracker.setState(resume.cycleTracker);
    prunable.forEach((l, i) => (l.alive = resume.alive[i] ?? null));
    // The last mask recorded is the one a cycle boundary prunes with.
    runTracker?.lastMasks().forEach((m, i) => m && prunable[i].setMask(Uint8Array.from(m)));
    runTracker?.setAlive(prunable.map((l) => l.alive));
    cycleTracker?.setAlive(prunable.map((l) => l.alive));
    epochs.push(...resume.epochs);
    cycles.push(...resume.cycles);
    epochsDone = resume.epochsDone;
    trainer.globalStep = resume.globalStep;
    lastLr = resume.lastLr;
    constantLr = resume.constantLr;
  }

  const record = (masks: Uint8Array[]) => {
    runTracker!.record(masks);
    cycleTracker!.record(masks);
  };
  const removedEdges = () => prunable.reduce((s, l) => s + (l.alive ? l.numel - count(l.alive) : 0), 0);
  const runDyingRatio = () => {
    if (!runTracker) return null;
    const s = runTracker.summary();
    const dying = s.perLayer.reduce((a, c) => a + c.dying, 0);
    return (dying + removedEdges()) / totalEdges;
  };

  let epochCursor = 0;
  for (const cyclePlan of plan) {
    const cycleStart = epochCursor;
    epochCursor += cyclePlan.epochs;
    if (epochsDone >= epochCursor) continue; // finished before the resume point
    const resumingInside = epochsDone > cycleStart;
    masker?.setKeepFraction(cyclePlan.keepFraction);

    if (cyclePlan.cycle > 1 && !resumingInside && masker) {
      // Cycle boundary: prune, then rewind. The previous cycle's final mask is on the layers.
      getPruning(config.iep.pruning).atCycleEnd(prunable);
      const decision = getRewind(config.iep.rewind).atCycleStart({
        layers: prunable,
        initialScores,
        scoreInit: config.scoreInit as ScoreInitName,
        seed: config.seed,
        nextCycle: cyclePlan.cycle,
        finetuneLr: finetuneLrOf(config),
      });
      if (decision.resetOptimizer) optimizer.reset();
      constantLr = decision.constantLr;
      cycleTracker = new SelectionTracker(layerInfo);
      cycleTracker.setAlive(prunable.map((l) => l.alive));
      runTracker!.setAlive(prunable.map((l) => l.alive));
    }

    const schedule = {
      kind: config.lrSchedule,
      lr: config.lr,
      epochs: cyclePlan.epochs,
      warmupEpochs: config.warmupEpochs,
      stepMilestones: config.stepMilestones,
      stepGamma: config.stepGamma,
    };
    for (let e = Math.max(0, epochsDone - cycleStart); e < cyclePlan.epochs; e++) {
      const epochIndex = cycleStart + e;
      const started = Date.now();
      const totals = trainer.trainEpoch(
        epochIndex,
        (frac) => constantLr ?? learningRate(schedule, e + frac),
        (masks) => record(masks),
        (p) =>
          hooks.onStep?.({ ...p, kind: "step", cycle: cyclePlan.cycle, cycles: plan.length, epoch: epochIndex + 1, epochs: totalEpochs }),
      );
      lastLr = totals.lastLr;
      const test = trainer.evaluate(data.test, masker ? record : undefined);
      // Same scores as for the test pass: reuse its masks.
      const val = data.validation ? trainer.evaluate(data.validation, undefined, false) : null;
      const runSummary = runTracker?.summary();
      const cycleSummary = cycleTracker?.summary();
      const metrics: EpochMetrics = {
        epoch: epochIndex + 1,
        cycle: cyclePlan.cycle,
        epochInCycle: e + 1,
        keepFraction: cyclePlan.keepFraction,
        lr: totals.lastLr,
        trainLoss: totals.loss,
        trainAccuracy: totals.accuracy,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        valLoss: val?.loss ?? null,
        valAccuracy: val?.accuracy ?? null,
        dyingRatio: runDyingRatio(),
        cycleDyingRatio: cycleSummary?.dyingRatio ?? null,
        turnover: cycleSummary?.turnover ?? null,
        layerDyingRatio: Object.fromEntries(
          (runSummary?.perLayer ?? []).map((c) => [c.layer, (c.dying + (c.total - c.available)) / c.total]),
        ),
        steps: totals.steps,
        seconds: (Date.now() - started) / 1000,
      };
      epochs.push(metrics);
      epochsDone = epochIndex + 1;
      if (e === cyclePlan.epochs - 1) cycles.push(cycleMetrics(cyclePlan, metrics, cycleTracker, removedEdges(), totalEdges));
      hooks.onEpoch?.(metrics);
      hooks.saveCheckpoint?.({
        epochsDone,
        globalStep: trainer.globalStep,
        lastLr,
        constantLr,
        variables: snapshotVariables(model),
        optimizer: optimizer.getState(),
        runTracker: runTracker?.getState() ?? null,
        cycleTracker: cycleTracker?.getState() ?? null,
        alive: prunable.map((l) => l.alive),
        epochs,
        cycles,
      });
    }
  }

  const last = epochs[epochs.length - 1];
  const runSummary = runTracker?.summary();
  const final: FinalMetrics = {
    testAccuracy: last.testAccuracy,
    testLoss: last.testLoss,
    valAccuracy: last.valAccuracy,
    dyingRatio: runDyingRatio(),
    turnover: runSummary?.turnover ?? null,
    keptFraction: runSummary ? runSummary.perLayer.reduce((s, c) => s + c.lastKept, 0) / totalEdges : null,
    layers: runSummary?.perLayer ?? [],
  };
  return { epochs, cycles, final };
}

function count(a: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += a[i];
  return c;
}

function cycleMetrics(
  plan: CyclePlan,
  last: EpochMetrics,
  tracker: SelectionTracker | null,
  removed: number,
  totalEdges: number,
): CycleMetrics {
  const s = tracker?.summary();
  const dying = s ? s.perLayer.reduce((a, c) => a + c.dying, 0) : 0;
  const kept = s ? s.perLayer.reduce((a, c) => a + c.lastKept, 0) : 0;
  return {
    cycle: plan.cycle,
    keepFraction: plan.keepFraction,
    reachedKeepFraction: s ? kept / totalEdges : null,
    epochs: plan.epochs,
    cycleDyingRatio: s ? s.dyingRatio : null,
    cycleDyingRatioWithRemoved: s ? (dying + removed) / totalEdges : null,
    dyingRatio: last.dyingRatio,
    turnover: s ? s.turnover : null,
    removedFraction: s ? removed / totalEdges : null,
    testAccuracy: last.testAccuracy,
    testLoss: last.testLoss,
  };
}
