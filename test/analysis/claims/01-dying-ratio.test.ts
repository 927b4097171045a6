/**
 * Notebook 01's claim checks (deck slide 7) on synthetic EP runs: each verdict holds where the claim is built into the rows and does not hold where its opposite is.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DyingRatioRow,
  checkablePruneRates,
  dyingRatioVerdicts,
  neverSelectedVerdict,
  swappedInVerdict,
} from "../../../src/analysis/claims";

const SEEDS = [1, 2, 3];
/** A small seed-to-seed spread (sd 0.002), so every interval and test is defined. */
const noise = (seed: number) => (seed - 2) * 0.002;

// 01.

function dyingRows(dr: (p: number) => number, pruneRates = [0.1, 0.3, 0.5, 0.7, 0.9]): DyingRatioRow[] {
  return pruneRates.flatMap((p) => SEEDS.map((seed) => ({ pruneRate: p, seed, dyingRatio: dr(p) + noise(seed) })));
}

describe("01 · dying ratio", () => {
  it("share of all edges: holds when p − DR sits at 0.2 at every checkable p, and leaves out p < 0.25", () => {
    const rows = dyingRows((p) => (p >= 0.3 ? p - 0.2 : p * 0.5));
    const v = swappedInVerdict(rows, "all-edges");
    assert.equal(v.outcome, "holds", v.evidence);
    assert.equal(v.numbers.n, 12, "4 prune rates × 3 seeds");
    assert.match(v.definition, /p = 0\.1 left out/);
    assert.deepEqual(checkablePruneRates([0.1, 0.2, 0.3], "all-edges"), [0.3]);
    assert.deepEqual(checkablePruneRates([0.1, 0.2, 0.3], "pruned-edges"), [0.1, 0.2, 0.3]);
  });
  it("share of all edges: does not hold when it grows with p and sits far from 0.2; partly when flat but low", () => {
    assert.equal(
      swappedInVerdict(
        dyingRows((p) => p * 0.4),
        "all-edges",
      ).outcome,
      "does not hold",
    );
    const low = swappedInVerdict(
      dyingRows((p) => p - 0.04),
      "all-edges",
    );
    assert.equal(low.outcome, "partly holds", low.evidence);
    assert.match(low.evidence, /→ flat;.*away from the target/);
  });
  it("share of the pruned edges: holds for DR = 0.8 p, does not hold for DR = 0.2 p + p²·0.6", () => {
    assert.equal(
      swappedInVerdict(
        dyingRows((p) => 0.8 * p),
        "pruned-edges",
      ).outcome,
      "holds",
    );
    assert.equal(
      swappedInVerdict(
        dyingRows((p) => 0.2 * p + 0.6 * p * p),
        "pruned-edges",
      ).outcome,
      "does not hold",
    );
  });
  it("too few prune rates is inconclusive, not a pass", () => {
    assert.equal(
      swappedInVerdict(
        dyingRows((p) => p - 0.2, [0.5, 0.9]),
        "all-edges",
      ).outcome,
      "inconclusive",
    );
  });
  it("never selected: holds when DR/p is high, does not hold when low", () => {
    assert.equal(neverSelectedVerdict(dyingRows((p) => 0.9 * p)).outcome, "holds");
    assert.equal(neverSelectedVerdict(dyingRows((p) => 0.3 * p)).outcome, "does not hold");
    assert.equal(dyingRatioVerdicts(dyingRows((p) => 0.9 * p)).length, 3);
  });
});
