/**
 * SGD (momentum, Nesterov, L2 weight decay) and Adam with PyTorch's update rules, written
 * out so that their state is plain named tensors a checkpoint can save and restore.
 */
import * as tf from "@tensorflow/tfjs";

export interface OptimizerSettings {
  kind: "sgd" | "adam";
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export interface OptimizerState {
  step: number;
  /** Slot tensors' values, keyed by slot name then variable index. */
  slots: Record<string, Float32Array[]>;
}

export class Optimizer {
  readonly settings: OptimizerSettings;
  private readonly vars: tf.Variable[];
  private slots: Record<string, tf.Variable[]> = {};
  private steps = 0;

  constructor(vars: tf.Variable[], settings: OptimizerSettings) {
    this.vars = vars;
    this.settings = settings;
    this.reset();
  }

  /** Forget momentum/moments (used when a new iEP cycle restarts its schedule). */
  reset(): void {
    for (const list of Object.values(this.slots)) list.forEach((v) => v.dispose());
    // tidy disposes the zerosLike handles; the variables keep their own reference to the data.
    const zeros = () => tf.tidy(() => this.vars.map((v) => tf.variable(tf.zerosLike(v), false)));
    this.slots = this.settings.kind === "sgd" ? { momentum: zeros() } : { m: zeros(), v: zeros() };
    this.steps = 0;
  }

  /** Apply one update with these gradients (in the order of the variables given at construction). */
  apply(grads: tf.Tensor[], lr: number): void {
    this.steps++;
    const { momentum, nesterov, weightDecay } = this.settings;
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        let g = grads[i];
        if (weightDecay > 0) g = tf.add(g, tf.mul(p, weightDecay));
        if (this.settings.kind === "sgd") {
          if (momentum > 0) {
            const buf = this.slots.momentum[i];
            const nb = tf.add(tf.mul(buf, momentum), g);
            buf.assign(nb);
            g = nesterov ? tf.add(g, tf.mul(nb, momentum)) : nb;
          }
          p.assign(tf.sub(p, tf.mul(g, lr)));
        } else {
          const b1 = 0.9,
            b2 = 0.999,
            eps = 1e-8;
          const m = this.slots.m[i],
            v = this.slots.v[i];
          const nm = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
          const nv = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
          m.assign(nm);
          v.assign(nv);
          const mHat = tf.div(nm, 1 - Math.pow(b1, this.steps));
          const vHat = tf.div(nv, 1 - Math.pow(b2, this.steps));
          p.assign(tf.sub(p, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), eps)), lr)));
        }
      });
    });
  }

  /** The state, read asynchronously (a GPU backend cannot read synchronously in Node). */
  async getState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array[]> = {};
    for (const [k, list] of Object.entries(this.slots))
      slots[k] = await Promise.all(list.map(async (v) => Float32Array.from((await v.data()) as Float32Array)));
    return { step: this.steps, slots };
  }

  setState(state: OptimizerState): void {
    this.steps = state.step;
    for (const [k, list] of Object.entries(state.slots)) {
      const mine = this.slots[k];
      if (!mine || mine.length !== list.length) throw new Error(`optimizer state does not match: slot ${k}`);
      tf.tidy(() => list.forEach((values, i) => mine[i].assign(tf.tensor(values, mine[i].shape))));
    }
  }

  dispose(): void {
    for (const list of Object.values(this.slots)) list.forEach((v) => v.dispose());
    this.slots = {};
  }
}
