/**
 * Sign flips (PaB-like): only signs of unselected, still-available weights change, never a
 * magnitude; flips come at the requested rate, only every `period` steps, seeded by the step;
 * a run with them resumes bit for bit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../../src/engine/backend";
import { parseRunConfig } from "../../src/experiments/config";
import { SignFlipPlugin, signFlipPlugin } from "../../src/train/signflip-plugin";
import { pluginsFor } from "../../src/train/plugins";
import {
  Recorder,
  checkpointWeights as w,
  prunedLayerPair,
  sameArrays,
  tinyConfig,
  tinyData,
  weightsAfterOneStep,
  weightsOf as weights,
} from "../iep/helpers";

test("sign flips change only the signs of unselected, still-available weights, at the requested rate, and only every `period` steps", async () => {
  await initBackend("cpu");
  const rate = 0.2;
  // A quarter of layer a's edges removed; the layers' own (stale) masks zeroed.
  const { layers, masks } = await prunedLayerPair();
  const plugin = new SignFlipPlugin({ period: 5, rate, globalTopK: false });
  const w0 = layers.map(weights);

  for (const step of [1, 2, 3, 4, 6, 9]) await plugin.afterStep({ globalStep: step, layers, keepFraction: 0.3, seed: 0 });
  assert.ok(sameArrays(layers.map(weights), w0), "no flip off the period");

  await plugin.afterStep({ globalStep: 10, layers, keepFraction: 0.3, seed: 0 });
  const w1 = layers.map(weights);
  let candidates = 0;
  let flipped = 0;
  layers.forEach((l, li) => {
    for (let i = 0; i < l.numel; i++) {
      assert.equal(Math.abs(w1[li][i]), Math.abs(w0[li][i]), `magnitude of ${l.name}[${i}]`);
      const changed = w1[li][i] !== w0[li][i];
      if (changed) assert.equal(w1[li][i], -w0[li][i]);
      if (masks[li][i]) assert.ok(!changed, `selected weight ${i} of ${l.name} flipped`);
      else if (l.alive && !l.alive[i]) assert.ok(!changed, `removed weight ${i} of ${l.name} flipped`);
      else {
        candidates++;
        if (changed) flipped++;
      }
    }
  });
  assert.equal(flipped, plugin.flippedTotal);
  const sd = Math.sqrt((rate * (1 - rate)) / candidates);
  const share = flipped / candidates;
  assert.ok(Math.abs(share - rate) < 4 * sd, `flipped share ${share} vs rate ${rate} ± 4·${sd.toFixed(4)} (n = ${candidates})`);
  // Rate 1 flips every eligible sign: flipping twice restores the weights.
  const all = new SignFlipPlugin({ period: 1, rate: 1, globalTopK: false });
  await all.afterStep({ globalStep: 11, layers, keepFraction: 0.3, seed: 0 });
  await all.afterStep({ globalStep: 12, layers, keepFraction: 0.3, seed: 0 });
  assert.equal(all.flippedTotal, 2 * candidates);
  assert.ok(sameArrays(layers.map(weights), w1));
  layers.forEach((l) => l.dispose());
});

test("flips draw from Rng.derive(seed, 'signflip-<step>'): the same step flips the same signs, another step or seed others", async () => {
  await initBackend("cpu");
  const run = async (step: number, seed: number) =>
    weightsAfterOneStep(new SignFlipPlugin({ period: 1, rate: 0.3, globalTopK: false }), step, seed);
  assert.ok(sameArrays([await run(12, 0)], [await run(12, 0)]));
  assert.ok(!sameArrays([await run(12, 0)], [await run(13, 0)]));
  assert.ok(!sameArrays([await run(12, 0)], [await run(12, 1)]));
});

test("the plug-in registry turns sign flips on exactly when config.signFlip is set, beside IteRand", () => {
  const names = (c: unknown) => pluginsFor(parseRunConfig(c)).map((p) => p.name);
  assert.deepEqual(names({ method: "ep" }), []);
  assert.deepEqual(names({ method: "ep", signFlip: {} }), ["signFlip"]);
  assert.deepEqual(names({ method: "iep", iterand: {}, signFlip: { period: 10 } }), ["iterand", "signFlip"]);
  const c = parseRunConfig({ globalTopK: true, signFlip: { period: 10, rate: 0.5 } });
  const p = signFlipPlugin(c.signFlip, c) as SignFlipPlugin;
  assert.deepEqual(p.settings, { period: 10, rate: 0.5, globalTopK: true });
});

test("iEP + sign flips end to end: magnitudes never change, some signs do, and a run resumed mid-way repeats the uninterrupted one bit for bit", async () => {
  const data = await tinyData();
  const config = tinyConfig({ lr: 0.5, signFlip: { period: 3, rate: 0.5 }, iep: { cycles: 2, pruning: "hard", rewind: "lr" } });
  const full = new Recorder();
  const fullResult = await full.run(config, data);
  const plain = new Recorder();
  const plainResult = await plain.run({ ...config, signFlip: null }, data);
  // Same seed: the same initial weights; the flipped run keeps every magnitude of them.
  const initial = w(plain, 1);
  let flipped = 0;
  for (const epoch of [0, 1])
    w(full, epoch).forEach((ws, li) =>
      ws.forEach((v, i) => {
        assert.equal(Math.abs(v), Math.abs(initial[li][i]), `epoch ${epoch} ${full.layers[li].name}[${i}]`);
        if (epoch === 1 && v !== initial[li][i]) flipped++;
      }),
    );
  assert.ok(flipped > 0, "some signs flipped");
  assert.notDeepEqual(fullResult.final, plainResult.final);
  const resumed = new Recorder();
  const resumedResult = await resumed.run(config, data, structuredClone(full.checkpoints[0]));
  assert.ok(sameArrays(w(resumed, 0), w(full, 1)), "resumed weights");
  assert.deepEqual(resumedResult.final, fullResult.final);
});
