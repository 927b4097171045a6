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

/**
 * Per-channel mean of an NHWC tensor in two steps, over the pixels of each image and then
 * over the batch (exact: every image has H·W pixels). On wasm this is 2–3× faster than
 * tf.mean over axes [0, 1, 2], and than a ones-vector matMul, which repacks its operand.
 */
function channelMean(t: tf.Tensor4D): tf.Tensor1D {
  const [n, h, w, c] = t.shape;
  return tf.mean(tf.mean(tf.reshape(t, [n, h * w, c]), 1), 0) as tf.Tensor1D;
}

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
    if (x.shape[3] !== this.channels)
      throw new Error(`batch norm ${this.name}: expected ${this.channels} channels, got input of shape [${x.shape}]`);
    if (!training) return tf.mul(tf.sub(x, this.runningMean), tf.rsqrt(tf.add(this.runningVar, this.eps)));
    return this.trainingForward(x);
  }

  /**
   * Batch-statistics forward with the closed-form gradient of non-affine batch norm,
   * dx = (dy − mean(dy) − y · mean(dy · y)) / √(var + eps): fewer kernels than autodiff
   * through the mean and variance. Plain broadcast ops rather than tf.batchNorm: wasm's
   * FusedBatchNorm kernel is several times slower than a sub and a mul.
   */
  private trainingForward(x: tf.Tensor4D): tf.Tensor4D {
    const eps = this.eps;
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xIn, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
      const mean = channelMean(xIn);
      const centered = tf.sub(xIn, mean) as tf.Tensor4D;
      const variance = channelMean(tf.square(centered));
      const invStd = tf.rsqrt(tf.add(variance, eps));
      const y = tf.mul(centered, invStd) as tf.Tensor4D;
      save([y, invStd]);
      // The update runs here, where the batch statistics already exist; the variables keep
      // their new values when this scope's temporaries are disposed.
      this.updateRunningStats(mean, variance, xIn.size / this.channels);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [ys, invStdSaved] = saved as [tf.Tensor4D, tf.Tensor1D];
          const dy4 = dy as tf.Tensor4D;
          const meanDyY = channelMean(tf.mul(dy4, ys) as tf.Tensor4D);
          const explained = tf.add(tf.mul(ys, meanDyY), channelMean(dy4));
          return [tf.mul(tf.sub(dy4, explained), invStdSaved)];
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
