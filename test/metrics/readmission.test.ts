/**
 * Re-admission and the swapped-in share on hand-built final masks whose answers are worked
 * out in the comments.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SelectionTracker } from "../../src/metrics/dying";
import { FinalMaskHistory, swappedInShare } from "../../src/metrics/readmission";

const m = (bits: string) => Uint8Array.from(bits, (b) => Number(b));

/**
 * Two layers (6 and 4 edges), four cycles' final masks:
 *   cycle 1: 111100 | 1110        no earlier mask → null
 *   cycle 2: 110010 | 1100        edge a4 outside M_1: 1 of 5 → readmitted 1/5, ever 1/5
 *   cycle 3: 100010 | 0101        a4 in M_2 but not M_1; b3 outside M_2 and M_1:
 *                                 outside M_2: b3 → 1/4; outside M_1 ∩ M_2 (= 110000 | 1100): a4, b3 → 2/4
 *   cycle 4: 100001 | 0001        a5 outside M_3 and all; b3 in M_3, outside M_1:
 *                                 outside M_3: a5 → 1/3; outside ∩ (= 100000 | 0100): a5, b3 → 2/3
 */
test("FinalMaskHistory: re-admission against the previous final mask and against every earlier one, worked by hand", () => {
  const h = new FinalMaskHistory([6, 4]);
  assert.deepEqual(h.recordFinal([m("111100"), m("1110")]), { readmitted: null, readmittedEver: null });
  assert.deepEqual(h.recordFinal([m("110010"), m("1100")]), { readmitted: 1 / 5, readmittedEver: 1 / 5 });
  assert.deepEqual(h.recordFinal([m("100010"), m("0101")]), { readmitted: 1 / 4, readmittedEver: 2 / 4 });
  const saved = h.getState();
  assert.deepEqual(h.recordFinal([m("100001"), m("0001")]), { readmitted: 1 / 3, readmittedEver: 2 / 3 });

  // Resumed from the state after cycle 3: the same answer for cycle 4.
  const resumed = new FinalMaskHistory([6, 4]);
  resumed.setState(structuredClone(saved));
  assert.deepEqual(resumed.recordFinal([m("100001"), m("0001")]), { readmitted: 1 / 3, readmittedEver: 2 / 3 });
  assert.throws(() => new FinalMaskHistory([6, 5]).setState(saved), /other layers/);
  assert.throws(() => new FinalMaskHistory([6]).recordFinal([m("1"), m("1")]), /expects 1 masks/);
});

test("FinalMaskHistory: masks nested inside every earlier one (hard pruning) give exactly 0; lost history gives null, not a guess", () => {
  const h = new FinalMaskHistory([8]);
  h.recordFinal([m("11111100")]);
  assert.deepEqual(h.recordFinal([m("11110000")]), { readmitted: 0, readmittedEver: 0 });
  assert.deepEqual(h.recordFinal([m("01100000")]), { readmitted: 0, readmittedEver: 0 });

  const lost = new FinalMaskHistory([8]);
  lost.forget();
  lost.recordFinal([m("11000000")]);
  assert.deepEqual(lost.recordFinal([m("00110000")]), { readmitted: null, readmittedEver: null });
});

/**
 * One layer, 6 edges, a cycle's masks: 110000, 011000, 001100 (first 110000).
 * Ever selected 111100; outside the first mask: edges 2, 3 → swapped in 2 / 6.
 * With a second layer (4 edges, masks 1000, 1000, 0100 → edge 1 swapped in): 3 / 10.
 */
test("swappedInShare: edges selected during the cycle outside its first mask, over all prunable edges", () => {
  const t = new SelectionTracker([
    { name: "a", numel: 6 },
    { name: "b", numel: 4 },
  ]);
  t.record([m("110000"), m("1000")]);
  t.record([m("011000"), m("1000")]);
  t.record([m("001100"), m("0100")]);
  assert.equal(swappedInShare(t.counts(), 10), 3 / 10);
  assert.equal(swappedInShare(t.counts().slice(0, 1), 6), 2 / 6);
  // No change of mask, nothing swapped in.
  const still = new SelectionTracker([{ name: "a", numel: 4 }]);
  for (let i = 0; i < 3; i++) still.record([m("0110")]);
  assert.equal(swappedInShare(still.counts(), 4), 0);
});
