/**
 * Masks on the device equal the JavaScript path's, on cpu and wasm: the same edges (same
 * count, ties to the lowest index, NaN lowest, dead edges never), the same W ⊙ M and
 * W ⊙ sign(S), and an ever-selected record equal to OR-ing the masks in JS. Expectations
 * come from a brute-force sort and from the JS path (itself checked against the sort).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { Rng } from "../../src/engine/rng";
import { deviceGlobalTopKMasks, deviceTopKMask } from "../../src/supermask/device-mask";
import { MaskedLayer } from "../../src/supermask/layers";
import { countOnes, globalTopKMasks, keptCount } from "../../src/supermask/mask";
import { Masker } from "../../src/supermask/masker";
import { SelectionTracker } from "../../src/metrics/dying";

/** The k largest |s| among alive ones (NaN lowest); ties to the lower index. */
function referenceTopK(scores: Float32Array, k: number, alive?: Uint8Array | null): Uint8Array {
  const key = (v: number) => (Number.isNaN(v) ? -1 : Math.abs(v));
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!alive || alive[i]) idx.push(i);
  idx.sort((a, b) => key(scores[b]) - key(scores[a]) || a - b);
  const mask = new Uint8Array(scores.length);
  for (const i of idx.slice(0, k)) mask[i] = 1;
  return mask;
}

const readMask = (t: tf.Tensor) => Uint8Array.from(t.dataSync() as Uint8Array);
const noSignedZero = (v: number) => (v === 0 ? 0 : v);

for (const backend of ["cpu", "wasm"] as const) {
  test(`deviceTopKMask equals the brute-force top-k: ties, zeros, NaN, alive (${backend})`, async () => {
    await initBackend(backend);
    const rng = new Rng(41);
    const n = 3000;
    const cases: [string, (i: number) => number][] = [
      ["uniform signed", () => rng.next() - 0.5],
      ["6 levels (ties at the threshold)", () => (rng.int(6) - 3) / 6],
      ["all equal", () => 0.5],
      ["zeros, negative zeros, NaN", (i) => (i % 7 === 0 ? -0 : i % 11 === 0 ? 0 : i % 13 === 0 ? Number.NaN : rng.next())],
    ];
    for (const [name, gen] of cases) {
      const values = Float32Array.from({ length: n }, (_, i) => gen(i));
      const alive = Uint8Array.from({ length: n }, () => (rng.next() < 0.6 ? 1 : 0));
      const s = tf.tensor2d(values, [60, 50]);
      const aliveT = tf.cast(tf.tensor1d(alive, "int32"), "bool");
      for (const keep of [0.5, 0.01, 0.97, 1]) {
        const k = keptCount(keep, n);
        const m = deviceTopKMask(s, k);
        assert.deepEqual(readMask(m), referenceTopK(values, k), `${name}, keep ${keep}`);
        m.dispose();
        const ka = keptCount(keep, countOnes(alive));
        const ma = deviceTopKMask(s, ka, aliveT);
        const got = readMask(ma);
        assert.equal(countOnes(got), ka, `${name}, keep ${keep}, alive: count`);
        assert.deepEqual(got, referenceTopK(values, ka, alive), `${name}, keep ${keep}, alive`);
        ma.dispose();
      }
      assert.throws(() => deviceTopKMask(s, countOnes(alive) + 1, aliveT), RangeError);
      s.dispose();
      aliveT.dispose();
    }
  });

  test(`deviceGlobalTopKMasks equals globalTopKMasks (ties by layer order, then position) (${backend})`, async () => {
    await initBackend(backend);
    const rng = new Rng(42);
    const sizes = [700, 300, 50];
    const values = sizes.map((n) => Float32Array.from({ length: n }, () => rng.int(20) / 20));
    const alive = [null, Uint8Array.from({ length: 300 }, () => (rng.next() < 0.5 ? 1 : 0)), null];
    const total = sizes.reduce((a, b) => a + b, 0);
    for (const keep of [0.3, 0.5]) {
      const k = keptCount(keep, total);
      const want = globalTopKMasks(
        values.map((v) => v.map(Math.abs)),
        k,
        alive,
        sizes.map((n) => new Uint8Array(n)),
      );
      const got = deviceGlobalTopKMasks(
        values.map((v) => tf.tensor1d(v)),
        k,
        alive.map((a) => (a ? tf.cast(tf.tensor1d(a, "int32"), "bool") : null)),
      );
      got.forEach((g, i) => assert.deepEqual(readMask(g), want[i], `keep ${keep}, layer ${i}`));
    }
  });

  test(`Masker on the device gives the JS path's masks, factors and ever-selected record over training-like steps (${backend})`, async () => {
    await initBackend(backend);
    const make = () =>
      [
        new MaskedLayer(
          "a",
          { kind: "dense", inFeatures: 40, outFeatures: 30 },
          {
            mode: "supermask",
            weightInit: "kaiming-normal",
            scoreInit: "kaiming-uniform",
            keepFraction: 0.3,
            rng: new Rng(7),
          },
        ),
        new MaskedLayer(
          "b",
          { kind: "conv2d", kernel: 3, inChannels: 4, outChannels: 5, geometry: { stride: 1, padding: 1 } },
          {
            mode: "supermask",
            weightInit: "signed-constant",
            scoreInit: "kaiming-uniform",
            keepFraction: 0.3,
            rng: new Rng(8),
          },
        ),
      ] as const;
    for (const globalTopK of [false, true]) {
      const js = make();
      const dev = make();
      js[1].alive = Uint8Array.from({ length: js[1].numel }, (_, i) => (i % 4 === 0 ? 0 : 1));
      dev[1].alive = Uint8Array.from(js[1].alive);
      const jsMasker = new Masker([...js], { globalTopK, keepFraction: 0.3, deviceMasks: false });
      const devMasker = new Masker([...dev], { globalTopK, keepFraction: 0.3, deviceMasks: true });
      assert.equal(devMasker.onDevice, true);
      const ever = js.map((l) => new Uint8Array(l.numel));
      // The dying-ratio record: every mask recorded in JS vs the device record drained twice.
      const layerInfo = js.map((l) => ({ name: l.name, numel: l.numel }));
      const perStep = new SelectionTracker(layerInfo);
      const drained = new SelectionTracker(layerInfo);
      const rng = new Rng(9);
      for (let step = 0; step < 6; step++) {
        if (step === 3) {
          jsMasker.setKeepFraction(0.2);
          devMasker.setKeepFraction(0.2);
        }
        // The same score update on both sides (rounded to a grid: ties on purpose).
        js.forEach((l, li) => {
          const s = Float32Array.from(l.scores!.dataSync() as Float32Array).map(
            (v) => Math.round((v + (rng.next() - 0.5) * 0.05) * 64) / 64,
          );
          l.scores!.assign(tf.tensor(s, l.weightShape));
          dev[li].scores!.assign(tf.tensor(s, l.weightShape));
        });
        const a = jsMasker.refresh()!.map((m) => Uint8Array.from(m));
        assert.equal(devMasker.refresh(), null, "the device path hands no masks to JavaScript");
        const b = await Promise.all(dev.map(async (l) => (await l.readMask())!));
        perStep.record(a);
        a.forEach((m, li) => {
          assert.deepEqual(b[li], m, `global ${globalTopK}, step ${step}, layer ${li}: mask`);
          for (let i = 0; i < m.length; i++) ever[li][i] |= m[i];
          const wJs = js[li].effectiveWeight().dataSync() as Float32Array;
          const wDev = dev[li].effectiveWeight().dataSync() as Float32Array;
          assert.deepEqual(Array.from(wDev, noSignedZero), Array.from(wJs, noSignedZero), `step ${step}, layer ${li}: W ⊙ M`);
        });
        if (step === 1) drained.recordBatch((await devMasker.deviceRecord!.drain())!);
      }
      drained.recordBatch((await devMasker.deviceRecord!.drain())!);
      assert.equal(await devMasker.deviceRecord!.drain(), null, "a drained record is empty");
      assert.deepEqual(drained.getState(), perStep.getState(), `global ${globalTopK}: drained record = every mask recorded`);
      assert.deepEqual(drained.everSelected(), ever, `global ${globalTopK}: ever-selected record`);
      // The gradient factor W ⊙ sign(S): dL/dS of Σ W_eff.
      js.forEach((l, li) => {
        const g = (layer: MaskedLayer) =>
          tf.tidy(() => {
            const { grads } = tf.variableGrads(() => tf.sum(layer.effectiveWeight()) as tf.Scalar, [layer.scores!]);
            return Array.from(grads[layer.scores!.name].dataSync() as Float32Array, noSignedZero);
          });
        assert.deepEqual(g(dev[li]), g(l), `global ${globalTopK}, layer ${li}: W ⊙ sign(S)`);
      });
      devMasker.dispose();
      for (const l of [...js, ...dev]) l.dispose();
    }
  });
}

test("deviceMasks auto: on the JS path on cpu and wasm (not GPU backends)", async () => {
  for (const backend of ["cpu", "wasm"] as const) {
    await initBackend(backend);
    const l = new MaskedLayer(
      "a",
      { kind: "dense", inFeatures: 4, outFeatures: 3 },
      {
        mode: "supermask",
        weightInit: "signed-constant",
        scoreInit: "kaiming-uniform",
        keepFraction: 0.5,
        rng: new Rng(1),
      },
    );
    assert.equal(new Masker([l], { globalTopK: false, keepFraction: 0.5 }).onDevice, false);
    l.dispose();
  }
});
