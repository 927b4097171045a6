/**
 * Notebook 03's claim checks (deck slide 12) on synthetic iEP cycles and EP runs: each verdict holds on rows shaped like the deck's figure and does not hold on the opposite shape.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type EpRow,
  type IepCycleRow,
  hardWorstCaseVerdict,
  softBelowEpVerdict,
  softEarlyVerdict,
  softHardVerdicts,
} from "../../../src/analysis/claims";

const SEEDS = [1, 2, 3];
/** A small seed-to-seed spread (sd 0.002), so every interval and test is defined. */
const noise = (seed: number) => (seed - 2) * 0.002;

// 03.

const CYCLE_PS = [0.2, 0.36, 0.488, 0.5904];

interface Shape {
  softCumulative: (p: number, c: number) => number;
  softCycle: (p: number) => number;
  hardCycle: (p: number) => number;
  hardRemoved: (p: number) => number;
}

function cycleRowsOf(shape: Shape): IepCycleRow[] {
  return (["soft", "hard"] as const).flatMap((pruning) =>
    SEEDS.flatMap((seed) =>
      CYCLE_PS.map((p, i) => {
        const cycle = i + 1;
        // Cycle 1 is EP: the same DR as EP at its rate.
        const first = cycle === 1;
        const soft = pruning === "soft";
        const ep = epDr(p);
        return {
          pruning,
          seed,
          cycle,
          cyclePruneRate: p,
          cycleDyingRatio: (first ? ep : soft ? shape.softCycle(p) : shape.hardCycle(p)) + noise(seed),
          cycleDyingRatioWithRemoved: (first ? ep : soft ? shape.softCycle(p) : shape.hardRemoved(p)) + noise(seed),
          dyingRatio: (soft ? shape.softCumulative(p, cycle) : shape.hardRemoved(p)) + noise(seed),
        };
      }),
    ),
  );
}
const epDr = (p: number) => p - 0.03;
const epRows: EpRow[] = CYCLE_PS.flatMap((p) => SEEDS.map((seed) => ({ seed, pruneRate: p, dyingRatio: epDr(p) + 1.5 * noise(seed) })));

const deckLike: Shape = {
  softCumulative: () => 0.01,
  softCycle: (p) => p - 0.1,
  hardCycle: () => 0.3,
  hardRemoved: (p) => p + 0.02,
};
const opposite: Shape = {
  softCumulative: (p) => p - 0.01,
  softCycle: (p) => p - 0.005,
  hardCycle: (p) => p + 0.01,
  hardRemoved: (p) => p - 0.1,
};

describe("03 · soft vs hard iEP", () => {
  it("holds on rows shaped like the deck's figure", () => {
    const rows = cycleRowsOf(deckLike);
    for (const v of softHardVerdicts(rows, epRows)) assert.equal(v.outcome, "holds", `${v.id}: ${v.evidence}`);
  });
  it("does not hold on rows with the opposite shape", () => {
    const rows = cycleRowsOf(opposite);
    for (const v of softHardVerdicts(rows, epRows)) assert.equal(v.outcome, "does not hold", `${v.id}: ${v.evidence}`);
  });
  it("says how cycle 1 is handled", () => {
    const rows = cycleRowsOf(deckLike);
    assert.match(softBelowEpVerdict(rows, epRows, false).evidence, /Cycle 1 \(p = 20 %\) is EP by construction and left out/);
    assert.match(softEarlyVerdict(rows).definition, /cycle 1 \(EP by construction\) included/);
    assert.equal(
      Object.keys(softBelowEpVerdict(rows, epRows, false).numbers).filter((k) => k.endsWith(": estimate")).length,
      3,
      "cycles 2-4",
    );
  });
  it("hard iEP: low per cycle but not worse with removed edges is only partly the deck's claim", () => {
    const v = hardWorstCaseVerdict(cycleRowsOf({ ...deckLike, hardRemoved: (p) => p - 0.1 }), epRows);
    assert.equal(v.outcome, "partly holds", v.evidence);
  });
  it("a schedule with no cycle at ≤ 50 % pruned cannot test the early claim", () => {
    const rows = cycleRowsOf(deckLike).filter((r) => r.cyclePruneRate > 0.5);
    assert.equal(softEarlyVerdict(rows).outcome, "inconclusive");
  });
});
