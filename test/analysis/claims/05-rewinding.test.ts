import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type VariantRun,
  bestVariantVerdict,
  lowerDrNegativeControlVerdict,
  rewindingImprovesVerdict,
} from "../../../src/analysis/claims/05-rewinding";

const NOISE = [-0.005, 0.0, 0.006];
const P = [0.5, 0.8, 0.9];

/** Each variant's seeds follow the noise pattern shifted by the variant's position, so per-seed differences have spread. */
function runs(accuracy: Record<string, number>, spread = 1): VariantRun[] {
  return Object.entries(accuracy).flatMap(([variant, acc], v) =>
    P.flatMap((pruneRate) =>
      NOISE.map((_, k) => ({ variant, pruneRate, seed: k + 1, testAccuracy: acc - 0.1 * pruneRate + spread * NOISE[(k + v) % 3]! })),
    ),
  );
}

const VARIANTS = ["iEP rewind lr", "iEP rewind scores", "iEP rewind reinit"];

describe("05 claims: rewinding variants at several prune rates", () => {
  it("'every variant but fine-tuning beats EP' holds, partly holds and does not hold", () => {
    const good = runs({ EP: 0.7, "iEP rewind lr": 0.8, "iEP rewind scores": 0.76, "iEP rewind reinit": 0.75 });
    const v = rewindingImprovesVerdict(good, VARIANTS, "EP");
    assert.equal(v.outcome, "holds");
    assert.equal(v.id, "05.rewinding-beats-ep");
    assert.ok(Number.isFinite(v.numbers["iEP rewind lr − EP, p=0.9: power"]!));
    assert.equal(v.slide, "17");
    const partly = runs({ EP: 0.7, "iEP rewind lr": 0.8, "iEP rewind scores": 0.7, "iEP rewind reinit": 0.7 });
    assert.equal(rewindingImprovesVerdict(partly, VARIANTS, "EP").outcome, "partly holds");
    const worse = runs({ EP: 0.8, "iEP rewind lr": 0.7, "iEP rewind scores": 0.6, "iEP rewind reinit": 0.75 });
    assert.equal(rewindingImprovesVerdict(worse, VARIANTS, "compute-matched EP").outcome, "inconclusive");
    assert.equal(rewindingImprovesVerdict(worse, VARIANTS, "EP").outcome, "does not hold");
  });

  it("score and re-init rewinds that end in one-shot EP are not tested, with the reason and their measured accuracy; LR rewinding equal to EP does not hold", () => {
    const notTested = { variants: ["iEP rewind scores", "iEP rewind reinit"], because: "soft pruning" };
    const good = runs({ EP: 0.7, "iEP rewind lr": 0.8, "iEP rewind scores": 0.7, "iEP rewind reinit": 0.7 });
    const v = rewindingImprovesVerdict(good, VARIANTS, "EP", notTested);
    assert.equal(v.outcome, "holds");
    assert.match(
      v.definition,
      /iEP rewind scores, iEP rewind reinit not tested as built: with soft pruning their last cycle starts from the initial \(or fresh\) scores/,
    );
    assert.match(v.evidence, /Not tested as built: iEP rewind scores 0\.\d{4} vs one-shot EP 0\.\d{4} at p=0\.5/);
    assert.ok(!Object.keys(v.numbers).some((k) => k.includes("scores")));
    const same = runs({ EP: 0.7, "iEP rewind lr": 0.7, "iEP rewind scores": 0.7, "iEP rewind reinit": 0.7 }, 0.1);
    assert.equal(rewindingImprovesVerdict(same, VARIANTS, "EP", notTested).outcome, "does not hold");
  });

  it("'lr rewinding is best' holds when lr wins everywhere and does not hold when another variant wins everywhere", () => {
    const others = ["iEP rewind scores", "iEP rewind reinit", "iEP rewind finetune"];
    const lrBest = runs({ "iEP rewind lr": 0.8, "iEP rewind scores": 0.75, "iEP rewind reinit": 0.74, "iEP rewind finetune": 0.7 });
    assert.equal(bestVariantVerdict(lrBest, "iEP rewind lr", others).outcome, "holds");
    const lrWorst = runs({ "iEP rewind lr": 0.7, "iEP rewind scores": 0.8, "iEP rewind reinit": 0.76, "iEP rewind finetune": 0.75 });
    const v = bestVariantVerdict(lrWorst, "iEP rewind lr", others);
    assert.equal(v.outcome, "does not hold");
    assert.match(v.evidence, /iEP rewind lr − iEP rewind scores, p=0.5: -0\.100/);
  });

  it("the negative control of 'lower DR → better subnetwork': holds, does not hold (equivalent or worse), inconclusive, not tested without a lower DR", () => {
    const CONTROLS = ["iEP rewind scores", "iEP rewind reinit"];
    const withDr = (accuracy: Record<string, number>, dr: Record<string, number>, spread = 1): VariantRun[] =>
      runs(accuracy, spread).map((r, i) => ({ ...r, dyingRatio: dr[r.variant]! + 0.5 * NOISE[i % 3]! }));
    const lowDr = { EP: 0.6, "iEP rewind scores": 0.3, "iEP rewind reinit": 0.35 };
    const verdictOf = (accuracy: Record<string, number>, dr: Record<string, number> = lowDr, spread = 1) =>
      lowerDrNegativeControlVerdict(withDr(accuracy, dr, spread), CONTROLS, "EP");
    const accuracies = (ep: number, scores: number, reinit: number) => ({
      EP: ep,
      "iEP rewind scores": scores,
      "iEP rewind reinit": reinit,
    });
    const better = verdictOf(accuracies(0.7, 0.76, 0.75));
    assert.equal(better.outcome, "holds", better.evidence);
    assert.equal(better.id, "05.lower-dr-negative-control");
    assert.match(better.evidence, /^lower DR \(precondition\) \(holds\): .* accuracy gain \(holds\)/);
    const cases: Array<[string, ReturnType<typeof verdictOf>, string]> = [
      // EP-like accuracy with a lower DR: equivalent to zero, so a lower DR alone did not make a better subnetwork.
      ["equivalent", verdictOf(accuracies(0.7, 0.7, 0.7), lowDr, 0.3), "does not hold"],
      ["worse", verdictOf(accuracies(0.75, 0.7, 0.7)), "does not hold"],
      ["noisy", verdictOf(accuracies(0.7, 0.705, 0.705), lowDr, 8), "inconclusive"],
      // Controls whose DR is not lower are no negative control.
      ["DR not lower", verdictOf(accuracies(0.7, 0.7, 0.7), accuracies(0.6, 0.6, 0.6)), "not tested"],
    ];
    for (const [name, v, outcome] of cases) assert.equal(v.outcome, outcome, `${name}: ${v.evidence}`);
    const notLower = cases[3]![1];
    assert.match(notLower.definition, /no negative control here/);
  });
});
