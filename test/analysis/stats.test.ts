import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  confidenceInterval,
  correlationPower,
  correlationTest,
  equivalenceTest,
  holm,
  linearFit,
  mean,
  noncentralTUpper,
  normalCdf,
  normalQuantile,
  pairedPower,
  pairedTest,
  pearson,
  slopeTest,
  smallestN,
  standardError,
  std,
  studentTCdf,
  studentTQuantile,
  summarise,
  tTestPower,
  twoSidedP,
  variance,
  weightedSlopeTest,
  welchFromSummary,
  welchPower,
  welchTest,
} from "../../src/analysis/stats";

const close = (actual: number, expected: number, tol: number, what = ""): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);

/** Anscombe's first quartet, the data of R's reference results quoted below. */
const ANSCOMBE_I = { x: [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5], y: [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68] };

describe("descriptive statistics", () => {
  it("mean, sample variance and std", () => {
    assert.equal(mean([1, 2, 3, 4]), 2.5);
    close(variance([2, 4, 4, 4, 5, 5, 7, 9]), 32 / 7, 1e-12);
    close(std([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
    close(standardError([1, 2, 3, 4, 5]), Math.sqrt(2.5) / Math.sqrt(5), 1e-12);
  });

  it("is stable for values with a large common offset", () => {
    close(variance([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]), 30, 1e-6);
  });

  it("returns NaN instead of throwing on degenerate samples", () => {
    assert.ok(Number.isNaN(mean([])));
    assert.ok(Number.isNaN(variance([3])));
    assert.ok(Number.isNaN(std([])));
  });
});

describe("t and normal distributions (stdlib-js)", () => {
  it("Student t CDF: symmetric, Cauchy at df = 1", () => {
    assert.equal(studentTCdf(0, 7), 0.5);
    close(studentTCdf(1, 1), 0.75, 1e-12); // Cauchy: 1/2 + atan(1)/π
    close(studentTCdf(-2, 5) + studentTCdf(2, 5), 1, 1e-12);
  });

  it("standard normal quantiles from the table: z(0.975) = 1.960, z(0.95) = 1.645, z(0.995) = 2.576", () => {
    close(normalQuantile(0.975), 1.959964, 1e-6);
    close(normalQuantile(0.95), 1.644854, 1e-6);
    close(normalQuantile(0.995), 2.575829, 1e-6);
    assert.equal(normalQuantile(0.5), 0);
  });

  it("two-sided p-values keep their digits in the far tail", () => {
    close(twoSidedP(2.228, 10), 0.05, 1e-4); // the table's t(0.975, 10)
    assert.equal(twoSidedP(0, 4), 1);
    const tiny = twoSidedP(40, 30);
    assert.ok(tiny > 0 && tiny < 1e-25, `p = ${tiny}`);
    assert.ok(Number.isNaN(twoSidedP(Number.NaN, 3)));
  });
});

describe("Student t quantiles against table values", () => {
  // Two-sided 95 % critical values t_{0.975, df} (printed tables, 3 decimals).
  const table: Array<[number, number]> = [
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [5, 2.571],
    [9, 2.262],
    [10, 2.228],
    [29, 2.045],
    [30, 2.042],
    [60, 2.0],
    [120, 1.98],
  ];
  for (const [df, t] of table) {
    it(`t(0.975, ${df}) = ${t}`, () => close(studentTQuantile(0.975, df), t, 5e-4, `df=${df}`));
  }

  it("more digits where known exactly", () => {
    // df = 2 has a closed form: t = (2p − 1) / √(2p(1 − p)).
    close(studentTQuantile(0.975, 2), 0.95 / Math.sqrt(2 * 0.975 * 0.025), 1e-9);
    close(studentTQuantile(0.75, 1), 1, 1e-10); // Cauchy quartile
    close(studentTQuantile(0.995, 4), 4.604, 5e-4);
    close(studentTQuantile(0.95, 10), 1.812, 5e-4);
  });

  it("is the inverse of the CDF, antisymmetric, and tends to the normal", () => {
    for (const df of [1, 2.5, 7, 50]) {
      for (const p of [0.01, 0.2, 0.6, 0.99]) close(studentTCdf(studentTQuantile(p, df), df), p, 1e-10);
    }
    close(studentTQuantile(0.025, 6), -studentTQuantile(0.975, 6), 1e-12);
    close(studentTQuantile(0.975, 1e6), 1.959966, 1e-4);
    assert.equal(studentTQuantile(0.5, 3), 0);
  });
});

describe("tests against published outputs", () => {
  it("Welch's test: R's t.test(ts1, ts2) as printed (t = -1.8325, df = 17.9, p = 0.08356, CI -2.1469104 to 0.1469104)", () => {
    const d = welchTest([11, 9, 10, 11, 10, 12, 9, 11, 12, 9], [11, 13, 10, 13, 12, 9, 11, 12, 12, 11]);
    close(d.t, -1.8325, 5e-5, "t");
    close(d.df, 17.9, 5e-3, "df");
    close(d.p, 0.08356, 5e-6, "p");
    close(d.lo, -2.1469104, 5e-8, "lo");
    close(d.hi, 0.1469104, 5e-8, "hi");
  });

  it("Welch's test: Rosetta Code's task (p = 0.0107515611497845 for very unequal variances and n = 4, 3)", () => {
    const d = welchTest([3.0, 4.0, 1.0, 2.1], [490.2, 340.0, 433.9]);
    close(d.p, 0.0107515611497845, 1e-12, "p");
  });

  it("Pearson CI: R's cor.test on Anscombe's first quartet (r = 0.8164205, t = 4.2415, p = 0.00217, CI 0.4243912 to 0.9506933)", () => {
    const c = correlationTest(ANSCOMBE_I.x, ANSCOMBE_I.y);
    close(c.r, 0.8164205, 5e-8, "r");
    close(c.p, 0.00217, 5e-6, "p");
    close(c.lo, 0.4243912, 5e-8, "lo");
    close(c.hi, 0.9506933, 5e-8, "hi");
  });

  it("slope test: R's summary(lm(y1 ~ x1)) on Anscombe I (slope 0.5001, SE 0.1179, p = 0.00217)", () => {
    const f = slopeTest(ANSCOMBE_I.x, ANSCOMBE_I.y);
    close(f.slope, 0.5001, 5e-5, "slope");
    close(f.se, 0.1179, 5e-5, "se");
    close(f.p, 0.00217, 5e-6, "p");
    // The slope's interval is slope ± t(0.975, 9) · SE.
    close(f.hi - f.slope, 2.262157 * f.se, 1e-6, "half-width");
    assert.ok(f.lo > 0, "a clear slope excludes 0");
  });

  it("slope test: a flat noisy line has an interval around 0; a perfect line has p = 0; too few points give NaN", () => {
    const flat = slopeTest([0.1, 0.3, 0.5, 0.7, 0.9], [0.21, 0.19, 0.2, 0.22, 0.18]);
    assert.ok(flat.lo < 0 && flat.hi > 0, `[${flat.lo}, ${flat.hi}]`);
    assert.ok(flat.p > 0.05);
    const perfect = slopeTest([1, 2, 3], [2, 4, 6]);
    assert.equal(perfect.slope, 2);
    assert.equal(perfect.p, 0);
    assert.ok(Number.isNaN(slopeTest([1, 2], [3, 4]).lo));
  });
});

describe("Holm–Bonferroni adjustment", () => {
  it("the worked example (p = 0.01, 0.04, 0.03, 0.005; R's p.adjust(method = 'holm') gives 0.03, 0.06, 0.06, 0.02)", () => {
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((q, i) => close(adjusted[i], q, 1e-15, `p${i + 1}`));
    // At alpha = 0.05 Holm rejects H4 and H1 only; Bonferroni (×4) would reject H4 alone.
    assert.deepEqual(
      adjusted.map((q) => q < 0.05),
      [true, false, false, true],
    );
  });

  it("caps at 1, keeps the order given, leaves NaN out of m, and one test is left as it is", () => {
    assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
    assert.deepEqual(holm([0.02]), [0.02]);
    const withNaN = holm([0.01, Number.NaN, 0.04]);
    assert.ok(Number.isNaN(withNaN[1]));
    close(withNaN[0], 0.02, 1e-15);
    close(withNaN[2], 0.04, 1e-15);
    assert.deepEqual(holm([]), []);
  });
});

describe("confidence intervals, correlation and regression", () => {
  it("95 % CI of the mean uses t with n − 1 df", () => {
    const ci = confidenceInterval([1, 2, 3, 4, 5]);
    assert.equal(ci.mean, 3);
    assert.equal(ci.n, 5);
    close(ci.halfWidth, 2.776445105 * Math.sqrt(2.5 / 5), 1e-6);
    close(ci.lo, 3 - ci.halfWidth, 1e-12);
    close(ci.hi, 3 + ci.halfWidth, 1e-12);
  });

  it("an interval from one sample is undefined", () => {
    const ci = confidenceInterval([0.7]);
    assert.equal(ci.mean, 0.7);
    assert.ok(Number.isNaN(ci.lo) && Number.isNaN(ci.hi));
  });

  it("rejects a level outside (0, 1)", () => {
    assert.throws(() => confidenceInterval([1, 2], 95), RangeError);
  });

  it("Pearson r", () => {
    close(pearson([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]), 1, 1e-15);
    close(pearson([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), -1, 1e-15);
    // Anscombe's first quartet: r = 0.816
    const ax = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const ay = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
    close(pearson(ax, ay), 0.81642, 1e-5);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
    assert.throws(() => pearson([1, 2], [1]), RangeError);
  });

  it("least-squares fit (Anscombe: y = 3.00 + 0.500 x, r² = 0.667)", () => {
    const ax = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5];
    const ay = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68];
    const fit = linearFit(ax, ay);
    close(fit.slope, 0.5001, 1e-4);
    close(fit.intercept, 3.0001, 1e-4);
    close(fit.r2, 0.6665, 1e-4);
    close(fit.predict(10), 3.0001 + 5.001, 1e-3);
    assert.ok(Number.isNaN(linearFit([2, 2], [1, 3]).slope));
  });
});

describe("summarise", () => {
  const rows = [
    { method: "EP", epoch: 1, acc: 0.5 },
    { method: "EP", epoch: 1, acc: 0.7 },
    { method: "iEP", epoch: 1, acc: 0.6 },
    { method: "EP", epoch: 2, acc: 0.8 },
    { method: "EP", epoch: 2, acc: null },
    { method: "iEP", epoch: 1, acc: 0.8 },
  ];

  it("groups in first-appearance order with mean, CI and n", () => {
    const s = summarise(rows, ["method", "epoch"], "acc");
    assert.deepEqual(
      s.map((g) => [g.method, g.epoch, g.n]),
      [
        ["EP", 1, 2],
        ["iEP", 1, 2],
        ["EP", 2, 1],
      ],
    );
    close(s[0]!.mean, 0.6, 1e-12);
    close(s[0]!.hi - s[0]!.mean, 12.7062047 * (Math.sqrt(0.02) / Math.sqrt(2)), 1e-6);
    assert.ok(Number.isNaN(s[2]!.lo), "n = 1 has no interval");
  });

  it("accepts anything with objects(), such as an arquero table", async () => {
    const aq = (await import("arquero")) as typeof import("arquero");
    const t = aq.from(rows.filter((r) => r.acc !== null));
    const s = summarise(t, ["method"], "acc", { level: 0.9 });
    assert.equal(s.length, 2);
    assert.equal(s[0]!.method, "EP");
    close(s[0]!.mean, (0.5 + 0.7 + 0.8) / 3, 1e-12);
    // Round-trips into arquero.
    assert.equal(aq.from(s).numRows(), 2);
  });

  it('keeps 1 and "1" apart and groups null keys', () => {
    const s = summarise(
      [
        { k: 1, v: 1 },
        { k: "1", v: 2 },
        { k: null, v: 3 },
        { k: null, v: 5 },
      ],
      ["k"],
      "v",
    );
    assert.equal(s.length, 3);
    assert.equal(s[2]!.mean, 4);
  });
});

describe("paired t, TOST, power and weighted least squares against published outputs", () => {
  /** R's sleep data: extra sleep of 10 patients under two drugs (Student 1908). */
  const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it("paired t: R's t.test(extra ~ group, data = sleep, paired = TRUE) (t = -4.0621, df = 9, p = 0.002833, CI -2.4598858 to -0.7001142)", () => {
    const d = pairedTest(SLEEP_1, SLEEP_2);
    close(d.t, -4.0621, 5e-5, "t");
    assert.equal(d.df, 9);
    close(d.p, 0.002833, 5e-7, "p");
    close(d.lo, -2.4598858, 5e-8, "lo");
    close(d.hi, -0.7001142, 5e-8, "hi");
    close(d.diff, -1.58, 1e-12, "mean difference");
    assert.equal(d.design, "paired");
    assert.throws(() => pairedTest([1, 2], [1]), RangeError);
  });

  it("TOST: TOSTER's TOSTtwo example (Moery & Calin-Jageman 2016; bounds d = ±0.43, Welch): t = -2.69, p = 0.004", () => {
    const w = welchFromSummary(5.25, 0.95, 95, 5.22, 0.83, 89);
    const bound = 0.43 * Math.sqrt((0.95 ** 2 + 0.83 ** 2) / 2); // TOSTtwo's raw bound from d
    const e = equivalenceTest(w, -bound, bound);
    close(e.tUpper, -2.69, 5e-3, "t against the upper bound");
    assert.equal(Number(e.p.toFixed(3)), 0.004);
    assert.equal(e.p, Math.max(e.pLower, e.pUpper));
    // Equivalence at alpha ⇔ the 1 − 2·alpha interval lies inside the bounds.
    const ci = welchFromSummary(5.25, 0.95, 95, 5.22, 0.83, 89, 0.9);
    assert.ok(ci.lo > -bound && ci.hi < bound && e.p < 0.05);
  });

  it("the standard normal CDF from the table: Φ(1.96) = 0.9750021, Φ(-3) = 0.0013499, Φ(-8) = 6.221e-16", () => {
    close(normalCdf(1.96), 0.9750021048517795, 1e-12);
    close(normalCdf(-3), 0.0013498980316301, 1e-15);
    close(normalCdf(-8) / 6.220960574271784e-16, 1, 1e-6);
    close(normalCdf(0), 0.5, 0);
  });

  it("noncentral t power: R's power.t.test(n = 20, delta = 1) = 0.8689528; power.t.test(power = 0.9, delta = 1) gives n = 22.02110", () => {
    // Two-sample, two-sided at 0.05: df = 2(n − 1), ncp = √(n/2)·delta/sd, R counts the upper tail only.
    const power = (n: number) => noncentralTUpper(studentTQuantile(0.975, 2 * (n - 1)), 2 * (n - 1), Math.sqrt(n / 2));
    close(power(20), 0.8689528, 5e-7, "n = 20");
    close(power(22.0211), 0.9, 5e-6, "n = 22.02110");
    // ncp = 0 gives the test's own size; tTestPower is the one-sided form.
    close(noncentralTUpper(studentTQuantile(0.95, 4), 4, 0), 0.05, 1e-9);
    close(tTestPower(1, Math.sqrt(2 / 20), 38, 0.025), 0.8689528, 5e-7, "tTestPower");
  });

  it("seeds for 80 % power: the smallest n that reaches it, for paired and Welch designs and for a correlation (Fisher z: 68 points for r = 0.3)", () => {
    const n = smallestN((k) => pairedPower(0.5, 1, k, 0.05));
    assert.ok(pairedPower(0.5, 1, n, 0.05) >= 0.8 && pairedPower(0.5, 1, n - 1, 0.05) < 0.8, `n = ${n}`);
    // G*Power, one-sample/paired one-tailed, d = 0.5, α = 0.05, power 0.8: n = 27, actual power 0.8118.
    assert.equal(n, 27);
    close(pairedPower(0.5, 1, 27, 0.05), 0.8118, 5e-5, "actual power");
    // R: power.t.test(delta = 1, power = 0.8) → n = 16.71477 per group (two-sided 0.05, upper tail).
    assert.equal(
      smallestN((k) => welchPower(1, 1, 1, k, 0.025)),
      17,
    );
    // Textbook: n = ((z₀.₉₅ + z₀.₈)/atanh(0.3))² + 3 = 67.4 → 68.
    assert.equal(
      smallestN((k) => correlationPower(0.3, k, 0.05)),
      68,
    );
    assert.ok(Number.isNaN(smallestN(() => 0.1)));
  });

  it("weighted least squares: equal weights are R's lm on Anscombe I; integer weights fit as replicated points; only the weights' ratios matter", () => {
    const ones = ANSCOMBE_I.x.map(() => 1);
    const w = weightedSlopeTest(ANSCOMBE_I.x, ANSCOMBE_I.y, ones);
    close(w.slope, 0.5001, 5e-5, "slope");
    close(w.se, 0.1179, 5e-5, "se");
    close(w.p, 0.00217, 5e-6, "p");
    const weights = ANSCOMBE_I.x.map((_, i) => 1 + (i % 3));
    const rx = ANSCOMBE_I.x.flatMap((x, i) => Array(weights[i]).fill(x) as number[]);
    const ry = ANSCOMBE_I.y.flatMap((y, i) => Array(weights[i]).fill(y) as number[]);
    close(weightedSlopeTest(ANSCOMBE_I.x, ANSCOMBE_I.y, weights).slope, slopeTest(rx, ry).slope, 1e-12, "replicated slope");
    const scaled = weightedSlopeTest(
      ANSCOMBE_I.x,
      ANSCOMBE_I.y,
      weights.map((v) => v * 7),
    );
    close(scaled.se, weightedSlopeTest(ANSCOMBE_I.x, ANSCOMBE_I.y, weights).se, 1e-12, "scale-free");
    assert.ok(Number.isNaN(weightedSlopeTest([1, 2], [1, 2], [1, 1]).se));
  });
});
