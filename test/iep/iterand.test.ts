/**
 * IteRand: which weights are re-drawn, how often, from what distribution, and that a
 * run with it resumes exactly and needs nothing from the iEP code.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { parseRunConfig } from "../../src/experiments/config";
import { currentMasks } from "../../src/supermask/iterand";
import { IterandPlugin, iterandPlugin } from "../../src/train/iterand-plugin";
import { pluginsFor } from "../../src/train/plugins";
import {
  Recorder,
  checkpointWeights as w,
  pluginLayer as layer,
  prunedLayerPair,
  sameArrays,
  tinyConfig,
  tinyData,
  weightsAfterOneStep,
  weightsOf as weights,
} from "./helpers";

test("IteRand re-draws only unselected, still-available weights, at the requested rate (binomial tolerance), and only every `period` steps", async () => {
  await initBackend("cpu");
  const rate = 0.2;
  // A quarter of layer a's edges removed; the layers' own (stale) masks zeroed.
  const { layers, masks } = await prunedLayerPair();
  const plugin = new IterandPlugin({ period: 5, rate, globalTopK: false });
  const w0 = layers.map(weights);

  for (const step of [1, 2, 3, 4, 6, 9]) await plugin.afterStep({ globalStep: step, layers, keepFraction: 0.3, seed: 0 });
  assert.ok(sameArrays(layers.map(weights), w0), "no re-draw off the period");

  await plugin.afterStep({ globalStep: 10, layers, keepFraction: 0.3, seed: 0 });
  const w1 = layers.map(weights);
  let candidates = 0;
  let redrawn = 0;
  layers.forEach((l, li) => {
    for (let i = 0; i < l.numel; i++) {
      const changed = w1[li][i] !== w0[li][i];
      if (masks[li][i]) assert.ok(!changed, `selected weight ${i} of ${l.name} changed`);
      else if (l.alive && !l.alive[i]) assert.ok(!changed, `removed weight ${i} of ${l.name} changed`);
      else {
        candidates++;
        if (changed) redrawn++;
      }
    }
  });
  // kaiming-normal draws are continuous: a re-drawn weight differs from the old one.
  assert.equal(redrawn, plugin.redrawnTotal);
  const sd = Math.sqrt((rate * (1 - rate)) / candidates);
  const share = redrawn / candidates;
  assert.ok(Math.abs(share - rate) < 4 * sd, `re-drawn share ${share} vs rate ${rate} ± 4·${sd.toFixed(4)} (n = ${candidates})`);
  layers.forEach((l) => l.dispose());
});

test("re-drawn weights follow the layer's own initial distribution, with the init's kept fraction (not the current cycle's)", async () => {
  await initBackend("cpu");
  // scaled-signed-constant: ±√(2 / (fan-in · keep)) with keep the one the layer was built with.
  const l = layer("s", "scaled-signed-constant", 100, 80, 0.25, 3);
  const sigma = Math.fround(Math.sqrt(2 / (100 * 0.25)));
  const w0 = weights(l);
  // keep 0.5: iEP's first cycle of a run whose final keep is 0.25.
  await new IterandPlugin({ period: 1, rate: 1, globalTopK: false }).afterStep({ globalStep: 7, layers: [l], keepFraction: 0.5, seed: 0 });
  const w1 = weights(l);
  assert.ok(
    w1.every((v) => Math.abs(v) === sigma),
    "every weight is ±σ of the init",
  );
  let flipped = 0;
  for (let i = 0; i < w1.length; i++) if (w1[i] !== w0[i]) flipped++;
  // rate 1: every unselected weight re-drawn; a fresh sign differs from the old one half the time.
  const unselected = l.numel - (await currentMasks([l], 0.5, false))[0].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(flipped / unselected - 0.5) < 4 * Math.sqrt(0.25 / unselected), `${flipped} of ${unselected} flipped`);
  l.dispose();

  const n = layer("n", "kaiming-normal", 400, 50, 0.1, 4);
  await new IterandPlugin({ period: 1, rate: 1, globalTopK: false }).afterStep({ globalStep: 1, layers: [n], keepFraction: 0.1, seed: 0 });
  const mask = (await currentMasks([n], 0.1, false))[0];
  const fresh = Array.from(weights(n)).filter((_, i) => !mask[i]);
  const std = Math.sqrt(fresh.reduce((a, v) => a + v * v, 0) / fresh.length);
  const expected = Math.sqrt(2 / 400);
  assert.ok(Math.abs(std / expected - 1) < 0.05, `std ${std} vs kaiming ${expected}`);
  n.dispose();
});

test("IteRand draws from Rng.derive(seed, 'iterand-<step>'): the same step re-draws the same weights, another step others", async () => {
  await initBackend("cpu");
  const run = async (step: number, seed: number) =>
    weightsAfterOneStep(new IterandPlugin({ period: 1, rate: 0.3, globalTopK: false }), step, seed);
  assert.ok(sameArrays([await run(12, 0)], [await run(12, 0)]));
  assert.ok(!sameArrays([await run(12, 0)], [await run(13, 0)]));
  assert.ok(!sameArrays([await run(12, 0)], [await run(12, 1)]));
});

test("the plug-in registry turns IteRand on exactly when config.iterand is set", () => {
  const names = (c: unknown) => pluginsFor(parseRunConfig(c)).map((p) => p.name);
  assert.deepEqual(names({ method: "ep" }), []);
  assert.deepEqual(names({ method: "ep", iterand: {} }), ["iterand"]);
  assert.deepEqual(names({ method: "iep", iterand: { period: 10, rate: 0.5 } }), ["iterand"]);
  const c = parseRunConfig({ method: "iep", globalTopK: true, iterand: { period: 10, rate: 0.5 } });
  const p = iterandPlugin(c.iterand, c) as IterandPlugin;
  assert.deepEqual(p.settings, { period: 10, rate: 0.5, globalTopK: true });
});

test("iEP + IteRand end to end: weights move only through IteRand, and a run resumed mid-way repeats the uninterrupted one bit for bit", async () => {
  const data = await tinyData();
  const config = tinyConfig({ lr: 0.5, iterand: { period: 3, rate: 0.5 }, iep: { cycles: 2, pruning: "hard", rewind: "lr" } });
  const full = new Recorder();
  const fullResult = await full.run(config, data);
  const plain = new Recorder();
  await plain.run({ ...config, iterand: null }, data);
  assert.ok(sameArrays(w(plain, 1), w(plain, 0)), "without IteRand the weights stay frozen");
  // Over cycle 2: removed edges and edges selected at every step (and in the final mask) keep
  // their weights; IteRand saw each of them selected or removed whenever it ran.
  const always = full.finalMasks.get(2)!.map((m) => Uint8Array.from(m));
  for (const s of full.stepsOf(2)) s.masks.forEach((m, l) => m.forEach((v, i) => (always[l][i] &= v)));
  const alive = full.checkpoints[1].alive;
  let changedElsewhere = 0;
  full.layers.forEach((l, li) => {
    const before = w(full, 0)[li];
    const after = w(full, 1)[li];
    for (let i = 0; i < l.numel; i++) {
      if (always[li][i] || !alive[li]![i]) assert.equal(after[i], before[i], `${l.name}[${i}]`);
      else if (after[i] !== before[i]) changedElsewhere++;
    }
  });
  assert.ok(changedElsewhere > 0, "IteRand re-drew unselected survivors in cycle 2");
  const resumed = new Recorder();
  const resumedResult = await resumed.run(config, data, structuredClone(full.checkpoints[0]));
  assert.ok(sameArrays(w(resumed, 0), w(full, 1)), "resumed weights");
  assert.ok(
    sameArrays(
      resumed.layers.map((l) => resumed.checkpoints[0].variables[`${l.name}.scores`]),
      full.layers.map((l) => full.checkpoints[1].variables[`${l.name}.scores`]),
    ),
  );
  assert.deepEqual(resumedResult.final, fullResult.final);
});

test("IteRand in its paper's setting: under weightInit kaiming-normal a re-drawn weight gets a new magnitude; under signed-constant only its sign can change", async () => {
  const data = await tinyData();
  // EP with IteRand switched on through the config (the path `slt run --iterand` takes).
  const redrawn = async (weightInit: "kaiming-normal" | "signed-constant") => {
    const config = tinyConfig({ method: "ep", epochs: 1, weightInit, iterand: { period: 2, rate: 0.5 } });
    const on = new Recorder();
    await on.run(config, data);
    const off = new Recorder();
    await off.run({ ...config, iterand: null }, data);
    // Without IteRand the weights stay at their init: the reference for what IteRand changed.
    const before = w(off, 0);
    const after = w(on, 0);
    const changed: [number, number][] = [];
    before.forEach((b, l) => b.forEach((v, i) => after[l][i] !== v && changed.push([v, after[l][i]])));
    return changed;
  };
  const normal = await redrawn("kaiming-normal");
  assert.ok(normal.length > 100, `${normal.length} weights re-drawn`);
  assert.ok(
    normal.every(([b, a]) => Math.abs(a) !== Math.abs(b)),
    "every re-drawn kaiming-normal weight has a new magnitude",
  );
  const signed = await redrawn("signed-constant");
  assert.ok(signed.length > 100, `${signed.length} weights changed`);
  assert.ok(
    signed.every(([b, a]) => a === -b),
    "a signed-constant re-draw changes a weight only by flipping its sign",
  );
});
