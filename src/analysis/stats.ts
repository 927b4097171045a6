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
  /** mean(a) − mean(b). */
  diff: number;
  /** 95 % (or `level`) interval of the difference (Welch). */
  lo: number;
  hi: number;
  t: number;
  df: number;
  /** Two-sided p-value; NaN when either sample has fewer than 2 values or both have no spread. */
  p: number;
  nA: number;
  nB: number;
}

/** Welch's two-sample t test of mean(a) − mean(b) (unequal variances, Welch–Satterthwaite df). */
export function welchTest(a: readonly number[], b: readonly number[], level = 0.95): DifferenceTest {
  const diff = mean(a) - mean(b);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const ok = a.length >= 2 && b.length >= 2 && se > 0;
  const t = ok ? diff / se : NaN;
  const half = ok ? studentTQuantile((1 + level) / 2, df) * se : NaN;
  const p = ok ? twoSidedP(t, df) : NaN;
  return { diff, lo: diff - half, hi: diff + half, t, df, p, nA: a.length, nB: b.length };
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
