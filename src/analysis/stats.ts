/**
 * Statistics for the workbook notebooks: mean / sample std / Student-t confidence
 * intervals / Pearson r / least squares, a group-by summary that accepts plain rows or
 * an arquero table, and the tests the verdicts rest on (Welch, correlation, slope,
 * Holm's adjustment for several contrasts). The t and normal distributions are
 * stdlib-js's.
 *
 * Conventions: functions never throw on degenerate input (empty arrays,
 * zero variance); they return NaN so a notebook can still render the rest.
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import stdNormalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { type LinearFit, type ObjectsSource, linearFit, mean, pearson, standardError, std, variance } from "../stats/descriptive";

// The descriptive statistics live one floor down (src/stats/) so that plots can use them too.
export { type LinearFit, type ObjectsSource, linearFit, mean, pearson, standardError, std, variance };

// ---------------------------------------------------------------------------
// Special functions behind the t distribution.
// The distributions come from stdlib-js (@stdlib/stats-base-dists-*), a maintained,
// tested implementation, rather than hand-written series and continued fractions.

/** CDF of Student's t distribution with `df` (> 0, may be fractional) degrees of freedom; NaN for bad input. */
export function studentTCdf(t: number, df: number): number {
  return tCdf(t, df);
}

/** Quantile (inverse CDF) of Student's t: the t with P(T ≤ t) = p; NaN for p outside [0, 1] or df ≤ 0. */
export function studentTQuantile(p: number, df: number): number {
  return tQuantile(p, df);
}

/** Quantile of the standard normal distribution: the z with P(Z ≤ z) = p. */
export function normalQuantile(p: number): number {
  return stdNormalQuantile(p, 0, 1);
}

/**
 * CDF of the standard normal distribution. stdlib's t CDF at df = 1e300 (its normal limit; the
 * incomplete beta it evaluates stays accurate there): Φ to double precision, checked against
 * the printed table in the tests. A t CDF at df = Infinity returns 0.5, hence the finite df.
 */
export function normalCdf(x: number): number {
  return tCdf(x, NORMAL_DF);
}

/** The df that stands for the normal limit of Student's t. */
const NORMAL_DF = 1e300;

/** t CDF and quantile where df = Infinity means the normal distribution (a z test). */
function cdfT(t: number, df: number): number {
  return df === Number.POSITIVE_INFINITY ? normalCdf(t) : tCdf(t, df);
}
function quantileT(p: number, df: number): number {
  return df === Number.POSITIVE_INFINITY ? normalQuantile(p) : tQuantile(p, df);
}

/** One-sided p-value of a t statistic for "the true value is above 0" (P(T ≥ t)); df = Infinity: normal. */
export function upperP(t: number, df: number): number {
  return Number.isNaN(t) ? NaN : cdfT(-t, df);
}

/** The t (or z, for df = Infinity) with P(T ≤ t) = p. */
export function criticalT(p: number, df: number): number {
  return quantileT(p, df);
}

/** Two-sided p-value of a t statistic, 2·P(T ≥ |t|), from the lower tail so small values keep their digits. */
export function twoSidedP(t: number, df: number): number {
  return Number.isNaN(t) ? NaN : Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

// ---------------------------------------------------------------------------
// Intervals, correlation, regression.

export interface ConfidenceInterval {
  mean: number;
  /** Sample standard deviation (NaN when n < 2). */
  std: number;
  /** Lower bound; NaN when n < 2 (an interval from one sample is undefined). */
  lo: number;
  /** Upper bound; NaN when n < 2. */
  hi: number;
  /** t_{(1+level)/2, n−1} · s/√n. */
  halfWidth: number;
  n: number;
}

/**
 * Confidence interval of the mean using Student's t with n − 1 degrees of
 * freedom (exact for small n, which is the usual number of seeds).
 */
export function confidenceInterval(xs: readonly number[], level = 0.95): ConfidenceInterval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const n = xs.length;
  const m = mean(xs);
  const s = std(xs);
  const halfWidth = n >= 2 ? studentTQuantile((1 + level) / 2, n - 1) * (s / Math.sqrt(n)) : NaN;
  return { mean: m, std: s, lo: m - halfWidth, hi: m + halfWidth, halfWidth, n };
}

// ---------------------------------------------------------------------------
// Group summaries.

export interface GroupSummary {
  mean: number;
  std: number;
  /** Lower bound of the CI of the mean (NaN when n < 2). */
  lo: number;
  /** Upper bound of the CI of the mean (NaN when n < 2). */
  hi: number;
  /** Number of finite values in the group (non-numbers are skipped). */
  n: number;
}

export interface SummariseOptions {
  /** Confidence level of lo/hi; default 0.95. */
  level?: number;
}

type Row = Readonly<Record<string, unknown>>;

function rowsOf(source: readonly object[] | ObjectsSource): readonly Row[] {
  const rows = Array.isArray(source) ? source : (source as ObjectsSource).objects();
  return rows as readonly Row[];
}

/**
 * Groups rows by `groupKeys` and summarises `valueKey` per group: mean, std,
 * CI (Student t) and n. Groups keep first-appearance order. The result is a
 * plain array of objects, so `aq.from(result)` turns it back into a table.
 * Values that are not finite numbers (null, NaN, strings) are skipped.
 */
export function summarise<R extends object, K extends keyof R & string>(
  rows: readonly R[],
  groupKeys: readonly K[],
  valueKey: keyof R & string,
  options?: SummariseOptions,
): Array<Pick<R, K> & GroupSummary>;
export function summarise<K extends string>(
  rows: ObjectsSource,
  groupKeys: readonly K[],
  valueKey: string,
  options?: SummariseOptions,
): Array<Record<K, unknown> & GroupSummary>;
export function summarise(
  source: readonly object[] | ObjectsSource,
  groupKeys: readonly string[],
  valueKey: string,
  options: SummariseOptions = {},
): Array<Record<string, unknown> & GroupSummary> {
  const level = options.level ?? 0.95;
  const groups = new Map<string, { keys: Record<string, unknown>; values: number[] }>();
  for (const row of rowsOf(source)) {
    const keys: Record<string, unknown> = {};
    for (const k of groupKeys) keys[k] = row[k];
    // JSON of the key tuple distinguishes 1 from "1" and handles null.
    const id = JSON.stringify(groupKeys.map((k) => row[k] ?? null));
    let g = groups.get(id);
    if (!g) {
      g = { keys, values: [] };
      groups.set(id, g);
    }
    const v = row[valueKey];
    if (typeof v === "number" && Number.isFinite(v)) g.values.push(v);
  }
  const out: Array<Record<string, unknown> & GroupSummary> = [];
  for (const { keys, values } of groups.values()) {
    const ci = confidenceInterval(values, level);
    out.push({ ...keys, mean: ci.mean, std: ci.std, lo: ci.lo, hi: ci.hi, n: ci.n });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tests: a difference of means, a correlation, a slope, a curvature; Holm's adjustment.

export interface DifferenceTest {
  /** mean(a) − mean(b) (paired: the mean of the per-pair differences, the same number). */
  diff: number;
  /** 95 % (or `level`) interval of the difference. */
  lo: number;
  hi: number;
  /** Standard error of the difference. */
  se: number;
  t: number;
  df: number;
  /** Two-sided p-value; NaN when either sample has fewer than 2 values or there is no spread. */
  p: number;
  nA: number;
  nB: number;
  /** "welch": two independent samples; "paired": a[i] and b[i] are one unit (a seed) measured twice. */
  design: "welch" | "paired";
  /** Welch: the two samples' standard deviations; paired: the standard deviation of the differences (both). */
  sdA: number;
  sdB: number;
}

function differenceTest(
  diff: number,
  se: number,
  df: number,
  level: number,
  rest: Pick<DifferenceTest, "nA" | "nB" | "design" | "sdA" | "sdB">,
): DifferenceTest {
  const ok = Number.isFinite(se) && se > 0 && df > 0;
  const t = ok ? diff / se : NaN;
  const half = ok ? studentTQuantile((1 + level) / 2, df) * se : NaN;
  const p = ok ? twoSidedP(t, df) : NaN;
  return { diff, lo: diff - half, hi: diff + half, se, t, df, p, ...rest };
}

/** Welch's test from summaries: means, sample standard deviations and sizes of two independent samples. */
export function welchFromSummary(
  meanA: number,
  sdA: number,
  nA: number,
  meanB: number,
  sdB: number,
  nB: number,
  level = 0.95,
): DifferenceTest {
  const va = (sdA * sdA) / nA;
  const vb = (sdB * sdB) / nB;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / ((va * va) / (nA - 1) + (vb * vb) / (nB - 1));
  const ok = nA >= 2 && nB >= 2;
  return differenceTest(meanA - meanB, ok ? se : NaN, ok ? df : NaN, level, { nA, nB, design: "welch", sdA, sdB });
}

/** Welch's two-sample t test of mean(a) − mean(b) (unequal variances, Welch–Satterthwaite df). */
export function welchTest(a: readonly number[], b: readonly number[], level = 0.95): DifferenceTest {
  return welchFromSummary(mean(a), std(a), a.length, mean(b), std(b), b.length, level);
}

/** The paired t test from the differences' mean, standard deviation and count (n − 1 df). */
export function pairedFromSummary(meanDiff: number, sdDiff: number, n: number, level = 0.95): DifferenceTest {
  const se = n >= 2 ? sdDiff / Math.sqrt(n) : NaN;
  return differenceTest(meanDiff, se, n - 1, level, { nA: n, nB: n, design: "paired", sdA: sdDiff, sdB: sdDiff });
}

/** Paired t test of a − b: a[i] and b[i] belong together (e.g. two methods run with one seed); R's t.test(a, b, paired = TRUE). */
export function pairedTest(a: readonly number[], b: readonly number[], level = 0.95): DifferenceTest {
  if (a.length !== b.length) throw new RangeError(`paired samples need equal lengths, got ${a.length} and ${b.length}`);
  const d = a.map((v, i) => v - b[i]!);
  return pairedFromSummary(mean(d), std(d), d.length, level);
}

/**
 * Two one-sided tests (TOST, Schuirmann 1987; Lakens 2017) of "the true difference lies inside
 * (lower, upper)": t against each bound, each one-sided p, and the TOST p (the larger one).
 * Equivalence at alpha ⇔ p < alpha ⇔ the 1 − 2·alpha interval lies inside the bounds.
 */
export interface EquivalenceTest {
  tLower: number;
  pLower: number;
  tUpper: number;
  pUpper: number;
  p: number;
}

export function equivalenceTest(test: Pick<DifferenceTest, "diff" | "se" | "df">, lower: number, upper: number): EquivalenceTest {
  const tLower = (test.diff - lower) / test.se;
  const tUpper = (test.diff - upper) / test.se;
  const pLower = upperP(tLower, test.df);
  const pUpper = upperP(-tUpper, test.df);
  return { tLower, pLower, tUpper, pUpper, p: Math.max(pLower, pUpper) };
}

// ---------------------------------------------------------------------------
// Power.

/**
 * P(T' > c) for a noncentral t with `df` degrees of freedom and noncentrality `ncp`:
 * T' = (Z + ncp) / S with S = √(χ²_df / df), so P(T' > c) = E_S[Φ(ncp − c·S)]. The expectation
 * is integrated numerically (Simpson's rule over S's density, normalised on the same grid so
 * no gamma function is needed). df = Infinity: the normal limit, 1 − Φ(c − ncp).
 */
export function noncentralTUpper(c: number, df: number, ncp: number): number {
  if (![c, df, ncp].every((v) => !Number.isNaN(v)) || !(df > 0)) return NaN;
  if (df === Number.POSITIVE_INFINITY || df > 1e7) return normalCdf(ncp - c);
  if (ncp === Number.POSITIVE_INFINITY) return 1;
  // S concentrates around 1 with spread ≈ 1/√(2 df); small df have a long right tail.
  const spread = 1 / Math.sqrt(2 * df);
  const lo = Math.max(0, 1 - 14 * spread);
  const hi = 1 + 14 * spread + (df < 4 ? 12 : 0);
  const steps = 4000;
  const h = (hi - lo) / steps;
  const logDensity = (s: number) => (s > 0 ? (df - 1) * Math.log(s) - (df * s * s) / 2 : df === 1 ? 0 : Number.NEGATIVE_INFINITY);
  let peak = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= steps; i++) peak = Math.max(peak, logDensity(lo + i * h));
  let mass = 0;
  let total = 0;
  for (let i = 0; i <= steps; i++) {
    const s = lo + i * h;
    const w = (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(logDensity(s) - peak);
    mass += w;
    total += w * normalCdf(ncp - c * s);
  }
  return total / mass;
}

/**
 * Power of a one-sided t test at level alpha to detect a true effect `effect` (> 0) measured with
 * standard error `se` on `df` degrees of freedom: P(T' > t_{1−alpha, df}) with ncp = effect/se.
 * R's power.t.test gives the same for alternative = "one.sided" (and, with alpha/2, its
 * two-sided power, which counts only the upper tail).
 */
export function tTestPower(effect: number, se: number, df: number, alpha: number): number {
  if (!(se >= 0) || !(df > 0) || Number.isNaN(effect)) return NaN;
  const ncp = se === 0 ? (effect > 0 ? Number.POSITIVE_INFINITY : 0) : effect / se;
  return noncentralTUpper(quantileT(1 - alpha, df), df, ncp);
}

/**
 * The smallest n (seeds per arm; for a paired design, pairs) in [2, max] whose power reaches
 * `target`, given how the standard error and df depend on n; NaN if none does.
 */
export function smallestN(power: (n: number) => number, target = 0.8, max = 10_000): number {
  if (!(power(max) >= target)) return NaN;
  let lo = 2;
  let hi = max;
  if (power(lo) >= target) return lo;
  // Power grows with n: bisect for the first n that reaches the target.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (power(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Power of a paired t test (or one-sample) with n pairs whose differences have standard deviation sd. */
export function pairedPower(effect: number, sd: number, n: number, alpha: number): number {
  return tTestPower(effect, sd / Math.sqrt(n), n - 1, alpha);
}

/** Power of Welch's test with n runs per arm whose standard deviations are sdA and sdB. */
export function welchPower(effect: number, sdA: number, sdB: number, n: number, alpha: number): number {
  const va = (sdA * sdA) / n;
  const vb = (sdB * sdB) / n;
  const df = va + vb > 0 ? (va + vb) ** 2 / ((va * va + vb * vb) / (n - 1)) : n - 1;
  return tTestPower(effect, Math.sqrt(va + vb), df, alpha);
}

/**
 * Power of a one-sided test that a correlation exceeds 0, for a true |r| = `r`, with n points
 * (Fisher's z: atanh(r)·√(n − 3) is ≈ normal — a normal approximation).
 */
export function correlationPower(r: number, n: number, alpha: number): number {
  if (!(n > 3)) return NaN;
  return normalCdf(Math.atanh(Math.min(Math.abs(r), 0.9999999)) * Math.sqrt(n - 3) - normalQuantile(1 - alpha));
}

export interface CorrelationTest {
  r: number;
  /** Interval of r from Fisher's z (needs n ≥ 4). */
  lo: number;
  hi: number;
  /** Two-sided p-value of r = 0 (t test with n − 2 df). */
  p: number;
  n: number;
  /** Least-squares line y = intercept + slope · x. */
  slope: number;
  intercept: number;
}

/** Pearson's r with a Fisher-z interval, its p-value and the fitted line. */
export function correlationTest(xs: readonly number[], ys: readonly number[], level = 0.95): CorrelationTest {
  const n = xs.length;
  const r = pearson(xs, ys);
  const fit = linearFit(xs, ys);
  let lo = NaN;
  let hi = NaN;
  if (Number.isFinite(r) && n >= 4) {
    const z = Math.atanh(Math.max(-0.9999999, Math.min(0.9999999, r)));
    const q = normalQuantile((1 + level) / 2);
    const se = 1 / Math.sqrt(n - 3);
    lo = Math.tanh(z - q * se);
    hi = Math.tanh(z + q * se);
  }
  const t = Number.isFinite(r) && n > 2 ? r * Math.sqrt((n - 2) / Math.max(1e-300, 1 - r * r)) : NaN;
  const p = Number.isFinite(t) ? twoSidedP(t, n - 2) : NaN;
  return { r, lo, hi, p, n, slope: fit.slope, intercept: fit.intercept };
}

export interface SlopeTest {
  /** Least-squares slope and intercept of y on x. */
  slope: number;
  intercept: number;
  /** `level` interval of the slope (t with n − 2 df); NaN when n < 3. */
  lo: number;
  hi: number;
  /** Standard error of the slope. */
  se: number;
  /** Two-sided p-value of slope = 0. */
  p: number;
  /** Residual standard deviation, √(SS_res / (n − 2)). */
  residualStd: number;
  n: number;
}

/** Ordinary least squares with the interval and p-value of the slope (is y flat in x?). */
export function slopeTest(xs: readonly number[], ys: readonly number[], level = 0.95): SlopeTest {
  const fit = linearFit(xs, ys);
  const n = xs.length;
  const mx = mean(xs);
  let sxx = 0;
  let ssRes = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    ssRes += (ys[i] - fit.predict(xs[i])) ** 2;
  }
  const df = n - 2;
  const residualStd = df > 0 ? Math.sqrt(ssRes / df) : NaN;
  const se = sxx > 0 ? residualStd / Math.sqrt(sxx) : NaN;
  const half = df > 0 ? studentTQuantile((1 + level) / 2, df) * se : NaN;
  // A perfect fit (se = 0) is as significant as it gets unless the slope is 0 too.
  const t = se > 0 ? fit.slope / se : se === 0 ? (fit.slope === 0 ? 0 : Math.sign(fit.slope) * Infinity) : NaN;
  return {
    slope: fit.slope,
    intercept: fit.intercept,
    lo: fit.slope - half,
    hi: fit.slope + half,
    se,
    p: twoSidedP(t, df),
    residualStd,
    n,
  };
}

/**
 * Weighted least squares of y on x (R's lm(y ~ x, weights = w)): the slope minimising
 * Σ w·(y − a − b·x)², its standard error from the weighted residual variance
 * Σ w·r² / (n − 2) (so only the weights' ratios matter), and t with n − 2 df. With precision
 * weights 1/SE² a point measured more precisely counts more.
 */
export function weightedSlopeTest(xs: readonly number[], ys: readonly number[], weights: readonly number[], level = 0.95): SlopeTest {
  const n = xs.length;
  const sw = weights.reduce((a, w) => a + w, 0);
  const mx = xs.reduce((a, x, i) => a + weights[i]! * x, 0) / sw;
  const my = ys.reduce((a, y, i) => a + weights[i]! * y, 0) / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += weights[i]! * (xs[i]! - mx) ** 2;
    sxy += weights[i]! * (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += weights[i]! * (ys[i]! - intercept - slope * xs[i]!) ** 2;
  const df = n - 2;
  const ok = df > 0 && weights.every((w) => Number.isFinite(w) && w > 0);
  const residualStd = ok ? Math.sqrt(ssRes / df) : NaN;
  const se = ok && sxx > 0 ? residualStd / Math.sqrt(sxx) : NaN;
  const half = ok ? studentTQuantile((1 + level) / 2, df) * se : NaN;
  const t = se > 0 ? slope / se : se === 0 ? (slope === 0 ? 0 : Math.sign(slope) * Infinity) : NaN;
  return { slope, intercept, lo: slope - half, hi: slope + half, se, p: twoSidedP(t, df), residualStd, n };
}

export interface QuadraticFit {
  /** y = a·x² + b·x + c. */
  a: number;
  b: number;
  c: number;
  /** x of the extremum, −b / 2a. */
  vertex: number;
  /** R² of the quadratic and of the straight line, to see what the curvature adds. */
  r2: number;
  r2Linear: number;
  /** Interval of `a` (t with n − 3 df): an inverse U needs it below zero. */
  aLo: number;
  aHi: number;
  /** Standard error of `a` and its degrees of freedom, n − 3. */
  aSe: number;
  df: number;
  n: number;
}

/** Least-squares parabola (normal equations on centred x, for conditioning). */
export function quadraticFit(xs: readonly number[], ys: readonly number[], level = 0.95): QuadraticFit {
  const n = xs.length;
  const mx = mean(xs);
  const u = xs.map((x) => x - mx);
  const s = (k: number) => u.reduce((acc, v) => acc + v ** k, 0);
  const sy = (k: number) => u.reduce((acc, v, i) => acc + v ** k * ys[i], 0);
  // Solve [[n, S1, S2], [S1, S2, S3], [S2, S3, S4]] · [c, b, a] = [Sy0, Sy1, Sy2] by Cramer's rule.
  const m = [
    [n, s(1), s(2)],
    [s(1), s(2), s(3)],
    [s(2), s(3), s(4)],
  ];
  const rhs = [sy(0), sy(1), sy(2)];
  const det3 = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) -
    q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det3(m);
  const solve = (col: number) => det3(m.map((row, i) => row.map((v, j) => (j === col ? rhs[i] : v)))) / d;
  const cu = solve(0);
  const bu = solve(1);
  const a = solve(2);
  // Back to x: a(x − mx)² + bu(x − mx) + cu.
  const b = bu - 2 * a * mx;
  const c = a * mx * mx - bu * mx + cu;
  const my = mean(ys);
  const ssTot = ys.reduce((acc, y) => acc + (y - my) ** 2, 0);
  const ssRes = xs.reduce((acc, x, i) => acc + (ys[i] - (a * x * x + b * x + c)) ** 2, 0);
  // Var(a) = σ² · (M⁻¹)[2][2], with (M⁻¹)[2][2] = minor / det.
  const minor = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const sigma2 = n > 3 ? ssRes / (n - 3) : NaN;
  const seA = Math.sqrt((sigma2 * minor) / d);
  const q = n > 3 ? studentTQuantile((1 + level) / 2, n - 3) : NaN;
  const lin = linearFit(xs, ys);
  return {
    a,
    b,
    c,
    vertex: -b / (2 * a),
    r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN,
    r2Linear: lin.r2,
    aLo: a - q * seA,
    aHi: a + q * seA,
    aSe: seA,
    df: n - 3,
    n,
  };
}

/**
 * Holm–Bonferroni adjusted p-values (Holm 1979), in the order given: the i-th smallest of m
 * p-values is multiplied by m − i + 1, made non-decreasing along that order and capped at 1.
 * Rejecting where the adjusted p < alpha controls the family-wise error rate at alpha for the
 * figure's contrasts together. NaN p-values (a test that could not be run) stay NaN and do
 * not count in m.
 */
export function holm(pValues: readonly number[]): number[] {
  const order = pValues
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !Number.isNaN(p))
    .sort((x, y) => x.p - y.p);
  const m = order.length;
  const out = pValues.map(() => NaN);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
