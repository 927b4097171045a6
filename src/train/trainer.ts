/**
 * One epoch of training and one evaluation pass, for any model and any training mode.
 * The caller (src/train/procedure.ts) decides the learning rate, the cycles and what to do
 * with the masks; this file only runs steps.
 */
import * as tf from "@tensorflow/tfjs";
import { onGpuBackend } from "../engine/backend";
import { Rng } from "../engine/rng";
import { SltError } from "../errors";
import { epochOrder, makeBatch } from "../data/batches";
import type { DataSplits, ImageSet } from "../data/types";
import type { Model } from "../models/types";
import type { MaskedLayer } from "../supermask/layers";
import type { Masker } from "../supermask/masker";
import type { Optimizer } from "./optimizer";

export interface TrainerSettings {
  batchSize: number;
  evalBatchSize: number;
  labelSmoothing: number;
  augment: boolean;
  /** The run's seed (plug-ins draw from it). */
  seed: number;
  /** Seed of the epoch order and the augmentation: the config's dataOrderSeed, or seed. */
  dataOrderSeed: number;
  /**
   * Keep each step's loss and correct count on the device and read them once per epoch
   * (and for progress at most every `progressReadMs`): GPU backends, where a read per step
   * would make every step wait for the device. Off: read per step, summed in JavaScript.
   * Default: on GPU backends (as the Masker's deviceMasks "auto").
   */
  onDevice?: boolean;
  /** Device path: least time between two progress reads, ms (default PROGRESS_READ_MS; Infinity: none). */
  progressReadMs?: number;
}

/** Device path: least time between two reads of the loss for progress displays, ms. */
export const PROGRESS_READ_MS = 1000;

/** What a plug-in (e.g. IteRand) sees after every optimiser step. */
export interface StepContext {
  /** Optimiser steps taken so far in the whole run, this one included. */
  globalStep: number;
  /** The prunable layers, with `mask` holding the mask this step trained with. */
  layers: MaskedLayer[];
  /** The kept fraction the masks are taken at (the Masker's, this cycle's). */
  keepFraction: number;
  seed: number;
}

/** A training variant that hooks into the step loop without changing it. */
export interface TrainingPlugin {
  name: string;
  /** After each optimiser step; the loop awaits it (a plug-in that reads values uses `await t.data()`). */
  afterStep(ctx: StepContext): void | Promise<void>;
}

export interface StepProgress {
  step: number;
  stepsPerEpoch: number;
  /**
   * The step's loss and batch accuracy. On the device path (TrainerSettings.onDevice) those
   * of the last step read back for progress (at most every progressReadMs), null before the
   * first read of the run.
   */
  loss: number | null;
  accuracy: number | null;
  lr: number;
}

export interface EpochTotals {
  loss: number;
  accuracy: number;
  steps: number;
  lastLr: number;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
}

/** The diverged-loss error: one clear message naming the epoch, step and learning rate. */
function divergedError(loss: number, epochIndex: number, step: number, lr: number): SltError {
  return new SltError(
    "training",
    `Training diverged: the loss became ${loss} at epoch ${epochIndex + 1}, step ${step} (learning rate ${lr.toPrecision(3)}). ` +
      `Lower "lr" (e.g. to ${(lr / 10).toPrecision(2)}), add warm-up ("warmupEpochs"), or check the data. No result was written for this run.`,
    "lr",
  );
}

/**
 * An epoch's loss sum, correct count and first diverged step, kept on the device (the
 * device path): each step adds to them with tensor ops; nothing is read until `read`.
 */
class DeviceTotals {
  /** Σ loss × batch size, Σ correct, the first step (1-based) whose loss was not finite (0 = none). */
  private lossSum: tf.Scalar = tf.keep(tf.scalar(0));
  private correct: tf.Scalar = tf.keep(tf.scalar(0));
  private diverged: tf.Scalar = tf.keep(tf.scalar(0));
  /** The loss of that step (NaN or ±Infinity), for the error message. */
  private divergedLoss: tf.Scalar = tf.keep(tf.scalar(0));
  /** The last step's loss and correct count (for progress reads). */
  private lastLoss: tf.Scalar = tf.keep(tf.scalar(Number.NaN));
  private lastCorrect: tf.Scalar = tf.keep(tf.scalar(Number.NaN));

  /** Add one step (call inside the step's tidy). */
  add(loss: tf.Scalar, correct: tf.Scalar, n: number, step: number): void {
    const firstDiverged = tf.logicalAnd(tf.equal(this.diverged, 0), tf.logicalNot(tf.isFinite(loss)));
    const next = {
      lossSum: tf.add(this.lossSum, tf.mul(loss, n)) as tf.Scalar,
      correct: tf.add(this.correct, correct) as tf.Scalar,
      diverged: tf.where(firstDiverged, tf.scalar(step), this.diverged) as tf.Scalar,
      divergedLoss: tf.where(firstDiverged, loss, this.divergedLoss) as tf.Scalar,
      lastLoss: tf.clone(loss) as tf.Scalar,
      lastCorrect: tf.clone(correct) as tf.Scalar,
    };
    for (const [k, t] of Object.entries(next) as [keyof typeof next, tf.Scalar][]) {
      this[k].dispose();
      this[k] = tf.keep(t);
    }
  }

  /** The last step's loss, correct count and the first diverged step so far, as copies to read (the caller disposes them). */
  progressCopies(): tf.Tensor[] {
    return [tf.clone(this.lastLoss), tf.clone(this.lastCorrect), tf.clone(this.diverged)];
  }

  /** Read the sums: the device path's one read per epoch. */
  async read(): Promise<{ lossSum: number; correct: number; diverged: number; divergedLoss: number }> {
    const [l, c, d, dl] = await Promise.all([this.lossSum, this.correct, this.diverged, this.divergedLoss].map((t) => t.data()));
    return { lossSum: l[0], correct: c[0], diverged: d[0], divergedLoss: dl[0] };
  }

  dispose(): void {
    for (const t of [this.lossSum, this.correct, this.diverged, this.divergedLoss, this.lastLoss, this.lastCorrect]) t.dispose();
  }
}

/** Reads of the last step's loss for progress displays on the device path: at most one in flight, at most every `intervalMs`. */
class ProgressReads {
  private readonly intervalMs: number;
  private startedAt: number | null = null;
  private inFlight = false;
  /** The last values read: loss, batch accuracy, and the first diverged step then known (0 = none). */
  loss: number | null = null;
  accuracy: number | null = null;
  diverged = 0;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Start a read of `totals`' last step (of `n` images) when one is due; never waits for it. */
  maybeStart(totals: DeviceTotals, n: number): void {
    const now = performance.now();
    if (this.inFlight || !Number.isFinite(this.intervalMs)) return;
    if (this.startedAt !== null && now - this.startedAt < this.intervalMs) return;
    this.startedAt = now;
    this.inFlight = true;
    const copies = totals.progressCopies();
    Promise.all(copies.map((t) => t.data()))
      .then(([l, c, d]) => {
        this.loss = l[0];
        this.accuracy = c[0] / n;
        this.diverged = d[0];
      })
      .catch(() => undefined) // a failed progress read only leaves the display stale; the epoch's read reports errors
      .finally(() => {
        for (const t of copies) t.dispose();
        this.inFlight = false;
      });
  }
}

/** Lets pending device reads and timers run between two steps of the device path. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Trainer {
  readonly model: Model;
  readonly data: DataSplits;
  readonly settings: TrainerSettings;
  readonly optimizer: Optimizer;
  readonly masker: Masker | null;
  readonly plugins: TrainingPlugin[];
  private readonly variables: tf.Variable[];
  globalStep = 0;
  private progress: ProgressReads | null = null;

  constructor(
    model: Model,
    data: DataSplits,
    settings: TrainerSettings,
    optimizer: Optimizer,
    masker: Masker | null,
    plugins: TrainingPlugin[],
    variables: tf.Variable[],
  ) {
    this.model = model;
    this.data = data;
    this.settings = settings;
    this.optimizer = optimizer;
    this.masker = masker;
    this.plugins = plugins;
    this.variables = variables;
  }

  /** Whether the step's accounting stays on the device (TrainerSettings.onDevice). */
  get onDevice(): boolean {
    return this.settings.onDevice ?? onGpuBackend();
  }

  stepsPerEpoch(): number {
    return Math.ceil(this.data.train.count / this.settings.batchSize);
  }

  /**
   * Train one epoch. `epochIndex` (0-based over the whole run) seeds the data order and the
   * augmentation, so a resumed run sees exactly the batches an uninterrupted one would.
   */
  async trainEpoch(
    epochIndex: number,
    lrAt: (fractionOfEpoch: number) => number,
    onMasks: (masks: Uint8Array[]) => void,
    onStep?: (p: StepProgress) => void,
  ): Promise<EpochTotals> {
    const { train } = this.data;
    const { batchSize, labelSmoothing, seed, dataOrderSeed } = this.settings;
    const order = epochOrder(train.count, Rng.derive(dataOrderSeed, `order-${epochIndex}`));
    const augmentRng = Rng.derive(dataOrderSeed, `augment-${epochIndex}`);
    const steps = this.stepsPerEpoch();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let lr = lrAt(0);
    const device = this.onDevice ? new DeviceTotals() : null;
    const lrs: number[] = [];
    if (device && onStep) this.progress ??= new ProgressReads(this.settings.progressReadMs ?? PROGRESS_READ_MS);
    if (this.progress) this.progress.diverged = 0;
    try {
      for (let s = 0; s < steps; s++) {
        const start = s * batchSize;
        const end = Math.min(train.count, start + batchSize);
        lr = lrAt(s / steps);
        lrs.push(lr);
        if (this.masker) {
          const masks = this.masker.refresh();
          if (masks) onMasks(masks);
        }
        const batch = makeBatch(train, order, start, end, {
          mean: this.data.mean,
          std: this.data.std,
          augment: this.settings.augment ? { padCrop: 4, flip: true } : undefined,
          rng: augmentRng,
        });
        const n = end - start;
        let loss = 0;
        let batchCorrect = 0;
        tf.tidy(() => {
          const xs = tf.tensor4d(batch.x, [n, train.height, train.width, train.channels]);
          const labels = tf.tensor1d(batch.y, "int32");
          const ys = tf.oneHot(labels, this.data.numClasses);
          let correctT: tf.Tensor | null = null;
          const { value, grads } = tf.variableGrads(() => {
            const logits = this.model.forward(xs, true);
            correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
            return tf.losses.softmaxCrossEntropy(ys, logits, undefined, labelSmoothing) as tf.Scalar;
          }, this.variables);
          const stepCorrect = correctT as unknown as tf.Scalar;
          if (device) {
            device.add(value, stepCorrect, n, s + 1);
            stepCorrect.dispose();
          } else {
            loss = value.dataSync()[0];
            batchCorrect = stepCorrect.dataSync()[0];
            stepCorrect.dispose();
            if (!Number.isFinite(loss)) throw divergedError(loss, epochIndex, s + 1, lr);
          }
          this.optimizer.apply(
            this.variables.map((v) => grads[v.name]),
            lr,
          );
        });
        this.globalStep++;
        if (this.plugins.length && this.masker) {
          const ctx: StepContext = {
            globalStep: this.globalStep,
            layers: this.masker.layers,
            keepFraction: this.masker.keepFraction,
            seed,
          };
          for (const p of this.plugins) await p.afterStep(ctx);
        }
        seen += n;
        if (device) {
          const progress = this.progress;
          if (progress) {
            // A divergence a progress read already saw ends the epoch now rather than at its end.
            if (progress.diverged > 0) break;
            progress.maybeStart(device, n);
            onStep?.({ step: s + 1, stepsPerEpoch: steps, loss: progress.loss, accuracy: progress.accuracy, lr });
          }
          await yieldToEventLoop();
          continue;
        }
        lossSum += loss * n;
        correct += batchCorrect;
        onStep?.({ step: s + 1, stepsPerEpoch: steps, loss, accuracy: batchCorrect / n, lr });
      }
      if (device) {
        const totals = await device.read();
        if (totals.diverged > 0) throw divergedError(totals.divergedLoss, epochIndex, totals.diverged, lrs[totals.diverged - 1]);
        return { loss: totals.lossSum / seen, accuracy: totals.correct / seen, steps, lastLr: lr };
      }
    } finally {
      device?.dispose();
    }
    return { loss: lossSum / seen, accuracy: correct / seen, steps, lastLr: lr };
  }

  /**
   * Loss and accuracy on a set, with the masks taken from the current scores (pass
   * refreshMasks = false when they were just taken and the scores have not changed).
   */
  async evaluate(set: ImageSet, onMasks?: (masks: Uint8Array[]) => void, refreshMasks = true): Promise<EvalResult> {
    if (this.masker && refreshMasks) {
      const masks = this.masker.refresh();
      if (masks) onMasks?.(masks);
    }
    const order = new Int32Array(set.count);
    for (let i = 0; i < set.count; i++) order[i] = i;
    if (this.onDevice) return this.evaluateOnDevice(set, order);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < set.count; start += this.settings.evalBatchSize) {
      const end = Math.min(set.count, start + this.settings.evalBatchSize);
      const batch = makeBatch(set, order, start, end, { mean: this.data.mean, std: this.data.std });
      const n = end - start;
      const [l, c] = tf.tidy(() => {
        const xs = tf.tensor4d(batch.x, [n, set.height, set.width, set.channels]);
        const labels = tf.tensor1d(batch.y, "int32");
        const logits = this.model.forward(xs, false);
        const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, this.data.numClasses), logits, undefined, 0, tf.Reduction.SUM);
        const corr = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32"));
        return [loss.dataSync()[0], corr.dataSync()[0]];
      });
      lossSum += l;
      correct += c;
    }
    return { loss: lossSum / set.count, accuracy: correct / set.count };
  }

  /** evaluate's device path: the sums stay on the device, read once at the end. */
  private async evaluateOnDevice(set: ImageSet, order: Int32Array): Promise<EvalResult> {
    let sums = tf.keep(tf.zeros([2]));
    try {
      for (let start = 0; start < set.count; start += this.settings.evalBatchSize) {
        const end = Math.min(set.count, start + this.settings.evalBatchSize);
        const batch = makeBatch(set, order, start, end, { mean: this.data.mean, std: this.data.std });
        const n = end - start;
        const next = tf.tidy(() => {
          const xs = tf.tensor4d(batch.x, [n, set.height, set.width, set.channels]);
          const labels = tf.tensor1d(batch.y, "int32");
          const logits = this.model.forward(xs, false);
          const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, this.data.numClasses), logits, undefined, 0, tf.Reduction.SUM);
          const corr = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32"));
          return tf.add(sums, tf.stack([loss, corr]));
        });
        sums.dispose();
        sums = tf.keep(next);
        await yieldToEventLoop();
      }
      const [lossSum, correct] = await sums.data();
      return { loss: lossSum / set.count, accuracy: correct / set.count };
    } finally {
      sums.dispose();
    }
  }
}
