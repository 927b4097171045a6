/**
 * A whole training run: one cycle for EP and weight training, K cycles for iEP. The loop
 * is here; restoring, cycle boundaries, epoch metrics and checkpoints are callbacks
 * (./callbacks.ts). Keeps the dying-edge bookkeeping, the per-epoch and per-cycle metrics,
 * and the checkpoints that let an interrupted run resume exactly.
 */
import type * as tf from "@tensorflow/tfjs";
import type { RunConfig } from "../config";
import type { DataSplits } from "../data/types";
import type { LayerSelectionCounts, SelectionTrackerState } from "../metrics/dying";
import type { FinalMaskRecord } from "../metrics/final-mask";
import type { FinalMaskHistoryState } from "../metrics/readmission";
import { buildModel } from "../models/factory";
import type { Model } from "../models/types";
import { Masker, deviceMasksByDefault } from "../supermask/masker";
import { type EpochEnd, finalMaskOf, finalMetrics, newRunState, standardCallbacks } from "./callbacks";
import { Optimizer, type OptimizerState } from "./optimizer";
import { pluginsFor } from "./plugins";
import { learningRate } from "./schedule";
import type { LoopEvent } from "./events";
import { type TrainingPlugin, Trainer } from "./trainer";

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
  /**
   * Share of this cycle's final mask outside the previous cycle's final mask (cycle ≥ 2; null
   * for cycle 1, EP and weights): edges soft pruning let back in. Hard pruning: exactly 0.
   * Definitions: src/metrics/readmission.ts.
   */
  readmitted: number | null;
  /** Share of this cycle's final mask outside at least one earlier cycle's final mask (pruned at some earlier boundary and back). */
  readmittedEver: number | null;
  /** Edges selected during the cycle that were outside its first mask, over all prunable edges. */
  swappedIn: number | null;
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
  /** The run's re-admission: the last cycle's readmittedEver (null for EP, weights and one-cycle iEP). */
  readmitted: number | null;
  layers: LayerSelectionCounts[];
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
  /** The earlier cycles' final masks for re-admission (absent in checkpoints from before it was kept). */
  finalMaskHistory?: FinalMaskHistoryState | null;
  alive: (Uint8Array | null)[];
  epochs: EpochMetrics[];
  cycles: CycleMetrics[];
}

export interface ProcedureHooks {
  /** The loop's progress: every step and every finished epoch. */
  onEvent?(e: LoopEvent): void;
  /** Called after every finished epoch with the state to resume from. */
  saveCheckpoint?(c: Checkpoint): void;
  /** A checkpoint to resume from, if any. */
  resumeFrom?: Checkpoint | null;
  /**
   * Device path: least time between two reads of the step's loss for step events, ms
   * (default PROGRESS_READ_MS; Infinity: never, step events then carry NaN).
   */
  progressReadMs?: number;
  /** Extra plug-ins after the ones the config switches on (tests use it to watch every step). */
  plugins?: TrainingPlugin[];
}

export interface ProcedureResult {
  epochs: EpochMetrics[];
  cycles: CycleMetrics[];
  final: FinalMetrics;
  /** The final mask, one bit per prunable edge (null for weight training; absent in runs stored before it was kept). */
  finalMask?: FinalMaskRecord | null;
}

export async function runProcedure(config: RunConfig, data: DataSplits, hooks: ProcedureHooks = {}): Promise<ProcedureResult> {
  const { train } = data;
  const model = buildModel(config, [train.height, train.width, train.channels], data.numClasses);
  const variables = model.layers.flatMap((l) => l.trainableVariables());
  const optimizer = new Optimizer(variables, {
    kind: config.optimizer,
    momentum: config.momentum,
    nesterov: config.nesterov,
    weightDecay: config.weightDecay,
  });
  // The device path (GPU backends, or deviceMasks "on"): masks, the selection record and the step's accounting stay on the device.
  const onDevice = config.deviceMasks === "auto" ? deviceMasksByDefault() : config.deviceMasks === "on";
  const masker = model.layers.some((l) => l.prunable)
    ? new Masker(model.layers, { globalTopK: config.globalTopK, keepFraction: config.keepFraction, deviceMasks: onDevice })
    : null;
  // Disposed however the run ends (a worker process trains many runs, some of which fail).
  try {
    return await runWithModel(config, data, model, optimizer, masker, variables, hooks, onDevice);
  } finally {
    masker?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * The run's loop: cycles of epochs of steps. Everything else happens in callbacks at fixed
 * points of it (./callbacks.ts), in the manner of open_lth's standard callbacks: restore a
 * checkpoint at the start, prune and rewind at a cycle boundary, and at each epoch's end
 * evaluate, report and checkpoint, in that order.
 */
async function runWithModel(
  config: RunConfig,
  data: DataSplits,
  model: Model,
  optimizer: Optimizer,
  masker: Masker | null,
  variables: tf.Variable[],
  hooks: ProcedureHooks,
  onDevice: boolean,
): Promise<ProcedureResult> {
  const prunable = model.layers.filter((l) => l.prunable);
  const trainer = new Trainer(
    model,
    data,
    {
      batchSize: config.batchSize,
      evalBatchSize: config.evalBatchSize,
      labelSmoothing: config.labelSmoothing,
      augment: config.augment,
      seed: config.seed,
      dataOrderSeed: config.dataOrderSeed ?? config.seed,
      onDevice,
      progressReadMs: hooks.progressReadMs,
    },
    optimizer,
    masker,
    [...pluginsFor(config), ...(hooks.plugins ?? [])],
    variables,
  );
  const state = await newRunState(config, data, model, optimizer, trainer, masker, prunable);
  const callbacks = standardCallbacks(config, hooks);
  for (const c of callbacks) await c.atStart?.(state);

  const { plan } = state;
  let epochCursor = 0;
  for (const cyclePlan of plan) {
    const cycleStart = epochCursor;
    epochCursor += cyclePlan.epochs;
    if (state.epochsDone >= epochCursor) continue; // finished before the resume point
    const resumingInside = state.epochsDone > cycleStart;
    masker?.setKeepFraction(cyclePlan.keepFraction);
    if (cyclePlan.cycle > 1 && !resumingInside) for (const c of callbacks) await c.atCycleStart?.(state, cyclePlan);

    const schedule = {
      kind: config.lrSchedule,
      lr: config.lr,
      epochs: cyclePlan.epochs,
      warmupEpochs: config.warmupEpochs,
      stepMilestones: config.stepMilestones,
      stepGamma: config.stepGamma,
    };
    for (let e = Math.max(0, state.epochsDone - cycleStart); e < cyclePlan.epochs; e++) {
      const epochIndex = cycleStart + e;
      const started = Date.now();
      const totals = await trainer.trainEpoch(
        epochIndex,
        (frac) => state.constantLr ?? learningRate(schedule, e + frac),
        (masks) => state.record(masks),
        (p) =>
          hooks.onEvent?.({
            type: "step",
            cycle: cyclePlan.cycle,
            cycles: plan.length,
            epoch: epochIndex + 1,
            epochs: state.totalEpochs,
            step: p.step,
            stepsPerEpoch: p.stepsPerEpoch,
            loss: p.loss,
            accuracy: p.accuracy,
            lr: p.lr,
          }),
      );
      state.lastLr = totals.lastLr;
      const end: EpochEnd = { cycle: cyclePlan, epochIndex, epochInCycle: e + 1, totals, started };
      for (const c of callbacks) await c.atEpochEnd?.(state, end);
    }
  }
  return { epochs: state.epochs, cycles: state.cycles, final: finalMetrics(state), finalMask: await finalMaskOf(state) };
}
