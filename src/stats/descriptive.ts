/**
 * Descriptive statistics on plain arrays: mean, sample variance and std, Pearson r, least
 * squares, and the row-source type of tables. A floor below both src/plot (trend lines,
 * tables) and src/analysis (intervals, tests, figures), so that neither imports the other's
 * way: analysis builds on plot, plot on this.
 *
 * Conventions: functions never throw on degenerate input (empty arrays, zero variance);
 * they return NaN so a notebook can still render the rest.
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

function checkPaired(xs: readonly number[], ys: readonly number[]): void {
  if (xs.length !== ys.length) {
    throw new RangeError(`paired samples differ in length: ${xs.length} vs ${ys.length}`);
  }
}

/** Means and centred sums of products of paired samples (lengths already checked). */
function centredSums(xs: readonly number[], ys: readonly number[]): { mx: number; my: number; sxy: number; sxx: number; syy: number } {
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
  return { mx, my, sxy, sxx, syy };
}

/** Pearson product-moment correlation; NaN when n < 2 or either side is constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  checkPaired(xs, ys);
  if (xs.length < 2) return NaN;
  const { sxy, sxx, syy } = centredSums(xs, ys);
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
  const { mx, my, sxy, sxx, syy } = centredSums(xs, ys);
  const slope = n >= 2 && sxx > 0 ? sxy / sxx : NaN;
  const intercept = my - slope * mx;
  const r2 = sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : NaN;
  return { slope, intercept, r2, n, predict: (x: number) => intercept + slope * x };
}

/** Anything with arquero's `objects()` (a Table), so this module needs no arquero import. */
export interface ObjectsSource {
  objects(): object[];
}
