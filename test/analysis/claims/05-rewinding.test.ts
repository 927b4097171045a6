import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type VariantRun, bestVariantVerdict, rewindingImprovesVerdict } from "../../../src/analysis/claims/05-rewinding";

const NOISE = [-0.005, 0.0, 0.006];
const P = [0.5, 0.8, 0.9];

function runs(accuracy: Record<string, number>): VariantRun[] {
  return Object.entries(accuracy).flatMap(([variant, acc]) =>
    P.flatMap((pruneRate) => NOISE.map((e) => ({ variant, pruneRate, testAccuracy: acc - 0.1 * pruneRate + e }))),
  );
}

const VARIANTS = ["iEP rewind lr", "iEP rewind scores", "iEP rewind reinit"];

describe("05 claims: rewinding variants at several prune rates", () => {
  it("'every variant but fine-tuning beats EP' holds, partly holds and does not hold", () => {
    const good = runs({ EP: 0.7, "iEP rewind lr": 0.8, "iEP rewind scores": 0.76, "iEP rewind reinit": 0.75 });
    const v = rewindingImprovesVerdict(good, VARIANTS, "EP");
    assert.equal(v.outcome, "holds");
    assert.equal(v.id, "05.rewinding-beats-ep");
    assert.ok(Number.isFinite(v.numbers["iEP rewind lr − EP, p=0.9: p (Holm)"]!));
    const partly = runs({ EP: 0.7, "iEP rewind lr": 0.8, "iEP rewind scores": 0.7, "iEP rewind reinit": 0.7 });
    assert.equal(rewindingImprovesVerdict(partly, VARIANTS, "EP").outcome, "partly holds");
    const worse = runs({ EP: 0.8, "iEP rewind lr": 0.7, "iEP rewind scores": 0.6, "iEP rewind reinit": 0.75 });
    assert.equal(rewindingImprovesVerdict(worse, VARIANTS, "compute-matched EP").outcome, "inconclusive");
    assert.equal(rewindingImprovesVerdict(worse, VARIANTS, "EP").outcome, "does not hold");
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
});
