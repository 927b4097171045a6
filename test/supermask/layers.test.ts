/**
 * The straight-through estimator of Edge-Popup, checked three independent ways on both the
 * cpu and wasm backends, for a dense and a conv layer:
 *  (a) a linear loss whose dL/d(W⊙M) is written out in plain JS, times W ⊙ sign(S);
 *  (b) tfjs autodiff of the surrogate W ⊙ (M + |S| − stop_gradient(|S|)), whose forward
 *      value is W ⊙ M and whose gradient is the same STE;
 *  (c) central finite differences of a nonlinear loss in the effective weight W⊙M, which
 *      verifies the dL/d(W⊙M) that the STE multiplies, so the chain holds end to end.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { conv2d, dense } from "../../src/engine/ops";
import { Rng } from "../../src/engine/rng";
import { type LayerShape, MaskedLayer, maskedWeight } from "../../src/supermask/layers";
import { Masker } from "../../src/supermask/masker";
import { Optimizer } from "../../src/train/optimizer";

type Backend = "cpu" | "wasm";

interface Case {
  kind: "dense" | "conv2d";
  shape: LayerShape;
  inputShape: number[];
}

const cases: Case[] = [
  { kind: "dense", shape: { kind: "dense", inFeatures: 6, outFeatures: 5 }, inputShape: [4, 6] },
  {
    kind: "conv2d",
    shape: { kind: "conv2d", kernel: 3, inChannels: 2, outChannels: 3, geometry: { stride: 2, padding: 1 } },
    inputShape: [2, 5, 5, 2],
  },
];

function normals(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function makeLayer(c: Case, seed: number): MaskedLayer {
  // Normal weights and scores: varied magnitudes and both signs, so sign(S) and W matter.
  return new MaskedLayer("layer", c.shape, {
    mode: "supermask",
    weightInit: "kaiming-normal",
    scoreInit: "kaiming-normal",
    keepFraction: 0.5,
    rng: new Rng(seed),
  });
}

/** The layer's op applied to a plain effective-weight tensor. */
function applyOp(c: Case, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (c.shape.kind === "dense") return dense(x as tf.Tensor2D, w as tf.Tensor2D);
  return conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.shape.geometry);
}

/**
 * The same forward with tfjs's own kernels and autodiff, where tfjs can differentiate them
 * on this backend (the wasm backend has no conv filter gradient: there the workbench's
 * conv2d, itself checked against autodiff in test/engine/ops.test.ts, stands in).
 */
function applyReference(c: Case, backend: Backend, x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  if (c.shape.kind === "dense") return tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
  const g = c.shape.geometry;
  if (backend === "cpu") return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, g.stride, g.padding === 0 ? "valid" : g.padding);
  return conv2d(x as tf.Tensor4D, w as tf.Tensor4D, g);
}

/** Output shape, so that an upstream weighting U can be drawn for every output element. */
function outputShape(c: Case): number[] {
  if (c.shape.kind === "dense") return [c.inputShape[0], c.shape.outFeatures];
  const { kernel, geometry, outChannels } = c.shape;
  const o = Math.floor((c.inputShape[1] + 2 * geometry.padding - kernel) / geometry.stride) + 1;
  return [c.inputShape[0], o, o, outChannels];
}

/** dL/dE for L = Σ y ⊙ U, written out from the definition of dense / conv (no tfjs). */
function linearLossWeightGrad(c: Case, x: Float32Array, u: Float32Array): Float64Array {
  if (c.shape.kind === "dense") {
    const [b, nIn] = c.inputShape;
    const nOut = c.shape.outFeatures;
    const g = new Float64Array(nIn * nOut);
    for (let i = 0; i < nIn; i++)
      for (let o = 0; o < nOut; o++) for (let r = 0; r < b; r++) g[i * nOut + o] += x[r * nIn + i] * u[r * nOut + o];
    return g;
  }
  const { kernel: k, inChannels: ci, outChannels: co, geometry } = c.shape;
  const [n, h, w] = c.inputShape;
  const [, ho, wo] = outputShape(c);
  const g = new Float64Array(k * k * ci * co);
  for (let kh = 0; kh < k; kh++)
    for (let kw = 0; kw < k; kw++)
      for (let cin = 0; cin < ci; cin++)
        for (let cout = 0; cout < co; cout++) {
          let s = 0;
          for (let b = 0; b < n; b++)
            for (let oh = 0; oh < ho; oh++)
              for (let ow = 0; ow < wo; ow++) {
                const ih = oh * geometry.stride + kh - geometry.padding;
                const iw = ow * geometry.stride + kw - geometry.padding;
                if (ih < 0 || iw < 0 || ih >= h || iw >= w) continue; // zero padding
                s += x[((b * h + ih) * w + iw) * ci + cin] * u[((b * ho + oh) * wo + ow) * co + cout];
              }
          g[((kh * k + kw) * ci + cin) * co + cout] = s;
        }
  return g;
}

/** A smooth nonlinear loss, so finite differences test more than linearity. */
function nonlinearLoss(y: tf.Tensor, u: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(tf.tanh(y), u));
}

function nonlinearLossJs(y: Float32Array, u: Float32Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.tanh(y[i]) * u[i];
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, relTol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const scale = Math.max(maxAbs(want), 1e-6);
  let worst = 0,
    at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d > worst) [worst, at] = [d, i];
  }
  assert.ok(
    worst <= relTol * scale,
    `${what}: max |diff| ${worst.toExponential(2)} at ${at} (got ${got[at]}, want ${want[at]}), scale ${scale.toExponential(2)}`,
  );
}

/** The STE gradient of the scores, through a whole MaskedLayer and the Masker. */
function steGrad(layer: MaskedLayer, x: tf.Tensor, loss: (y: tf.Tensor) => tf.Scalar): Float32Array {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => loss(layer.apply(x)), [layer.scores!]);
    return Float32Array.from(grads[layer.scores!.name].dataSync() as Float32Array);
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  for (const c of cases) {
    test(`STE dL/dS = dL/d(W⊙M) ⊙ W ⊙ sign(S) for every score: ${c.kind} layer on ${backend}`, async () => {
      await initBackend(backend);
      assert.equal(tf.getBackend(), backend);
      const rng = new Rng(c.kind === "dense" ? 21 : 22);
      const layer = makeLayer(c, c.kind === "dense" ? 1 : 2);
      try {
        const [mask] = new Masker([layer], { globalTopK: false, keepFraction: 0.5, deviceMasks: false }).refresh()!;
        const maskCopy = Uint8Array.from(mask);
        const W = Float32Array.from(layer.weight.dataSync() as Float32Array);
        const S = Float32Array.from(layer.scores!.dataSync() as Float32Array);
        const signS = S.map((s) => Math.sign(s));
        assert.ok(maskCopy.includes(0) && maskCopy.includes(1), "the test needs selected and unselected edges");
        assert.ok(W.every((w) => w !== 0) && S.every((s) => s !== 0));

        const xData = normals(
          rng,
          c.inputShape.reduce((a, b) => a * b, 1),
        );
        const uData = normals(
          rng,
          outputShape(c).reduce((a, b) => a * b, 1),
        );
        const x = tf.tensor(xData, c.inputShape);
        const u = tf.tensor(uData, outputShape(c));

        // (a) Explicit formula in JS for the linear loss Σ y ⊙ U.
        const dE = linearLossWeightGrad(c, xData, uData);
        const explicit = dE.map((g, i) => g * W[i] * signS[i]);
        const gLinear = steGrad(layer, x, (y) => tf.sum(tf.mul(y, u)));
        assertClose(gLinear, explicit, 1e-5, "STE vs explicit JS formula");
        // Unselected edges get the same rule as selected ones (not zero).
        const unselectedWithGrad = explicit.findIndex((g, i) => !maskCopy[i] && Math.abs(g) > 1e-3);
        assert.ok(unselectedWithGrad >= 0 && Math.abs(gLinear[unselectedWithGrad]) > 0, "unselected scores must receive gradient");

        // (b) Autodiff of the surrogate W ⊙ (M + |S| − stop_gradient(|S|)) with a nonlinear loss.
        const gSte = steGrad(layer, x, (y) => nonlinearLoss(y, u));
        const gSurrogate = tf.tidy(() => {
          const w = tf.tensor(W, layer.weightShape);
          const m = tf.tensor(Float32Array.from(maskCopy), layer.weightShape);
          const absSConst = tf.tensor(S.map(Math.abs), layer.weightShape); // stop_gradient(|S|)
          const g = tf.grad((s: tf.Tensor) => {
            const effective = tf.mul(w, tf.add(m, tf.sub(tf.abs(s), absSConst)));
            return nonlinearLoss(applyReference(c, backend, x, effective), u);
          })(tf.tensor(S, layer.weightShape));
          return Float32Array.from(g.dataSync() as Float32Array);
        });
        assertClose(gSte, gSurrogate, 1e-4, "STE vs surrogate autodiff");

        // (c) Finite differences of the nonlinear loss in the effective weight E = W⊙M.
        const E = W.map((w, i) => w * maskCopy[i]);
        const lossAt = (e: Float32Array) =>
          tf.tidy(() => nonlinearLossJs(applyOp(c, x, tf.tensor(e, layer.weightShape)).dataSync() as Float32Array, uData));
        const h = 1e-2;
        const fd = new Float64Array(E.length);
        for (let i = 0; i < E.length; i++) {
          const plus = Float32Array.from(E),
            minus = Float32Array.from(E);
          plus[i] += h;
          minus[i] -= h;
          fd[i] = (lossAt(plus) - lossAt(minus)) / (plus[i] - minus[i]);
        }
        assertClose(
          fd.map((g, i) => g * W[i] * signS[i]),
          gSte,
          2e-3,
          "STE vs finite differences of L(W⊙M)",
        );

        x.dispose();
        u.dispose();
      } finally {
        layer.dispose();
      }
    });
  }
}

test("maskedWeight alone: value W⊙M, gradient dy ⊙ W ⊙ sign(S) (cpu and wasm)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    const rng = new Rng(31);
    const n = 12;
    const W = normals(rng, n),
      M = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
      S = normals(rng, n),
      dy = normals(rng, n);
    const [value, grad] = tf.tidy(() => {
      const w = tf.tensor(W),
        m = tf.tensor(M),
        dyT = tf.tensor(dy);
      const out = maskedWeight(w, m, tf.tensor(S));
      const g = tf.grad((s: tf.Tensor) => tf.sum(tf.mul(maskedWeight(w, m, s), dyT)))(tf.tensor(S));
      return [Array.from(out.dataSync()), Array.from(g.dataSync())];
    });
    assertClose(
      value,
      W.map((w, i) => w * M[i]),
      1e-7,
      `${backend} value`,
    );
    assertClose(
      grad,
      dy.map((d, i) => d * W[i] * Math.sign(S[i])),
      1e-6,
      `${backend} gradient`,
    );
  }
});

test("supermask mode trains only the scores: the weight is frozen and unchanged by an optimiser step", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    for (const c of cases) {
      const layer = makeLayer(c, 5);
      try {
        assert.equal(layer.weight.trainable, false);
        assert.equal(layer.scores!.trainable, true);
        assert.deepEqual(layer.trainableVariables(), [layer.scores]);
        new Masker([layer], { globalTopK: false, keepFraction: 0.5 }).refresh();
        const rng = new Rng(6);
        const x = tf.tensor(
          normals(
            rng,
            c.inputShape.reduce((a, b) => a * b, 1),
          ),
          c.inputShape,
        );
        const w0 = Float32Array.from(layer.weight.dataSync() as Float32Array);
        const s0 = Float32Array.from(layer.scores!.dataSync() as Float32Array);
        // Default variable list: every trainable variable the loss reaches.
        const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x))));
        value.dispose();
        assert.ok(layer.scores!.name in grads, "scores get a gradient");
        assert.ok(!(layer.weight.name in grads), "the frozen weight gets none");
        const opt = new Optimizer(layer.trainableVariables(), { kind: "sgd", momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
        opt.apply([grads[layer.scores!.name]], 0.1);
        Object.values(grads).forEach((g) => g.dispose());
        assert.deepEqual(Float32Array.from(layer.weight.dataSync() as Float32Array), w0, `${backend} ${c.kind}: weight changed`);
        assert.notDeepEqual(Float32Array.from(layer.scores!.dataSync() as Float32Array), s0, `${backend} ${c.kind}: scores did not move`);
        opt.dispose();
        x.dispose();
      } finally {
        layer.dispose();
      }
    }
  }
});

test("weights mode trains the weight itself and has no scores", async () => {
  await initBackend("cpu");
  const layer = new MaskedLayer("w", cases[0].shape, {
    mode: "weights",
    weightInit: "kaiming-normal",
    scoreInit: "kaiming-normal",
    keepFraction: 0.5,
    rng: new Rng(3),
  });
  try {
    assert.equal(layer.scores, null);
    assert.equal(layer.weight.trainable, true);
    assert.deepEqual(layer.trainableVariables(), [layer.weight]);
    assert.equal(layer.prunable, false);
  } finally {
    layer.dispose();
  }
});
