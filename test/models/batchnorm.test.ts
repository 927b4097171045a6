import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { BatchNorm2d } from "../../src/models/batchnorm";
import { onCpuAndWasm } from "./helpers";

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Non-affine batch norm written with plain ops, differentiated by tfjs autodiff. */
function referenceBatchNorm(x: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
}

test("batch norm: training forward and gradient match autodiff of the plain formula (cpu)", async () => {
  await initBackend("cpu");
  const bn = new BatchNorm2d("bn", 3);
  // Mean and scale differ per channel so that a wrong reduction axis shows.
  const x = tf.add(tf.mul(tf.randomNormal([4, 5, 5, 3], 0, 1, "float32", 1), tf.tensor1d([1, 3, 0.5])), tf.tensor1d([2, -1, 0]));
  const up = tf.randomNormal([4, 5, 5, 3], 0, 1, "float32", 2);
  const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(bn.apply(a as tf.Tensor4D, true), up)))(x);
  const ref = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(referenceBatchNorm(a, 1e-5), up)))(x);
  assert.ok(maxAbsDiff(ours, ref) < 1e-4, `gradient differs by ${maxAbsDiff(ours, ref)}`);
  assert.ok(tf.max(tf.abs(ref)).dataSync()[0] > 1e-3, "reference gradient is not trivially zero");
  const y = bn.apply(x as tf.Tensor4D, true);
  assert.ok(maxAbsDiff(y, referenceBatchNorm(x, 1e-5)) < 1e-4);
  bn.dispose();
});

test("batch norm: running statistics follow PyTorch (momentum 0.1, unbiased variance) in training only", async () => {
  await initBackend("cpu");
  const bn = new BatchNorm2d("bn", 2);
  const x = tf.randomNormal([3, 4, 4, 2], 1.5, 2, "float32", 3) as tf.Tensor4D;
  const n = 3 * 4 * 4;
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const expectedMean = tf.mul(mean, 0.1);
  const expectedVar = tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1)));

  bn.apply(x, false);
  assert.deepEqual(Array.from(bn.runningMean.dataSync()), [0, 0], "eval must not move the running mean");
  assert.deepEqual(Array.from(bn.runningVar.dataSync()), [1, 1], "eval must not move the running variance");

  tf.tidy(() => {
    bn.apply(x, true);
  });
  assert.ok(maxAbsDiff(bn.runningMean, expectedMean) < 1e-5, `running mean ${bn.runningMean.dataSync()}`);
  assert.ok(maxAbsDiff(bn.runningVar, expectedVar) < 1e-4, `running var ${bn.runningVar.dataSync()}`);
  assert.equal(bn.runningMean.trainable, false);
  assert.equal(bn.runningVar.trainable, false);
  assert.deepEqual(Object.keys(bn.buffers()), ["bn.running_mean", "bn.running_var"]);
  bn.dispose();
});

test("batch norm: the running statistics also update under a gradient tape, without leaking tensors", async () => {
  await initBackend("cpu");
  const bn = new BatchNorm2d("bn", 2);
  const x = tf.randomNormal([2, 3, 3, 2], 5, 1, "float32", 4) as tf.Tensor4D;
  const v = tf.variable(tf.ones([2]));
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(bn.apply(tf.mul(x, v) as tf.Tensor4D, true))), [v]);
    assert.ok(Number.isFinite(grads[v.name].dataSync()[0]));
  });
  assert.equal(tf.memory().numTensors, before, "a training step must leave no tensors behind");
  assert.ok(bn.runningMean.dataSync()[0] > 0.4, "the running mean moved towards the batch mean (≈5)");
  bn.dispose();
  v.dispose();
});

test("batch norm: eval normalises with the running statistics", async () => {
  await initBackend("cpu");
  const bn = new BatchNorm2d("bn", 2);
  bn.runningMean.assign(tf.tensor1d([1, -2]));
  bn.runningVar.assign(tf.tensor1d([4, 0.25]));
  const x = tf.randomNormal([2, 3, 3, 2], 0, 1, "float32", 5) as tf.Tensor4D;
  const expected = tf.div(tf.sub(x, tf.tensor1d([1, -2])), tf.sqrt(tf.add(tf.tensor1d([4, 0.25]), 1e-5)));
  assert.ok(maxAbsDiff(bn.apply(x, false), expected) < 1e-5);
  bn.dispose();
});

test("batch norm on wasm equals cpu, training and eval", async () => {
  const x = tf.randomNormal([2, 4, 4, 3], 1, 2, "float32", 6).arraySync() as number[][][][];
  const up = tf.randomNormal([2, 4, 4, 3], 0, 1, "float32", 7).arraySync() as number[][][][];
  const run = () => {
    const bn = new BatchNorm2d("bn", 3);
    const xt = tf.tensor4d(x);
    const ut = tf.tensor4d(up);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(bn.apply(a as tf.Tensor4D, true), ut)))(xt);
    const out = {
      grad: g.dataSync(),
      evalOut: bn.apply(xt, false).dataSync(),
      mean: bn.runningMean.dataSync(),
      variance: bn.runningVar.dataSync(),
    };
    bn.dispose();
    return out;
  };
  const { onCpu, onWasm } = await onCpuAndWasm(run);
  for (const key of ["grad", "evalOut", "mean", "variance"] as const) {
    const a = onCpu[key];
    const b = onWasm[key];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 1e-4, `${key}: wasm and cpu differ by ${worst}`);
  }
});
