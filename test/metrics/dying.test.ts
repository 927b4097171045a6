/**
 * Dying ratio and turnover on hand-built mask sequences whose answers are worked out by
 * hand in the comments, plus the identity prune rate − DR = share of edges that started
 * outside the mask and were selected at least once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng";
import { SelectionTracker, dyingRatio, turnover } from "../../src/metrics/dying";
import { keptCount, topKMask } from "../../src/supermask/mask";

const m = (bits: string) => Uint8Array.from(bits, (b) => Number(b));

/**
 * Layer a, 6 edges, 3 steps:      Layer b, 4 edges, 3 steps:
 *   step 1: 110000                  step 1: 1010
 *   step 2: 011000                  step 2: 1010
 *   step 3: 001100                  step 3: 1001
 *   ever  : 111100 → dying 2        ever  : 1011 → dying 1
 *   DR_a = 2/6 = 1/3                DR_b = 1/4
 *   first 110000, last 001100:      first 1010, last 1001:
 *   firstKept 2, both gone →        firstKept 2, edge 2 gone →
 *   turnover_a = 2/2 = 1            turnover_b = 1/2
 * Overall: DR = (2 + 1) / (6 + 4) = 3/10; turnover = (2 + 1) / (2 + 2) = 3/4.
 */
function handBuiltTracker(): SelectionTracker {
  const t = new SelectionTracker([
    { name: "a", numel: 6 },
    { name: "b", numel: 4 },
  ]);
  t.record([m("110000"), m("1010")]);
  t.record([m("011000"), m("1010")]);
  t.record([m("001100"), m("1001")]);
  return t;
}

test("hand-built sequence: per-layer counts, DR and turnover", () => {
  const t = handBuiltTracker();
  assert.equal(t.steps, 3);
  const s = t.summary();
  assert.deepEqual(s.perLayer, [
    { layer: "a", total: 6, available: 6, everSelected: 4, dying: 2, firstKept: 2, firstDropped: 2, lastKept: 2 },
    { layer: "b", total: 4, available: 4, everSelected: 3, dying: 1, firstKept: 2, firstDropped: 1, lastKept: 2 },
  ]);
  assert.equal(s.dyingRatio, 3 / 10);
  assert.equal(s.turnover, 3 / 4);
  // The pure functions agree with the tracker, layer by layer.
  const [everA, everB] = t.everSelected();
  assert.deepEqual(Array.from(everA), [1, 1, 1, 1, 0, 0]);
  assert.equal(dyingRatio(everA), 1 / 3);
  assert.equal(dyingRatio(everB), 1 / 4);
  const [firstA, firstB] = t.firstMasks();
  const [lastA, lastB] = t.lastMasks();
  assert.equal(turnover(firstA!, lastA!), 1);
  assert.equal(turnover(firstB!, lastB!), 1 / 2);
});

test("recorded masks are copied: changing the caller's buffer later does not rewrite history", () => {
  const t = new SelectionTracker([{ name: "a", numel: 4 }]);
  const buf = m("1100");
  t.record([buf]);
  buf.set(m("0011"));
  // Same buffer, now 0011, recorded as step 2: first must still be 1100.
  t.record([buf]);
  buf.fill(0);
  assert.deepEqual(Array.from(t.firstMasks()[0]!), [1, 1, 0, 0]);
  assert.deepEqual(Array.from(t.lastMasks()[0]!), [0, 0, 1, 1]);
  assert.equal(t.summary().turnover, 1);
  assert.equal(t.summary().dyingRatio, 0);
});

/**
 * setAlive on the hand-built sequence: hard pruning removes edge 5 of layer a (never
 * selected) and edge 1 of layer b (never selected).
 *   a: available 5 (edges 0–4), ever among them 4 → dying 1
 *   b: available 3 (edges 0, 2, 3), ever 3 → dying 0
 *   DR = (1 + 0) / (5 + 3) = 1/8. Turnover is about the masks, unchanged: 3/4.
 */
test("setAlive restricts the counts to available edges", () => {
  const t = handBuiltTracker();
  t.setAlive([m("111110"), m("1011")]);
  const s = t.summary();
  assert.deepEqual(
    s.perLayer.map((c) => [c.available, c.everSelected, c.dying]),
    [
      [5, 4, 1],
      [3, 3, 0],
    ],
  );
  assert.equal(s.dyingRatio, 1 / 8);
  assert.equal(s.turnover, 3 / 4);
  assert.equal(dyingRatio(t.everSelected()[0], m("111110")), 1 / 5);
  // null = every edge available again.
  t.setAlive([null, null]);
  assert.equal(t.summary().dyingRatio, 3 / 10);
});

test("setAlive copies its input", () => {
  const t = handBuiltTracker();
  const alive = m("111110");
  t.setAlive([alive, null]);
  alive.fill(1);
  assert.equal(t.summary().perLayer[0].available, 5);
});

test("getState/setState round trip (through JSON) continues identically", () => {
  const a = handBuiltTracker();
  const state = JSON.parse(JSON.stringify(a.getState())) as ReturnType<SelectionTracker["getState"]>;
  const b = new SelectionTracker([
    { name: "a", numel: 6 },
    { name: "b", numel: 4 },
  ]);
  b.setState(state);
  assert.equal(b.steps, 3);
  assert.deepEqual(b.summary(), a.summary());
  // One more step on both: edge 5 of a and edge 1 of b come alive.
  //   a: ever 111101 → dying 1; b: ever 1111 → dying 0 → DR = 1/10.
  //   last a 000001: first 110000 both gone → 2/2; last b 0100: first 1010 both gone → 2/2.
  for (const t of [a, b]) t.record([m("000001"), m("0100")]);
  assert.deepEqual(b.summary(), a.summary());
  assert.equal(b.summary().dyingRatio, 1 / 10);
  assert.equal(b.summary().turnover, 1);
  assert.equal(b.steps, 4);
});

test("setState refuses a state of other layers", () => {
  const state = handBuiltTracker().getState();
  const other = new SelectionTracker([{ name: "z", numel: 6 }]);
  assert.throws(() => other.setState(state));
});

test("a tracker that has seen nothing: every edge dying, turnover 0", () => {
  const t = new SelectionTracker([{ name: "a", numel: 5 }]);
  const s = t.summary();
  assert.equal(s.dyingRatio, 1);
  assert.equal(s.turnover, 0);
  assert.equal(s.perLayer[0].firstKept, 0);
  assert.equal(s.perLayer[0].lastKept, 0);
  // A state without masks survives the round trip.
  const u = new SelectionTracker([{ name: "a", numel: 5 }]);
  u.setState(JSON.parse(JSON.stringify(t.getState())));
  assert.deepEqual(u.summary(), s);
});

test("dyingRatio and turnover edge cases", () => {
  assert.equal(dyingRatio(new Uint8Array(0)), 0, "no edges: nothing is dying");
  assert.equal(dyingRatio(m("0000")), 1);
  assert.equal(dyingRatio(m("1111")), 0);
  assert.equal(dyingRatio(m("1010"), m("0000")), 0, "no available edges");
  assert.equal(dyingRatio(m("1010"), m("0101")), 1, "only the never-selected ones are available");
  assert.equal(turnover(m("0000"), m("1111")), 0, "empty first mask");
  assert.equal(turnover(m("1111"), m("1111")), 0, "all selected, nothing dropped");
  assert.equal(turnover(m("1111"), m("0000")), 1);
  assert.equal(turnover(m("1100"), m("0110")), 1 / 2);
  assert.equal(turnover(new Uint8Array(0), new Uint8Array(0)), 0);
});

test("identity: prune rate − DR = share of edges that started outside the mask and were selected later", () => {
  // Top-k masks of random-walk scores: every mask keeps exactly k = round(keep·n) edges,
  // so the first mask covers the fraction keep and everything else ever selected is new.
  const rng = new Rng(41);
  for (const [n, keep, steps] of [
    [200, 0.5, 20],
    [333, 0.1, 50],
    [97, 0.9, 5],
  ] as const) {
    const k = keptCount(keep, n);
    const t = new SelectionTracker([{ name: "l", numel: n }]);
    const scores = Float32Array.from({ length: n }, () => rng.normal());
    const masks: Uint8Array[] = [];
    for (let s = 0; s < steps; s++) {
      const mask = topKMask(scores.map(Math.abs), k);
      masks.push(Uint8Array.from(mask));
      t.record([mask]);
      for (let i = 0; i < n; i++) scores[i] += 0.3 * rng.normal();
    }
    // Counted directly from the masks, independently of the tracker.
    let startedOutsideLaterIn = 0;
    for (let i = 0; i < n; i++) if (!masks[0][i] && masks.some((mk) => mk[i])) startedOutsideLaterIn++;
    assert.ok(startedOutsideLaterIn > 0, "the sequence should change the mask");
    const pruneRate = 1 - k / n;
    const dr = t.summary().dyingRatio;
    assert.ok(
      Math.abs(pruneRate - dr - startedOutsideLaterIn / n) < 1e-12,
      `n=${n} keep=${keep}: ${pruneRate} − ${dr} ≠ ${startedOutsideLaterIn / n}`,
    );
  }
});
