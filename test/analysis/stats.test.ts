import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  confidenceInterval,
  lnGamma,
  linearFit,
  mean,
  pearson,
  regularizedIncompleteBeta,
  standardError,
  std,
  studentTCdf,
  studentTQuantile,
  summarise,
  variance,
} from "../../src/analysis/stats";

const close = (actual: number, expected: number, tol: number, what = ""): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);

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

describe("special functions", () => {
  it("lnGamma matches log factorials and Γ(1/2) = √π", () => {
    close(lnGamma(5), Math.log(24), 1e-12);
    close(lnGamma(11), Math.log(3628800), 1e-10);
    close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
  });

  it("regularised incomplete beta matches closed forms", () => {
    close(regularizedIncompleteBeta(0.5, 2, 3), 0.6875, 1e-12);
    // I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b
    close(regularizedIncompleteBeta(0.3, 4, 1), 0.3 ** 4, 1e-12);
    close(regularizedIncompleteBeta(0.3, 1, 5), 1 - 0.7 ** 5, 1e-12);
    assert.equal(regularizedIncompleteBeta(0, 2, 2), 0);
    assert.equal(regularizedIncompleteBeta(1, 2, 2), 1);
  });

  it("Student t CDF: symmetric, Cauchy at df = 1", () => {
    assert.equal(studentTCdf(0, 7), 0.5);
    close(studentTCdf(1, 1), 0.75, 1e-12); // Cauchy: 1/2 + atan(1)/π
    close(studentTCdf(-2, 5) + studentTCdf(2, 5), 1, 1e-12);
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
