import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SweepRun, inverseUVerdict, meansByModel, negativeCorrelationVerdict } from "../../../src/analysis/claims/02-dr-vs-accuracy";

// Deterministic seed noise: three seeds per setting.
const NOISE = [-0.004, 0.001, 0.003];

function sweep(model: string, accuracyOfDr: (dr: number) => number, settings = 9): SweepRun[] {
  return Array.from({ length: settings }, (_, i) => 0.3 + (0.2 * i) / (settings - 1)).flatMap((dr, i) =>
    NOISE.map((e, k) => ({ model, setting: `s${i}`, x: dr + e / 2, y: accuracyOfDr(dr) + NOISE[(k + i) % 3]! })),
  );
}

describe("02 claims: DR vs accuracy over per-setting means", () => {
  it("averages the seeds of a setting: n = settings, per model", () => {
    const m = meansByModel([...sweep("MLP", (dr) => 1 - dr), ...sweep("conv", (dr) => 1 - dr, 5)]);
    assert.deepEqual(
      m.map((x) => [x.model, x.means.length, x.means[0]!.n]),
      [
        ["MLP", 9, 3],
        ["conv", 5, 3],
      ],
    );
  });

  it("negative correlation holds when accuracy falls with DR, does not hold when it rises, partly when one model of two", () => {
    const falling = negativeCorrelationVerdict(sweep("MLP", (dr) => 1 - dr));
    assert.equal(falling.outcome, "holds");
    assert.match(falling.evidence, /Pearson r over 9 settings/);
    assert.match(falling.definition, /SESOI\) 0\.30/);
    assert.ok(falling.numbers["MLP: estimate"]! < -0.9);
    assert.equal(negativeCorrelationVerdict(sweep("MLP", (dr) => 0.5 + dr)).outcome, "does not hold");
    const mixed = negativeCorrelationVerdict([...sweep("MLP", (dr) => 1 - dr), ...sweep("conv", (dr) => 0.5 + dr)]);
    assert.equal(mixed.outcome, "partly holds");
    assert.equal(mixed.id, "02.dr-accuracy-negative");
  });

  it("no relation is inconclusive", () => {
    assert.equal(negativeCorrelationVerdict(sweep("MLP", () => 0.8)).outcome, "inconclusive");
  });

  it("inverse U: holds for a peaked curve, does not hold for a straight one (curvature equivalent to zero), partly holds for a bend whose top lies outside the range, inconclusive when noisy", () => {
    // Accuracy peaks in the middle third of the DR range and is lower on both sides.
    const peaked = inverseUVerdict(sweep("ResNet", (dr) => (dr > 0.36 && dr < 0.44 ? 0.9 : 0.7 - Math.abs(dr - 0.4))));
    assert.equal(peaked.outcome, "holds", peaked.evidence);
    assert.match(peaked.evidence, /top at DR 0\.4\d\d \(inside the tested 0\.\d+–0\.\d+\)/);
    const straight = inverseUVerdict(sweep("ResNet", (dr) => 0.3 + 2 * dr));
    assert.equal(straight.outcome, "does not hold", straight.evidence);
    const bend = inverseUVerdict(sweep("ResNet", (dr) => 0.9 - 8 * (dr - 0.7) ** 2));
    assert.equal(bend.outcome, "partly holds", bend.evidence);
    assert.match(bend.evidence, /its top lies outside the tested DR range/);
    const noisy = inverseUVerdict(sweep("ResNet", () => 0.8).map((r, i) => ({ ...r, y: r.y + ((i * 7) % 5) * 0.01 })));
    assert.equal(noisy.outcome, "inconclusive", noisy.evidence);
  });
});
