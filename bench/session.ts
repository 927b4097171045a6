/**
 * One Edge-Popup training set-up for the benchmark, driven through the workbench's own
 * Trainer, Masker, Optimizer and SelectionTracker, so that what is timed is the step a
 * real `slt run` takes (mask refresh, dying-ratio record, forward, backward, SGD).
 *
 * Settings match bench/pytorch_ep.py: MNIST, every layer a supermask layer, signed-constant
 * weights, kaiming-uniform scores, SGD lr 0.1, momentum 0.9, weight decay 5e-4.
 */
import * as tf from "@tensorflow/tfjs";
import type { DataSplits, ImageSet } from "../src/data/types";
import { SelectionTracker } from "../src/metrics/dying";
import { buildModel } from "../src/models/factory";
import type { Model } from "../src/models/types";
import { Masker } from "../src/supermask/masker";
import { Optimizer } from "../src/train/optimizer";
import { Trainer } from "../src/train/trainer";
import type { LayerRun } from "./flops";

export const BENCH_MODELS = ["lenet300", "conv2", "conv4"] as const;
export type BenchModel = (typeof BENCH_MODELS)[number];
/** The GPU bench's models (CIFAR-shaped input). */
export const GPU_BENCH_MODELS = ["conv4", "resnet18"] as const;
export type GpuBenchModel = (typeof GPU_BENCH_MODELS)[number];

export interface SessionOptions {
  batch: number;
  keep: number;
  seed: number;
  /** Scales every hidden width (the GPU bench's --quick uses tiny models); default 1. */
  widthMultiplier?: number;
}

export interface KernelTime {
  name: string;
  /** Summed kernel time in one step, ms. */
  ms: number;
  calls: number;
}

export interface StepProfile {
  stepMs: number;
  /** Kernels by summed time, largest first. */
  kernels: KernelTime[];
  /** Step time outside tfjs kernels (JS top-k, tensor creation, tfjs bookkeeping), ms. */
  outsideKernelsMs: number;
}

export interface BookkeepingCost {
  /** Masker.refresh: read |S|, exact top-k per layer, hand the masks to the layers, ms. */
  refreshMs: number;
  /** SelectionTracker.record on the run and the cycle tracker (what procedure.ts does), ms. */
  recordMs: number;
}

export class StepSession {
  readonly model: Model;
  private readonly masker: Masker;
  private readonly trainer: Trainer;
  private readonly trackers: SelectionTracker[];
  private readonly optimizer: Optimizer;
  private readonly full: ImageSet;
  /** A one-batch view into the full training set, moved forward every step. */
  private readonly window: ImageSet;
  private readonly batch: number;
  private stepIndex = 0;

  constructor(modelName: BenchModel | GpuBenchModel, data: DataSplits, opts: SessionOptions) {
    this.batch = opts.batch;
    this.full = data.train;
    if (this.full.count < opts.batch) throw new Error(`bench: need at least ${opts.batch} training images, have ${this.full.count}`);
    this.window = { ...this.full, count: opts.batch, pixels: this.full.pixels.subarray(0, 0), labels: this.full.labels.subarray(0, 0) };
    this.moveWindow();
    const { train } = data;
    this.model = buildModel(
      {
        model: modelName,
        widthMultiplier: opts.widthMultiplier ?? 1,
        method: "ep",
        keepFraction: opts.keep,
        weightInit: "signed-constant",
        scoreInit: "kaiming-uniform",
        firstLayerDense: false,
        lastLayerDense: false,
        seed: opts.seed,
      },
      [train.height, train.width, train.channels],
      data.numClasses,
    );
    this.masker = new Masker(this.model.layers, { globalTopK: false, keepFraction: opts.keep });
    const variables = this.model.layers.flatMap((l) => l.trainableVariables());
    this.optimizer = new Optimizer(variables, { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    this.trainer = new Trainer(
      this.model,
      { ...data, train: this.window },
      {
        batchSize: opts.batch,
        evalBatchSize: opts.batch,
        labelSmoothing: 0,
        augment: false,
        seed: opts.seed,
        dataOrderSeed: opts.seed,
        onDevice: this.masker.onDevice,
      },
      this.optimizer,
      this.masker,
      [],
      variables,
    );
    const layerInfo = this.masker.layers.map((l) => ({ name: l.name, numel: l.numel }));
    this.trackers = [new SelectionTracker(layerInfo), new SelectionTracker(layerInfo)];
  }

  /** Point the one-batch window at the next batch of the full set (wrapping round). */
  private moveWindow(): void {
    const batches = Math.floor(this.full.count / this.batch);
    const b = this.stepIndex % batches;
    const size = this.full.height * this.full.width * this.full.channels;
    this.window.pixels = this.full.pixels.subarray(b * this.batch * size, (b + 1) * this.batch * size);
    this.window.labels = this.full.labels.subarray(b * this.batch, (b + 1) * this.batch);
  }

  /** One training step (a one-batch epoch of the real Trainer). Returns its wall time, ms. */
  async step(): Promise<number> {
    this.moveWindow();
    const t0 = performance.now();
    await this.trainer.trainEpoch(
      this.stepIndex,
      () => 0.1,
      (masks) => {
        for (const t of this.trackers) t.record(masks);
      },
    );
    const ms = performance.now() - t0;
    this.stepIndex++;
    return ms;
  }

  /** One step under tf.profile, kernel times summed by kernel name. */
  async profileStep(): Promise<StepProfile> {
    let stepMs = 0;
    const info = await tf.profile(async () => {
      stepMs = await this.step();
    });
    const byName = new Map<string, KernelTime>();
    const backend = tf.getBackend();
    for (const k of info.kernels) {
      // customGrad's forward runs as an unregistered "kernel" that encloses real ones.
      if (!tf.getKernel(k.name, backend)) continue;
      const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      const e = byName.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      byName.set(k.name, e);
    }
    const kernels = [...byName.values()].sort((a, b) => b.ms - a.ms);
    const inKernels = kernels.reduce((s, k) => s + k.ms, 0);
    return { stepMs, kernels, outsideKernelsMs: Math.max(0, stepMs - inKernels) };
  }

  /** Mean cost of the per-step mask refresh and of the dying-ratio record, over `reps` calls. */
  bookkeeping(reps: number): BookkeepingCost {
    let refresh = 0;
    let record = 0;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const masks = this.masker.refresh();
      const t1 = performance.now();
      // The device path records on the device, inside refresh.
      if (masks) for (const t of this.trackers) t.record(masks);
      record += performance.now() - t1;
      refresh += t1 - t0;
    }
    return { refreshMs: refresh / reps, recordMs: record / reps };
  }

  /**
   * Every dense/conv layer with the output size it has in a forward pass of this session's
   * input shape (recorded from one forward pass of one image, not derived by hand).
   */
  layerRuns(): LayerRun[] {
    if (this.stepIndex === 0) this.masker.refresh(); // the forward pass needs masks
    const outputs = new Map<string, number[]>();
    const restore = this.model.layers.map((layer) => {
      const apply = layer.apply;
      layer.apply = (x: tf.Tensor) => {
        const y = apply.call(layer, x);
        outputs.set(layer.name, y.shape);
        return y;
      };
      return () => {
        layer.apply = apply;
      };
    });
    try {
      const { height, width, channels } = this.full;
      tf.tidy(() => this.model.forward(tf.zeros([1, height, width, channels]) as tf.Tensor4D, false));
    } finally {
      for (const r of restore) r();
    }
    return this.model.layers.map((l) => {
      const out = outputs.get(l.name);
      if (!out) throw new Error(`bench: layer ${l.name} did not run in the forward pass`);
      if (l.shape.kind === "dense")
        return { name: l.name, kind: "dense", inputs: l.shape.inFeatures, outputs: l.shape.outFeatures, kernel: 1, outputPixels: 1 };
      return {
        name: l.name,
        kind: "conv2d",
        inputs: l.shape.inChannels,
        outputs: l.shape.outChannels,
        kernel: l.shape.kernel,
        outputPixels: out[1] * out[2],
      };
    });
  }

  /** Images in one step. */
  get batchSize(): number {
    return this.batch;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
