/**
 * Notebook 03's claim checks (deck page 14) on synthetic iEP cycles and EP runs: the tested verdicts hold on rows shaped like the deck's figure,
 * do not hold on the opposite shape or on no difference, cannot tell on noisy seeds; the claims decided by construction are reported as not tested.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type EpRow,
  type EqualStepsRow,
  type IepCycleRow,
  hardWorstCaseVerdict,
  softBelowEpVerdict,
  softBelowEpWithinCycleVerdict,
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

function cycleRowsOf(shape: Shape, spread = 1): IepCycleRow[] {
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
          cycleDyingRatio: (first ? ep : soft ? shape.softCycle(p) : shape.hardCycle(p)) + spread * noise(seed),
          cycleDyingRatioWithRemoved: (first ? ep : soft ? shape.softCycle(p) : shape.hardRemoved(p)) + spread * noise(seed),
          dyingRatio: (soft ? shape.softCumulative(p, cycle) : shape.hardRemoved(p)) + noise(seed),
        };
      }),
    ),
  );
}
const epDr = (p: number) => p - 0.03;
const epRows: EpRow[] = CYCLE_PS.flatMap((p) => SEEDS.map((seed) => ({ seed, pruneRate: p, dyingRatio: epDr(p) + 1.5 * noise(seed) })));

/** Equal-steps EP: EP at cycle c's rate trained c cycles' epochs, a little below one-cycle EP. */
const equalStepsOf = (dr: (p: number) => number, spread = 1): EqualStepsRow[] =>
  CYCLE_PS.slice(1).flatMap((p, i) =>
    SEEDS.map((seed) => ({ seed, cycle: i + 2, pruneRate: p, dyingRatio: dr(p) + spread * 1.5 * noise(seed) })),
  );
const equalSteps = equalStepsOf((p) => epDr(p) - 0.02);

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
  const tested = (vs: ReturnType<typeof softHardVerdicts>) => vs.filter((v) => v.outcome !== "not tested");

  it("the tested verdicts hold on rows shaped like the deck's figure", () => {
    const vs = softHardVerdicts(cycleRowsOf(deckLike), epRows);
    assert.deepEqual(
      vs.map((v) => [v.id, v.outcome]),
      [
        ["03.soft-no-early-dying", "not tested"],
        ["03.soft-below-ep", "not tested"],
        ["03.soft-below-ep-within-cycle", "holds"],
        ["03.hard-worse-with-removed", "holds"],
      ],
    );
    for (const v of vs) assert.equal(v.slide, "14");
  });

  it("do not hold on rows with the opposite shape", () => {
    for (const v of tested(softHardVerdicts(cycleRowsOf(opposite), epRows)))
      assert.equal(v.outcome, "does not hold", `${v.id}: ${v.evidence}`);
  });

  it("no difference from EP within a cycle is equivalent to zero (does not hold); noisy seeds cannot tell", () => {
    const same: Shape = { ...deckLike, softCycle: (p) => epDr(p) };
    assert.equal(softBelowEpWithinCycleVerdict(cycleRowsOf(same), epRows).outcome, "does not hold");
    const noisyEp = epRows.map((r) => ({ ...r, dyingRatio: epDr(r.pruneRate) + 15 * noise(r.seed) }));
    assert.equal(softBelowEpWithinCycleVerdict(cycleRowsOf(same, -5), noisyEp).outcome, "inconclusive");
  });

  it("the claims decided by construction say why, with the measured numbers", () => {
    const rows = cycleRowsOf(deckLike);
    const early = softEarlyVerdict(rows, epRows);
    assert.equal(early.outcome, "not tested");
    assert.match(
      early.definition,
      /^not tested as built: soft iEP's cumulative DR .* cannot rise .* decided by cycle 1, which is plain EP .*: soft iEP's cumulative DR is 0\.010 after cycle 1 \(p = 20 %; EP there 0\.170\)/,
    );
    assert.match(early.definition, /needs .*not plain EP.*tested on the cumulative DR against equal-steps EP/);
    const below = softBelowEpVerdict(rows, epRows);
    assert.equal(below.outcome, "not tested");
    assert.match(below.definition, /cycle 2: soft 0\.010 vs EP 0\.330/);
    const hard = hardWorstCaseVerdict(rows, epRows);
    assert.ok(Math.abs(hard.numbers["largest share a cycle prunes"]! - 0.2) < 1e-9);
    assert.match(
      hard.definition,
      /"looks low per cycle"\) is not tested as built: .*at most 0\.200\), while EP's DR at these prune rates is at least 0\.330/,
    );
  });

  it("soft below EP on the cumulative DR is tested against equal-steps EP: holds, does not hold (reversed or equivalent), inconclusive", () => {
    // Controls that come within the SESOI of soft iEP's DR after cycle 1 (0.2): the runs decide.
    const fromCycleOne = (later: (p: number) => number) => (p: number, c: number) => (c === 1 ? 0.2 : later(p));
    const near = equalStepsOf(() => 0.205);
    const holds = softBelowEpVerdict(cycleRowsOf({ ...deckLike, softCumulative: fromCycleOne(() => 0.15) }), epRows, near);
    assert.equal(holds.outcome, "holds", holds.evidence);
    assert.match(holds.definition, /as many epochs as soft iEP has trained by the end of that cycle \(equal-steps EP\)/);
    assert.match(holds.evidence, /after cycle 1 \(p = 20 %, plain EP\) it is 0\.200/);
    assert.equal(Object.keys(holds.numbers).filter((k) => k.endsWith(": estimate")).length, 3, "cycles 2-4");
    // Soft iEP above the control at every cycle: a reversal.
    const above = softBelowEpVerdict(cycleRowsOf({ ...deckLike, softCumulative: fromCycleOne(() => 0.22) }), epRows, near);
    assert.equal(above.outcome, "does not hold", above.evidence);
    // The same DR as the control, measured precisely: equivalent to zero.
    const same = softBelowEpVerdict(cycleRowsOf({ ...deckLike, softCumulative: fromCycleOne(() => 0.205) }), epRows, near);
    assert.equal(same.outcome, "does not hold", same.evidence);
    // Twenty times the spread in the control: cannot tell.
    const noisy = softBelowEpVerdict(
      cycleRowsOf({ ...deckLike, softCumulative: fromCycleOne(() => 0.2) }),
      epRows,
      equalStepsOf(() => 0.205, 20),
    );
    assert.equal(noisy.outcome, "inconclusive", noisy.evidence);
    // A missing cycle's control: not tested, never a verdict on part of the cycles.
    assert.equal(
      softBelowEpVerdict(
        cycleRowsOf(deckLike),
        epRows,
        equalSteps.filter((r) => r.cycle !== 3),
      ).outcome,
      "not tested",
    );
  });

  it("soft below EP on the cumulative DR is not tested where every control stays above soft iEP's cycle-1 DR plus the SESOI (the head start decides)", () => {
    const v = softBelowEpVerdict(cycleRowsOf(deckLike), epRows, equalSteps);
    assert.equal(v.outcome, "not tested");
    assert.match(v.definition, /can only fall from its value after cycle 1 \(0\.010, plain EP at p = 20 %\).*0\.310–0\.540.*head start/);
    assert.deepEqual(
      softHardVerdicts(cycleRowsOf(deckLike), epRows, equalSteps).map((x) => x.outcome),
      ["not tested", "not tested", "holds", "holds"],
    );
    // One control within reach of the bound: tested.
    const oneNear = equalSteps.map((r) => (r.cycle === 2 ? { ...r, dyingRatio: 0.015 + 1.5 * noise(r.seed) } : r));
    assert.notEqual(softBelowEpVerdict(cycleRowsOf(deckLike), epRows, oneNear).outcome, "not tested");
  });

  it("hard iEP's worst case holds if one cycle is worse than EP (Holm over the cycles), and the within-cycle comparison leaves cycle 1 out", () => {
    const oneWorse = hardWorstCaseVerdict(cycleRowsOf({ ...deckLike, hardRemoved: (p) => (p > 0.5 ? p + 0.02 : p - 0.1) }), epRows);
    assert.equal(oneWorse.outcome, "holds", oneWorse.evidence);
    assert.match(oneWorse.definition, /holds if any of the 3 contrasts holds \(Holm/);
    const within = softBelowEpWithinCycleVerdict(cycleRowsOf(deckLike), epRows);
    assert.match(within.evidence, /Cycle 1 \(p = 20 %\) is EP by construction and left out/);
    assert.equal(Object.keys(within.numbers).filter((k) => k.endsWith(": estimate")).length, 3, "cycles 2-4");
    assert.match(within.evidence, /paired t, 3 seeds/);
    // Hard iEP no worse than EP, measured precisely: equivalent to zero at every cycle; five times the spread cannot tell.
    const tie: Shape = { ...deckLike, hardRemoved: (p) => epDr(p) };
    assert.equal(hardWorstCaseVerdict(cycleRowsOf(tie), epRows).outcome, "does not hold");
    const noisyEp = epRows.map((r) => ({ ...r, dyingRatio: epDr(r.pruneRate) + 15 * noise(r.seed) }));
    assert.equal(hardWorstCaseVerdict(cycleRowsOf(tie, -5), noisyEp).outcome, "inconclusive");
  });
});
