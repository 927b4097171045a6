import { test } from "node:test";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import { parseRunConfig } from "../../src/experiments/config";
import { cycleKeepFractions, fixedShareCycles, planCycles } from "../../src/iep/schedule";

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

test("geometric schedule: keep_c = keep^(c/K), each cycle keeps the same share of the previous one, the last lands on the target", () => {
  const ks = cycleKeepFractions(0.05, { cycles: 4, schedule: "geometric", keepFractions: [], pruneShare: 0.2 });
  assert.equal(ks.length, 4);
  ks.forEach((k, i) => assert.ok(close(k, Math.pow(0.05, (i + 1) / 4)), `cycle ${i + 1}: ${k}`));
  assert.equal(ks[3], 0.05);
  const ratio = ks[0];
  for (let i = 1; i < 4; i++) assert.ok(close(ks[i] / ks[i - 1], ratio));
});

test("linear schedule falls by (1 − keep)/K a cycle; list is taken as given; K = 1 is one-shot EP", () => {
  const lin = cycleKeepFractions(0.2, { cycles: 4, schedule: "linear", keepFractions: [], pruneShare: 0.2 });
  [0.8, 0.6, 0.4, 0.2].forEach((k, i) => assert.ok(close(lin[i], k), `cycle ${i + 1}: ${lin[i]}`));
  assert.equal(lin[3], 0.2);
  assert.deepEqual(
    cycleKeepFractions(0.1, { cycles: 3, schedule: "list", keepFractions: [0.7, 0.3, 0.1], pruneShare: 0.2 }),
    [0.7, 0.3, 0.1],
  );
  assert.deepEqual(cycleKeepFractions(0.3, { cycles: 1, schedule: "geometric", keepFractions: [], pruneShare: 0.2 }), [0.3]);
});

test("planCycles: iEP has K cycles of epochsPerCycle epochs; EP and weights one cycle of `epochs`", () => {
  const iep = parseRunConfig({ method: "iep", keepFraction: 0.05, epochs: 9, iep: { cycles: 4, epochsPerCycle: 3 } });
  const plan = planCycles(iep);
  assert.deepEqual(
    plan.map((c) => [c.cycle, c.epochs]),
    [
      [1, 3],
      [2, 3],
      [3, 3],
      [4, 3],
    ],
  );
  assert.equal(plan[3].keepFraction, 0.05);
  assert.deepEqual(planCycles(parseRunConfig({ method: "ep", keepFraction: 0.05, epochs: 9 })), [
    { cycle: 1, keepFraction: 0.05, epochs: 9 },
  ]);
  assert.deepEqual(planCycles(parseRunConfig({ method: "weights", epochs: 9 })), [{ cycle: 1, keepFraction: 1, epochs: 9 }]);
});

test("a list schedule must have K non-increasing values ending at keepFraction", () => {
  const bad = [
    { keepFractions: [0.5, 0.1], cycles: 3, field: /has 2 values but iep.cycles = 3/ },
    { keepFractions: [0.5, 0.3, 0.2], cycles: 3, field: /must end at keepFraction = 0.1/ },
    { keepFractions: [0.3, 0.5, 0.1], cycles: 3, field: /must not increase/ },
  ];
  for (const b of bad) {
    assert.throws(
      () =>
        parseRunConfig({ method: "iep", keepFraction: 0.1, iep: { cycles: b.cycles, schedule: "list", keepFractions: b.keepFractions } }),
      (e: unknown) => e instanceof SltError && b.field.test(e.message),
    );
  }
});

test("fixed-share schedule: each cycle prunes the same share of the remaining edges, the last is clamped to the target", () => {
  const K = fixedShareCycles(0.05, 0.2);
  assert.equal(K, 14); // 0.8^13 ≈ 0.055 > 0.05 ≥ 0.8^14 ≈ 0.044
  const ks = cycleKeepFractions(0.05, { cycles: K, schedule: "fixed-share", keepFractions: [], pruneShare: 0.2 });
  assert.equal(ks.length, 14);
  ks.slice(0, -1).forEach((k, i) => assert.ok(close(k, 0.8 ** (i + 1)), `cycle ${i + 1}: ${k}`));
  assert.equal(ks[13], 0.05);
  for (let i = 1; i < K; i++) assert.ok(ks[i] < ks[i - 1], `cycle ${i + 1} prunes`);
  // Small steps: several cycles at ≤ 50 % pruned (0.8, 0.64, 0.512), unlike geometric with K = 4 (first cycle keeps 0.47).
  assert.equal(ks.filter((k) => k >= 0.5).length, 3);
  assert.ok(cycleKeepFractions(0.05, { cycles: 4, schedule: "geometric", keepFractions: [], pruneShare: 0.2 })[0] < 0.5);
  // K is the fewest cycles that reach the target, at least one; exact powers are not pushed one cycle further by rounding.
  assert.equal(fixedShareCycles(0.512, 0.2), 3);
  assert.equal(fixedShareCycles(0.5, 0.2), 4);
  assert.equal(fixedShareCycles(0.9, 0.2), 1);
  assert.equal(fixedShareCycles(1, 0.2), 1);
  assert.equal(fixedShareCycles(0.05, 0.5), 5);
  const plan = planCycles(
    parseRunConfig({ method: "iep", keepFraction: 0.05, iep: { schedule: "fixed-share", cycles: 14, epochsPerCycle: 1 } }),
  );
  assert.equal(plan.length, 14);
  assert.equal(plan[13].keepFraction, 0.05);
});

test("a list of K equal keeps is valid: EP at one kept fraction with K LR restarts", () => {
  const c = parseRunConfig({ method: "iep", keepFraction: 0.1, iep: { cycles: 3, schedule: "list", keepFractions: [0.1, 0.1, 0.1] } });
  assert.deepEqual(
    planCycles(c).map((p) => p.keepFraction),
    [0.1, 0.1, 0.1],
  );
});
