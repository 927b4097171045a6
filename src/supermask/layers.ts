/**
 * The two layers every model is built from: dense and conv2d, each either a
 * *supermask* layer (frozen random weights W, learnable scores S, forward with W ⊙ M)
 * or an ordinary *weight-trained* layer (the baseline, and EP's optional dense
 * first/last layer). A layer gets everything it needs as constructor arguments.
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { type ConvGeometry, conv2d, dense, hasHeapAccess, heapBits, opWithGradient, ownsStorage } from "../engine/ops";
import { type ScoreInitName, type WeightInitName, scoreInits, weightInits } from "./init";
import { deviceFactors } from "./device-mask";
import { type ThresholdHint, fusedTopKMask } from "./mask";

export type LayerMode = "supermask" | "weights";
export type LayerKind = "dense" | "conv2d";

export interface LayerInit {
  mode: LayerMode;
  weightInit: WeightInitName;
  scoreInit: ScoreInitName;
  /** The kept fraction the scaled inits draw for (the run's final one; the Masker holds the current). */
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

/**
 * The same estimator with both of its factors precomputed: `value` = W ⊙ M (returned as is)
 * and `gradFactor` = W ⊙ sign(S) (the gradient is dy ⊙ gradFactor). One multiply per step
 * instead of three kernels (mul, mul, sign) plus the forward multiply. The output is a copy:
 * a same-shape reshape would share value's storage, and on wasm training then went wrong
 * (the shared storage is released with the step's tensors); the layer also rewrites its
 * factors in place only when nothing else holds their storage.
 */
export function maskedWeightFrom(value: tf.Tensor, gradFactor: tf.Tensor, scores: tf.Tensor): tf.Tensor {
  return opWithGradient(
    { s: scores },
    () => tf.clone(value),
    (dy) => ({ s: () => tf.mul(dy, gradFactor) }),
  );
}

const SIGN_BIT = -2147483648;

// Bit operations instead of branches on the signs, which are coin flips and so mispredicted.
// Both are exact, as the multiplications they replace.

/** out = W ⊙ M on the float bits: W's bits where M = 1 (−1 is all ones), +0 where M = 0. */
function maskedBits(w: Int32Array, mask: Uint8Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = w[i] & -mask[i];
}

/** out = W ⊙ sign(S) on the float bits: W's sign bit flipped by S's; 0 where S = ±0 and NaN where S is NaN, as tf.sign. */
function signFlippedBits(w: Int32Array, s: Int32Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) {
    const si = s[i];
    const magnitude = si & 0x7fffffff;
    // Zero and NaN scores are rare, so this branch is predictable.
    if (magnitude === 0 || magnitude > 0x7f800000) out[i] = magnitude === 0 ? 0 : 0x7fc00000;
    else out[i] = w[i] ^ (si & SIGN_BIT);
  }
}

/** W ⊙ M and W ⊙ sign(S) of one step, and the variable contents they were built from. */
interface StepFactors {
  value: tf.Tensor;
  gradFactor: tf.Tensor;
  weightId: object;
  scoresId: object;
}

/** A variable holding `values`; the temporary tensor it is made from is freed at once. */
function variableFrom(values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
  const t = tf.tensor(values, shape);
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
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
  /** How the weights were drawn (name and the kept fraction the scaled inits used), so they can be re-drawn (IteRand). */
  readonly weightInit: WeightInitName;
  readonly initKeepFraction: number;
  /** Edges still available (hard pruning removes the rest for good); null = all. */
  alive: Uint8Array | null = null;
  private maskArray: Uint8Array | null = null;
  /** The current mask as a device tensor, when the Masker took it on the device. */
  private deviceMask: tf.Tensor | null = null;
  private factors: StepFactors | null = null;
  /** A JS copy of the frozen weight, re-read only when the variable is reassigned (IteRand, resume). */
  private weightCopy: { id: object; values: Float32Array } | null = null;
  private reusedBuffers: [Float32Array, Float32Array] | null = null;

  constructor(name: string, shape: LayerShape, init: LayerInit) {
    this.name = name;
    this.shape = shape;
    this.mode = init.mode;
    this.weightInit = init.weightInit;
    this.initKeepFraction = init.keepFraction;
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
    this.weight = variableFrom(w, this.weightShape, init.mode === "weights");
    if (init.mode === "supermask") {
      const s = scoreInits[init.scoreInit](this.numel, ctx);
      this.scores = variableFrom(s, this.weightShape, true);
    } else {
      this.scores = null;
    }
  }

  /**
   * The current mask, as set by the Masker before each step. A device mask is read back on
   * first use, synchronously: not on a GPU backend in Node (use readMask there).
   */
  get mask(): Uint8Array | null {
    if (!this.maskArray && this.deviceMask) this.maskArray = Uint8Array.from(this.deviceMask.dataSync() as Uint8Array);
    return this.maskArray;
  }

  /** The current mask, a device mask read asynchronously (for code that may run on a GPU backend). */
  async readMask(): Promise<Uint8Array | null> {
    if (!this.maskArray && this.deviceMask) {
      const device = this.deviceMask;
      const values = Uint8Array.from((await device.data()) as Uint8Array);
      // Not replaced while the read was in flight.
      if (this.deviceMask === device) this.maskArray = values;
      return values;
    }
    return this.maskArray;
  }

  set mask(m: Uint8Array | null) {
    this.maskArray = m;
    this.deviceMask?.dispose();
    this.deviceMask = null;
  }

  /**
   * Set a mask taken on the device (a flat bool tensor, which the layer now owns) and build
   * W ⊙ M and W ⊙ sign(S) from it there: nothing is read back.
   */
  setDeviceMask(mask: tf.Tensor): void {
    const scores = this.scores;
    if (!scores) throw new Error(`layer ${this.name}: a weight-trained layer has no mask`);
    const kept = tf.keep(mask);
    this.mask = null;
    this.deviceMask = kept;
    const { value, gradFactor } = deviceFactors(this.weight, scores, mask);
    this.disposeFactors();
    this.factors = {
      value: tf.keep(value),
      gradFactor: tf.keep(gradFactor),
      weightId: this.weight.dataId as object,
      scoresId: scores.dataId as object,
    };
  }

  get prunable(): boolean {
    return this.mode === "supermask";
  }

  /** Variables the optimiser updates: the scores of a supermask layer, else the weights. */
  trainableVariables(): tf.Variable[] {
    return this.scores ? [this.scores] : [this.weight];
  }

  /**
   * Set the mask for the next forward pass. `scoreValues` are the scores' current values
   * when the caller has them at hand (the Masker does), saving a read.
   */
  setMask(mask: Uint8Array, scoreValues?: Float32Array): void {
    this.mask = mask;
    if (this.scores) this.buildFactors(scoreValues);
  }

  /**
   * Take the mask as the k largest |S| (among alive edges) and build W ⊙ M and W ⊙ sign(S),
   * in one pass over the scores (fusedTopKMask), into `mask`. On the wasm backend the scores
   * are read and the two factors written in the backend's own memory: no copies.
   */
  takeTopK(k: number, hint: ThresholdHint, mask: Uint8Array): void {
    const scores = this.scores;
    if (!scores) throw new Error(`layer ${this.name}: a weight-trained layer has no mask`);
    const n = this.numel;
    const w = this.weightValues();
    const weightBits = new Int32Array(w.buffer, w.byteOffset, n);
    this.mask = mask;
    const f = this.factors;
    if (hasHeapAccess()) {
      // Overwrite last step's factors in place when nothing else holds them; else fresh ones.
      if (!f || !ownsStorage(f.value) || !ownsStorage(f.gradFactor)) {
        this.disposeFactors();
        this.factors = {
          value: tf.keep(tf.zeros(this.weightShape)),
          gradFactor: tf.keep(tf.zeros(this.weightShape)),
          weightId: this.weight.dataId as object,
          scoresId: scores.dataId as object,
        };
      }
      const factors = this.factors!;
      // Views last: no tensor is allocated between taking them and the pass.
      const out = { mask, maskedWeight: heapBits(factors.value)!, signedWeight: heapBits(factors.gradFactor)! };
      fusedTopKMask(heapBits(scores)!, weightBits, k, this.alive, out, hint);
      factors.weightId = this.weight.dataId as object;
      factors.scoresId = scores.dataId as object;
      return;
    }
    const s = scores.dataSync() as Float32Array;
    const [value, gradFactor] = this.factorBuffers(n);
    const out = { mask, maskedWeight: new Int32Array(value.buffer), signedWeight: new Int32Array(gradFactor.buffer) };
    fusedTopKMask(new Int32Array(s.buffer, s.byteOffset, n), weightBits, k, this.alive, out, hint);
    this.uploadFactors(value, gradFactor, scores);
  }

  private weightValues(): Float32Array {
    const id = this.weight.dataId as object;
    if (!this.weightCopy || this.weightCopy.id !== id) this.weightCopy = { id, values: this.weight.dataSync() as Float32Array };
    return this.weightCopy.values;
  }

  /** W ⊙ M and W ⊙ sign(S) in one JS pass, uploaded as two tensors (kept out of any tidy). */
  private buildFactors(scoreValues?: Float32Array): void {
    const scores = this.scores!;
    const mask = this.mask!;
    const w = this.weightValues();
    const s = scoreValues ?? (scores.dataSync() as Float32Array);
    const n = this.numel;
    const [value, gradFactor] = this.factorBuffers(n);
    const w32 = new Int32Array(w.buffer, w.byteOffset, n);
    maskedBits(w32, mask, new Int32Array(value.buffer, value.byteOffset, n));
    signFlippedBits(w32, new Int32Array(s.buffer, s.byteOffset, n), new Int32Array(gradFactor.buffer, gradFactor.byteOffset, n));
    this.uploadFactors(value, gradFactor, scores);
  }

  /** Replace the factors by tensors of these values, as of the current weight and scores. */
  private uploadFactors(value: Float32Array, gradFactor: Float32Array, scores: tf.Variable): void {
    this.disposeFactors();
    this.factors = {
      value: tf.keep(tf.tensor(value, this.weightShape)),
      gradFactor: tf.keep(tf.tensor(gradFactor, this.weightShape)),
      weightId: this.weight.dataId as object,
      scoresId: scores.dataId as object,
    };
  }

  /**
   * Arrays to build the factors in. The wasm backend copies a new tensor's values into its
   * own heap, so one pair is reused (fresh 1 MB arrays cost more in page faults than the
   * pass that fills them); other backends (cpu) keep the given array as storage: fresh ones.
   */
  private factorBuffers(n: number): [Float32Array, Float32Array] {
    if (tf.getBackend() !== "wasm") return [new Float32Array(n), new Float32Array(n)];
    if (!this.reusedBuffers) this.reusedBuffers = [new Float32Array(n), new Float32Array(n)];
    return this.reusedBuffers;
  }

  private disposeFactors(): void {
    if (!this.factors) return;
    this.factors.value.dispose();
    this.factors.gradFactor.dispose();
    this.factors = null;
  }

  effectiveWeight(): tf.Tensor {
    if (!this.scores) return this.weight;
    if (!this.maskArray && !this.deviceMask)
      throw new Error(`layer ${this.name}: no mask set before the forward pass (call Masker.refresh())`);
    const f = this.factors;
    // W or S reassigned since the mask was set (no refresh in between): rebuild from the current values.
    if (!f || f.weightId !== this.weight.dataId || f.scoresId !== this.scores.dataId) {
      if (this.deviceMask) this.setDeviceMask(tf.clone(this.deviceMask));
      else this.buildFactors();
    }
    return maskedWeightFrom(this.factors!.value, this.factors!.gradFactor, this.scores);
  }

  apply(x: tf.Tensor): tf.Tensor {
    const w = this.effectiveWeight();
    if (this.shape.kind === "dense") return dense(x as tf.Tensor2D, w as tf.Tensor2D);
    return conv2d(x as tf.Tensor4D, w as tf.Tensor4D, this.shape.geometry);
  }

  dispose(): void {
    this.weight.dispose();
    this.scores?.dispose();
    this.disposeFactors();
    this.mask = null;
    this.weightCopy = null;
    this.reusedBuffers = null;
  }
}
