/**
 * What a model is to the rest of the workbench, and what it is given to build itself.
 */
import type * as tf from "@tensorflow/tfjs";
import { SltError } from "../errors";
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
  /**
   * The widths (units or channels) that `widthMultiplier` scales, as the model passes them to
   * scaledWidth: lets a config be checked before the model is built.
   */
  hiddenWidths: readonly number[];
  build(ctx: ModelContext): Model;
}

/** A scaled width: round(base × multiplier). */
function scaled(base: number, widthMultiplier: number): number {
  return Math.round(base * widthMultiplier);
}

/**
 * Why `widthMultiplier` cannot be used with this model, or null: a width that rounds to 0
 * units would leave a layer with nothing in it (the network outputs a constant).
 */
export function widthMultiplierProblem(
  spec: ModelSpec,
  widthMultiplier: number,
): { message: string; fix: string; leastMultiplier: number } | null {
  const empty = spec.hiddenWidths.filter((w) => scaled(w, widthMultiplier) < 1);
  if (empty.length === 0) return null;
  const narrowest = Math.min(...spec.hiddenWidths);
  // The smallest multiplier that gives the narrowest layer one unit, rounded up to 2 significant digits.
  const exact = 0.5 / narrowest;
  const unit = 10 ** (Math.floor(Math.log10(exact)) - 1);
  let shown = Number((Math.ceil(exact / unit - 1e-9) * unit).toPrecision(2));
  while (scaled(narrowest, shown) < 1) shown = Number((shown + unit).toPrecision(2));
  const list = [...new Set(empty)].sort((a, b) => b - a);
  return {
    message:
      `leaves ${spec.name}'s layer${list.length > 1 ? "s" : ""} of width ${list.join(", ")} with 0 units ` +
      `(round(${narrowest} × ${widthMultiplier}) = ${scaled(narrowest, widthMultiplier)}), so the network would output a constant`,
    fix: `Use widthMultiplier ≥ ${shown} (one unit in the narrowest layer; much more for a useful network).`,
    leastMultiplier: shown,
  };
}

/** Width after the multiplier. A width of 0 is refused (widthMultiplierProblem checks configs before this). */
export function scaledWidth(base: number, ctx: ModelContext): number {
  const width = scaled(base, ctx.widthMultiplier);
  if (width < 1)
    throw new SltError(
      "config",
      `"widthMultiplier" = ${ctx.widthMultiplier} leaves a layer of ${base} units with 0 units. Use a larger widthMultiplier.`,
      "widthMultiplier",
    );
  return width;
}
