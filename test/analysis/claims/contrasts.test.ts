import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  combineOutcomes,
  correlationOverSettings,
  directionalOutcome,
  settingMeans,
  testContrasts,
} from "../../../src/analysis/claims/contrasts";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `expected ${b}, got ${a}`);

describe("outcomes", () => {
  it("directionalOutcome: holds, does not hold, inconclusive", () => {
    assert.equal(directionalOutcome(0.1, 0.01, "higher"), "holds");
    assert.equal(directionalOutcome(-0.1, 0.01, "higher"), "does not hold");
    assert.equal(directionalOutcome(0.1, 0.2, "higher"), "inconclusive");
    assert.equal(directionalOutcome(-0.1, 0.01, "lower"), "holds");
    assert.equal(directionalOutcome(Number.NaN, 0.01, "lower"), "inconclusive");
  });
  it("combineOutcomes: every / any against / some / none", () => {
    assert.equal(combineOutcomes(["holds", "holds"]), "holds");
    assert.equal(combineOutcomes(["holds", "does not hold"]), "does not hold");
    assert.equal(combineOutcomes(["holds", "inconclusive"]), "partly holds");
    assert.equal(combineOutcomes(["inconclusive", "inconclusive"]), "inconclusive");
    assert.equal(combineOutcomes([]), "inconclusive");
  });
  it("testContrasts adjusts over the set: a contrast significant alone can fail after Holm", () => {
    // Two contrasts with p ≈ 0.03 each: significant alone, not after doubling the smaller.
    const a = [1.0, 1.2, 1.1, 0.9, 1.3];
    const b = [0.8, 0.9, 0.85, 0.7, 0.95];
    const alone = testContrasts([{ name: "x", a, b }], "higher")[0]!;
    const many = testContrasts(
      Array.from({ length: 20 }, (_, i) => ({ name: `x${i}`, a, b })),
      "higher",
    );
    assert.ok(alone.pHolm < 0.05 && alone.outcome === "holds");
    assert.ok(many[0]!.pHolm > alone.pHolm);
  });
});

describe("per-setting means", () => {
  it("averages the seeds of a setting before correlating (n = settings)", () => {
    const runs = ["a", "b", "c", "d", "e"].flatMap((s, i) =>
      [0, 1, 2].map((k) => ({ setting: s, x: i + 0.1 * k, y: 10 - 2 * i + 0.05 * k })),
    );
    const means = settingMeans(runs);
    assert.equal(means.length, 5);
    assert.equal(means[0]!.n, 3);
    close(means[1]!.x.mean, 1.1);
    const c = correlationOverSettings(runs);
    assert.equal(c.n, 5);
    assert.ok(c.r < -0.99);
  });
});
