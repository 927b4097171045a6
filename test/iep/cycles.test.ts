/**
 * What a cycle boundary does to the masks: hard pruning confines every later mask to the
 * survivors, soft pruning does not, every mask holds exactly its cycle's kept count, and
 * the per-cycle dying ratios agree with a recount from the recorded masks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunConfig } from "../../src/experiments/config";
import { cycleKeepFractions } from "../../src/iep/schedule";
import { keptCount } from "../../src/supermask/mask";
import type { ProcedureResult } from "../../src/train/procedure";
import { Recorder, ones, tinyConfig, tinyData } from "./helpers";

/** Steps of cycle ≥ 2 that select an edge outside the previous cycle's final mask, and how many such edges. */
function escapes(rec: Recorder, cycles: number): { steps: number; edges: number } {
  let steps = 0;
  let edges = 0;
  for (let c = 2; c <= cycles; c++) {
    const prev = rec.finalMasks.get(c - 1)!;
    const outside = prev.map((p) => new Uint8Array(p.length));
    for (const s of rec.stepsOf(c)) {
      let escaped = false;
      s.masks.forEach((m, l) => {
        for (let i = 0; i < m.length; i++)
          if (m[i] && !prev[l][i]) {
            escaped = true;
            outside[l][i] = 1;
          }
      });
      if (escaped) steps++;
    }
    edges += outside.reduce((a, o) => a + ones(o), 0);
  }
  return { steps, edges };
}

/** Every recorded mask holds exactly round(keep_c · n) edges of each layer. */
function assertScheduledCounts(rec: Recorder, config: RunConfig): void {
  const ks = cycleKeepFractions(config.keepFraction, config.iep);
  assert.equal(rec.steps.length, config.iep.cycles * 8, "8 steps per epoch, one epoch per cycle");
  for (const s of rec.steps) {
    s.masks.forEach((m, l) =>
      assert.equal(ones(m), keptCount(ks[s.cycle - 1], m.length), `step ${s.globalStep} (cycle ${s.cycle}) layer ${l}`),
    );
  }
  for (const [cycle, masks] of rec.finalMasks)
    masks.forEach((m, l) => assert.equal(ones(m), keptCount(ks[cycle - 1], m.length), `final mask of cycle ${cycle} layer ${l}`));
}

/** Recount each cycle's dying ratios from the recorded masks and compare with the stored metrics. */
function assertCycleDyingRatios(rec: Recorder, result: ProcedureResult, hard: boolean): void {
  const layers = rec.layers;
  const total = layers.reduce((s, l) => s + l.numel, 0);
  const runEver = layers.map((l) => new Uint8Array(l.numel));
  for (const cm of result.cycles) {
    const steps = rec.stepsOf(cm.cycle);
    const alive = steps[0].alive;
    const masks = [...steps.map((s) => s.masks), ...rec.epochEndMasks.filter((e) => e.cycle === cm.cycle).map((e) => e.masks)];
    let available = 0;
    let dying = 0;
    layers.forEach((l, li) => {
      const ever = new Uint8Array(l.numel);
      for (const m of masks)
        for (let i = 0; i < l.numel; i++) {
          ever[i] |= m[li][i];
          runEver[li][i] |= m[li][i];
        }
      const a = alive[li];
      for (let i = 0; i < l.numel; i++) {
        if (a && !a[i]) continue;
        available++;
        if (!ever[i]) dying++;
      }
    });
    const removed = total - available;
    assert.equal(cm.removedFraction, removed / total, `cycle ${cm.cycle} removed`);
    if (!hard) assert.equal(removed, 0);
    if (hard && cm.cycle > 1) assert.ok(removed > 0);
    assert.ok(
      Math.abs(cm.cycleDyingRatio! - dying / available) < 1e-12,
      `cycle ${cm.cycle}: cycle DR ${cm.cycleDyingRatio} vs recount ${dying / available}`,
    );
    assert.ok(Math.abs(cm.cycleDyingRatioWithRemoved! - (dying + removed) / total) < 1e-12, `cycle ${cm.cycle}: DR+removed`);
    assert.ok(cm.cycleDyingRatioWithRemoved! >= cm.removedFraction!);
    // Run level: never selected since the start among survivors, plus the removed edges.
    let runDying = 0;
    layers.forEach((l, li) => {
      const a = alive[li];
      for (let i = 0; i < l.numel; i++) if ((!a || a[i]) && !runEver[li][i]) runDying++;
    });
    assert.ok(
      Math.abs(cm.dyingRatio! - (runDying + removed) / total) < 1e-12,
      `cycle ${cm.cycle}: run DR ${cm.dyingRatio} vs ${(runDying + removed) / total}`,
    );
    const kept = rec.finalMasks.get(cm.cycle)!.reduce((s, m) => s + ones(m), 0);
    assert.equal(cm.reachedKeepFraction, kept / total);
  }
  assert.equal(result.final.dyingRatio, result.cycles[result.cycles.length - 1].dyingRatio);
}

test("hard pruning: after each cycle only its final mask survives, and no later step selects a removed edge (soft, same run, does)", async () => {
  const data = await tinyData();
  // A high LR so that masks move a lot within a cycle (turnover ~0.3 a cycle, against ~0.06 at
  // lr 0.5): soft pruning then selects old-mask outsiders by the hundred (184 edge-steps here).
  const hardConfig = tinyConfig({ lr: 5, iep: { pruning: "hard", rewind: "lr" } });
  const hard = new Recorder();
  const hardResult = await hard.run(hardConfig, data);
  assertScheduledCounts(hard, hardConfig);
  for (let c = 2; c <= 3; c++) {
    const prev = hard.finalMasks.get(c - 1)!;
    for (const s of hard.stepsOf(c)) {
      s.masks.forEach((m, l) => {
        const alive = s.alive[l];
        assert.ok(alive, `cycle ${c}: layer ${l} has an alive set`);
        assert.deepEqual(alive, prev[l], `cycle ${c}: survivors are exactly cycle ${c - 1}'s final mask`);
        for (let i = 0; i < m.length; i++)
          if (m[i]) assert.equal(alive[i], 1, `step ${s.globalStep} selects removed edge ${i} of layer ${l}`);
      });
    }
  }
  assert.deepEqual(escapes(hard, 3), { steps: 0, edges: 0 });
  assertCycleDyingRatios(hard, hardResult, true);

  const softConfig = tinyConfig({ lr: 5, iep: { pruning: "soft", rewind: "lr" } });
  const soft = new Recorder();
  const softResult = await soft.run(softConfig, data);
  assertScheduledCounts(soft, softConfig);
  for (const s of soft.steps)
    assert.ok(
      s.alive.every((a) => a === null),
      "soft pruning removes nothing",
    );
  const softEscapes = escapes(soft, 3);
  assert.ok(softEscapes.edges >= 10, `soft pruning should select edges outside the previous cycle's mask: ${JSON.stringify(softEscapes)}`);
  assertCycleDyingRatios(soft, softResult, false);
});

test("soft pruning with fresh scores (reinit) re-selects among all edges: most of cycle 2's first mask lies outside cycle 1's", async () => {
  const data = await tinyData();
  const config = tinyConfig({ keepFraction: 0.09, iep: { cycles: 2, pruning: "soft", rewind: "reinit" } });
  const rec = new Recorder();
  await rec.run(config, data);
  const prev = rec.finalMasks.get(1)!;
  const first = rec.stepsOf(2)[0].masks;
  let inside = 0;
  let kept = 0;
  first.forEach((m, l) => {
    for (let i = 0; i < m.length; i++)
      if (m[i]) {
        kept++;
        if (prev[l][i]) inside++;
      }
  });
  // Independent draws: about keep_1 (= 0.3) of the new mask falls inside the old one.
  assert.ok(inside / kept < 0.6, `${inside} of ${kept} new edges inside the old mask`);
});

test("hard pruning with list schedule and global top-k: the kept total per cycle is exact and inside the survivors", async () => {
  const data = await tinyData();
  const config = tinyConfig({
    globalTopK: true,
    keepFraction: 0.1,
    iep: { cycles: 3, schedule: "list", keepFractions: [0.6, 0.3, 0.1], pruning: "hard" },
  });
  const rec = new Recorder();
  const result = await rec.run(config, data);
  const total = rec.layers.reduce((s, l) => s + l.numel, 0);
  for (const s of rec.steps) {
    const kept = s.masks.reduce((a, m) => a + ones(m), 0);
    assert.equal(kept, keptCount([0.6, 0.3, 0.1][s.cycle - 1], total), `step ${s.globalStep}`);
    s.masks.forEach((m, l) => {
      const alive = s.alive[l];
      if (alive) for (let i = 0; i < m.length; i++) if (m[i]) assert.equal(alive[i], 1);
    });
  }
  assert.deepEqual(
    result.cycles.map((c) => c.reachedKeepFraction),
    [0.6, 0.3, 0.1].map((k) => keptCount(k, total) / total),
  );
  assertCycleDyingRatios(rec, result, true);
});

/** Re-admission and swapped-in share of each cycle, recounted from the recorded masks. */
function recount(rec: Recorder, cycles: number, totalEdges: number) {
  const out: { readmitted: number | null; readmittedEver: number | null; swappedIn: number }[] = [];
  let every: Uint8Array[] | null = null;
  for (let c = 1; c <= cycles; c++) {
    const final = rec.finalMasks.get(c)!;
    const prev = rec.finalMasks.get(c - 1);
    let kept = 0;
    let outPrev = 0;
    let outEvery = 0;
    final.forEach((f, l) =>
      f.forEach((v, i) => {
        if (!v) return;
        kept++;
        if (prev && !prev[l][i]) outPrev++;
        if (every && !every[l][i]) outEvery++;
      }),
    );
    const first = rec.stepsOf(c)[0].masks;
    const entered = first.map((f) => new Uint8Array(f.length));
    const seen = [...rec.stepsOf(c).map((s) => s.masks), ...rec.epochEndMasks.filter((e) => e.cycle === c).map((e) => e.masks)];
    for (const masks of seen) masks.forEach((mk, l) => mk.forEach((v, i) => v && !first[l][i] && (entered[l][i] = 1)));
    out.push({
      readmitted: prev ? outPrev / kept : null,
      readmittedEver: every ? outEvery / kept : null,
      swappedIn: entered.reduce((s, e) => s + ones(e), 0) / totalEdges,
    });
    every = every ? every.map((e, l) => e.map((v, i) => v & final[l][i])) : final.map((f) => Uint8Array.from(f));
  }
  return out;
}

test("re-admission and swapped-in share per cycle: equal to a recount from the masks; hard pruning exactly 0, soft > 0; a resumed run records the same", async () => {
  const data = await tinyData();
  const total = 2320;
  const values = (r: ProcedureResult) =>
    r.cycles.map((c) => ({ readmitted: c.readmitted, readmittedEver: c.readmittedEver, swappedIn: c.swappedIn }));
  for (const pruning of ["hard", "soft"] as const) {
    // lr 5: masks move a lot within a cycle (see the hard-pruning test above).
    const config = tinyConfig({ lr: 5, iep: { cycles: 3, epochsPerCycle: 2, pruning, rewind: "lr" } });
    const rec = new Recorder();
    const result = await rec.run(config, data);
    const recorded = values(result);
    const expected = recount(rec, 3, total);
    recorded.forEach((r, i) => {
      assert.ok(r.swappedIn! > 0, `${pruning} cycle ${i + 1}: edges swap in during the cycle`);
      assert.ok(Math.abs(r.swappedIn! - expected[i].swappedIn) < 1e-12, `${pruning} cycle ${i + 1} swapped in`);
    });
    assert.deepEqual(
      recorded.map(({ readmitted, readmittedEver }) => ({ readmitted, readmittedEver })),
      expected.map(({ readmitted, readmittedEver }) => ({ readmitted, readmittedEver })),
    );
    assert.equal(result.final.readmitted, recorded[2].readmittedEver, "the run's re-admission is the last cycle's");
    if (pruning === "hard")
      for (const r of recorded.slice(1)) assert.deepEqual([r.readmitted, r.readmittedEver], [0, 0], "hard pruning: 0 by construction");
    else {
      assert.ok(recorded[1].readmitted! > 0 && recorded[2].readmitted! > 0, `soft pruning re-admits: ${JSON.stringify(recorded)}`);
      assert.ok(recorded[2].readmittedEver! >= recorded[2].readmitted!, "outside some earlier mask includes outside the previous one");
    }
    // Stopped after every epoch (inside a cycle and on its boundary) and resumed: the same values.
    for (let k = 0; k < rec.checkpoints.length - 1; k++) {
      const resumed = await new Recorder().run(config, data, structuredClone(rec.checkpoints[k]));
      assert.deepEqual(values(resumed), recorded, `${pruning} resumed after epoch ${k + 1}`);
      assert.equal(resumed.final.readmitted, result.final.readmitted);
    }
  }
});

test("swapped in for EP is the reached prune rate − DR; a checkpoint without the final-mask history resumes with null re-admission, not a guess", async () => {
  const data = await tinyData();
  const ep = await new Recorder().run(tinyConfig({ method: "ep", epochs: 2, lr: 5 }), data);
  const [cycle] = ep.cycles;
  assert.ok(Math.abs(cycle.swappedIn! - (1 - ep.final.keptFraction! - ep.final.dyingRatio!)) < 1e-12);
  assert.deepEqual([cycle.readmitted, cycle.readmittedEver, ep.final.readmitted], [null, null, null]);

  const config = tinyConfig({ lr: 5, iep: { cycles: 3, pruning: "soft" } });
  const rec = new Recorder();
  const full = await rec.run(config, data);
  assert.ok(full.cycles[1].readmitted! > 0);
  // A checkpoint written before the history was kept, after cycle 1.
  const old = structuredClone(rec.checkpoints[0]);
  delete old.finalMaskHistory;
  const resumed = await new Recorder().run(config, data, old);
  assert.deepEqual(
    resumed.cycles.map((c) => [c.readmitted, c.readmittedEver]),
    [
      [null, null],
      [null, null],
      [null, null],
    ],
  );
  assert.equal(resumed.final.readmitted, null);
  // Everything else resumes exactly.
  assert.deepEqual(
    resumed.cycles.map((c) => c.swappedIn),
    full.cycles.map((c) => c.swappedIn),
  );
  assert.equal(resumed.final.testAccuracy, full.final.testAccuracy);
});
