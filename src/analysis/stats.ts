/**
 * Small, dependency-free descriptive statistics for the workbook notebooks:
 * mean / sample std / Student-t confidence intervals / Pearson r / least
 * squares, plus a group-by summary that accepts plain rows or an arquero table.
 *
 * Conventions: functions never throw on degenerate input (empty arrays,
 * zero variance); they return NaN so a notebook can still render the rest.
 */

/** Arithmetic mean; NaN for an empty sample. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Unbiased sample variance (n − 1 denominator); NaN when n < 2. */
export function variance(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  // Two-pass with a correction term: stable for values with a large offset.
  let ss = 0;
  let comp = 0;
  for (const x of xs) {
    const d = x - m;
    ss += d * d;
    comp += d;
  }
  return (ss - (comp * comp) / n) / (n - 1);
}

/** Sample standard deviation (n − 1 denominator); NaN when n < 2. */
export function std(xs: readonly number[]): number {
  return Math.sqrt(variance(xs));
}

/** Standard error of the mean, s / √n; NaN when n < 2. */
export function standardError(xs: readonly number[]): number {
  return std(xs) / Math.sqrt(xs.length);
}

// ---------------------------------------------------------------------------
// Special functions behind the t distribution.

// Lanczos coefficients (g = 7, n = 9): ~15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Natural log of the gamma function for x > 0 (Lanczos approximation). */
export function lnGamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x < 0.5) {
    // Reflection keeps the series in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction for I_x(a, b), evaluated with the modified Lentz method. */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const maxIter = 500;
  const eps = 1e-15;
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    // Even step of the fraction.
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < eps) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b) for 0 ≤ x ≤ 1, a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (Number.isNaN(x) || !(a > 0) || !(b > 0)) return NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast only below the mean a/(a+b);
  // above it use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** CDF of Student's t distribution with `df` (> 0, may be fractional) degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedIncompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile (inverse CDF) of Student's t: the t with P(T ≤ t) = p.
 * Solved by bisection on the exact CDF (so it is as accurate as the CDF,
 * ~1e-12), which is plenty fast for the handful of calls a figure needs.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // Bracket: grow the upper bound until the CDF passes p (df = 1 at
  // p = 1 − 1e-12 needs ~3e11, so doubling from 1 terminates quickly).
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-13 * Math.max(1, hi)) break;
  }
  return 0.5 * (lo + hi);
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

function checkPaired(xs: readonly number[], ys: readonly number[]): void {
  if (xs.length !== ys.length) {
    throw new RangeError(`paired samples differ in length: ${xs.length} vs ${ys.length}`);
  }
}

/** Pearson product-moment correlation; NaN when n < 2 or either side is constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  checkPaired(xs, ys);
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  // Clamp: rounding can push |r| a hair above 1 for perfectly linear data.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination (equals r² for simple regression). */
  r2: number;
  n: number;
  /** Evaluates the fitted line. */
  predict(x: number): number;
}

/** Ordinary least squares y = intercept + slope · x; NaN coefficients when x is constant or n < 2. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  checkPaired(xs, ys);
  const n = xs.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const slope = n >= 2 && sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN;
  return { slope, intercept, r2, n, predict: (x: number) => intercept + slope * x };
}

// ---------------------------------------------------------------------------
// Group summaries.

/** Anything with arquero's `objects()` (a Table), so this module needs no arquero import. */
export interface ObjectsSource {
  objects(): object[];
}

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
