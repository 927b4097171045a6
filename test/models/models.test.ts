/**
 * Every registered model, on an MNIST-shaped and a CIFAR-shaped input: output shape,
 * prunable edge count against a count derived here from the architecture's definition,
 * score gradients, weights mode, and the dense first/last-layer options.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { type ModelRequest, buildModel } from "../../src/models/factory";
import { models } from "../../src/models/registry";
import type { Model } from "../../src/models/types";
import { Masker } from "../../src/supermask/masker";
import { modelRequest } from "./helpers";

type Shape = [number, number, number];
const SHAPES: Shape[] = [
  [28, 28, 1],
  [32, 32, 3],
];
const CLASSES = 10;
const WIDTH = 1 / 16;
const BATCH = 3;

function request(model: string, overrides: Partial<ModelRequest> = {}): ModelRequest {
  return modelRequest(model, { widthMultiplier: WIDTH, ...overrides });
}

/** Width after the multiplier as the model papers state it: round, at least one unit. */
const w = (base: number, m: number) => Math.max(1, Math.round(base * m));

/** Weight count of each architecture, from its definition (bias-free, batch norm has no weights). */
const expectedWeights: Record<string, (s: Shape, classes: number, m: number) => number> = {
  lenet300: ([h, wd, c], k, m) => h * wd * c * w(300, m) + w(300, m) * w(100, m) + w(100, m) * k,
  conv2: (s, k, m) => convNetWeights(1, s, k, m),
  conv4: (s, k, m) => convNetWeights(2, s, k, m),
  conv6: (s, k, m) => convNetWeights(3, s, k, m),
  conv8: (s, k, m) => convNetWeights(4, s, k, m),
  resnet18: (s, k, m) => resnetWeights(s, k, m),
};

function convNetWeights(blocks: number, [h, wd, c]: Shape, classes: number, m: number): number {
  let total = 0;
  let channels = c;
  let side = h;
  let sideW = wd;
  for (const base of [64, 128, 256, 512].slice(0, blocks)) {
    const width = w(base, m);
    total += 9 * channels * width + 9 * width * width;
    channels = width;
    side = Math.floor(side / 2);
    sideW = Math.floor(sideW / 2);
  }
  const fc = w(256, m);
  return total + side * sideW * channels * fc + fc * fc + fc * classes;
}

function resnetWeights([, , c]: Shape, classes: number, m: number): number {
  let inPlanes = w(64, m);
  let total = 9 * c * inPlanes;
  [64, 128, 256, 512].forEach((base, stage) => {
    const planes = w(base, m);
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      total += 9 * inPlanes * planes + 9 * planes * planes;
      if (stride !== 1 || inPlanes !== planes) total += inPlanes * planes;
      inPlanes = planes;
    }
  });
  return total + inPlanes * classes;
}

test("the weight counts used below match the papers at full width", () => {
  assert.equal(expectedWeights.lenet300([28, 28, 1], 10, 1), 266_200);
  assert.equal(expectedWeights.conv2([32, 32, 3], 10, 1), 4_300_992); // EP: Conv2 4.3M
  assert.equal(expectedWeights.conv4([32, 32, 3], 10, 1), 2_425_024); // EP: Conv4 2.4M
  assert.equal(expectedWeights.resnet18([32, 32, 3], 10, 1), 11_164_352); // 11.17M less BN and fc bias
});

test("every registered model has an independent weight count here", () => {
  assert.deepEqual(Object.keys(models).sort(), Object.keys(expectedWeights).sort());
});

function input(shape: Shape, seed: number): tf.Tensor4D {
  return tf.randomNormal([BATCH, ...shape], 0, 1, "float32", seed) as tf.Tensor4D;
}

function labels(): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d([0, 3, 7].slice(0, BATCH), "int32"), CLASSES) as tf.Tensor2D;
}

/** One training step's gradients for the given variables, as arrays. */
function stepGradients(model: Model, shape: Shape, variables: tf.Variable[]): Map<tf.Variable, Float32Array> {
  const out = new Map<tf.Variable, Float32Array>();
  tf.tidy(() => {
    const x = input(shape, 11);
    const ys = labels();
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, model.forward(x, true)) as tf.Scalar, variables);
    for (const v of variables) out.set(v, grads[v.name].dataSync() as Float32Array);
  });
  return out;
}

function assertFiniteNonZero(values: Float32Array, what: string): void {
  let nonZero = 0;
  for (const g of values) {
    assert.ok(Number.isFinite(g), `${what}: gradient ${g} is not finite`);
    if (g !== 0) nonZero++;
  }
  assert.ok(nonZero > 0, `${what}: every gradient is zero`);
}

for (const name of Object.keys(models)) {
  for (const shape of SHAPES) {
    const where = `${name} on ${shape.join("×")}`;

    test(`${where}: logits shape, prunable edges, finite non-zero score gradients (cpu)`, async () => {
      await initBackend("cpu");
      const model = buildModel(request(name), shape, CLASSES);
      try {
        const prunable = model.layers.filter((l) => l.prunable);
        assert.equal(prunable.length, model.layers.length, "in ep mode every layer is a supermask layer");
        const edges = prunable.reduce((s, l) => s + l.numel, 0);
        assert.equal(edges, expectedWeights[name](shape, CLASSES, WIDTH));
        new Masker(model.layers, { globalTopK: false, keepFraction: 0.5 }).refresh();

        const logits = tf.tidy(() => model.forward(input(shape, 10), false).arraySync());
        assert.equal(logits.length, BATCH);
        for (const row of logits) {
          assert.equal(row.length, CLASSES);
          for (const v of row) assert.ok(Number.isFinite(v), `logit ${v} is not finite`);
        }

        const scores = prunable.map((l) => l.scores!);
        const grads = stepGradients(model, shape, scores);
        prunable.forEach((l) => assertFiniteNonZero(grads.get(l.scores!)!, `${where} ${l.name} scores`));
        for (const l of model.layers) assert.equal(l.weight.trainable, false, `${l.name}: frozen weights in ep mode`);
      } finally {
        model.dispose();
      }
    });

    test(`${where}: weights mode trains the weights and has no scores (cpu)`, async () => {
      await initBackend("cpu");
      const model = buildModel(request(name, { method: "weights" }), shape, CLASSES);
      try {
        for (const l of model.layers) {
          assert.equal(l.mode, "weights", l.name);
          assert.equal(l.scores, null, `${l.name} has scores in weights mode`);
          assert.equal(l.weight.trainable, true, `${l.name} weights are frozen in weights mode`);
          assert.deepEqual(l.trainableVariables(), [l.weight]);
        }
        assert.equal(new Masker(model.layers, { globalTopK: false, keepFraction: 0.5 }).layers.length, 0);
        const weights = model.layers.map((l) => l.weight);
        const grads = stepGradients(model, shape, weights);
        model.layers.forEach((l) => assertFiniteNonZero(grads.get(l.weight)!, `${where} ${l.name} weights`));
      } finally {
        model.dispose();
      }
    });
  }

  test(`${name}: firstLayerDense / lastLayerDense make exactly the first / last layer weight-trained`, async () => {
    await initBackend("cpu");
    const cases: [boolean, boolean][] = [
      [true, false],
      [false, true],
      [true, true],
    ];
    for (const [first, last] of cases) {
      const model = buildModel(request(name, { firstLayerDense: first, lastLayerDense: last }), [32, 32, 3], CLASSES);
      try {
        const n = model.layers.length;
        model.layers.forEach((l, i) => {
          const dense = (i === 0 && first) || (i === n - 1 && last);
          assert.equal(l.mode, dense ? "weights" : "supermask", `${name} first=${first} last=${last}: layer ${l.name}`);
          assert.equal(l.weight.trainable, dense, `${l.name} weight trainable`);
          assert.equal(l.scores === null, dense, `${l.name} scores`);
        });
      } finally {
        model.dispose();
      }
    }
  });
}
