/**
 * The verdict building blocks on synthetic data that stands for each case: every rule returns
 * "holds" where the data show the claim, "does not hold" where they show the opposite or an
 * effect equivalent to zero (TOST within the SESOI), "partly holds" for a real effect short of
 * the claimed size, and "inconclusive" where the interval spans both readings. The interval
 * printed beside a decision excludes 0 exactly where the decision says so.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { holm, pairedPower, pairedTest, welchTest } from "../../src/analysis/stats";
import {
  type ClaimText,
  type DecisionOptions,
  type Estimate,
  type VerdictOutcome,
  anyOutcome,
  boundVerdict,
  combineOutcomes,
  contrastEstimate,
  contrastTest,
  correlationVerdict,
  differenceVerdict,
  estimateVerdict,
  flatLevelVerdict,
  judgeEstimates,
  meansFamily,
  notTestedVerdict,
  seededContrast,
  settingMeans,
} from "../../src/analysis/verdict";

const claim: ClaimText = { id: "00.test", slide: "0", claim: "a synthetic claim", quantity: "a synthetic quantity" };
/** Fixed zero-mean wiggles, so samples have spread without a random generator; two of them, so paired differences have spread too. */
const NOISE = [0.003, -0.002, 0.001, -0.004, 0.002];
const NOISE2 = [-0.001, 0.004, -0.003, 0.001, -0.001];
const around = (m: number, scale = 1) => NOISE.map((e) => m + e * scale);
const around2 = (m: number, scale = 1) => NOISE2.map((e) => m + e * scale);
const SEEDS = [1, 2, 3, 4, 5];
const seeded = (values: readonly number[], seeds = SEEDS) => values.map((value, i) => ({ seed: seeds[i]!, value }));
const pair = (label: string, a: readonly number[], b: readonly number[]) => seededContrast(label, seeded(a), seeded(b));
const ONE_POINT: DecisionOptions = { sesoi: { value: 0.01, why: "one point" } };

describe("differenceVerdict: the decision rule on one contrast", () => {
  it("holds for a gain beyond the SESOI; does not hold for a reversal or a gain equivalent to zero; partly holds short of the SESOI; inconclusive when noisy", () => {
    const up = differenceVerdict(claim, [pair("p=0.9", around(0.9), around2(0.85))], ONE_POINT);
    assert.equal(up.outcome, "holds");
    assert.ok(Math.abs(up.numbers["p=0.9: estimate"] - 0.05) < 1e-12);
    assert.equal(up.numbers["p=0.9: level"], 0.9);
    assert.equal(up.numbers.SESOI, 0.01);
    assert.match(
      up.evidence,
      /^p=0\.9: \+0\.050 \[\+0\.0\d\d, \+0\.0\d\d\] \(paired t, 5 seeds; 90 % interval, one-sided p < 0\.001\) → holds; power at the SESOI \d\.\d\d/,
    );
    assert.match(
      up.definition,
      /^a synthetic quantity; difference of means: paired t .*smallest effect of interest \(SESOI\) 0\.010 \(one point\)/,
    );

    assert.equal(differenceVerdict(claim, [pair("c", around(0.85), around2(0.9))], ONE_POINT).outcome, "does not hold");
    // Equivalent to zero: the 90 % interval lies inside ±0.01.
    const zero = differenceVerdict(claim, [pair("c", around(0.9), around2(0.9))], ONE_POINT);
    assert.equal(zero.outcome, "does not hold");
    assert.ok(zero.numbers["c: lo"] > -0.01 && zero.numbers["c: hi"] < 0.01 && zero.numbers["c: lo"] < 0);
    // A real gain of 0.5 point, measured precisely: significant but short of the SESOI.
    assert.equal(differenceVerdict(claim, [pair("c", around(0.905, 0.1), around2(0.9, 0.1))], ONE_POINT).outcome, "partly holds");
    // The same zero difference with five times the spread: the interval reaches beyond ±SESOI.
    assert.equal(differenceVerdict(claim, [pair("c", around(0.9, 5), around2(0.9, 5))], ONE_POINT).outcome, "inconclusive");
  });

  it("direction less: the claim that a is below b holds where a − b < 0 significantly", () => {
    const less = { ...ONE_POINT, direction: "less" } as const;
    assert.equal(differenceVerdict(claim, [pair("dr", around(0.3), around2(0.5))], less).outcome, "holds");
    assert.equal(differenceVerdict(claim, [pair("dr", around(0.5), around2(0.3))], less).outcome, "does not hold");
  });

  it("a claimed size above the SESOI: a significant gain wholly short of it partly holds", () => {
    const options = { ...ONE_POINT, claimedSize: 0.03 };
    assert.equal(differenceVerdict(claim, [pair("c", around(0.915), around2(0.9))], options).outcome, "partly holds");
    assert.equal(differenceVerdict(claim, [pair("c", around(0.95), around2(0.9))], options).outcome, "holds");
    assert.match(differenceVerdict(claim, [pair("c", around(0.95), around2(0.9))], options).definition, /the deck's size 0\.030/);
  });

  it("a claimed null: holds when equivalent within ±SESOI, does not hold when it exceeds the SESOI significantly, else inconclusive", () => {
    const nul = { ...ONE_POINT, kind: "null" } as const;
    const same = differenceVerdict(claim, [pair("c", around(0.9), around2(0.9))], nul);
    assert.equal(same.outcome, "holds");
    assert.match(same.evidence, /TOST p = 0\.0\d\d|TOST p < 0\.001/);
    assert.equal(differenceVerdict(claim, [pair("c", around(0.95), around2(0.9))], nul).outcome, "does not hold");
    assert.equal(differenceVerdict(claim, [pair("c", around(0.85), around2(0.9))], nul).outcome, "does not hold");
    assert.equal(differenceVerdict(claim, [pair("c", around(0.9, 5), around2(0.9, 5))], nul).outcome, "inconclusive");
  });

  it("one run per side cannot be tested: inconclusive", () => {
    assert.equal(differenceVerdict(claim, [{ label: "c", a: [0.9], b: [0.8] }], ONE_POINT).outcome, "inconclusive");
  });
});

describe("pairing by seed", () => {
  it("pairs where both sides ran the same seeds (in any order), Welch where they did not, and says which", () => {
    const a = around(0.9);
    const b = around2(0.88);
    const shuffled = seededContrast("c", seeded(a), seeded([...b].reverse(), [...SEEDS].reverse()));
    const paired = contrastTest(shuffled);
    assert.equal(paired.design, "paired t, 5 seeds");
    const reference = pairedTest(a, b);
    assert.ok(Math.abs(paired.test.t - reference.t) < 1e-12 && paired.test.df === 4);
    const other = contrastTest(seededContrast("c", seeded(a), seeded(b, [6, 7, 8, 9, 10])));
    assert.match(other.design, /^Welch t \(the seeds differ\), 5 \+ 5 runs$/);
    assert.ok(Math.abs(other.test.t - welchTest(a, b).t) < 1e-12);
    assert.match(contrastTest({ label: "c", a, b }).design, /no seeds given/);
    assert.match(contrastTest(seededContrast("c", seeded(a, [1, 1, 2, 3, 4]), seeded(b, [1, 1, 2, 3, 4]))).design, /a seed repeats/);
  });
});

/** An estimate on a z scale (se 1, df Infinity) whose one-sided p-value is `p`. */
const zEstimate = (label: string, z: number): Estimate => ({ label, estimate: z, se: 1, df: Number.POSITIVE_INFINITY, design: "z" });
const Z = { p02: 2.053748910631823, p03: 1.880793608151251, p04: 1.75068607125217 };
const TINY: DecisionOptions = { sesoi: { value: 1e-6, why: "tiny" } };

describe("several contrasts: intersection–union ('every') and Holm ('any')", () => {
  it("every: each contrast at full α, no penalty — two at p = 0.03 and 0.04 both hold", () => {
    const v = estimateVerdict(claim, [zEstimate("a", Z.p03), zEstimate("b", Z.p04)], { ...TINY, combine: "every" }, "z");
    assert.equal(v.outcome, "holds");
    assert.match(v.definition, /intersection–union test: each at one-sided α = 0\.05, 90 % intervals, no multiplicity penalty/);
    const mixed = estimateVerdict(claim, [zEstimate("a", Z.p03), zEstimate("b", -3)], { ...TINY, combine: "every" }, "z");
    assert.equal(mixed.outcome, "partly holds");
  });

  it("any: Holm — p = 0.03 and 0.04 reject nothing (0.03 > 0.05/2); p = 0.02 and 0.04 reject both; intervals at each step's level", () => {
    const none = judgeEstimates([zEstimate("a", Z.p03), zEstimate("b", Z.p04)], { ...TINY, combine: "any" });
    assert.deepEqual(
      none.map((j) => j.outcome),
      ["inconclusive", "inconclusive"],
    );
    assert.deepEqual(
      none.map((j) => j.level),
      [0.95, 0.95],
    );
    const both = judgeEstimates([zEstimate("b", Z.p04), zEstimate("a", Z.p02)], { ...TINY, combine: "any" });
    assert.deepEqual(
      both.map((j) => j.outcome),
      ["holds", "holds"],
    );
    assert.ok(Math.abs(both[0]!.level - 0.9) < 1e-12 && Math.abs(both[1]!.level - 0.95) < 1e-12);
    // The claim holds if any contrast does.
    assert.equal(estimateVerdict(claim, [zEstimate("a", Z.p02), zEstimate("b", -3)], { ...TINY, combine: "any" }, "z").outcome, "holds");
  });

  it("the printed interval excludes 0 exactly where the decision says so, and 'any' rejects exactly what Holm rejects", () => {
    // A deterministic spread of z values and t estimates with small df.
    const zs = Array.from({ length: 40 }, (_, i) => -1 + ((i * 37) % 41) / 10);
    for (const combine of ["every", "any"] as const) {
      for (let start = 0; start < zs.length; start += 4) {
        const group: Estimate[] = zs
          .slice(start, start + 4)
          .map((z, k) => ({ label: `c${k}`, estimate: z * 0.01, se: 0.01, df: 2 + k, design: "t" }));
        const judged = judgeEstimates(group, { ...TINY, combine });
        for (const j of judged) {
          const shown = j.outcome === "holds" || j.outcome === "partly holds";
          assert.equal(shown, j.lo > 0, `${combine} ${j.label}: ${j.outcome} with [${j.lo}, ${j.hi}]`);
          assert.equal(shown, j.p < j.alpha, `${combine} ${j.label}: p ${j.p} vs α ${j.alpha}`);
        }
        if (combine === "any") {
          const adjusted = holm(judged.map((j) => j.p));
          assert.deepEqual(
            judged.map((j) => j.outcome === "holds" || j.outcome === "partly holds"),
            adjusted.map((q) => q < 0.05),
          );
        }
      }
    }
  });
});

describe("power and the seeds it needs", () => {
  it("quotes the power of the contrast's own design at the SESOI and the smallest number of seeds that reaches 80 %", () => {
    const a = around(0.9, 3);
    const b = around2(0.895, 3);
    const [j] = judgeEstimates([contrastEstimate(pair("c", a, b))], ONE_POINT);
    const sd = pairedTest(a, b).sdA;
    assert.ok(Math.abs(j!.power - pairedPower(0.01, sd, 5, 0.05)) < 1e-12);
    assert.ok(pairedPower(0.01, sd, j!.needed, 0.05) >= 0.8 && pairedPower(0.01, sd, j!.needed - 1, 0.05) < 0.8, `needed ${j!.needed}`);
    assert.equal(j!.unit, "seeds");
  });
});

describe("claims not tested as built, and how outcomes combine", () => {
  it("a claim decided by construction is reported as not tested, with its reason and what would test it", () => {
    const v = notTestedVerdict({ id: "x", slide: "1", claim: "c" }, "cycle 1 is EP", "equal-steps EP controls", { dr: 0.157 });
    assert.equal(v.outcome, "not tested");
    assert.equal(v.definition, "not tested as built: cycle 1 is EP; needs equal-steps EP controls");
    assert.deepEqual(v.numbers, { dr: 0.157 });
  });

  it("every (combineOutcomes) and any (anyOutcome)", () => {
    const cases: Array<[VerdictOutcome[], VerdictOutcome, VerdictOutcome]> = [
      [["holds", "holds"], "holds", "holds"],
      [["does not hold", "does not hold"], "does not hold", "does not hold"],
      [["does not hold", "inconclusive"], "does not hold", "inconclusive"],
      [["holds", "does not hold"], "partly holds", "holds"],
      [["holds", "inconclusive"], "partly holds", "holds"],
      [["partly holds"], "partly holds", "partly holds"],
      [["inconclusive", "inconclusive"], "inconclusive", "inconclusive"],
      [["holds", "not tested"], "holds", "holds"],
      [["not tested"], "not tested", "not tested"],
      [[], "inconclusive", "inconclusive"],
    ];
    for (const [outcomes, every, any] of cases) {
      assert.equal(combineOutcomes(outcomes), every, `every ${JSON.stringify(outcomes)}`);
      assert.equal(anyOutcome(outcomes), any, `any ${JSON.stringify(outcomes)}`);
    }
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

  it("a claimed negative correlation holds on falling data, does not hold on rising data, and one model of two partly holds", () => {
    const negative = { sesoi: { value: 0.3, why: "medium" }, direction: "less" } as const;
    const f = (sign: number, label: string) => meansFamily(label, settingMeans(rows(sign), ["lr"], "dyingRatio", "testAccuracy"));
    const falling = correlationVerdict(claim, [f(-1, "MLP")], negative);
    assert.equal(falling.outcome, "holds");
    assert.ok(falling.numbers["MLP: estimate"] < -0.9);
    assert.match(falling.evidence, /Pearson r over 6 settings, Fisher z/);
    assert.equal(correlationVerdict(claim, [f(1, "MLP")], negative).outcome, "does not hold");
    assert.equal(correlationVerdict(claim, [f(-1, "MLP"), f(1, "conv")], negative).outcome, "partly holds");
  });

  it("no relation over many settings is equivalent to zero within the SESOI: does not hold; over few it cannot tell", () => {
    const negative = { sesoi: { value: 0.3, why: "medium" }, direction: "less" } as const;
    // x rising, y alternating: r ≈ 0.
    const many = {
      label: "m",
      x: Array.from({ length: 200 }, (_, i) => i),
      y: Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1) * ((i * 7) % 5)),
    };
    const v = correlationVerdict(claim, [many], negative);
    assert.ok(Math.abs(v.numbers["m: estimate"]) < 0.1);
    assert.equal(v.outcome, "does not hold");
    assert.equal(
      correlationVerdict(claim, [{ label: "f", x: many.x.slice(0, 6), y: many.y.slice(0, 6) }], negative).outcome,
      "inconclusive",
    );
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
