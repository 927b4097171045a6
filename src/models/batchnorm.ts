/**
 * Non-affine 2-D batch norm (PyTorch's BatchNorm2d(affine=False)), as in Edge-Popup's
 * supermask ResNets: no learnable γ/β, so the only things trained stay the scores.
 *
 * Training normalises with the batch statistics and moves the running statistics towards
 * them (running = (1 − momentum)·running + momentum·batch, the variance unbiased, as
 * PyTorch does); eval normalises with the running statistics. The running statistics are
 * non-trainable tf.Variables, exposed through `buffers()` so that checkpoints save them.
 */
import * as tf from "@tensorflow/tfjs";

export interface BatchNormOptions {
  /** Weight of the new batch in the running statistics (PyTorch's default 0.1). */
  momentum?: number;
  /** Added to the variance before the square root (PyTorch's default 1e-5). */
  eps?: number;
}

export const BN_MOMENTUM = 0.1;
export const BN_EPS = 1e-5;

/** Axes of NHWC that the statistics reduce over: all but the channel axis. */
const STAT_AXES = [0, 1, 2];

export class BatchNorm2d {
  readonly name: string;
  readonly channels: number;
  readonly momentum: number;
  readonly eps: number;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(name: string, channels: number, options: BatchNormOptions = {}) {
    this.name = name;
    this.channels = channels;
    this.momentum = options.momentum ?? BN_MOMENTUM;
    this.eps = options.eps ?? BN_EPS;
    // Unnamed: tfjs variable names are global, and a process builds many models.
    this.runningMean = tf.variable(tf.zeros([channels]), false);
    this.runningVar = tf.variable(tf.ones([channels]), false);
  }

  /** x [N, H, W, C] → same shape. `training` selects batch statistics and updates the running ones. */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (!training) return tf.batchNorm4d(x, this.runningMean as tf.Tensor1D, this.runningVar as tf.Tensor1D, undefined, undefined, this.eps);
    return this.trainingForward(x);
  }

  /**
   * Batch-statistics forward with the closed-form gradient of non-affine batch norm,
   * dx = r · (dy − mean(dy) − y · mean(dy · y)) with r = 1/√(var + eps): fewer kernels than
   * autodiff through the mean and variance, which matters on wasm.
   */
  private trainingForward(x: tf.Tensor4D): tf.Tensor4D {
    const [n, h, w] = x.shape;
    const count = n * h * w;
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xIn, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
      const { mean, variance } = tf.moments(xIn, STAT_AXES);
      const y = tf.batchNorm4d(xIn, mean as tf.Tensor1D, variance as tf.Tensor1D, undefined, undefined, this.eps);
      const r = tf.rsqrt(tf.add(variance, this.eps));
      save([y, r]);
      // The update runs here, where the batch statistics already exist; the variables keep
      // their new values when this scope's temporaries are disposed.
      this.updateRunningStats(mean, variance, count);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [ys, rs] = saved;
          const meanDy = tf.mean(dy, STAT_AXES);
          const meanDyY = tf.mean(tf.mul(dy, ys), STAT_AXES);
          return [tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(ys, meanDyY)), rs)];
        },
      };
    });
    return f(x) as tf.Tensor4D;
  }

  private updateRunningStats(mean: tf.Tensor, biasedVar: tf.Tensor, count: number): void {
    const m = this.momentum;
    // PyTorch stores the unbiased variance; with one value per channel there is no spread to correct.
    const unbias = count > 1 ? count / (count - 1) : 1;
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(biasedVar, m * unbias)));
  }

  /** The running statistics, keyed `<name>.running_mean` / `<name>.running_var` (PyTorch's names). */
  buffers(): Record<string, tf.Variable> {
    return { [`${this.name}.running_mean`]: this.runningMean, [`${this.name}.running_var`]: this.runningVar };
  }

  dispose(): void {
    this.runningMean.dispose();
    this.runningVar.dispose();
  }
}
