/**
 * SGD (momentum, Nesterov, weight decay) and Adam against PyTorch's update rules written
 * out in float64 JS, over three steps with changing gradients and learning rates.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { Optimizer, type OptimizerSettings } from "../../src/train/optimizer";

const P0 = [
  [0.5, -1.25, 2.0, 0.0],
  [3.0, -0.75],
];
const GRADS = [
  [
    [0.1, -0.2, 0.3, -0.4],
    [1.0, -2.0],
  ],
  [
    [-0.3, 0.1, 0.0, 0.2],
    [0.5, 0.25],
  ],
  [
    [0.05, 0.4, -0.6, 0.1],
    [-1.5, 0.75],
  ],
];
const LRS = [0.1, 0.05, 0.2];

/** torch.optim.SGD (dampening 0): g += wd·p; b = μ·b + g (b = g on step 1); g = nesterov ? g + μ·b : b; p −= lr·g. */
function referenceSgd(s: OptimizerSettings): number[][][] {
  const p = P0.map((v) => [...v]);
  const buf: (number[] | null)[] = p.map(() => null);
  const history: number[][][] = [];
  GRADS.forEach((gs, step) => {
    p.forEach((pv, vi) => {
      pv.forEach((x, j) => {
        let g = gs[vi][j] + s.weightDecay * x;
        if (s.momentum > 0) {
          const b = buf[vi] ?? (buf[vi] = pv.map(() => Number.NaN));
          b[j] = step === 0 ? g : s.momentum * b[j] + g;
          g = s.nesterov ? g + s.momentum * b[j] : b[j];
        }
        pv[j] = x - LRS[step] * g;
      });
    });
    history.push(p.map((v) => [...v]));
  });
  return history;
}

/** torch.optim.Adam (β = 0.9, 0.999, ε = 1e-8, L2 weight decay added to the gradient). */
function referenceAdam(weightDecay: number): number[][][] {
  const b1 = 0.9,
    b2 = 0.999,
    eps = 1e-8;
  const p = P0.map((v) => [...v]);
  const m = p.map((v) => v.map(() => 0));
  const v2 = p.map((v) => v.map(() => 0));
  const history: number[][][] = [];
  GRADS.forEach((gs, step) => {
    const t = step + 1;
    const bc1 = 1 - b1 ** t,
      bc2 = 1 - b2 ** t;
    p.forEach((pv, vi) => {
      pv.forEach((x, j) => {
        const g = gs[vi][j] + weightDecay * x;
        m[vi][j] = b1 * m[vi][j] + (1 - b1) * g;
        v2[vi][j] = b2 * v2[vi][j] + (1 - b2) * g * g;
        const denom = Math.sqrt(v2[vi][j]) / Math.sqrt(bc2) + eps;
        pv[j] = x - (LRS[step] / bc1) * (m[vi][j] / denom);
      });
    });
    history.push(p.map((v) => [...v]));
  });
  return history;
}

function runOurs(settings: OptimizerSettings): number[][][] {
  const vars = P0.map((v) => tf.variable(tf.tensor1d(v), true));
  const opt = new Optimizer(vars, settings);
  const history: number[][][] = [];
  GRADS.forEach((gs, step) => {
    const grads = gs.map((g) => tf.tensor1d(g));
    opt.apply(grads, LRS[step]);
    grads.forEach((g) => g.dispose());
    history.push(vars.map((v) => Array.from(v.dataSync())));
  });
  opt.dispose();
  vars.forEach((v) => v.dispose());
  return history;
}

function assertHistoriesClose(got: number[][][], want: number[][][], what: string): void {
  got.forEach((step, s) =>
    step.forEach((vals, vi) =>
      vals.forEach((x, j) => {
        const w = want[s][vi][j];
        assert.ok(
          Math.abs(x - w) <= 1e-5 * Math.max(1, Math.abs(w)),
          `${what}: step ${s + 1} var ${vi}[${j}] = ${x}, PyTorch rule gives ${w}`,
        );
      }),
    ),
  );
}

const sgdVariants: OptimizerSettings[] = [
  { kind: "sgd", momentum: 0, nesterov: false, weightDecay: 0 },
  { kind: "sgd", momentum: 0, nesterov: false, weightDecay: 0.01 },
  { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 0 },
  { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
  { kind: "sgd", momentum: 0.9, nesterov: true, weightDecay: 0 },
  { kind: "sgd", momentum: 0.8, nesterov: true, weightDecay: 0.1 },
];

for (const s of sgdVariants) {
  test(`SGD matches PyTorch over 3 steps: ${JSON.stringify(s)}`, async () => {
    await initBackend("cpu");
    assertHistoriesClose(runOurs(s), referenceSgd(s), "sgd");
  });
}

for (const wd of [0, 0.05]) {
  test(`Adam matches PyTorch over 3 steps (weight decay ${wd})`, async () => {
    await initBackend("cpu");
    assertHistoriesClose(runOurs({ kind: "adam", momentum: 0, nesterov: false, weightDecay: wd }), referenceAdam(wd), "adam");
  });
}

test("the references themselves differ between variants (so the comparisons can fail)", () => {
  const plain = referenceSgd(sgdVariants[0])[2][0][0];
  assert.notEqual(referenceSgd(sgdVariants[2])[2][0][0], plain);
  assert.notEqual(referenceSgd(sgdVariants[4])[2][0][0], referenceSgd(sgdVariants[2])[2][0][0]);
  assert.notEqual(referenceSgd(sgdVariants[1])[2][0][0], plain);
  assert.notEqual(referenceAdam(0.05)[2][0][0], referenceAdam(0)[2][0][0]);
});

for (const settings of [
  { kind: "sgd", momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  { kind: "adam", momentum: 0, nesterov: false, weightDecay: 1e-3 },
] as OptimizerSettings[]) {
  test(`getState/setState round trip continues identically (${settings.kind})`, async () => {
    await initBackend("cpu");
    const a = P0.map((v) => tf.variable(tf.tensor1d(v), true));
    const optA = new Optimizer(a, settings);
    const step = (opt: Optimizer, i: number) => {
      const grads = GRADS[i].map((g) => tf.tensor1d(g));
      opt.apply(grads, LRS[i]);
      grads.forEach((g) => g.dispose());
    };
    step(optA, 0);
    step(optA, 1);
    // The state travels as plain arrays (as in a checkpoint); rebuild it into typed arrays.
    const saved = await optA.getState();
    const restoredState = {
      step: saved.step,
      slots: Object.fromEntries(Object.entries(saved.slots).map(([k, l]) => [k, l.map((x) => Float32Array.from(x))])),
    };
    const b = a.map((v) => tf.variable(v.clone(), true));
    const fresh = a.map((v) => tf.variable(v.clone(), true));
    const optB = new Optimizer(b, settings);
    optB.setState(restoredState);
    const optFresh = new Optimizer(fresh, settings);
    assert.deepEqual(await optB.getState(), saved);
    step(optA, 2);
    step(optB, 2);
    step(optFresh, 2);
    a.forEach((v, i) => assert.deepEqual(Array.from(b[i].dataSync()), Array.from(v.dataSync()), `variable ${i} after the restored step`));
    // Without the state the third step differs: the round trip is what made them equal.
    assert.notDeepEqual(Array.from(fresh[0].dataSync()), Array.from(a[0].dataSync()));
    for (const o of [optA, optB, optFresh]) o.dispose();
    for (const v of [...a, ...b, ...fresh]) v.dispose();
  });
}

test("setState rejects a state of another optimiser kind", async () => {
  await initBackend("cpu");
  const v = [tf.variable(tf.tensor1d([1, 2]), true)];
  const sgd = new Optimizer(v, { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 0 });
  const adam = new Optimizer(v, { kind: "adam", momentum: 0, nesterov: false, weightDecay: 0 });
  const adamState = await adam.getState();
  assert.throws(() => sgd.setState(adamState));
  sgd.dispose();
  adam.dispose();
  v[0].dispose();
});

test("reset forgets momentum: the next step equals a first step", async () => {
  await initBackend("cpu");
  const settings: OptimizerSettings = { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 0 };
  const v = tf.variable(tf.tensor1d([1, 1]), true);
  const opt = new Optimizer([v], settings);
  opt.apply([tf.tensor1d([1, 1])], 0.1); // 0.9
  opt.reset();
  opt.apply([tf.tensor1d([1, -1])], 0.1); // momentum forgotten: 0.9 − 0.1, 0.9 + 0.1
  const got = Array.from(v.dataSync());
  assert.ok(Math.abs(got[0] - 0.8) < 1e-6 && Math.abs(got[1] - 1.0) < 1e-6, String(got));
  assert.equal((await opt.getState()).step, 1);
  opt.dispose();
  v.dispose();
});

test("apply, reset and setState leave no stray tensors behind (they run every step / cycle / resume)", async () => {
  await initBackend("cpu");
  for (const kind of ["sgd", "adam"] as const) {
    const v = [tf.variable(tf.tensor1d([1, 2, 3]), true), tf.variable(tf.tensor2d([[1, 2]]), true)];
    const opt = new Optimizer(v, { kind, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
    const state = await opt.getState();
    const before = tf.memory().numTensors;
    const grads = [tf.tensor1d([1, 1, 1]), tf.tensor2d([[1, -1]])];
    opt.apply(grads, 0.1);
    grads.forEach((g) => g.dispose());
    opt.reset();
    opt.setState(state);
    assert.equal(tf.memory().numTensors, before, `${kind}: tensors leaked`);
    opt.dispose();
    v.forEach((x) => x.dispose());
  }
});
