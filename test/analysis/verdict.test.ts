/**
 * The verdict building blocks on synthetic data: each returns "holds" where the data show the
 * claim and "does not hold" where they show the opposite (or exclude the claimed size), and
 * "inconclusive" / "partly holds" in between; Holm's adjustment changes what a family concludes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ClaimText,
  type VerdictOutcome,
  boundVerdict,
  combineOutcomes,
  correlationVerdict,
  differenceVerdict,
  familyLevel,
  flatLevelVerdict,
  judgeFamily,
  meansFamily,
  settingMeans,
} from "../../src/analysis/verdict";

const claim: ClaimText = { id: "00.test", slide: "0", claim: "a synthetic claim", quantity: "a synthetic quantity" };
/** A fixed zero-mean wiggle, so samples have spread without a random generator. */
const NOISE = [0.003, -0.002, 0.001, -0.004, 0.002];
const around = (m: number, scale = 1) => NOISE.map((e) => m + e * scale);

describe("differenceVerdict (Welch, Holm over contrasts)", () => {
  it("holds when a is clearly above b, does not hold when clearly below, inconclusive when they overlap", () => {
    const up = differenceVerdict(claim, [{ label: "p=0.9", a: around(0.9), b: around(0.85) }]);
    assert.equal(up.outcome, "holds");
    assert.ok(Math.abs(up.numbers["p=0.9: estimate"] - 0.05) < 1e-12);
    assert.ok(up.numbers["p=0.9: p (Holm)"] < 0.05);
    assert.match(up.evidence, /^p=0\.9: \+0\.050 \[\+0\.0\d\d, \+0\.0\d\d\], Holm p < 0\.001 → holds \(1 of 1 hold\)\.$/);
    assert.match(up.definition, /^a synthetic quantity; difference of means, Welch's t/);
    assert.equal(up.id, "00.test");

    const down = differenceVerdict(claim, [{ label: "p=0.9", a: around(0.85), b: around(0.9) }]);
    assert.equal(down.outcome, "does not hold");

    const overlap = differenceVerdict(claim, [
      { label: "p=0.9", a: around(0.9, 5), b: [...around(0.9, 5)].reverse().map((v) => v + 0.001) },
    ]);
    assert.equal(overlap.outcome, "inconclusive");
  });

  it("direction less: the claim that a is below b holds where a − b < 0 significantly", () => {
    assert.equal(differenceVerdict(claim, [{ label: "dr", a: around(0.3), b: around(0.5) }], { direction: "less" }).outcome, "holds");
    assert.equal(
      differenceVerdict(claim, [{ label: "dr", a: around(0.5), b: around(0.3) }], { direction: "less" }).outcome,
      "does not hold",
    );
  });

  it("a claimed size: a small significant gain partly holds; an insignificant one whose interval excludes the size does not hold", () => {
    const options = { effect: 0.03 };
    assert.equal(differenceVerdict(claim, [{ label: "c", a: around(0.905), b: around(0.9) }], options).outcome, "partly holds");
    assert.equal(differenceVerdict(claim, [{ label: "c", a: around(0.95), b: around(0.9) }], options).outcome, "holds");
    const noGain = differenceVerdict(claim, [{ label: "c", a: around(0.9), b: [...around(0.9)].reverse() }], options);
    assert.equal(noGain.outcome, "does not hold");
    assert.match(noGain.definition, /excludes the claimed size/);
  });

  it("several contrasts: all hold → holds; some hold and one fails → partly holds; intervals are at 1 − alpha/m", () => {
    const hold = { label: "p=0.5", a: around(0.9), b: around(0.85) };
    const fail = { label: "p=0.9", a: around(0.8), b: around(0.85) };
    assert.equal(differenceVerdict(claim, [hold, { ...hold, label: "p=0.7" }]).outcome, "holds");
    const mixed = differenceVerdict(claim, [hold, fail]);
    assert.equal(mixed.outcome, "partly holds");
    assert.match(mixed.evidence, /\(1 of 2 hold\)/);
    assert.match(mixed.definition, /intervals at 97\.5 % \(Bonferroni, simultaneous;/);
    assert.equal(differenceVerdict(claim, [fail, { ...fail, label: "p=0.95" }]).outcome, "does not hold");
  });

  it("one run per side cannot be tested: inconclusive", () => {
    assert.equal(differenceVerdict(claim, [{ label: "c", a: [0.9], b: [0.8] }]).outcome, "inconclusive");
  });
});

describe("judgeFamily and combineOutcomes", () => {
  const est = (label: string, p: number) => ({ label, estimate: 0.01, lo: -0.001, hi: 0.021, p, n: 3 });

  it("Holm: one p = 0.03 alone holds; two of 0.03 and 0.04 together do not reach 0.05 (adjusted 0.06, 0.06)", () => {
    assert.equal(judgeFamily([est("a", 0.03)])[0].outcome, "holds");
    const two = judgeFamily([est("a", 0.03), est("b", 0.04)]);
    assert.deepEqual(
      two.map((j) => j.outcome),
      ["inconclusive", "inconclusive"],
    );
    assert.deepEqual(
      two.map((j) => j.pHolm),
      [0.06, 0.06],
    );
    // With alpha = 0.1 the same family holds.
    assert.deepEqual(
      judgeFamily([est("a", 0.03), est("b", 0.04)], { alpha: 0.1 }).map((j) => j.outcome),
      ["holds", "holds"],
    );
    assert.equal(familyLevel(0.05, 4), 0.9875);
  });

  it("combines outcomes", () => {
    const cases: Array<[VerdictOutcome[], VerdictOutcome]> = [
      [["holds", "holds"], "holds"],
      [["does not hold", "does not hold"], "does not hold"],
      [["does not hold", "inconclusive"], "does not hold"],
      [["holds", "does not hold"], "partly holds"],
      [["holds", "inconclusive"], "partly holds"],
      [["partly holds"], "partly holds"],
      [["inconclusive", "inconclusive"], "inconclusive"],
      [[], "inconclusive"],
    ];
    for (const [outcomes, expected] of cases) assert.equal(combineOutcomes(outcomes), expected, JSON.stringify(outcomes));
  });
});

describe("correlation over per-setting means", () => {
  /** 6 settings × 3 seeds: DR rises with the setting; accuracy falls (sign = -1) or rises (+1). */
  const rows = (sign: number) =>
    [0, 1, 2, 3, 4, 5].flatMap((s) =>
      [0, 1, 2].map((seed) => ({
        lr: 0.01 * 2 ** s,
        seed,
        dyingRatio: 0.3 + 0.1 * s + NOISE[seed] * 3,
        testAccuracy: 0.9 + sign * 0.02 * s + NOISE[seed + 2] * 3,
      })),
    );

  it("averages the seeds of a setting: n = settings, with each setting's spread on both axes", () => {
    const means = settingMeans(rows(-1), ["lr"], "dyingRatio", "testAccuracy");
    assert.equal(means.length, 6);
    assert.deepEqual(means[2].setting, { lr: 0.04 });
    assert.equal(means[2].n, 3);
    assert.ok(Math.abs(means[2].x.mean - (0.5 + ((NOISE[0] + NOISE[1] + NOISE[2]) * 3) / 3)) < 1e-12);
    assert.ok(means[2].x.lo < means[2].x.mean && means[2].y.hi > means[2].y.mean);
    // Non-numbers are skipped, not averaged.
    assert.equal(
      settingMeans(
        [
          { lr: 1, x: Number.NaN, y: 1 },
          { lr: 1, x: 2, y: 3 },
        ],
        ["lr"],
        "x",
        "y",
      )[0].n,
      1,
    );
  });

  it("a claimed negative correlation holds on falling data and does not hold on rising data", () => {
    const negative = { direction: "less" } as const;
    const falling = correlationVerdict(claim, [meansFamily("MLP", settingMeans(rows(-1), ["lr"], "dyingRatio", "testAccuracy"))], negative);
    assert.equal(falling.outcome, "holds");
    assert.equal(falling.numbers["MLP: n"], 6);
    assert.ok(falling.numbers["MLP: estimate"] < -0.9);
    const rising = correlationVerdict(claim, [meansFamily("MLP", settingMeans(rows(1), ["lr"], "dyingRatio", "testAccuracy"))], negative);
    assert.equal(rising.outcome, "does not hold");
  });

  it("families are Holm-adjusted together; one that holds and one that fails make partly holds", () => {
    const f = (sign: number, label: string) => meansFamily(label, settingMeans(rows(sign), ["lr"], "dyingRatio", "testAccuracy"));
    const v = correlationVerdict(claim, [f(-1, "MLP"), f(1, "conv")], { direction: "less" });
    assert.equal(v.outcome, "partly holds");
    assert.ok(v.numbers["conv: p (Holm)"] >= v.numbers["conv: p"]);
  });
});

describe("flatLevelVerdict (slope interval and level)", () => {
  const ps = [0.2, 0.3, 0.5, 0.7, 0.9, 0.2, 0.3, 0.5, 0.7, 0.9];
  const wiggle = (i: number) => NOISE[i % NOISE.length] * (i < 5 ? 1 : -1);
  const options = { target: 0.2, tolerance: 0.05 };

  it("holds when flat at the target; does not hold when sloped and away from it", () => {
    const flat = flatLevelVerdict(
      claim,
      ps,
      ps.map((_, i) => 0.2 + wiggle(i)),
      options,
    );
    assert.equal(flat.outcome, "holds");
    assert.ok(flat.numbers["slope lo"] <= 0 && flat.numbers["slope hi"] >= 0);
    assert.match(flat.evidence, /→ flat; level 0\.2\d\d .* → near the target\.$/);
    const sloped = flatLevelVerdict(
      claim,
      ps,
      ps.map((p, i) => 0.1 + 0.5 * p + wiggle(i)),
      options,
    );
    assert.equal(sloped.outcome, "does not hold");
    assert.ok(sloped.numbers["slope lo"] > 0);
  });

  it("flat but at another level, or near the level but sloped, partly holds", () => {
    assert.equal(
      flatLevelVerdict(
        claim,
        ps,
        ps.map((_, i) => 0.4 + wiggle(i)),
        options,
      ).outcome,
      "partly holds",
    );
    // Mean of p is 0.52: a line through (0.52, 0.2) with slope 0.3 has the right level but is not flat.
    assert.equal(
      flatLevelVerdict(
        claim,
        ps,
        ps.map((p, i) => 0.2 + 0.3 * (p - 0.52) + wiggle(i)),
        options,
      ).outcome,
      "partly holds",
    );
  });

  it("flatness is an equivalence test (default: the line moves less than the tolerance over the x range); noisy data cannot tell", () => {
    const y = ps.map((p, i) => 0.2 + 0.01 * (p - 0.52) + wiggle(i));
    const v = flatLevelVerdict(claim, ps, y, options);
    assert.equal(v.outcome, "holds");
    assert.ok(Math.abs(v.numbers["slope tolerance"] - 0.05 / 0.7) < 1e-12);
    assert.equal(flatLevelVerdict(claim, ps, y, { ...options, slopeTolerance: 0.001 }).outcome, "partly holds");
    const noisy = ps.map((_, i) => 0.24 + wiggle(i) * 30);
    assert.equal(flatLevelVerdict(claim, ps, noisy, options).outcome, "inconclusive");
    // The plain rule (slopeTolerance 0) calls the same noisy line flat: its interval contains 0.
    const plain = flatLevelVerdict(claim, ps, noisy, { ...options, slopeTolerance: 0 });
    assert.match(plain.evidence, /→ flat;/);
    assert.match(plain.definition, /its interval contains 0/);
  });
});

describe("boundVerdict", () => {
  it("holds when every interval lies below the bound, does not hold when above, inconclusive from one run", () => {
    const o = { bound: 0.05, side: "below" } as const;
    assert.equal(
      boundVerdict(
        claim,
        [
          { label: "cycle 1", values: around(0.01) },
          { label: "cycle 2", values: around(0.02) },
        ],
        o,
      ).outcome,
      "holds",
    );
    assert.equal(boundVerdict(claim, [{ label: "cycle 1", values: around(0.2) }], o).outcome, "does not hold");
    assert.equal(
      boundVerdict(
        claim,
        [
          { label: "cycle 1", values: around(0.01) },
          { label: "cycle 3", values: around(0.2) },
        ],
        o,
      ).outcome,
      "partly holds",
    );
    assert.equal(boundVerdict(claim, [{ label: "cycle 1", values: [0.01] }], o).outcome, "inconclusive");
    assert.equal(boundVerdict(claim, [{ label: "acc", values: around(0.9) }], { bound: 0.8, side: "above" }).outcome, "holds");
  });
});
