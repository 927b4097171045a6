/**
 * The shape every deck-claim check returns. A verdict function takes plain rows (so it can be
 * unit-tested on synthetic runs where the claim holds, does not hold and cannot tell) and
 * returns one Verdict; notebooks show them and the workbook's claims index collects them.
 * Below the type: the decision rule every claim uses, and building blocks (a difference, a
 * correlation over settings, any estimate with a standard error, a flat level, a bound, a
 * claim not tested as built) that per-claim verdict functions call.
 */
import {
  type DifferenceTest,
  type GroupSummary,
  confidenceInterval,
  correlationPower,
  criticalT,
  pairedPower,
  pairedTest,
  pearson,
  slopeTest,
  smallestN,
  tTestPower,
  upperP,
  welchPower,
  welchTest,
} from "./stats";

export type VerdictOutcome = "holds" | "partly holds" | "does not hold" | "inconclusive" | "not tested";

export interface Verdict {
  /** Stable id, "<notebook>.<claim>", e.g. "01.swapped-in-flat". */
  id: string;
  /** Deck page(s) the claim comes from: the page number printed at the end of each slide, e.g. "7" or "16,20". */
  slide: string;
  /** The deck's claim, in a few words. */
  claim: string;
  /** The exact quantity, its smallest effect of interest and the test the verdict applies (shown beside it). */
  definition: string;
  outcome: VerdictOutcome;
  /** The numbers the verdict rests on, by name. */
  numbers: Record<string, number>;
  /** One sentence generated from `numbers`. */
  evidence: string;
  /**
   * Each contrast the outcome was read from, with its interval and what it was judged against
   * (the claims index draws them against their SESOI). Absent where a verdict was built by hand.
   */
  contrasts?: VerdictContrast[];
}

/** One contrast of a verdict: an estimate, its interval and what it was judged against. */
export interface VerdictContrast {
  label: string;
  estimate: number;
  lo: number;
  hi: number;
  /** Confidence level of [lo, hi]. */
  level: number;
  outcome: VerdictOutcome;
  /** What the claim says of `estimate − reference`: above it ("greater"), below it ("less"), or within ±SESOI of it ("null"). */
  claim: ClaimDirection | "null";
  /** Where the estimate is judged from: 0 for a difference or a correlation, the deck's level or a bound otherwise. */
  reference: number;
  /** The smallest effect of interest around `reference` (null: the claim names none, e.g. a bound). */
  sesoi: number | null;
}

// ---------------------------------------------------------------------------
// The decision rule. Every contrast is an estimate with a standard error; a claim names its
// smallest effect of interest (SESOI) and whether it claims an effect ("gain": beyond 0 in one
// direction) or its absence ("null": within ±SESOI). Each contrast is judged on ONE interval,
// the one printed beside it, at level 1 − 2α_c (α_c: the contrast's one-sided level):
// - gain: holds where the interval lies above 0 in the claimed direction and reaches the claimed
//   size (default the SESOI); partly holds where it lies above 0 but wholly below that size;
//   does not hold where it lies below 0 (a reversal) or inside ±SESOI (equivalent to zero: TOST
//   at α_c); inconclusive otherwise;
// - null: holds where the interval lies inside ±SESOI (TOST), does not hold where it lies wholly
//   beyond +SESOI or −SESOI (the effect exceeds the SESOI significantly), inconclusive otherwise.
// Because the outcome is read off the printed interval, the interval excludes 0 (or the SESOI)
// exactly where the outcome says so. Several contrasts combine as:
// - "every" (the claim holds in every setting): the intersection–union test, each contrast at
//   full α, no multiplicity penalty; outcomes combine as in `combineOutcomes`;
// - "any" (the claim holds if some contrast does): Holm's step-down over the one-sided p-values;
//   the contrast at Holm step k is judged on its interval at 1 − 2α/(m − k + 1) (after the first
//   step that fails, at that step's level), so the interval excludes 0 exactly where Holm
//   rejects; the claim holds if any contrast holds (`anyOutcome`).

/** What the claim is and which quantity is tested; the helpers add the test to `definition`. */
export interface ClaimText {
  id: string;
  slide: string;
  claim: string;
  /** The quantity the test applies to, e.g. "test accuracy, soft iEP − compute-matched EP". */
  quantity: string;
}

/** "greater": the claim is that the estimate is above 0; "less": below. */
export type ClaimDirection = "greater" | "less";

/** The smallest effect of interest: its size (in the estimate's units, > 0) and where it comes from. */
export interface Sesoi {
  value: number;
  /** One phrase, shown on the page, e.g. "the deck's 'about 1 point'". */
  why: string;
}

export interface DecisionOptions {
  sesoi: Sesoi;
  /** One-sided level of each test (the intervals are at 1 − 2α); default 0.05. */
  alpha?: number;
  /** "gain" (default): an effect in `direction`; "null": no effect beyond ±SESOI. */
  kind?: "gain" | "null";
  direction?: ClaimDirection;
  /** The size the deck claims (≥ the SESOI), e.g. 0.03 for "about 3 points"; default the SESOI. */
  claimedSize?: number;
  /** "every" (default): intersection–union over the contrasts; "any": Holm. */
  combine?: "every" | "any";
  /** Power target for the seeds-needed figure; default 0.8. */
  powerTarget?: number;
}

/**
 * One contrast as an estimate: a value on the working scale, its standard error and degrees of
 * freedom (Infinity: a z test), how it was measured, and how its power depends on the number of
 * units (seeds, settings) where that can be said.
 */
export interface Estimate {
  label: string;
  estimate: number;
  se: number;
  df: number;
  /** e.g. "paired t, 3 seeds" or "Welch t (the seeds differ), 3 + 3 runs". */
  design: string;
  /** Correlations are tested on Fisher's z = atanh(r) and shown as r. */
  fisherZ?: boolean;
  /** Power at `alpha` to detect `effect` (working scale) with n units; absent: power only at the current n (from se, df). */
  powerFor?: (n: number, alpha: number, effect: number) => number;
  /** What n counts, for "N seeds for 80 % power". */
  unit?: string;
  /** Why this contrast can at most partly hold even where its interval says holds (shown with it). */
  holdsOnlyPartly?: string;
}

export interface JudgedEstimate {
  label: string;
  design: string;
  /** The estimate and its interval, on the shown scale (r for correlations). */
  estimate: number;
  lo: number;
  hi: number;
  /** Confidence level of [lo, hi]: 1 − 2·alpha. */
  level: number;
  /** The one-sided level the contrast was judged at. */
  alpha: number;
  /** One-sided p-value in the claimed direction (gain) or the TOST p-value (null). */
  p: number;
  outcome: VerdictOutcome;
  /** Power to detect the SESOI at this contrast's alpha and spread (null claims: a lower bound on TOST's power at a true 0). */
  power: number;
  /** Units that would give the power target (NaN: cannot be said, or beyond 10 000). */
  needed: number;
  unit: string;
  /** Why a "holds" was lowered to "partly holds" (Estimate.holdsOnlyPartly), if it was. */
  note?: string;
}

const fromWorking = (e: Pick<Estimate, "fisherZ">, w: number) => (e.fisherZ ? Math.tanh(w) : w);
const toWorking = (e: Pick<Estimate, "fisherZ">, v: number) => (e.fisherZ ? Math.atanh(Math.min(v, 0.9999999)) : v);

/** The outcome of one contrast from its interval [lo, hi] (working scale) under the rule above. */
export function intervalOutcome(lo: number, hi: number, options: DecisionOptions, e: Pick<Estimate, "fisherZ"> = {}): VerdictOutcome {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return "inconclusive";
  const sign = (options.direction ?? "greater") === "greater" ? 1 : -1;
  const d = toWorking(e, options.sesoi.value);
  if ((options.kind ?? "gain") === "null") {
    if (lo > -d && hi < d) return "holds";
    if (lo > d || hi < -d) return "does not hold";
    return "inconclusive";
  }
  // In the claimed direction.
  const low = sign > 0 ? lo : -hi;
  const high = sign > 0 ? hi : -lo;
  const size = toWorking(e, Math.max(options.claimedSize ?? 0, options.sesoi.value));
  if (low > 0) return high >= size ? "holds" : "partly holds";
  if (high < 0) return "does not hold";
  if (low > -d && high < d) return "does not hold";
  return "inconclusive";
}

function pOf(e: Estimate, options: DecisionOptions): number {
  if (!(e.se >= 0) || Number.isNaN(e.estimate)) return NaN;
  const sign = (options.direction ?? "greater") === "greater" ? 1 : -1;
  const t = (w: number) => (e.se === 0 ? (w > 0 ? Infinity : w < 0 ? -Infinity : NaN) : w / e.se);
  if ((options.kind ?? "gain") === "null") {
    const d = toWorking(e, options.sesoi.value);
    return Math.max(upperP(t(e.estimate + d), e.df), upperP(t(d - e.estimate), e.df));
  }
  return upperP(t(sign * e.estimate), e.df);
}

/** Each contrast's one-sided level: α for "every"; Holm's step level for "any". */
function contrastAlphas(ps: readonly number[], alpha: number, combine: "every" | "any"): number[] {
  if (combine === "every") return ps.map(() => alpha);
  const order = ps
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !Number.isNaN(p))
    .sort((x, y) => x.p - y.p);
  const m = order.length;
  const out = ps.map(() => alpha / Math.max(1, m));
  let failed = -1;
  order.forEach(({ p, i }, k) => {
    const step = failed >= 0 ? failed : k;
    const a = alpha / (m - step);
    if (failed < 0 && !(p < a)) failed = k;
    out[i] = alpha / (m - (failed >= 0 ? failed : k));
  });
  return out;
}

/** Judges each estimate under the decision rule: its interval, outcome, power and the units needed. */
export function judgeEstimates(estimates: readonly Estimate[], options: DecisionOptions): JudgedEstimate[] {
  const alpha = options.alpha ?? 0.05;
  const combine = options.combine ?? "every";
  const target = options.powerTarget ?? 0.8;
  const ps = estimates.map((e) => pOf(e, options));
  const alphas = contrastAlphas(ps, alpha, combine);
  // Power is quoted at the level a contrast faces before it knows the others: α ("every") or α/m (Holm's first step).
  const powerAlpha = combine === "every" ? alpha : alpha / Math.max(1, ps.filter((p) => !Number.isNaN(p)).length);
  const isNull = (options.kind ?? "gain") === "null";
  return estimates.map((e, i) => {
    const a = alphas[i]!;
    const q = criticalT(1 - a, e.df);
    const lo = e.estimate - q * e.se;
    const hi = e.estimate + q * e.se;
    const d = toWorking(e, options.sesoi.value);
    const oneSided = (n?: number) => (n !== undefined && e.powerFor ? e.powerFor(n, powerAlpha, d) : tTestPower(d, e.se, e.df, powerAlpha));
    const power = (n?: number) => (isNull ? Math.max(0, 2 * oneSided(n) - 1) : oneSided(n));
    const needed = e.powerFor ? smallestN((n) => power(n), target) : NaN;
    const judged = intervalOutcome(lo, hi, options, e);
    const lowered = judged === "holds" && e.holdsOnlyPartly !== undefined;
    return {
      label: e.label,
      design: e.design,
      estimate: fromWorking(e, e.estimate),
      lo: fromWorking(e, lo),
      hi: fromWorking(e, hi),
      level: 1 - 2 * a,
      alpha: a,
      p: ps[i]!,
      outcome: lowered ? "partly holds" : judged,
      power: power(),
      needed,
      unit: e.unit ?? "",
      ...(lowered ? { note: e.holdsOnlyPartly } : {}),
    };
  });
}

/**
 * "In every setting" (intersection–union): all hold → holds; all inconclusive (or none) →
 * inconclusive; none holds (not even partly) and some do not hold → does not hold; otherwise
 * partly holds. Parts not tested as built are left out (all of them: not tested).
 */
export function combineOutcomes(outcomes: readonly VerdictOutcome[]): VerdictOutcome {
  const tested = outcomes.filter((o) => o !== "not tested");
  if (outcomes.length > 0 && tested.length === 0) return "not tested";
  if (tested.every((o) => o === "inconclusive")) return "inconclusive";
  if (tested.every((o) => o === "holds")) return "holds";
  if (!tested.some((o) => o === "holds" || o === "partly holds")) return "does not hold";
  return "partly holds";
}

/** "In some setting" (Holm): any holds → holds; else any partly → partly holds; all do not hold → does not hold; else inconclusive. */
export function anyOutcome(outcomes: readonly VerdictOutcome[]): VerdictOutcome {
  const tested = outcomes.filter((o) => o !== "not tested");
  if (outcomes.length > 0 && tested.length === 0) return "not tested";
  if (tested.some((o) => o === "holds")) return "holds";
  if (tested.some((o) => o === "partly holds")) return "partly holds";
  if (tested.length > 0 && tested.every((o) => o === "does not hold")) return "does not hold";
  return "inconclusive";
}

function signed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return "n/a";
  return (v >= 0 ? "+" : "") + v.toFixed(digits);
}

function pText(p: number, name = "p"): string {
  if (!Number.isFinite(p)) return `${name} n/a`;
  return p < 0.001 ? `${name} < 0.001` : `${name} = ${p.toFixed(3)}`;
}

function percent(level: number): string {
  return `${Number((level * 100).toFixed(2))} %`;
}

/** The rule's text for a definition: SESOI, claim, decision, combination. */
function ruleText(options: DecisionOptions, m: number, digits: number): string {
  const alpha = options.alpha ?? 0.05;
  const combine = options.combine ?? "every";
  const d = options.sesoi.value;
  const dir = (options.direction ?? "greater") === "greater" ? ">" : "<";
  const size = Math.max(options.claimedSize ?? 0, d);
  const sesoi = `smallest effect of interest (SESOI) ${d.toFixed(digits)} (${options.sesoi.why})`;
  const decision =
    (options.kind ?? "gain") === "null"
      ? `claimed: no effect beyond ±SESOI; holds where the interval lies inside ±SESOI (TOST, two one-sided tests), does not hold where it lies wholly beyond it, inconclusive otherwise`
      : `claimed ${dir} 0${size > d ? ` (the deck's size ${size.toFixed(digits)})` : ""}; holds where the interval lies on the claimed side of 0 and reaches ${size > d ? "that size" : "the SESOI"}, partly holds where it lies on that side but wholly short of it, does not hold where it lies on the other side or inside ±SESOI (equivalent to zero, TOST), inconclusive otherwise`;
  const comb =
    combine === "every"
      ? m > 1
        ? `every one of the ${m} contrasts must hold (intersection–union test: each at one-sided α = ${alpha}, ${percent(1 - 2 * alpha)} intervals, no multiplicity penalty)`
        : `one-sided α = ${alpha}, ${percent(1 - 2 * alpha)} interval`
      : `holds if any of the ${m} contrasts holds (Holm over ${m}: the contrast at step k is judged on its interval at 1 − 2·${alpha}/(${m} − k + 1), so the interval excludes 0 exactly where Holm rejects; these intervals are not simultaneous)`;
  return `${sesoi}; ${decision}; ${comb}; power: of a one-sided test at ${combine === "every" ? "α" : "α/m"} to detect the SESOI at the observed spread`;
}

function judgedText(j: JudgedEstimate, digits: number, isNull: boolean): string {
  const need = Number.isFinite(j.needed) ? `, ${j.needed} ${j.unit} for 80 %` : "";
  const power = Number.isFinite(j.power) ? `; power at the SESOI ${isNull ? "≥ " : ""}${j.power.toFixed(2)}${need}` : "";
  return (
    `${j.label}: ${signed(j.estimate, digits)} [${signed(j.lo, digits)}, ${signed(j.hi, digits)}] ` +
    `(${j.design}; ${percent(j.level)} interval, ${pText(j.p, isNull ? "TOST p" : "one-sided p")}) → ${j.outcome}${j.note ? ` (${j.note})` : ""}${power}`
  );
}

function judgedNumbers(judged: readonly JudgedEstimate[], options: DecisionOptions): Record<string, number> {
  const numbers: Record<string, number> = { SESOI: options.sesoi.value };
  for (const j of judged) {
    numbers[`${j.label}: estimate`] = j.estimate;
    numbers[`${j.label}: lo`] = j.lo;
    numbers[`${j.label}: hi`] = j.hi;
    numbers[`${j.label}: level`] = j.level;
    numbers[`${j.label}: p`] = j.p;
    numbers[`${j.label}: power`] = j.power;
    if (Number.isFinite(j.needed)) numbers[`${j.label}: ${j.unit} for 80 % power`] = j.needed;
  }
  return numbers;
}

/** A claim's verdict from its parts (each judged on its own): the outcomes combine as in `combineOutcomes`. */
function verdictOfParts(
  claim: ClaimText,
  definition: string,
  numbers: Record<string, number>,
  parts: readonly { outcome: VerdictOutcome; text: string }[],
  contrasts?: VerdictContrast[],
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
    ...(contrasts ? { contrasts } : {}),
  };
}

/** A claim's verdict from estimates under the decision rule; `test` names the statistic, e.g. "difference of means". */
export function estimateVerdict(
  claim: ClaimText,
  estimates: readonly Estimate[],
  options: DecisionOptions,
  test: string,
  digits = 3,
): Verdict {
  const judged = judgeEstimates(estimates, options);
  const combine = options.combine ?? "every";
  const outcomes = judged.map((j) => j.outcome);
  const outcome = estimates.length === 0 ? "inconclusive" : combine === "every" ? combineOutcomes(outcomes) : anyOutcome(outcomes);
  const held = outcomes.filter((o) => o === "holds").length;
  const isNull = (options.kind ?? "gain") === "null";
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `${claim.quantity}; ${test}; ${ruleText(options, estimates.length, digits)}`,
    outcome,
    numbers: judgedNumbers(judged, options),
    contrasts: judged.map((j) => ({
      label: j.label,
      estimate: j.estimate,
      lo: j.lo,
      hi: j.hi,
      level: j.level,
      outcome: j.outcome,
      claim: isNull ? "null" : (options.direction ?? "greater"),
      reference: 0,
      sesoi: options.sesoi.value,
    })),
    evidence:
      estimates.length === 0
        ? "nothing to compare."
        : `${judged.map((j) => judgedText(j, digits, isNull)).join("; ")} (${held} of ${judged.length} hold).`,
  };
}

/**
 * Two samples whose difference of means, mean(a) − mean(b), is one contrast of a claim. With
 * the seed of each value, methods run with the same seeds are compared seed by seed (paired t).
 */
export interface Contrast {
  label: string;
  a: readonly number[];
  b: readonly number[];
  seedsA?: readonly number[];
  seedsB?: readonly number[];
}

/** A contrast from rows that carry their seed: the values of `a` and `b`, seeds kept for pairing. */
export function seededContrast(
  label: string,
  a: ReadonlyArray<{ seed: number; value: number }>,
  b: ReadonlyArray<{ seed: number; value: number }>,
): Contrast {
  return { label, a: a.map((r) => r.value), b: b.map((r) => r.value), seedsA: a.map((r) => r.seed), seedsB: b.map((r) => r.seed) };
}

/** Why a contrast is not paired, or null when it can be: both sides carry the same seeds, once each. */
function unpairedReason(c: Contrast): string | null {
  const { seedsA, seedsB } = c;
  if (!seedsA || !seedsB || seedsA.length !== c.a.length || seedsB.length !== c.b.length) return "no seeds given";
  const setA = new Set(seedsA);
  const setB = new Set(seedsB);
  if (setA.size !== seedsA.length || setB.size !== seedsB.length) return "a seed repeats";
  if (setA.size !== setB.size || [...setA].some((s) => !setB.has(s))) return "the seeds differ";
  return null;
}

/** The test of one contrast: paired t on the per-seed differences where the seeds match, Welch's t otherwise. */
export function contrastTest(c: Contrast, level = 0.95): { test: DifferenceTest; design: string } {
  const why = unpairedReason(c);
  if (why === null) {
    const bBySeed = new Map(c.seedsB!.map((s, i) => [s, c.b[i]!]));
    const b = c.seedsA!.map((s) => bBySeed.get(s)!);
    const test = pairedTest(c.a, b, level);
    return { test, design: `paired t, ${c.a.length} seeds` };
  }
  return { test: welchTest(c.a, c.b, level), design: `Welch t (${why}), ${c.a.length} + ${c.b.length} runs` };
}

/** A contrast as an estimate for the decision rule, with the power of its design as a function of the seeds. */
export function contrastEstimate(c: Contrast): Estimate {
  const { test, design } = contrastTest(c);
  const powerFor =
    test.design === "paired"
      ? (n: number, alpha: number, effect: number) => pairedPower(effect, test.sdA, n, alpha)
      : (n: number, alpha: number, effect: number) => welchPower(effect, test.sdA, test.sdB, n, alpha);
  return {
    label: c.label,
    estimate: test.diff,
    se: test.se,
    df: test.df,
    design,
    powerFor: Number.isFinite(test.se) ? powerFor : undefined,
    unit: test.design === "paired" ? "seeds" : "seeds per method",
  };
}

/**
 * Verdict on "mean(a) − mean(b)" over one or more contrasts (e.g. one per prune rate): paired t
 * by seed where both sides ran the same seeds, Welch's t otherwise, under the decision rule.
 */
export function differenceVerdict(claim: ClaimText, contrasts: readonly Contrast[], options: DecisionOptions, digits = 3): Verdict {
  return estimateVerdict(
    claim,
    contrasts.map(contrastEstimate),
    options,
    "difference of means: paired t on the per-seed differences where both methods ran the same seeds, Welch's t otherwise (each contrast says which)",
    digits,
  );
}

/** Paired x and y values, one pair per setting (e.g. the per-setting means of `settingMeans`). */
export interface CorrelationFamily {
  label: string;
  x: readonly number[];
  y: readonly number[];
}

/** Pearson's r of a family as an estimate on Fisher's z scale: atanh(r), SE 1/√(n − 3), a z test. */
export function correlationEstimate(f: CorrelationFamily): Estimate {
  const n = f.x.length;
  const r = n > 2 ? pearson(f.x, f.y) : NaN;
  return {
    label: f.label,
    estimate: Math.atanh(Math.max(-0.9999999, Math.min(0.9999999, r))),
    se: n > 3 ? 1 / Math.sqrt(n - 3) : NaN,
    df: Number.POSITIVE_INFINITY,
    design: `Pearson r over ${n} settings, Fisher z`,
    fisherZ: true,
    powerFor: (k: number, alpha: number, effect: number) => correlationPower(Math.tanh(effect), k, alpha),
    unit: "settings",
  };
}

/**
 * Verdict on "x and y correlate positively (direction greater) / negatively (less)" in one or
 * more families (e.g. MLP and conv net): Pearson r tested on Fisher's z (interval and p from the
 * same z, so they agree), under the decision rule; the SESOI is the smallest |r| of interest.
 */
export function correlationVerdict(
  claim: ClaimText,
  families: readonly CorrelationFamily[],
  options: DecisionOptions,
  digits = 2,
): Verdict {
  return estimateVerdict(
    claim,
    families.map(correlationEstimate),
    options,
    "Pearson r (n = settings), tested on Fisher's z = atanh(r) with SE 1/√(n − 3) (a normal approximation; power and settings needed likewise)",
    digits,
  );
}

/** A claim not tested as built: why the runs cannot decide it, and what would. Shown on the page like any verdict. */
export function notTestedVerdict(
  claim: Omit<ClaimText, "quantity">,
  reason: string,
  needs: string,
  numbers: Record<string, number> = {},
  evidence = "",
): Verdict {
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `not tested as built: ${reason}; needs ${needs}`,
    outcome: "not tested",
    numbers,
    evidence: evidence || `not tested as built: ${reason}.`,
  };
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
  /** One-sided level of each test; the intervals are at 1 − 2·alpha (TOST); default 0.05. */
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
  const level = 1 - 2 * alpha;
  const slope = slopeTest(xs, ys, level);
  const n = slope.n;
  const mean = ys.reduce((a, b) => a + b, 0) / n;
  const half = n > 2 ? criticalT(1 - alpha, n - 2) * (slope.residualStd / Math.sqrt(n)) : NaN;
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
    `${claim.quantity}; a claimed null (flat) and a claimed level, both as equivalence tests (TOST at one-sided α = ${alpha}, so ` +
    `${percent(level)} intervals; both must hold: intersection–union); flat: least-squares slope against x, holds where ${flatRule} ` +
    `(the SESOI of the slope${options.slopeTolerance === undefined ? ": the line moves less than the level's tolerance across the tested x" : ""}), ` +
    `does not hold where it lies wholly outside; level: the mean (the fitted line at mean x) with its interval inside ` +
    `${options.target} ± ${options.tolerance} (the SESOI of the level); Student's t, n − 2 df`;
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
    contrasts: [
      {
        label: "slope",
        estimate: slope.slope,
        lo: slope.lo,
        hi: slope.hi,
        level,
        outcome: flatness,
        claim: "null",
        reference: 0,
        sesoi: st > 0 ? st : null,
      },
      {
        label: `level vs ${options.target}`,
        estimate: mean,
        lo: mean - half,
        hi: mean + half,
        level,
        outcome: near,
        claim: "null",
        reference: options.target,
        sesoi: options.tolerance,
      },
    ],
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
  /** One-sided level of each group's test (intervals at 1 − 2·alpha; every group must hold: intersection–union); default 0.05. */
  alpha?: number;
}

/**
 * Verdict on "the mean is below (above) `bound`" in every group (e.g. DR/p above one half at
 * every prune rate): holds where a group's interval lies wholly on the claimed side, does not
 * hold where it lies wholly on the other side, inconclusive where it straddles the bound; the
 * groups combine as in `combineOutcomes` (an intersection–union test: each group at full α).
 */
export function boundVerdict(claim: ClaimText, groups: readonly BoundGroup[], options: BoundOptions, digits = 3): Verdict {
  const alpha = options.alpha ?? 0.05;
  const level = 1 - 2 * alpha;
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
    `holds where the interval lies wholly ${options.side} it, does not hold where wholly on the other side; every group must hold (intersection–union test, each at one-sided α = ${alpha}); intervals at ${percent(level)} (Student's t)`;
  const parts = judged.map((j) => ({
    outcome: j.outcome,
    text: `${j.label}: ${j.ci.mean.toFixed(digits)} [${j.ci.lo.toFixed(digits)}, ${j.ci.hi.toFixed(digits)}] → ${j.outcome}`,
  }));
  const contrasts = judged.map(
    (j): VerdictContrast => ({
      label: j.label,
      estimate: j.ci.mean,
      lo: j.ci.lo,
      hi: j.ci.hi,
      level,
      outcome: j.outcome,
      claim: below ? "less" : "greater",
      reference: options.bound,
      sesoi: null,
    }),
  );
  return verdictOfParts(claim, definition, numbers, parts, contrasts);
}
