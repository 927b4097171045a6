/**
 * Shared pieces of the iEP tests: a tiny run config on the synthetic data set, a plug-in
 * that records every step's masks, and probes around the cycle-boundary registries.
 * Not a test file itself.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { loadDataset } from "../../src/data/registry";
import type { DataSplits } from "../../src/data/types";
import { type RunConfig, type RunConfigInput, parseRunConfig } from "../../src/experiments/config";
import { type PruningStrategy, pruningStrategies } from "../../src/iep/pruning";
import { type RewindContext, type RewindStrategy, rewindStrategies } from "../../src/iep/rewind";
import { Rng } from "../../src/engine/rng";
import type { WeightInitName } from "../../src/supermask/init";
import { currentMasks } from "../../src/supermask/iterand";
import { MaskedLayer } from "../../src/supermask/layers";
import { type Checkpoint, type ProcedureResult, runProcedure } from "../../src/train/procedure";
import type { StepContext, TrainingPlugin } from "../../src/train/trainer";

let data: DataSplits | null = null;

/** 256 training and 200 test images of the synthetic set (8×8, 10 classes), on the cpu backend. */
export async function tinyData(): Promise<DataSplits> {
  await initBackend("cpu");
  data ??= await loadDataset("synthetic", { validationFraction: 0, seed: 0, limitTrain: 256, limitTest: 200 });
  return data;
}

/** LeNet-300-100 at width 0.1 (64→30→10→10: 2320 edges), batches of 32 (8 steps an epoch), iEP. */
export function tinyConfig(overrides: RunConfigInput = {}): RunConfig {
  const { iep, ...rest } = overrides;
  return parseRunConfig({
    method: "iep",
    model: "lenet300",
    widthMultiplier: 0.1,
    dataset: "synthetic",
    limitTrain: 256,
    limitTest: 200,
    batchSize: 32,
    evalBatchSize: 200,
    keepFraction: 0.125,
    lr: 0.1,
    backend: "cpu",
    ...rest,
    iep: { cycles: 3, epochsPerCycle: 1, ...(iep ?? {}) },
  });
}

export function copyAll(masks: (Uint8Array | null)[]): (Uint8Array | null)[] {
  return masks.map((m) => (m ? Uint8Array.from(m) : null));
}

export function ones(a: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += a[i];
  return c;
}

export interface StepRecord {
  globalStep: number;
  cycle: number;
  lr: number;
  /** The mask each prunable layer trained with at this step. */
  masks: Uint8Array[];
  /** The layers' `alive` at this step (null = every edge). */
  alive: (Uint8Array | null)[];
}

/**
 * A test plug-in that copies every step's masks, plus the hooks that tag them with their
 * cycle and LR and keep the masks each evaluation took (the trackers record those too).
 */
export class Recorder implements TrainingPlugin {
  readonly name = "test-recorder";
  layers: MaskedLayer[] = [];
  steps: StepRecord[] = [];
  /** The mask at the end of each epoch (the one the test evaluation used), by epoch. */
  epochEndMasks: { cycle: number; masks: Uint8Array[] }[] = [];
  /** Each cycle's final mask, by cycle number. */
  finalMasks = new Map<number, Uint8Array[]>();
  checkpoints: Checkpoint[] = [];

  async afterStep(ctx: StepContext): Promise<void> {
    this.layers = ctx.layers;
    const masks = await Promise.all(ctx.layers.map(async (l) => Uint8Array.from((await l.readMask())!)));
    this.steps.push({
      globalStep: ctx.globalStep,
      cycle: -1,
      lr: Number.NaN,
      masks,
      alive: copyAll(ctx.layers.map((l) => l.alive)),
    });
  }

  /** Run `config` with this recorder plugged in after the config's own plug-ins. */
  run(config: RunConfig, splits: DataSplits, resumeFrom: Checkpoint | null = null): Promise<ProcedureResult> {
    return runProcedure(config, splits, {
      plugins: [this],
      resumeFrom,
      onEvent: (e) => {
        if (e.type === "step") {
          const last = this.steps[this.steps.length - 1];
          last.cycle = e.cycle;
          last.lr = e.lr;
          return;
        }
        const m = e.metrics;
        const masks = this.layers.map((l) => Uint8Array.from(l.mask!));
        this.epochEndMasks.push({ cycle: m.cycle, masks });
        if (m.epochInCycle === (config.method === "iep" ? config.iep.epochsPerCycle : config.epochs)) this.finalMasks.set(m.cycle, masks);
      },
      saveCheckpoint: (c) => this.checkpoints.push(structuredClone(c)),
    });
  }

  stepsOf(cycle: number): StepRecord[] {
    return this.steps.filter((s) => s.cycle === cycle);
  }
}

export interface BoundaryRecord {
  nextCycle: number;
  /** Scores as the previous cycle left them (before pruning and rewinding). */
  before: Float32Array[];
  /** Scores the next cycle starts from. */
  after: Float32Array[];
  alive: (Uint8Array | null)[];
}

function scoresOf(layers: MaskedLayer[]): Float32Array[] {
  return layers.map((l) => Float32Array.from(l.scores!.dataSync() as Float32Array));
}

/**
 * Wraps the pruning and rewind registry entries a run uses so that each cycle boundary
 * leaves a record of the scores before and after it. Call the returned function to unwrap.
 */
export function probeBoundaries(config: RunConfig, out: BoundaryRecord[]): () => void {
  const pruning = (pruningStrategies as Record<string, PruningStrategy>)[config.iep.pruning];
  const rewind = (rewindStrategies as Record<string, RewindStrategy>)[config.iep.rewind];
  const originalEnd = pruning.atCycleEnd;
  const originalStart = rewind.atCycleStart;
  let before: Float32Array[] = [];
  pruning.atCycleEnd = async (layers: MaskedLayer[]) => {
    before = scoresOf(layers);
    await originalEnd.call(pruning, layers);
  };
  rewind.atCycleStart = (ctx: RewindContext) => {
    const decision = originalStart.call(rewind, ctx);
    out.push({ nextCycle: ctx.nextCycle, before, after: scoresOf(ctx.layers), alive: copyAll(ctx.layers.map((l) => l.alive)) });
    return decision;
  };
  return () => {
    pruning.atCycleEnd = originalEnd;
    rewind.atCycleStart = originalStart;
  };
}

export function sameArrays(a: ArrayLike<number>[], b: ArrayLike<number>[]): boolean {
  if (a.length !== b.length) return false;
  for (let l = 0; l < a.length; l++) {
    if (a[l].length !== b[l].length) return false;
    for (let i = 0; i < a[l].length; i++) if (!Object.is(a[l][i], b[l][i])) return false;
  }
  return true;
}

/** Tensors alive now; tests compare it before and after to catch leaks. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/** A dense supermask layer (kaiming-uniform scores) for the weight plug-ins' tests (IteRand, sign flips). */
export function pluginLayer(
  name: string,
  weightInit: WeightInitName,
  inFeatures: number,
  outFeatures: number,
  keepFraction: number,
  seed: number,
): MaskedLayer {
  return new MaskedLayer(
    name,
    { kind: "dense", inFeatures, outFeatures },
    { mode: "supermask", weightInit, scoreInit: "kaiming-uniform", keepFraction, rng: new Rng(seed) },
  );
}

/** A copy of a layer's current weights. */
export const weightsOf = (l: MaskedLayer) => Float32Array.from(l.weight.dataSync() as Float32Array);

/**
 * Two kaiming-normal layers (200→100, 100→50, keep 0.3) with a quarter of a's edges removed by
 * hard pruning, and the masks at keep 0.3 that decide which weights a plug-in may touch. The
 * layers' own masks are zeroed: a stale mask (the one the step trained with) must not decide.
 */
export async function prunedLayerPair(): Promise<{ layers: MaskedLayer[]; masks: Uint8Array[] }> {
  const layers = [pluginLayer("a", "kaiming-normal", 200, 100, 0.3, 1), pluginLayer("b", "kaiming-normal", 100, 50, 0.3, 2)];
  const alive = new Uint8Array(layers[0].numel);
  const r = new Rng(9);
  for (let i = 0; i < alive.length; i++) alive[i] = r.next() < 0.75 ? 1 : 0;
  layers[0].alive = alive;
  const masks = await currentMasks(layers, 0.3, false);
  layers.forEach((l) => (l.mask = new Uint8Array(l.numel)));
  return { layers, masks };
}

/** A fresh 50→40 layer's weights (keep 0.2) after `plugin` ran once at `step` with `seed`. */
export async function weightsAfterOneStep(plugin: TrainingPlugin, step: number, seed: number): Promise<Float32Array> {
  const l = pluginLayer("d", "kaiming-normal", 50, 40, 0.2, 5);
  await plugin.afterStep({ globalStep: step, layers: [l], keepFraction: 0.2, seed });
  const w = weightsOf(l);
  l.dispose();
  return w;
}

/** Every layer's weights in a recorded run's checkpoint at the end of `epoch`. */
export function checkpointWeights(rec: Recorder, epoch: number): Float32Array[] {
  return rec.layers.map((l) => rec.checkpoints[epoch].variables[`${l.name}.weight`]);
}
