import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inverseUVerdicts, negativeCorrelationVerdicts } from "../../../src/analysis/claims/02-dr-vs-accuracy";
import type { SettingRun } from "../../../src/analysis/claims/contrasts";

// Deterministic seed noise: three seeds per setting.
const NOISE = [-0.004, 0.001, 0.003];

function sweep(accuracyOfDr: (dr: number) => number, settings = 9): SettingRun[] {
  return Array.from({ length: settings }, (_, i) => 0.3 + (0.2 * i) / (settings - 1)).flatMap((dr, i) =>
    NOISE.map((e, k) => ({ setting: `s${i}`, x: dr + e / 2, y: accuracyOfDr(dr) + NOISE[(k + i) % 3]! })),
  );
}

describe("02 claims: DR vs accuracy over per-setting means", () => {
  it("negative correlation holds when accuracy falls with DR, and does not hold when it rises", () => {
    const [falling] = negativeCorrelationVerdicts({ MLP: sweep((dr) => 1 - dr) });
    assert.equal(falling!.outcome, "holds");
    assert.equal(falling!.numbers.settings, 9);
    assert.ok(falling!.numbers.r! < -0.9);
    const [rising] = negativeCorrelationVerdicts({ MLP: sweep((dr) => 0.5 + dr) });
    assert.equal(rising!.outcome, "does not hold");
    assert.match(rising!.evidence, /n = 9 settings/);
  });

  it("no relation is inconclusive, and Holm adjusts over the models", () => {
    const flat = sweep(() => 0.8);
    const [v] = negativeCorrelationVerdicts({ MLP: flat });
    assert.equal(v!.outcome, "inconclusive");
    const two = negativeCorrelationVerdicts({ MLP: sweep((dr) => 1 - dr), conv: flat });
    assert.equal(two.length, 2);
    assert.ok(two[0]!.numbers.pHolm! >= two[0]!.numbers.p!);
    assert.equal(two[0]!.id, "02.dr-accuracy-negative.MLP");
  });

  it("inverse U holds for a peaked curve and does not hold for a monotone one", () => {
    // Accuracy peaks in the middle third of the DR range and is lower on both sides.
    const [peaked] = inverseUVerdicts({ ResNet: sweep((dr) => (dr > 0.36 && dr < 0.44 ? 0.9 : 0.7 - Math.abs(dr - 0.4))) });
    assert.equal(peaked!.outcome, "holds");
    const [monotone] = inverseUVerdicts({ ResNet: sweep((dr) => 0.3 + 2 * dr) });
    assert.equal(monotone!.outcome, "does not hold");
  });
});
