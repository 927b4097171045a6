/**
 * The shape every deck-claim check returns. A verdict function takes plain rows (so it can be
 * unit-tested on synthetic runs where the claim holds and where it does not) and returns one
 * Verdict; notebooks show them and the workbook's claims index collects them. Below the type:
 * generic building blocks (a difference, a correlation over settings, a flat level, a bound)
 * that per-claim verdict functions call.
 */
import { type GroupSummary, confidenceInterval, correlationTest, holm, slopeTest, studentTQuantile, welchTest } from "./stats";
export type VerdictOutcome = "holds" | "partly holds" | "does not hold" | "inconclusive";

export interface Verdict {
  /** Stable id, "<notebook>.<claim>", e.g. "01.swapped-in-flat". */
  id: string;
  /** Deck slide(s) the claim comes from, e.g. "7" or "13,16". */
  slide: string;
  /** The deck's claim, in a few words. */
  claim: string;
  /** The exact quantity and test the verdict applies (shown beside it). */
  definition: string;
  outcome: VerdictOutcome;
  /** The numbers the verdict rests on, by name. */
  numbers: Record<string, number>;
  /** One sentence generated from `numbers`. */
  evidence: string;
}

// ---------------------------------------------------------------------------
// Building blocks for per-claim verdict functions. Each takes the claim's text, the data and
// the test's thresholds, and returns a Verdict whose definition names the test and whose
// evidence sentence is generated from its numbers. Outcomes:
// - holds: the test shows the claimed effect;
// - does not hold: the data show the opposite, or exclude the claimed size;
// - partly holds: some parts or contrasts hold and others do not, or the direction holds but
//   the interval excludes the claimed size (the effect is smaller than claimed);
// - inconclusive: the data cannot tell (an interval spans both readings, or too few runs).

/** What the claim is and which quantity is tested; the helpers add the test to `definition`. */
export interface ClaimText {
  id: string;
  slide: string;
  claim: string;
  /** The quantity the test applies to, e.g. "test accuracy, soft iEP − compute-matched EP (seeds paired by setting)". */
  quantity: string;
}

/** "greater": the claim is that the estimate is above 0 (or above `effect`); "less": below. */
export type ClaimDirection = "greater" | "less";

export interface FamilyOptions {
  /** Family-wise error rate of the figure's contrasts together (Holm); default 0.05. */
  alpha?: number;
  direction?: ClaimDirection;
  /**
   * The claimed size, ≥ 0, in the claimed direction (e.g. 0.03 for "+3 %"); default 0. When
   * the interval lies wholly short of it the claim's size is excluded: "does not hold" if the
   * estimate is not significant, "partly holds" if it is significant in the claimed direction.
   */
  effect?: number;
}

/** One test of a family: an estimate with its interval (at the family's level) and p-value of "= 0". */
export interface TestedEstimate {
  label: string;
  estimate: number;
  lo: number;
  hi: number;
  p: number;
  n: number;
}

export interface JudgedEstimate extends TestedEstimate {
  /** Holm-adjusted p-value within the family. */
  pHolm: number;
  outcome: VerdictOutcome;
}

/**
 * Confidence level of each interval in a family of m tests: 1 − alpha/m (Bonferroni, so the
 * intervals hold simultaneously). Where such an interval excludes 0, Holm rejects too; the
 * converse does not hold: Holm's step-down test is more powerful, so a contrast can be
 * significant after Holm while its Bonferroni interval still touches 0 (the definition text
 * says so).
 */
export function familyLevel(alpha: number, m: number): number {
  return 1 - alpha / Math.max(1, m);
}

/** Classifies each test of a family: Holm-adjusted p against alpha, the interval against the claimed size. */
export function judgeFamily(estimates: readonly TestedEstimate[], options: FamilyOptions = {}): JudgedEstimate[] {
  const alpha = options.alpha ?? 0.05;
  const sign = (options.direction ?? "greater") === "greater" ? 1 : -1;
  const effect = options.effect ?? 0;
  const adjusted = holm(estimates.map((e) => e.p));
  return estimates.map((e, i) => {
    const pHolm = adjusted[i];
    // In the claimed direction: positive = as claimed.
    const est = sign * e.estimate;
    const upper = Math.max(sign * e.lo, sign * e.hi);
    // A NaN p or estimate (too few runs, no spread) fails every comparison: inconclusive.
    let outcome: VerdictOutcome = "inconclusive";
    if (pHolm < alpha && est < 0) outcome = "does not hold";
    else if (pHolm < alpha && est > 0) outcome = effect > 0 && upper < effect ? "partly holds" : "holds";
    else if (effect > 0 && upper < effect) outcome = "does not hold";
    return { ...e, pHolm, outcome };
  });
}

/**
 * One outcome from several contrasts or parts: all hold → holds; all inconclusive (or none) →
 * inconclusive; none holds (not even partly) and some do not hold → does not hold; otherwise
 * some hold and others do not, or cannot tell → partly holds.
 */
export function combineOutcomes(outcomes: readonly VerdictOutcome[]): VerdictOutcome {
  if (outcomes.every((o) => o === "inconclusive")) return "inconclusive";
  if (outcomes.every((o) => o === "holds")) return "holds";
  if (!outcomes.some((o) => o === "holds" || o === "partly holds")) return "does not hold";
  return "partly holds";
}

function signed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return "n/a";
  return (v >= 0 ? "+" : "") + v.toFixed(digits);
}

function pText(p: number): string {
  if (!Number.isFinite(p)) return "p n/a";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

function percent(level: number): string {
  return `${Number((level * 100).toFixed(2))} %`;
}

function familyNumbers(judged: readonly JudgedEstimate[]): Record<string, number> {
  const numbers: Record<string, number> = {};
  for (const j of judged) {
    numbers[`${j.label}: estimate`] = j.estimate;
    numbers[`${j.label}: lo`] = j.lo;
    numbers[`${j.label}: hi`] = j.hi;
    numbers[`${j.label}: p`] = j.p;
    numbers[`${j.label}: p (Holm)`] = j.pHolm;
    numbers[`${j.label}: n`] = j.n;
  }
  return numbers;
}

function familyVerdict(claim: ClaimText, judged: readonly JudgedEstimate[], test: string, options: FamilyOptions, digits: number): Verdict {
  const alpha = options.alpha ?? 0.05;
  const direction = options.direction ?? "greater";
  const effect = options.effect ?? 0;
  const level = familyLevel(alpha, judged.length);
  const claimed = `${direction === "greater" ? ">" : "<"} ${effect > 0 ? signed(direction === "greater" ? effect : -effect, digits) : "0"}`;
  const definition =
    `${claim.quantity}; ${test}, claimed ${claimed}; holds where the Holm-adjusted p < ${alpha} over ${judged.length} ` +
    `contrast${judged.length === 1 ? "" : "s"} in the claimed direction, does not hold where significant the other way` +
    `${effect > 0 ? " or where the interval excludes the claimed size" : ""}; intervals at ${percent(level)} (Bonferroni, simultaneous; Holm's step-down test can call a contrast significant while its interval still touches 0)`;
  const parts = judged.map((j) => ({
    outcome: j.outcome,
    text: `${j.label}: ${signed(j.estimate, digits)} [${signed(j.lo, digits)}, ${signed(j.hi, digits)}], Holm ${pText(j.pHolm)} → ${j.outcome}`,
  }));
  return verdictOfParts(claim, definition, familyNumbers(judged), parts);
}

/** A claim's verdict from its parts (each judged on its own): the outcomes combine as in `combineOutcomes`. */
function verdictOfParts(
  claim: ClaimText,
  definition: string,
  numbers: Record<string, number>,
  parts: readonly { outcome: VerdictOutcome; text: string }[],
): Verdict {
  const outcome = combineOutcomes(parts.map((p) => p.outcome));
  const held = parts.filter((p) => p.outcome === "holds").length;
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition,
    outcome,
    numbers,
    evidence: `${parts.map((p) => p.text).join("; ")} (${held} of ${parts.length} hold).`,
  };
}

/** Two samples whose difference of means, mean(a) − mean(b), is one contrast of a claim. */
export interface Contrast {
  label: string;
  a: readonly number[];
  b: readonly number[];
}

/**
 * Verdict on "mean(a) − mean(b) > 0 (or > effect)" over one or more contrasts (e.g. one per
 * prune rate): Welch's t per contrast, Holm-adjusted over the contrasts.
 */
export function differenceVerdict(claim: ClaimText, contrasts: readonly Contrast[], options: FamilyOptions = {}, digits = 3): Verdict {
  const level = familyLevel(options.alpha ?? 0.05, contrasts.length);
  const tests = contrasts.map((c): TestedEstimate => {
    const w = welchTest(c.a, c.b, level);
    return { label: c.label, estimate: w.diff, lo: w.lo, hi: w.hi, p: w.p, n: Math.min(w.nA, w.nB) };
  });
  return familyVerdict(claim, judgeFamily(tests, options), "difference of means, Welch's t", options, digits);
}

/** Paired x and y values, one pair per setting (e.g. the per-setting means of `settingMeans`). */
export interface CorrelationFamily {
  label: string;
  x: readonly number[];
  y: readonly number[];
}

/**
 * Verdict on "x and y correlate positively (direction greater) / negatively (less)" in one or
 * more families (e.g. MLP and conv net): Pearson r with its Fisher-z interval, Holm-adjusted
 * over the families. `effect` is the smallest |r| the claim means.
 */
export function correlationVerdict(
  claim: ClaimText,
  families: readonly CorrelationFamily[],
  options: FamilyOptions = {},
  digits = 2,
): Verdict {
  const level = familyLevel(options.alpha ?? 0.05, families.length);
  const tests = families.map((f): TestedEstimate => {
    const c = correlationTest(f.x, f.y, level);
    return { label: f.label, estimate: c.r, lo: c.lo, hi: c.hi, p: c.p, n: c.n };
  });
  return familyVerdict(claim, judgeFamily(tests, options), "Pearson r (n = settings), Fisher-z interval", options, digits);
}

/** Per-setting means of x and y with their spread: one point per setting, for a correlation and its error bars. */
export interface SettingMean {
  /** The setting's key values, e.g. { family: "lr", lr: 0.1 }. */
  setting: Record<string, unknown>;
  /** Runs (seeds) in the setting with finite x and y. */
  n: number;
  x: GroupSummary;
  y: GroupSummary;
}

/**
 * Averages the seeds of each setting (rows with equal `settingKeys` values), so a correlation is
 * taken over settings (n = settings), not over runs that share a setting (pseudo-replication).
 * Rows whose x or y is not a finite number are skipped. Settings keep first-appearance order.
 */
export function settingMeans<R extends object>(
  rows: readonly R[],
  settingKeys: readonly (keyof R & string)[],
  x: keyof R & string,
  y: keyof R & string,
  level = 0.95,
): SettingMean[] {
  const groups = new Map<string, { setting: Record<string, unknown>; xs: number[]; ys: number[] }>();
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    const xv = r[x];
    const yv = r[y];
    if (typeof xv !== "number" || typeof yv !== "number" || !Number.isFinite(xv) || !Number.isFinite(yv)) continue;
    const id = JSON.stringify(settingKeys.map((k) => r[k] ?? null));
    let g = groups.get(id);
    if (!g) {
      g = { setting: Object.fromEntries(settingKeys.map((k) => [k, r[k]])), xs: [], ys: [] };
      groups.set(id, g);
    }
    g.xs.push(xv);
    g.ys.push(yv);
  }
  const summary = (vs: number[]): GroupSummary => {
    const ci = confidenceInterval(vs, level);
    return { mean: ci.mean, std: ci.std, lo: ci.lo, hi: ci.hi, n: ci.n };
  };
  return [...groups.values()].map((g) => ({ setting: g.setting, n: g.xs.length, x: summary(g.xs), y: summary(g.ys) }));
}

/** `settingMeans` as a correlation family: x and y are the settings' means. */
export function meansFamily(label: string, means: readonly SettingMean[]): CorrelationFamily {
  return { label, x: means.map((m) => m.x.mean), y: means.map((m) => m.y.mean) };
}

export interface FlatLevelOptions {
  /** The level the claim names (e.g. 0.2). */
  target: number;
  /** How far from the target the level may be and still match it. */
  tolerance: number;
  /**
   * Flat = the slope's interval lies within ±slopeTolerance (an equivalence test); not flat =
   * it lies wholly outside. Default: tolerance / (x range), i.e. the fitted line moves less
   * than the level's tolerance across the tested x. 0 = the plain rule "the interval contains 0"
   * (flat) / "excludes 0" (not flat), which calls any noisy enough line flat.
   */
  slopeTolerance?: number;
  /** 1 − confidence level of each interval; default 0.05. */
  alpha?: number;
}

function partOutcome(lo: number, hi: number, min: number, max: number): VerdictOutcome {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return "inconclusive";
  if (lo >= min && hi <= max) return "holds";
  if (hi < min || lo > max) return "does not hold";
  return "inconclusive";
}

/**
 * Verdict on "y is flat in x at a level near `target`" (e.g. p − DR against the prune rate p).
 * Flat: the least-squares slope's interval (see `slopeTolerance`). Level: the fitted line at the
 * mean x, i.e. the mean of y, with the regression's interval (residual spread, n − 2 df), inside
 * target ± tolerance. The two parts combine as in `combineOutcomes` (flat but elsewhere, or
 * near the target but sloped, → partly holds).
 */
export function flatLevelVerdict(
  claim: ClaimText,
  xs: readonly number[],
  ys: readonly number[],
  options: FlatLevelOptions,
  digits = 3,
): Verdict {
  const alpha = options.alpha ?? 0.05;
  const level = 1 - alpha;
  const slope = slopeTest(xs, ys, level);
  const n = slope.n;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  const half = n > 2 ? studentTQuantile(1 - alpha / 2, n - 2) * (slope.residualStd / Math.sqrt(n)) : NaN;
  const range = Math.max(...xs) - Math.min(...xs);
  const st = options.slopeTolerance ?? options.tolerance / range;
  const flatness: VerdictOutcome =
    st > 0
      ? partOutcome(slope.lo, slope.hi, -st, st)
      : !Number.isFinite(slope.lo) || !Number.isFinite(slope.hi)
        ? "inconclusive"
        : slope.lo <= 0 && slope.hi >= 0
          ? "holds"
          : "does not hold";
  const near = partOutcome(mean - half, mean + half, options.target - options.tolerance, options.target + options.tolerance);
  const outcome = combineOutcomes([flatness, near]);
  const flatRule = st > 0 ? `its interval lies within ±${Number(st.toPrecision(3))}` : "its interval contains 0";
  const definition =
    `${claim.quantity}; flat: least-squares slope against x, ${flatRule}; level: the mean (the fitted line at mean x) with ` +
    `its interval inside ${options.target} ± ${options.tolerance}; intervals at ${percent(level)} (Student's t, n − 2 df)`;
  const evidence =
    `slope ${signed(slope.slope, digits)} [${signed(slope.lo, digits)}, ${signed(slope.hi, digits)}] (${pText(slope.p)}, n = ${n}) → ` +
    `${flatness === "holds" ? "flat" : flatness === "does not hold" ? "not flat" : "cannot tell"}; level ${mean.toFixed(digits)} ` +
    `[${(mean - half).toFixed(digits)}, ${(mean + half).toFixed(digits)}] vs ${options.target} ± ${options.tolerance} → ` +
    `${near === "holds" ? "near the target" : near === "does not hold" ? "away from the target" : "cannot tell"}.`;
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition,
    outcome,
    numbers: {
      slope: slope.slope,
      "slope lo": slope.lo,
      "slope hi": slope.hi,
      "slope p": slope.p,
      "slope tolerance": st,
      level: mean,
      "level lo": mean - half,
      "level hi": mean + half,
      n,
      target: options.target,
      tolerance: options.tolerance,
    },
    evidence,
  };
}

/** A sample whose mean is claimed to lie below (or above) a bound. */
export interface BoundGroup {
  label: string;
  values: readonly number[];
}

export interface BoundOptions {
  bound: number;
  side: "below" | "above";
  /** Family-wise: each interval at 1 − alpha/m (Bonferroni over the groups); default 0.05. */
  alpha?: number;
}

/**
 * Verdict on "the mean is below (above) `bound`" in every group (e.g. soft iEP's DR below 0.05
 * in every cycle up to 50 % pruned): holds where a group's interval lies wholly on the claimed
 * side, does not hold where it lies wholly on the other side, inconclusive where it straddles
 * the bound; the groups combine as in `combineOutcomes`.
 */
export function boundVerdict(claim: ClaimText, groups: readonly BoundGroup[], options: BoundOptions, digits = 3): Verdict {
  const alpha = options.alpha ?? 0.05;
  const level = familyLevel(alpha, groups.length);
  const below = options.side === "below";
  const judged = groups.map((g) => {
    const ci = confidenceInterval(g.values, level);
    // An interval from one run (NaN ends) is inconclusive.
    const outcome = partOutcome(ci.lo, ci.hi, below ? -Infinity : options.bound, below ? options.bound : Infinity);
    return { label: g.label, ci, outcome };
  });
  const numbers: Record<string, number> = { bound: options.bound };
  for (const j of judged) {
    numbers[`${j.label}: mean`] = j.ci.mean;
    numbers[`${j.label}: lo`] = j.ci.lo;
    numbers[`${j.label}: hi`] = j.ci.hi;
    numbers[`${j.label}: n`] = j.ci.n;
  }
  const definition =
    `${claim.quantity}; mean ${below ? "<" : ">"} ${options.bound} in each of ${groups.length} group${groups.length === 1 ? "" : "s"}: ` +
    `holds where the interval lies wholly ${options.side} it, does not hold where wholly on the other side; intervals at ${percent(level)} (Student's t, Bonferroni)`;
  const parts = judged.map((j) => ({
    outcome: j.outcome,
    text: `${j.label}: ${j.ci.mean.toFixed(digits)} [${j.ci.lo.toFixed(digits)}, ${j.ci.hi.toFixed(digits)}] → ${j.outcome}`,
  }));
  return verdictOfParts(claim, definition, numbers, parts);
}
