/**
 * What a model is to the rest of the workbench, and what it is given to build itself.
 */
import type * as tf from "@tensorflow/tfjs";
import type { LayerShape, MaskedLayer } from "../supermask/layers";

/** Where a layer sits, so that "leave the first/last layer dense" needs no model code. */
export type LayerRole = "first" | "hidden" | "last";

export interface ModelContext {
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Multiplies every hidden width (EP's width study); 1 = the paper's sizes. */
  widthMultiplier: number;
  /** Builds a dense or conv layer with the run's mode, inits and kept fraction. */
  layer(name: string, shape: LayerShape, role: LayerRole): MaskedLayer;
}

export interface Model {
  readonly name: string;
  /** Every dense/conv layer, prunable or not, in forward order. */
  readonly layers: MaskedLayer[];
  /** Logits [batch, classes]. `training` switches batch norm to batch statistics. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Non-trainable state other than weights (batch-norm running statistics), for checkpoints. */
  buffers(): Record<string, tf.Variable>;
  dispose(): void;
}

export interface ModelSpec {
  name: string;
  /** One line for `--help` and docs. */
  description: string;
  build(ctx: ModelContext): Model;
}

/** Width after the multiplier, at least 1. */
export function scaledWidth(base: number, ctx: ModelContext): number {
  return Math.max(1, Math.round(base * ctx.widthMultiplier));
}
