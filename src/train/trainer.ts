/**
 * One epoch of training and one evaluation pass, for any model and any training mode.
 * The caller (src/train/procedure.ts) decides the learning rate, the cycles and what to do
 * with the masks; this file only runs steps.
 */
import * as tf from "@tensorflow/tfjs";
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
}

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
  loss: number;
  accuracy: number;
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

export class Trainer {
  readonly model: Model;
  readonly data: DataSplits;
  readonly settings: TrainerSettings;
  readonly optimizer: Optimizer;
  readonly masker: Masker | null;
  readonly plugins: TrainingPlugin[];
  private readonly variables: tf.Variable[];
  globalStep = 0;

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
    for (let s = 0; s < steps; s++) {
      const start = s * batchSize;
      const end = Math.min(train.count, start + batchSize);
      lr = lrAt(s / steps);
      if (this.masker) onMasks(this.masker.refresh());
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
        loss = value.dataSync()[0];
        batchCorrect = (correctT as unknown as tf.Tensor).dataSync()[0];
        (correctT as unknown as tf.Tensor).dispose();
        if (!Number.isFinite(loss)) {
          throw new SltError(
            "training",
            `Training diverged: the loss became ${loss} at epoch ${epochIndex + 1}, step ${s + 1} (learning rate ${lr.toPrecision(3)}). ` +
              `Lower "lr" (e.g. to ${(lr / 10).toPrecision(2)}), add warm-up ("warmupEpochs"), or check the data. No result was written for this run.`,
            "lr",
          );
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
      lossSum += loss * n;
      correct += batchCorrect;
      seen += n;
      onStep?.({ step: s + 1, stepsPerEpoch: steps, loss, accuracy: batchCorrect / n, lr });
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
      onMasks?.(masks);
    }
    const order = new Int32Array(set.count);
    for (let i = 0; i < set.count; i++) order[i] = i;
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
}
