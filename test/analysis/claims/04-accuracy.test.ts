/**
 * Notebook 04's claim checks (deck pages 11-17) on synthetic accuracies: each verdict holds where soft iEP leads, does not hold where it trails or ties
 * (equivalent within one point), and cannot tell when the seeds spread too much.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AccuracyMethod,
  type AccuracyRow,
  accuracyVerdicts,
  gradualVsRestartsVerdict,
  iepVsComputeMatchedVerdict,
  iepVsOneShotVerdict,
  softBestAboveNinetyVerdict,
  softVsHardVerdict,
  restartsVerdict,
} from "../../../src/analysis/claims";

const SEEDS = [1, 2, 3];
/** A small seed-to-seed spread (sd 0.002), so every interval and test is defined. */
const noise = (seed: number) => (seed - 2) * 0.002;
/** Each method's own seed pattern, so that paired (per-seed) differences have spread too. */
const FACTOR: Record<string, number> = { EP: 1, "compute-matched EP": -0.5, "EP + K LR restarts": 1.5, "hard iEP": 0.5, "soft iEP": -1 };
const wobble = (method: string, seed: number) => (method === "EP + K LR restarts" && seed === 2 ? 0.001 : 0);

// 04.

function accuracyRows(
  level: Record<Exclude<AccuracyMethod, "weights (dense)">, number>,
  pruneRates = [0.5, 0.9, 0.95],
  spread = 1,
): AccuracyRow[] {
  return pruneRates.flatMap((pruneRate) =>
    SEEDS.flatMap((seed) => [
      ...(Object.entries(level) as Array<[AccuracyMethod, number]>).map(([method, a]) => ({
        method,
        pruneRate,
        seed,
        testAccuracy: a - pruneRate * 0.1 + spread * (noise(seed) * FACTOR[method]! + wobble(method, seed)),
      })),
      { method: "weights (dense)" as const, pruneRate, seed, testAccuracy: 0.97 + noise(seed) },
    ]),
  );
}

describe("04 · accuracy vs prune rate", () => {
  const deck = { EP: 0.8, "compute-matched EP": 0.84, "EP + K LR restarts": 0.85, "hard iEP": 0.88, "soft iEP": 0.9 };
  const reversed = { EP: 0.9, "compute-matched EP": 0.9, "EP + K LR restarts": 0.85, "hard iEP": 0.9, "soft iEP": 0.8 };
  it("every verdict holds when soft iEP leads every method at every prune rate", () => {
    for (const v of accuracyVerdicts(accuracyRows(deck))) assert.equal(v.outcome, "holds", `${v.id}: ${v.evidence}`);
  });
  it("every verdict fails when soft iEP trails", () => {
    for (const v of accuracyVerdicts(accuracyRows(reversed))) assert.equal(v.outcome, "does not hold", `${v.id}: ${v.evidence}`);
  });
  it("iEP above one-shot EP but equal to compute-matched EP is told apart: the tie is equivalent to zero, and noisy seeds cannot tell", () => {
    const rows = accuracyRows({ ...deck, "compute-matched EP": 0.9, "EP + K LR restarts": 0.9 });
    assert.equal(iepVsOneShotVerdict(rows).outcome, "holds");
    const tie = iepVsComputeMatchedVerdict(rows);
    assert.equal(tie.outcome, "does not hold", tie.evidence);
    assert.ok(tie.numbers["p = 0.9: lo"]! > -0.01 && tie.numbers["p = 0.9: hi"]! < 0.01);
    assert.equal(gradualVsRestartsVerdict(rows).outcome, "does not hold");
    const noisy = accuracyRows({ ...deck, "compute-matched EP": 0.9, "EP + K LR restarts": 0.9 }, [0.5, 0.9, 0.95], 8);
    assert.equal(iepVsComputeMatchedVerdict(noisy).outcome, "inconclusive");
    assert.match(tie.evidence, /paired t, 3 seeds/);
    assert.match(tie.definition, /every one of the 3 contrasts must hold \(intersection–union test/);
  });
  it('"above 90 %" means p > 0.9: with p = 0.9 the highest rate, nothing is above', () => {
    const v = softBestAboveNinetyVerdict(accuracyRows(deck, [0.5, 0.9]));
    assert.equal(v.outcome, "inconclusive");
    assert.match(v.evidence, /no prune rate above 0\.9/);
    assert.ok(Object.keys(softBestAboveNinetyVerdict(accuracyRows(deck, [0.5, 0.9, 0.95])).numbers).some((k) => k.startsWith("p = 0.95")));
  });
  it("soft over hard by less than the deck's one point does not hold; by more it does; the page numbers are the deck's own", () => {
    assert.equal(softVsHardVerdict(accuracyRows(deck)).outcome, "holds");
    const small = softVsHardVerdict(accuracyRows({ ...deck, "hard iEP": deck["soft iEP"] - 0.003 }));
    assert.equal(small.outcome, "does not hold", small.evidence);
    assert.match(small.definition, /SESOI\) 0\.010 \(one point of test accuracy/);
    assert.equal(small.slide, "16");
    assert.equal(iepVsOneShotVerdict(accuracyRows(deck)).slide, "16,17");
  });
  it("restarts alone: holds when restarts beat compute-matched EP", () => {
    assert.equal(restartsVerdict(accuracyRows(deck)).outcome, "holds");
  });
});
