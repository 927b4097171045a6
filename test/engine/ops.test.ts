import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { conv2d, dense, hasHeapAccess, heapBits, ownsStorage } from "../../src/engine/ops";

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function referenceGrads(
  ours: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor,
  reference: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  w: tf.Tensor,
): { forward: number; dx: number; dw: number } {
  // A random upstream gradient so that every output element matters.
  const up = tf.randomNormal(ours(x, w).shape, 0, 1, "float32", 7);
  const loss = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), up));
  const [dxO, dwO] = tf.grads(loss(ours))([x, w]);
  const [dxR, dwR] = tf.grads(loss(reference))([x, w]);
  return { forward: maxAbsDiff(ours(x, w), reference(x, w)), dx: maxAbsDiff(dxO, dxR), dw: maxAbsDiff(dwO, dwR) };
}

test("dense forward and gradients match tfjs autodiff (cpu)", async () => {
  await initBackend("cpu");
  const x = tf.randomNormal([5, 7], 0, 1, "float32", 1);
  const w = tf.randomNormal([7, 3], 0, 1, "float32", 2);
  const d = referenceGrads(
    (a, b) => dense(a as tf.Tensor2D, b as tf.Tensor2D),
    (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    x,
    w,
  );
  assert.ok(d.forward < 1e-5 && d.dx < 1e-4 && d.dw < 1e-4, JSON.stringify(d));
});

const geometries = [
  { h: 6, k: 3, ci: 2, co: 4, stride: 1, padding: 1 },
  { h: 7, k: 3, ci: 3, co: 2, stride: 1, padding: 0 },
  { h: 8, k: 3, ci: 2, co: 3, stride: 2, padding: 1 },
  { h: 7, k: 3, ci: 2, co: 3, stride: 2, padding: 1 }, // odd size: the window misses a row
  { h: 8, k: 1, ci: 4, co: 2, stride: 2, padding: 0 }, // ResNet shortcut
  { h: 9, k: 5, ci: 1, co: 2, stride: 1, padding: 2 },
];

for (const g of geometries) {
  test(`conv2d gradients match autodiff (cpu): ${JSON.stringify(g)}`, async () => {
    await initBackend("cpu");
    const x = tf.randomNormal([2, g.h, g.h, g.ci], 0, 1, "float32", 3);
    const w = tf.randomNormal([g.k, g.k, g.ci, g.co], 0, 1, "float32", 4);
    const geo = { stride: g.stride, padding: g.padding };
    const d = referenceGrads(
      (a, b) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, geo),
      (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g.stride, g.padding === 0 ? "valid" : g.padding),
      x,
      w,
    );
    assert.ok(d.forward < 1e-4 && d.dx < 2e-4 && d.dw < 2e-4, JSON.stringify(d));
  });
}

test("conv2d gradients on wasm equal those on cpu", async () => {
  const g = { stride: 2, padding: 1 };
  const xv = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5).arraySync();
  const wv = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 6).arraySync();
  const upv = tf.randomNormal([2, 4, 4, 4], 0, 1, "float32", 8).arraySync();
  const run = () => {
    const x = tf.tensor4d(xv as number[][][][]);
    const w = tf.tensor4d(wv as number[][][][]);
    const up = tf.tensor4d(upv as number[][][][]);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g), up)))([x, w]);
    return { dx: dx.arraySync(), dw: dw.arraySync() };
  };
  await initBackend("cpu");
  const onCpu = run();
  await initBackend("wasm");
  const onWasm = run();
  const cmp = (a: unknown, b: unknown) => maxAbsDiff(tf.tensor(a as number[]), tf.tensor(b as number[]));
  assert.ok(cmp(onCpu.dx, onWasm.dx) < 2e-4);
  assert.ok(cmp(onCpu.dw, onWasm.dw) < 2e-4);
});

test("heap access: wasm tensors read and written in place; storage shared by a reshape is not owned; cpu has no heap view", async () => {
  await initBackend("wasm");
  assert.equal(hasHeapAccess(), true);
  const t = tf.tensor1d([1, -2, 3.5]);
  const bits = heapBits(t)!;
  assert.deepEqual(Array.from(new Float32Array(bits.buffer, bits.byteOffset, 3)), [1, -2, 3.5]);
  bits[1] = new Int32Array(Float32Array.of(7).buffer)[0];
  assert.deepEqual(Array.from(t.dataSync()), [1, 7, 3.5], "a write through the view is the tensor's value");
  assert.equal(ownsStorage(t), true);
  const r = tf.reshape(t, [3, 1]);
  assert.equal(ownsStorage(t), false, "a reshape shares the storage");
  r.dispose();
  assert.equal(ownsStorage(t), true);
  t.dispose();
  await initBackend("cpu");
  const c = tf.tensor1d([1]);
  assert.equal(hasHeapAccess(), false);
  assert.equal(heapBits(c), null);
  assert.equal(ownsStorage(c), false);
  c.dispose();
});

test("a strided conv's gradient uses no tensor above rank 4 (tfjs-backend-webgpu cannot pad rank 6: its WGSL indexes a vec6)", async () => {
  await initBackend("cpu");
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 5);
  const w = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 6);
  const info = await tf.profile(() => {
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, { stride: 2, padding: 1 })),
    )([x, w]);
    return [dx, dw];
  });
  const pads = info.kernels.filter((k) => k.name === "PadV2");
  assert.ok(pads.length > 0, "the dilation of dY pads");
  const above4 = info.kernels.filter((k) => [...k.inputShapes, ...k.outputShapes].some((s) => (s?.length ?? 0) > 4));
  assert.deepEqual(
    above4.map((k) => `${k.name} ${JSON.stringify(k.inputShapes)}`),
    [],
  );
});
