import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gainAtEveryWidthVerdict, gainGrowsWithSizeVerdict, type WidthRun } from "../../../src/analysis/claims/07-accuracy-vs-parameters";

const WIDTHS = [0.25, 0.5, 1, 2];
const SEEDS = [1, 2, 3];
const NOISE = [-0.004, 0.001, 0.004];
/** Seed noise partly shared by the methods of one seed (as real runs of one seed share data order), partly each method's own. */
const OWN: Record<string, number[]> = {
  "soft iEP": [0.002, -0.003, 0.001],
  EP: [-0.001, 0.002, -0.001],
  "hard iEP": [0.001, 0.002, -0.003],
};

function runs(accuracy: (method: string, width: number) => number, methods: string[]): WidthRun[] {
  return methods.flatMap((method) =>
    WIDTHS.flatMap((w) =>
      SEEDS.map((seed, k) => ({
        method,
        widthMultiplier: w,
        keptParameters: Math.round(26000 * w * w),
        seed,
        testAccuracy: accuracy(method, w) + NOISE[k]! + OWN[method]![(k + WIDTHS.indexOf(w)) % 3]!,
      })),
    ),
  );
}

const CLAIM = {
  id: "07.iep-beats-ep",
  slide: "16,20",
  claim: "iEP beats EP at equal parameters",
  better: "soft iEP",
  worse: "EP",
  deckGain: 0.03,
};

describe("07 claims: accuracy vs kept parameters over a width sweep", () => {
  it("a gain at every width holds; a loss, or a tie equivalent to zero, does not hold; a gain at some widths only partly holds", () => {
    const gain = runs((m, w) => 0.8 + 0.02 * Math.log2(w) + (m === "soft iEP" ? 0.03 : 0), ["soft iEP", "EP"]);
    const v = gainAtEveryWidthVerdict(gain, CLAIM);
    assert.equal(v.outcome, "holds");
    assert.ok(Math.abs(v.numbers["mean gain"]! - 0.03) < 1e-9);
    assert.match(v.evidence, /Mean gain over the widths 3\.0 points\./);
    // A significant gain that is clearly smaller than the claimed size only partly holds.
    const small = runs((m, w) => 0.8 + 0.02 * Math.log2(w) + (m === "soft iEP" ? 0.02 : 0), ["soft iEP", "EP"]);
    assert.equal(gainAtEveryWidthVerdict(small, { ...CLAIM, effect: 0.05 }).outcome, "partly holds");
    const loss = runs((m) => 0.8 + (m === "soft iEP" ? -0.03 : 0), ["soft iEP", "EP"]);
    assert.equal(gainAtEveryWidthVerdict(loss, CLAIM).outcome, "does not hold");
    const mixed = runs((m, w) => 0.8 + (m === "soft iEP" && w >= 1 ? 0.03 : 0) + (m === "EP" ? 0.001 * w : 0), ["soft iEP", "EP"]);
    assert.equal(gainAtEveryWidthVerdict(mixed, CLAIM).outcome, "partly holds");
    // A tie: equivalent to zero within one point at this spread; five times the spread cannot tell.
    const tie = runs(() => 0.8, ["soft iEP", "EP"]);
    assert.equal(gainAtEveryWidthVerdict(tie, { ...CLAIM, effect: 0 }).outcome, "does not hold");
    const noisyTie = tie.map((r) => ({ ...r, testAccuracy: 0.8 + (r.testAccuracy - 0.8) * 5 }));
    assert.equal(gainAtEveryWidthVerdict(noisyTie, { ...CLAIM, effect: 0 }).outcome, "inconclusive");
  });

  it("the gain growing with size: weighted fit over per-width means; holds for a widening gap, does not hold for a shrinking or a flat one", () => {
    const grow = runs((m, w) => 0.8 + (m === "soft iEP" ? 0.02 * (2 + Math.log2(w)) : 0), ["soft iEP", "EP"]);
    const g = gainGrowsWithSizeVerdict(grow, {
      id: "07.gain-grows",
      slide: "16",
      claim: "bigger gain for bigger models",
      better: "soft iEP",
      worse: "EP",
    });
    assert.equal(g.outcome, "holds", g.evidence);
    // One point per width, not per seed.
    assert.equal(g.numbers.widths, WIDTHS.length);
    assert.match(g.evidence, /weighted least squares over 4 widths, t with 2 df/);
    const shrink = runs(
      (m, w) => 0.8 + (m === "soft iEP" ? 0.05 - 0.01 * (2 + Math.log2(w)) : 0) + (m === "EP" ? [0, 0.001, -0.001][(w * 4) % 3]! : 0),
      ["soft iEP", "EP"],
    );
    assert.equal(
      gainGrowsWithSizeVerdict(shrink, { id: "x", slide: "16", claim: "x", better: "soft iEP", worse: "EP" }).outcome,
      "does not hold",
    );
    // The same gain at every width, measured precisely: a slope equivalent to zero within half a point per doubling.
    const flat = runs((m) => 0.8 + (m === "soft iEP" ? 0.03 : 0), ["soft iEP", "EP"]);
    assert.equal(
      gainGrowsWithSizeVerdict(flat, { id: "x", slide: "16", claim: "x", better: "soft iEP", worse: "EP" }).outcome,
      "does not hold",
    );
    const noisyFlat = runs((m) => 0.8 + (m === "soft iEP" ? 0.03 : 0), ["soft iEP", "EP"]).map((r, i) => ({
      ...r,
      testAccuracy: r.testAccuracy + (i % 5) * 0.01,
    }));
    assert.equal(
      gainGrowsWithSizeVerdict(noisyFlat, { id: "x", slide: "16", claim: "x", better: "soft iEP", worse: "EP" }).outcome,
      "inconclusive",
    );
  });
});
