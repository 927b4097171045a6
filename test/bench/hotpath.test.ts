/**
 * Exactness of the speed work on the training hot path: the sampled top-k on large layers,
 * the precomputed W ⊙ M and W ⊙ sign(S) of a supermask layer, the lazily computed input
 * gradients and the conv paddings handed to the kernel. Every expectation comes from a
 * plain reference (a sort, explicit JS formulas, tfjs autodiff on the cpu backend).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { conv2d, dense } from "../../src/engine/ops";
import { Rng } from "../../src/engine/rng";
import { MaskedLayer } from "../../src/supermask/layers";
import { Masker } from "../../src/supermask/masker";
import { countOnes, kthLargest, topKMask } from "../../src/supermask/mask";

/** Indices of the k largest values among alive ones; ties go to the lower index. */
function referenceTopK(values: Float32Array, k: number, alive?: Uint8Array | null): Uint8Array {
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (!alive || alive[i]) idx.push(i);
  idx.sort((a, b) => values[b] - values[a] || a - b);
  const mask = new Uint8Array(values.length);
  for (const i of idx.slice(0, k)) mask[i] = 1;
  return mask;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test("sampled top-k on large layers equals a full sort: random, tied, structured and adversarial values, with and without alive", () => {
  const rng = new Rng(11);
  const n = 40_000; // above the size where sampling starts
  const cases: [string, (i: number) => number][] = [
    ["uniform", () => rng.next()],
    ["16 levels (many ties at the threshold)", () => rng.int(16) / 16],
    ["all equal", () => 0.25],
    ["sorted ascending", (i) => i / n],
    ["rows of different scale", (i) => (Math.floor(i / 1000) + 1) * rng.next()],
    // Large values exactly where an evenly spaced sample looks: the sample misleads the bracket.
    ["sample positions spiked", (i) => (i % Math.floor(n / 4096) === Math.floor(n / 8192) ? 10 + rng.next() : rng.next())],
  ];
  const scratch = new Float32Array(n);
  for (const [name, gen] of cases) {
    const values = Float32Array.from({ length: n }, (_, i) => gen(i));
    for (const keep of [0.5, 0.1, 0.9, 0.01]) {
      const k = Math.max(1, Math.round(keep * n));
      const want = referenceTopK(values, k);
      const got = topKMask(values, k, null, new Uint8Array(n), keep === 0.1 ? undefined : scratch);
      assert.equal(countOnes(got), k, `${name}, keep ${keep}: count`);
      assert.equal(firstDifference(got, want), -1, `${name}, keep ${keep}: first difference`);
      const sorted = Array.from(values).sort((a, b) => b - a);
      assert.equal(kthLargest(values, k), sorted[k - 1], `${name}, keep ${keep}: kthLargest`);
    }
    const alive = Uint8Array.from({ length: n }, () => (rng.next() < 0.6 ? 1 : 0));
    const k = Math.round(0.3 * countOnes(alive));
    const got = topKMask(values, k, alive, new Uint8Array(n), scratch);
    assert.equal(firstDifference(got, referenceTopK(values, k, alive)), -1, `${name}, alive: first difference`);
  }
});

test("sampled top-k leaves its input untouched and rejects k outside the alive count", () => {
  const values = Float32Array.from({ length: 30_000 }, (_, i) => Math.sin(i));
  const copy = Float32Array.from(values);
  topKMask(values, 1000);
  assert.deepEqual(values, copy);
  const alive = new Uint8Array(values.length);
  alive.fill(1, 0, 100);
  assert.throws(() => topKMask(values, 101, alive), RangeError);
});

function layerOf(kind: "dense" | "conv2d", seed: number): MaskedLayer {
  const shape =
    kind === "dense"
      ? ({ kind: "dense", inFeatures: 9, outFeatures: 7 } as const)
      : ({ kind: "conv2d", kernel: 3, inChannels: 2, outChannels: 3, geometry: { stride: 1, padding: 1 } } as const);
  return new MaskedLayer("l", shape, {
    mode: "supermask",
    weightInit: "signed-constant",
    scoreInit: "kaiming-normal",
    keepFraction: 0.5,
    rng: new Rng(seed),
  });
}

/** strictEqual tells −0 from 0; the kernels may produce either. */
const noSignedZero = (v: number) => (v === 0 ? 0 : v);

/** Value and score gradient of Σ W_eff ⊙ U through the layer's effective weight. */
function valueAndGrad(layer: MaskedLayer, u: tf.Tensor): { value: Float32Array; grad: Float32Array } {
  return tf.tidy(() => {
    let value = new Float32Array(0);
    const { grads } = tf.variableGrads(() => {
      const w = layer.effectiveWeight();
      value = Float32Array.from(w.dataSync() as Float32Array);
      return tf.sum(tf.mul(w, u)) as tf.Scalar;
    }, [layer.scores!]);
    return { value, grad: Float32Array.from(grads[layer.scores!.name].dataSync() as Float32Array) };
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`precomputed W⊙M and W⊙sign(S) are exact, with zero and negative-zero scores, and follow reassigned variables (${backend})`, async () => {
    await initBackend(backend);
    for (const kind of ["dense", "conv2d"] as const) {
      const layer = layerOf(kind, kind === "dense" ? 3 : 4);
      try {
        const n = layer.numel;
        const rng = new Rng(5);
        const s0 = Float32Array.from({ length: n }, () => rng.normal());
        s0[0] = 0;
        s0[1] = -0;
        layer.scores!.assign(tf.tensor(s0, layer.weightShape));
        const u = tf.tensor(
          Float32Array.from({ length: n }, () => rng.normal()),
          layer.weightShape,
        );
        const uv = u.dataSync() as Float32Array;
        const check = (what: string) => {
          const W = layer.weight.dataSync() as Float32Array;
          const S = layer.scores!.dataSync() as Float32Array;
          const M = layer.mask!;
          const { value, grad } = valueAndGrad(layer, u);
          for (let i = 0; i < n; i++) {
            assert.equal(noSignedZero(value[i]), noSignedZero(W[i] * M[i]), `${kind} ${what}: value[${i}]`);
            const want = Math.fround(uv[i] * W[i]) * Math.sign(S[i]);
            assert.equal(noSignedZero(grad[i]), noSignedZero(want), `${kind} ${what}: grad[${i}]`);
          }
        };
        const masker = new Masker([layer], { globalTopK: false, keepFraction: 0.5 });
        masker.refresh();
        assert.equal(countOnes(layer.mask!), Math.round(n / 2));
        check("after refresh");
        // Scores moved without a refresh: the old mask with the new signs.
        layer.scores!.assign(tf.neg(layer.scores!));
        check("scores reassigned");
        // The frozen weight re-drawn (as IteRand does): the new weight's values.
        layer.weight.assign(tf.mul(layer.weight, 3));
        check("weight reassigned");
        // A mask set from outside (resume): used as given.
        const m = new Uint8Array(n);
        m[2] = 1;
        layer.setMask(m);
        check("mask set directly");
        u.dispose();
      } finally {
        layer.dispose();
      }
    }
  });
}

test("wasm: a refresh rewrites the factors in place, yet a tensor taken from effectiveWeight earlier keeps its values", async () => {
  await initBackend("wasm");
  const layer = layerOf("dense", 8);
  try {
    const masker = new Masker([layer], { globalTopK: false, keepFraction: 0.5 });
    masker.refresh();
    // Held past the step (as a caller keeping W ⊙ M would): it shares the factor's storage.
    const held = tf.keep(layer.effectiveWeight());
    const before = Float32Array.from(held.dataSync() as Float32Array);
    layer.scores!.assign(tf.neg(layer.scores!)); // same |S|, other signs: W ⊙ sign(S) changes
    layer.scores!.assign(tf.add(layer.scores!, tf.randomNormal(layer.weightShape, 0, 1, "float32", 9)));
    masker.refresh();
    assert.deepEqual(Float32Array.from(held.dataSync() as Float32Array), before);
    const now = layer.effectiveWeight();
    const W = layer.weight.dataSync() as Float32Array;
    const M = layer.mask!;
    const v = now.dataSync() as Float32Array;
    for (let i = 0; i < layer.numel; i++)
      assert.equal(noSignedZero(v[i]), noSignedZero(W[i] * M[i]), `value[${i}] after the second refresh`);
    held.dispose();
    now.dispose();
    // Nothing holds them now: the next refresh writes in place and still gives the right values.
    const tensors = tf.memory().numTensors;
    masker.refresh();
    assert.equal(tf.memory().numTensors, tensors, "an in-place refresh allocates no tensor");
  } finally {
    layer.dispose();
  }
});

test("the gradient of an input that needs none is not computed (the first layer's input)", async () => {
  await initBackend("wasm");
  const x = tf.randomNormal([8, 20], 0, 1, "float32", 1);
  const w = tf.variable(tf.randomNormal([20, 5], 0, 1, "float32", 2));
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(dense(x as tf.Tensor2D, w as unknown as tf.Tensor2D)) as tf.Scalar, [w]);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  });
  const matMuls = profile.kernels.filter((k) => k.name === "BatchMatMul").length;
  assert.equal(matMuls, 2, "forward and dW only, no dX");
  w.dispose();
  x.dispose();
});

const paddedGeometries = [
  { h: 6, k: 1, stride: 1, padding: 1 }, // padding wider than the kernel: the input gradient crops
  { h: 7, k: 3, stride: 2, padding: 2 },
  { h: 5, k: 5, stride: 1, padding: 3 },
];
for (const g of paddedGeometries) {
  test(`conv2d gradients with the padding handed to the kernel match autodiff (cpu): ${JSON.stringify(g)}`, async () => {
    await initBackend("cpu");
    const x = tf.randomNormal([2, g.h, g.h, 3], 0, 1, "float32", 3);
    const w = tf.randomNormal([g.k, g.k, 3, 2], 0, 1, "float32", 4);
    const geo = { stride: g.stride, padding: g.padding };
    const ours = (a: tf.Tensor, b: tf.Tensor) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, geo);
    const ref = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.padding);
    const up = tf.randomNormal(ref(x, w).shape, 0, 1, "float32", 7);
    const loss = (f: typeof ours) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), up));
    const [dxO, dwO] = tf.grads(loss(ours))([x, w]);
    const [dxR, dwR] = tf.grads(loss(ref))([x, w]);
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    assert.ok(diff(ours(x, w), ref(x, w)) < 1e-4 && diff(dxO, dxR) < 2e-4 && diff(dwO, dwR) < 2e-4);
  });
}
