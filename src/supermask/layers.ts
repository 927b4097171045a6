/**
 * The two layers every model is built from: dense and conv2d, each either a
 * *supermask* layer (frozen random weights W, learnable scores S, forward with W ⊙ M)
 * or an ordinary *weight-trained* layer (the baseline, and EP's optional dense
 * first/last layer). A layer gets everything it needs as constructor arguments.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { ConvGeometry, conv2d, dense } from "../engine/ops";
import { ScoreInitName, WeightInitName, scoreInits, weightInits } from "./init";

export type LayerMode = "supermask" | "weights";
export type LayerKind = "dense" | "conv2d";

export interface LayerInit {
  mode: LayerMode;
  weightInit: WeightInitName;
  scoreInit: ScoreInitName;
  /** The layer's kept fraction (used by the scaled inits and as the mask's target). */
  keepFraction: number;
  rng: Rng;
}

export interface DenseShape {
  kind: "dense";
  inFeatures: number;
  outFeatures: number;
}

export interface ConvShape {
  kind: "conv2d";
  kernel: number;
  inChannels: number;
  outChannels: number;
  geometry: ConvGeometry;
}

export type LayerShape = DenseShape | ConvShape;

/**
 * The straight-through estimator of Edge-Popup: the forward value is W ⊙ M with the
 * mask M taken on |S| outside autodiff; since M depends on |S|, the gradient reaching S
 * is dL/d(W⊙M) ⊙ W ⊙ sign(S), for every score, selected or not.
 */
export function maskedWeight(weight: tf.Tensor, mask: tf.Tensor, scores: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([s]);
    return {
      value: tf.mul(weight, mask),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.mul(dy, weight), tf.sign(saved[0]))],
    };
  });
  return f(scores);
}

export class MaskedLayer {
  readonly name: string;
  readonly shape: LayerShape;
  readonly mode: LayerMode;
  /** Weight tensor shape: [in, out] for dense, [k, k, in, out] for conv2d. */
  readonly weightShape: number[];
  readonly numel: number;
  readonly fanIn: number;
  /** Frozen in supermask mode (trainable=false), trained in weights mode. */
  readonly weight: tf.Variable;
  /** Learnable scores; null in weights mode. */
  readonly scores: tf.Variable | null;
  /** The kept fraction the mask is taken at; iEP changes it between cycles. */
  keepFraction: number;
  /** Edges still available (hard pruning removes the rest for good); null = all. */
  alive: Uint8Array | null = null;
  /** The current mask, as set by the Masker before each step. */
  mask: Uint8Array | null = null;
  private maskTensor: tf.Tensor | null = null;

  constructor(name: string, shape: LayerShape, init: LayerInit) {
    this.name = name;
    this.shape = shape;
    this.mode = init.mode;
    this.keepFraction = init.keepFraction;
    if (shape.kind === "dense") {
      this.weightShape = [shape.inFeatures, shape.outFeatures];
      this.fanIn = shape.inFeatures;
    } else {
      this.weightShape = [shape.kernel, shape.kernel, shape.inChannels, shape.outChannels];
      this.fanIn = shape.kernel * shape.kernel * shape.inChannels;
    }
    this.numel = this.weightShape.reduce((a, b) => a * b, 1);
    const ctx = { fanIn: this.fanIn, keepFraction: init.keepFraction, rng: init.rng };
    const w = weightInits[init.weightInit](this.numel, ctx);
    this.weight = tf.variable(tf.tensor(w, this.weightShape), init.mode === "weights");
    if (init.mode === "supermask") {
      const s = scoreInits[init.scoreInit](this.numel, ctx);
      this.scores = tf.variable(tf.tensor(s, this.weightShape), true);
    } else {
      this.scores = null;
    }
  }

  get prunable(): boolean {
    return this.mode === "supermask";
  }

  /** Variables the optimiser updates: the scores of a supermask layer, else the weights. */
  trainableVariables(): tf.Variable[] {
    return this.scores ? [this.scores] : [this.weight];
  }

  setMask(mask: Uint8Array): void {
    this.mask = mask;
    this.maskTensor?.dispose();
    this.maskTensor = tf.tensor(Float32Array.from(mask), this.weightShape);
  }

  effectiveWeight(): tf.Tensor {
    if (!this.scores) return this.weight;
    if (!this.maskTensor) throw new Error(`layer ${this.name}: no mask set before the forward pass (call Masker.refresh())`);
    return maskedWeight(this.weight, this.maskTensor, this.scores);
  }

  apply(x: tf.Tensor): tf.Tensor {
    const w = this.effectiveWeight();
    if (this.shape.kind === "dense") return dense(x as tf.Tensor2D, w as tf.Tensor2D);
    return conv2d(x as tf.Tensor4D, w as tf.Tensor4D, this.shape.geometry);
  }

  dispose(): void {
    this.weight.dispose();
    this.scores?.dispose();
    this.maskTensor?.dispose();
    this.maskTensor = null;
  }
}
