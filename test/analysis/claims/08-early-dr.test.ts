import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DR_SESOI } from "../../../src/analysis/claims/common";
import {
  type VariantValue,
  earlyDrCorrelationVerdict,
  interventionVerdict,
  iterandMeaning,
  softEarlyDrBuiltIn,
} from "../../../src/analysis/claims/08-early-dr";

const NOISE = [-0.003, 0.0, 0.004];
/** Each variant's seeds follow the noise pattern shifted by its position, so per-seed differences have spread. */
const values = (byVariant: Record<string, number>, spread = 1): VariantValue[] =>
  Object.entries(byVariant).flatMap(([variant, v], i) =>
    NOISE.map((_, k) => ({ variant, seed: k + 1, value: v + spread * NOISE[(k + i) % 3]! })),
  );

const CLAIM = {
  id: "08.lowers-early-dr",
  slide: "18,19",
  sesoi: DR_SESOI,
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
    assert.equal(interventionVerdict(values({ EP: 0.6, "soft iEP": 0.6, IteRand: 0.6 }, 5), CLAIM).outcome, "inconclusive");
    // No effect, measured precisely: equivalent to zero within the SESOI.
    assert.equal(interventionVerdict(values({ EP: 0.6, "soft iEP": 0.6, IteRand: 0.6 }, 0.3), CLAIM).outcome, "does not hold");
  });

  it("an intervention whose effect is built in is not tested: left out with its reason, its difference quoted", () => {
    const reason = softEarlyDrBuiltIn(0.536, 0.9);
    assert.match(reason, /epoch 1 of soft iEP is EP at the first cycle's prune rate \(p = 0\.536\), compared with EP at p = 0\.900/);
    assert.match(
      reason,
      /that run is soft iEP's first cycle itself.*Notebook 03 tests the claim on the cumulative DR against equal-steps EP/,
    );
    const v = interventionVerdict(values({ EP: 0.6, "soft iEP": 0.3, IteRand: 0.5 }), { ...CLAIM, notTested: { "soft iEP": reason } });
    assert.equal(v.outcome, "holds");
    assert.match(v.definition, /soft iEP not tested as built: epoch 1 of soft iEP/);
    assert.match(v.evidence, /Not tested as built \(measured, for the record\): soft iEP − EP -0\.300\./);
    const only = interventionVerdict(values({ EP: 0.6, "soft iEP": 0.3 }), {
      ...CLAIM,
      interventions: ["soft iEP"],
      notTested: { "soft iEP": reason },
    });
    assert.equal(only.outcome, "not tested");
  });

  it("says what IteRand tests under the weight init", () => {
    assert.match(iterandMeaning("signed-constant"), /a re-draw only picks a random sign: sign flips at half its rate/);
    assert.equal(iterandMeaning("kaiming-normal"), "with kaiming-normal weights");
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
