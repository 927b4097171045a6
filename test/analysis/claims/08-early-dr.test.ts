import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type VariantValue, earlyDrCorrelationVerdict, interventionVerdict } from "../../../src/analysis/claims/08-early-dr";

const NOISE = [-0.003, 0.0, 0.004];
const values = (byVariant: Record<string, number>): VariantValue[] =>
  Object.entries(byVariant).flatMap(([variant, v]) => NOISE.map((e) => ({ variant, value: v + e })));

const CLAIM = {
  id: "08.lowers-early-dr",
  slide: "15,20",
  claim: "the interventions lower the early DR",
  quantity: "DR after epoch 1",
  interventions: ["soft iEP", "IteRand"],
  baseline: "EP",
  direction: "less" as const,
};

describe("08 claims: early DR and interventions", () => {
  it("an intervention verdict holds, partly holds, does not hold and is inconclusive", () => {
    assert.equal(interventionVerdict(values({ EP: 0.6, "soft iEP": 0.3, IteRand: 0.5 }), CLAIM).outcome, "holds");
    assert.equal(interventionVerdict(values({ EP: 0.6, "soft iEP": 0.3, IteRand: 0.6 }), CLAIM).outcome, "partly holds");
    const v = interventionVerdict(values({ EP: 0.6, "soft iEP": 0.7, IteRand: 0.7 }), CLAIM);
    assert.equal(v.outcome, "does not hold");
    assert.match(v.evidence, /IteRand − EP: \+0\.100/);
    assert.equal(interventionVerdict(values({ EP: 0.6, "soft iEP": 0.6, IteRand: 0.6 }), CLAIM).outcome, "inconclusive");
  });

  it("early-DR correlation over settings holds when accuracy falls with early DR and not when it rises", () => {
    const sweep = (slope: number) =>
      Array.from({ length: 8 }, (_, i) => 0.2 + 0.04 * i).flatMap((dr, i) =>
        NOISE.map((e, k) => ({ model: "MLP", setting: `s${i}`, x: dr + e, y: 0.7 + slope * dr + NOISE[(k + i) % 3]! })),
      );
    const v = earlyDrCorrelationVerdict(sweep(-1));
    assert.equal(v.outcome, "holds");
    assert.equal(v.id, "08.early-dr-accuracy-negative");
    assert.match(v.definition, /DR after epoch 1/);
    assert.equal(earlyDrCorrelationVerdict(sweep(1)).outcome, "does not hold");
  });
});
