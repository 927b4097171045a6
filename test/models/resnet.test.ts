import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { type ModelRequest, buildModel } from "../../src/models/factory";
import type { Model } from "../../src/models/types";
import type { ConvShape } from "../../src/supermask/layers";
import { Masker } from "../../src/supermask/masker";
import { modelRequest, onCpuAndWasm } from "./helpers";

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return modelRequest("resnet18", { widthMultiplier: 1 / 16, seed: 3, ...overrides });
}

function build(overrides: Partial<ModelRequest> = {}, shape: [number, number, number] = [32, 32, 3]): Model {
  const model = buildModel(request(overrides), shape, 10);
  new Masker(model.layers, { globalTopK: false, keepFraction: 0.5 }).refresh();
  return model;
}

function snapshot(model: Model): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.buffers()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const x = () => tf.randomNormal([4, 32, 32, 3], 0.5, 1, "float32", 21) as tf.Tensor4D;

test("resnet18: layers, geometry and batch-norm buffers are those of the CIFAR ResNet-18", async () => {
  await initBackend("cpu");
  const model = build({ widthMultiplier: 1 });
  try {
    const convs = model.layers.filter((l) => l.shape.kind === "conv2d").map((l) => ({ name: l.name, ...(l.shape as ConvShape) }));
    assert.equal(convs.length, 1 + 4 * 2 * 2 + 3, "stem, 16 block convs, 3 projections");
    assert.deepEqual(
      convs.filter((c) => c.kernel === 1).map((c) => [c.name, c.inChannels, c.outChannels, c.geometry.stride, c.geometry.padding]),
      [
        ["layer2.0.shortcut.0", 64, 128, 2, 0],
        ["layer3.0.shortcut.0", 128, 256, 2, 0],
        ["layer4.0.shortcut.0", 256, 512, 2, 0],
      ],
    );
    assert.deepEqual(
      [convs[0].name, convs[0].inChannels, convs[0].outChannels, convs[0].geometry.stride, convs[0].geometry.padding],
      ["conv1", 3, 64, 1, 1],
    );
    const strided = convs.filter((c) => c.kernel === 3 && c.geometry.stride === 2).map((c) => c.name);
    assert.deepEqual(strided, ["layer2.0.conv1", "layer3.0.conv1", "layer4.0.conv1"]);
    for (const c of convs.filter((c) => c.kernel === 3)) assert.equal(c.geometry.padding, 1, c.name);
    const fc = model.layers[model.layers.length - 1];
    assert.deepEqual([fc.name, fc.shape.kind, fc.weightShape], ["fc", "dense", [512, 10]]);

    const buffers = model.buffers();
    // One batch norm after each conv: 20 of them, each with mean and variance.
    assert.equal(Object.keys(buffers).length, 40);
    assert.ok("layer4.0.shortcut.1.running_var" in buffers);
    for (const v of Object.values(buffers)) assert.equal(v.trainable, false);
    assert.deepEqual(buffers["layer4.1.bn2.running_mean"].shape, [512]);
  } finally {
    model.dispose();
  }
});

test("resnet18: running statistics move in training mode, not in eval mode", async () => {
  await initBackend("cpu");
  const model = build();
  try {
    const initial = snapshot(model);
    tf.tidy(() => {
      model.forward(x(), false);
    });
    assert.deepEqual(snapshot(model), initial, "eval changed the running statistics");

    tf.tidy(() => {
      const ys = tf.oneHot(tf.tensor1d([1, 2, 3, 4], "int32"), 10);
      const scores = model.layers.map((l) => l.scores!);
      tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.forward(x(), true)) as tf.Scalar, scores);
    });
    const after = snapshot(model);
    for (const [k, v] of Object.entries(after)) assert.ok(maxAbsDiff(v, initial[k]) > 1e-6, `${k} did not move in a training step`);
  } finally {
    model.dispose();
  }
});

test("resnet18: eval output uses the running statistics (batch-independent, follows the buffers)", async () => {
  await initBackend("cpu");
  const model = build();
  try {
    // Move the statistics away from their initial values first.
    for (let i = 0; i < 3; i++) tf.tidy(() => void model.forward(x(), true));
    const [whole, parts, trainWhole, trainPart] = tf.tidy(() => {
      const xs = x();
      const first = tf.slice(xs, [0, 0, 0, 0], [2, 32, 32, 3]);
      const second = tf.slice(xs, [2, 0, 0, 0], [2, 32, 32, 3]);
      return [
        model.forward(xs, false).dataSync(),
        tf.concat([model.forward(first, false), model.forward(second, false)]).dataSync(),
        model.forward(xs, true).dataSync(),
        model.forward(first, true).dataSync(),
      ];
    });
    assert.ok(maxAbsDiff(whole, parts) < 1e-4, "eval output depends on the rest of the batch: batch statistics were used");
    assert.ok(maxAbsDiff(trainWhole.slice(0, 20), trainPart) > 1e-3, "training output should use batch statistics");

    // Changing the buffers changes the eval output.
    const base = tf.tidy(() => model.forward(x(), false).dataSync());
    const bn = model.buffers()["layer4.1.bn2.running_mean"];
    bn.assign(tf.add(bn, 1));
    const shifted = tf.tidy(() => model.forward(x(), false).dataSync());
    assert.ok(maxAbsDiff(base, shifted) > 1e-3, "eval output ignores the running mean");
  } finally {
    model.dispose();
  }
});

test("resnet18: a training step leaves no tensors behind", async () => {
  await initBackend("cpu");
  const model = build({}, [28, 28, 1]);
  try {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const xs = tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 5) as tf.Tensor4D;
      const ys = tf.oneHot(tf.tensor1d([1, 2], "int32"), 10);
      tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(ys, model.forward(xs, true)) as tf.Scalar,
        model.layers.map((l) => l.scores!),
      );
    });
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});

test("resnet18: the same network gives the same logits and score gradients on wasm and cpu", async () => {
  const xv = tf.randomNormal([2, 28, 28, 1], 0, 1, "float32", 8).arraySync() as number[][][][];
  const run = () => {
    const model = build({}, [28, 28, 1]);
    const out = tf.tidy(() => {
      const xs = tf.tensor4d(xv);
      const ys = tf.oneHot(tf.tensor1d([4, 9], "int32"), 10);
      const scores = model.layers.map((l) => l.scores!);
      const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.forward(xs, true)) as tf.Scalar, scores);
      return { logits: model.forward(xs, false).dataSync(), grads: scores.map((s) => grads[s.name].dataSync()) };
    });
    model.dispose();
    return out;
  };
  const { onCpu, onWasm } = await onCpuAndWasm(run);
  assert.ok(maxAbsDiff(onCpu.logits, onWasm.logits) < 1e-3, `logits differ by ${maxAbsDiff(onCpu.logits, onWasm.logits)}`);
  onCpu.grads.forEach((g, i) => {
    const scale = Math.max(...Array.from(g, Math.abs));
    assert.ok(maxAbsDiff(g, onWasm.grads[i]) <= 1e-3 * scale + 1e-6, `score gradient ${i} differs`);
  });
});
