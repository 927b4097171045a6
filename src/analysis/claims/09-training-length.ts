/**
 * Notebook 09 · training length as an axis (issue 17, part 3). The deck's claims come from long
 * CIFAR/ImageNet training; here each is measured at several training lengths and stated as a
 * trend over length, so a claim that only appears with training (or only at short training)
 * shows as such:
 *  (a) the swapped-in share p − DR (deck page 7's "≈ 0.2"): its slope over log₂ E, its level at
 *      the longest E, and whether the score weight decay moves it;
 *  (b) soft vs hard iEP (pages 12, 14, 16): re-admission, the DR against the equal-steps EP
 *      control, the soft − hard accuracy gain at each length and its change with length;
 *  (c) soft iEP vs compute-matched EP and vs EP + K LR restarts (pages 11, 16, 17), at each
 *      length and the gain's change with length.
 *
 * The decision rule (each claim names its smallest effect of interest, SESOI): every contrast is
 * an estimate with a standard error, judged on its one printed interval at 1 − 2α (α = 0.05
 * one-sided). A claimed effect holds where the interval lies on the claimed side of 0 and reaches
 * the SESOI, partly holds where it lies on that side but short of it, does not hold where it lies
 * on the other side or inside ±SESOI (equivalent to zero: TOST), inconclusive otherwise. A claimed
 * absence (a null) holds where the interval lies inside ±SESOI, does not hold where it lies wholly
 * beyond it. "At every length / prune rate" claims combine their contrasts as an intersection–
 * union test (each at full α, `combineOutcomes`). Contrasts between runs that share seeds are
 * paired by seed. The estimate shape (label, estimate, se, df, design) is the one of the shared
 * decision rule in ../verdict.ts being built beside this file, so the claims can move onto it.
 */
import { confidenceInterval, slopeTest, studentTCdf, studentTQuantile } from "../stats";
import { type Verdict, type VerdictOutcome, combineOutcomes } from "../verdict";
import { DECK_SWAPPED_IN, LEVEL_TOLERANCE, checkablePruneRates } from "./01-dying-ratio";
import { DECK_SOFT_OVER_HARD } from "./04-accuracy";
import { distinctSorted, joinParts, samePruneRate } from "./common";

// ---------------------------------------------------------------------------
// Rows.

/** (a): one EP run. */
export interface SwapLengthRow {
  pruneRate: number;
  /** Training length in epochs. */
  epochs: number;
  weightDecay: number;
  seed: number;
  dyingRatio: number;
}

/** (b) and (c): one iEP run or an EP control, at a length given in epochs per cycle. */
export interface CycleLengthRow {
  /** "soft iEP", "hard iEP", "equal-steps EP", "compute-matched EP", "EP + K LR restarts". */
  method: string;
  pruneRate: number;
  epochsPerCycle: number;
  seed: number;
  testAccuracy: number;
  /** Run-level DR (never selected at any step, or removed). */
  dyingRatio: number;
  /** Share of the final mask that an earlier cycle boundary pruned (readmittedEver of the last cycle); null for EP. */
  readmitted: number | null;
  /** Available edges never selected within the last cycle, over available edges (EP: its one cycle, = dyingRatio); null where not recorded. */
  lastCycleDyingRatio?: number | null;
}

// ---------------------------------------------------------------------------
// SESOIs.

/** Smallest effect of interest with where it comes from. */
export interface LengthSesoi {
  value: number;
  why: string;
}

/** A DR or re-admission difference of interest: a tenth of the deck's ≈ 0.2 swapped-in share. */
export const DR_SESOI: LengthSesoi = {
  value: DECK_SWAPPED_IN / 10,
  why: `a tenth of the deck's ≈ ${DECK_SWAPPED_IN} swapped-in share (page 7)`,
};
/** An accuracy difference of interest: the deck's "about one point" of soft over hard (page 16). */
export const ACCURACY_SESOI: LengthSesoi = {
  value: DECK_SOFT_OVER_HARD,
  why: `the deck's "about 1 point" of soft over hard iEP (page 16)`,
};
/** The swapped-in level: the deck's 0.2 within ± this. */
export const LEVEL_SESOI: LengthSesoi = {
  value: LEVEL_TOLERANCE,
  why: `the band around the deck's ≈ ${DECK_SWAPPED_IN} (page 7), as notebook 01`,
};

// ---------------------------------------------------------------------------
// The decision rule on estimates.

/** One contrast as an estimate with its standard error. */
export interface LengthEstimate {
  label: string;
  estimate: number;
  se: number;
  df: number;
  /** e.g. "paired t, 3 seeds" or "least squares over 9 runs". */
  design: string;
  /** Spread of one unit (seed) and the units, where power can be said for another n. */
  sd?: number;
  n?: number;
}

export interface LengthDecision {
  sesoi: LengthSesoi;
  /** "gain" (default): an effect in `direction`; "null": no effect beyond ±SESOI. */
  kind?: "gain" | "null";
  direction?: "greater" | "less";
  /** One-sided level; intervals at 1 − 2α; default 0.05. */
  alpha?: number;
}

export interface JudgedLengthEstimate extends LengthEstimate {
  lo: number;
  hi: number;
  outcome: VerdictOutcome;
  /** Power to detect the SESOI (gain), or of TOST at a true 0 (null), at the observed spread. */
  power: number;
  /** Seeds that would give 80 % power (NaN where it cannot be said). */
  needed: number;
}

function tPower(effectOverSe: number, df: number, alpha: number): number {
  if (!Number.isFinite(effectOverSe) || !(df > 0)) return NaN;
  return 1 - studentTCdf(studentTQuantile(1 - alpha, df) - effectOverSe, df);
}

function powerAt(e: Pick<LengthEstimate, "se" | "df">, d: number, alpha: number, kind: "gain" | "null"): number {
  const p = tPower(d / e.se, e.df, alpha);
  return kind === "gain" ? p : Math.max(0, 2 * p - 1);
}

/** The outcome of one contrast from its interval under the rule of this file's comment. */
export function lengthOutcome(lo: number, hi: number, decision: LengthDecision): VerdictOutcome {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return "inconclusive";
  const d = decision.sesoi.value;
  if ((decision.kind ?? "gain") === "null") {
    if (lo > -d && hi < d) return "holds";
    if (lo > d || hi < -d) return "does not hold";
    return "inconclusive";
  }
  const less = decision.direction === "less";
  const low = less ? -hi : lo;
  const high = less ? -lo : hi;
  if (low > 0) return high >= d ? "holds" : "partly holds";
  if (high < 0) return "does not hold";
  if (low > -d && high < d) return "does not hold";
  return "inconclusive";
}

/** Interval, outcome, power and seeds needed of one estimate. */
export function judgeLength(e: LengthEstimate, decision: LengthDecision): JudgedLengthEstimate {
  const alpha = decision.alpha ?? 0.05;
  const kind = decision.kind ?? "gain";
  const half = e.df > 0 && e.se >= 0 ? studentTQuantile(1 - alpha, e.df) * e.se : NaN;
  const lo = e.estimate - half;
  const hi = e.estimate + half;
  const d = decision.sesoi.value;
  const power = powerAt(e, d, alpha, kind);
  let needed = NaN;
  if (e.sd !== undefined && e.sd > 0 && e.n !== undefined) {
    for (let n = 2; n <= 1000; n++)
      if (powerAt({ se: e.sd / Math.sqrt(n), df: n - 1 }, d, alpha, kind) >= 0.8) {
        needed = n;
        break;
      }
  }
  return { ...e, lo, hi, outcome: lengthOutcome(lo, hi, decision), power, needed };
}

function signed(v: number, digits = 3): string {
  return Number.isFinite(v) ? `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}` : "n/a";
}

/** What a claim is and the quantity its estimates measure. */
export interface LengthClaim {
  id: string;
  slide: string;
  claim: string;
  quantity: string;
}

/** A claim's verdict from its estimates: each judged on its own interval, combined as an intersection–union test. */
export function lengthVerdict(claim: LengthClaim, estimates: readonly LengthEstimate[], decision: LengthDecision): Verdict {
  const alpha = decision.alpha ?? 0.05;
  const kind = decision.kind ?? "gain";
  const level = `${Number(((1 - 2 * alpha) * 100).toFixed(2))} %`;
  const d = decision.sesoi.value;
  const rule =
    kind === "null"
      ? `claimed: no effect beyond ±${d} (the SESOI: ${decision.sesoi.why}); holds where the ${level} interval lies inside ±SESOI (TOST), does not hold where it lies wholly beyond it, inconclusive otherwise`
      : `claimed ${decision.direction === "less" ? "< 0" : "> 0"}, SESOI ${d} (${decision.sesoi.why}); holds where the ${level} interval lies on the claimed side of 0 and reaches the SESOI, partly holds where it lies there but short of it, does not hold where it lies on the other side or inside ±SESOI (equivalent to zero, TOST), inconclusive otherwise`;
  const combine =
    estimates.length > 1
      ? `; all ${estimates.length} contrasts must hold (intersection–union, each at one-sided α = ${alpha})`
      : `; one-sided α = ${alpha}`;
  const definition = `${claim.quantity}; ${rule}${combine}; power: ${kind === "null" ? "of TOST at a true 0" : "to detect the SESOI"} at the observed spread`;
  const head = { id: claim.id, slide: claim.slide, claim: claim.claim };
  if (estimates.length === 0)
    return { ...head, definition, outcome: "inconclusive", numbers: { contrasts: 0 }, evidence: "nothing to compare in these runs." };
  const judged = estimates.map((e) => judgeLength(e, decision));
  const numbers: Record<string, number> = { SESOI: d };
  for (const j of judged) {
    numbers[`${j.label}: estimate`] = j.estimate;
    numbers[`${j.label}: lo`] = j.lo;
    numbers[`${j.label}: hi`] = j.hi;
    numbers[`${j.label}: power`] = j.power;
    if (Number.isFinite(j.needed)) numbers[`${j.label}: seeds for 80 % power`] = j.needed;
  }
  const digits = d < 0.005 ? 4 : 3;
  const parts = judged.map((j) => {
    const power = Number.isFinite(j.power)
      ? `; power ${kind === "null" ? "" : "for the SESOI "}${j.power.toFixed(2)}${Number.isFinite(j.needed) ? `, ${j.needed} seeds for 80 %` : ""}`
      : "";
    return `${j.label}: ${signed(j.estimate, digits)} [${signed(j.lo, digits)}, ${signed(j.hi, digits)}] (${j.design}) → ${j.outcome}${power}`;
  });
  const held = judged.filter((j) => j.outcome === "holds").length;
  return {
    ...head,
    definition,
    outcome: combineOutcomes(judged.map((j) => j.outcome)),
    numbers,
    evidence: `${parts.join("; ")} (${held} of ${judged.length} hold).`,
  };
}

// ---------------------------------------------------------------------------
// Estimates from rows.

export interface SeedValue {
  seed: number;
  value: number;
}

/** mean(a − b) over the seeds both sides ran (paired t). */
export function pairedEstimate(label: string, a: readonly SeedValue[], b: readonly SeedValue[]): LengthEstimate {
  const bBySeed = new Map(b.map((r) => [r.seed, r.value]));
  const diffs = a.filter((r) => bBySeed.has(r.seed)).map((r) => r.value - bBySeed.get(r.seed)!);
  return oneSampleEstimate(label, diffs, 0, `paired t, ${diffs.length} seeds`);
}

/** mean(values) − target (one-sample t). */
export function oneSampleEstimate(
  label: string,
  values: readonly number[],
  target: number,
  design = `t, ${values.length} seeds`,
): LengthEstimate {
  const ci = confidenceInterval(values);
  const n = values.length;
  return { label, estimate: ci.mean - target, se: n >= 2 ? ci.std / Math.sqrt(n) : NaN, df: n - 1, design, sd: ci.std, n };
}

/** Least-squares slope of y on x over runs (n − 2 df). */
export function slopeEstimate(label: string, xs: readonly number[], ys: readonly number[], unit: string): LengthEstimate {
  const s = slopeTest(xs, ys);
  return { label, estimate: s.slope, se: s.se, df: s.n - 2, design: `least-squares slope ${unit} over ${s.n} runs, ${s.n - 2} df` };
}

// ---------------------------------------------------------------------------
// (a) The swapped-in share over training length.

/** p − DR: edges outside the first mask that were selected at some step, over all edges (notebook 01's "share of all edges"). */
export function swappedShare(r: Pick<SwapLengthRow, "pruneRate" | "dyingRatio">): number {
  return r.pruneRate - r.dyingRatio;
}

function decayLabel(wd: number): string {
  return `wd ${wd}`;
}

/** (wd, p) settings of the rows, in order. */
function swapSettings(rows: readonly SwapLengthRow[]): Array<{ weightDecay: number; pruneRate: number; rows: SwapLengthRow[] }> {
  const out: Array<{ weightDecay: number; pruneRate: number; rows: SwapLengthRow[] }> = [];
  for (const weightDecay of distinctSorted(rows.map((r) => r.weightDecay)))
    for (const pruneRate of distinctSorted(rows.filter((r) => r.weightDecay === weightDecay).map((r) => r.pruneRate)))
      out.push({
        weightDecay,
        pruneRate,
        rows: rows.filter((r) => r.weightDecay === weightDecay && samePruneRate(r.pruneRate, pruneRate)),
      });
  return out;
}

/**
 * Does the deck's "≈ 0.2 swapped in" appear with training? The slope of p − DR against log₂ E,
 * per weight decay and prune rate, claimed > 0; the SESOI of the slope is the deck band's 0.05
 * spread over the tested doublings (a line that rises less than that across them is flat).
 */
export function swappedInTrendVerdict(rows: readonly SwapLengthRow[]): Verdict {
  const lengths = distinctSorted(rows.map((r) => r.epochs));
  const doublings = lengths.length > 1 ? Math.log2(lengths[lengths.length - 1]! / lengths[0]!) : NaN;
  const sesoi: LengthSesoi = {
    value: Number.isFinite(doublings) && doublings > 0 ? LEVEL_TOLERANCE / doublings : LEVEL_TOLERANCE,
    why: `the deck band's ±${LEVEL_TOLERANCE} spread over the ${Number.isFinite(doublings) ? doublings.toFixed(1) : "?"} doublings from E = ${lengths[0]} to ${lengths[lengths.length - 1]}: a line that rises less is flat`,
  };
  const estimates = swapSettings(rows).map((s) =>
    slopeEstimate(
      `${decayLabel(s.weightDecay)}, p = ${s.pruneRate}`,
      s.rows.map((r) => Math.log2(r.epochs)),
      s.rows.map(swappedShare),
      "per doubling of E",
    ),
  );
  return lengthVerdict(
    {
      id: "09.swapped-in-grows-with-training",
      slide: "7",
      claim: "the swapped-in share (the deck's ≈ 0.2) grows with training length",
      quantity: `p − DR of EP runs against log₂ E (E ∈ {${lengths.join(", ")}} epochs), one slope per weight decay and prune rate (runs of one seed at different E are separate runs; the seed's shared init makes this slope's interval conservative)`,
    },
    estimates,
    { sesoi, kind: "gain" },
  );
}

/** At the longest training, p − DR lies within the deck's 0.2 ± 0.05 at every prune rate where the band is reachable, for each weight decay. */
export function swappedInLevelVerdict(rows: readonly SwapLengthRow[]): Verdict {
  const longest = Math.max(...rows.map((r) => r.epochs));
  const at = rows.filter((r) => r.epochs === longest);
  const estimates = swapSettings(at)
    .filter((s) => checkablePruneRates([s.pruneRate], "all-edges").length === 1)
    .map((s) => oneSampleEstimate(`${decayLabel(s.weightDecay)}, p = ${s.pruneRate}`, s.rows.map(swappedShare), DECK_SWAPPED_IN));
  return lengthVerdict(
    {
      id: "09.swapped-in-at-deck-level",
      slide: "7",
      claim: `after the longest training, about ${DECK_SWAPPED_IN} of the edges are swapped in at every prune rate`,
      quantity: `(p − DR) − ${DECK_SWAPPED_IN} of EP runs trained ${Number.isFinite(longest) ? longest : "?"} epochs (the longest here), per weight decay and prune rate p ≥ ${DECK_SWAPPED_IN + LEVEL_TOLERANCE} (below it p − DR ≤ p cannot reach the band)`,
    },
    estimates,
    { sesoi: LEVEL_SESOI, kind: "null" },
  );
}

/**
 * The deck's 0.2 was measured with the reference code's score weight decay (5e-4): at the
 * longest training, the share at that decay minus the share at the workbook's, paired by seed,
 * lies within ±0.05 at every prune rate run at both.
 */
export function weightDecayVerdict(rows: readonly SwapLengthRow[]): Verdict {
  const longest = Math.max(...rows.map((r) => r.epochs));
  const decays = distinctSorted(rows.map((r) => r.weightDecay));
  const [low, high] = [decays[0], decays[decays.length - 1]];
  const at = rows.filter((r) => r.epochs === longest);
  const share = (wd: number | undefined, p: number) =>
    at.filter((r) => r.weightDecay === wd && samePruneRate(r.pruneRate, p)).map((r) => ({ seed: r.seed, value: swappedShare(r) }));
  const both =
    decays.length < 2
      ? []
      : distinctSorted(at.filter((r) => r.weightDecay === high).map((r) => r.pruneRate)).filter((p) => share(low, p).length > 0);
  return lengthVerdict(
    {
      id: "09.swapped-in-robust-to-weight-decay",
      slide: "7",
      claim: "the swapped-in share does not depend on the score weight decay (the deck's reference setting vs the workbook's)",
      quantity: `p − DR at weight decay ${high} minus at ${low}, EP trained ${Number.isFinite(longest) ? longest : "?"} epochs (the longest here), per prune rate run at both, paired by seed`,
    },
    both.map((p) => pairedEstimate(`p = ${p}`, share(high, p), share(low, p))),
    { sesoi: LEVEL_SESOI, kind: "null" },
  );
}

// ---------------------------------------------------------------------------
// (b) and (c): iEP at 1 and more epochs per cycle.

function cycleSettings(rows: readonly CycleLengthRow[], methods: readonly string[]): Array<{ pruneRate: number; epochsPerCycle: number }> {
  const own = rows.filter((r) => methods.includes(r.method));
  const out: Array<{ pruneRate: number; epochsPerCycle: number }> = [];
  for (const pruneRate of distinctSorted(own.map((r) => r.pruneRate)))
    for (const epochsPerCycle of distinctSorted(own.filter((r) => samePruneRate(r.pruneRate, pruneRate)).map((r) => r.epochsPerCycle)))
      out.push({ pruneRate, epochsPerCycle });
  return out;
}

function valuesOf(
  rows: readonly CycleLengthRow[],
  method: string,
  pruneRate: number,
  epochsPerCycle: number,
  value: (r: CycleLengthRow) => number | null,
): SeedValue[] {
  return rows
    .filter((r) => r.method === method && samePruneRate(r.pruneRate, pruneRate) && r.epochsPerCycle === epochsPerCycle)
    .flatMap((r) => {
      const v = value(r);
      return v === null || !Number.isFinite(v) ? [] : [{ seed: r.seed, value: v }];
    });
}

function settingLabel(s: { pruneRate: number; epochsPerCycle: number }): string {
  return `p = ${s.pruneRate}, ${s.epochsPerCycle} epoch${s.epochsPerCycle === 1 ? "" : "s"}/cycle`;
}

/** Paired a − b of one value per (p, epochs per cycle) setting that both methods ran. */
function perLength(rows: readonly CycleLengthRow[], a: string, b: string, value: (r: CycleLengthRow) => number | null): LengthEstimate[] {
  return cycleSettings(rows, [a]).flatMap((s) => {
    const va = valuesOf(rows, a, s.pruneRate, s.epochsPerCycle, value);
    const vb = valuesOf(rows, b, s.pruneRate, s.epochsPerCycle, value);
    return va.length && vb.length ? [pairedEstimate(settingLabel(s), va, vb)] : [];
  });
}

/**
 * How the a − b gain changes from the shortest to the longest epochs per cycle, per prune rate:
 * per seed, (a − b at the longest) − (a − b at the shortest), paired over the seeds that ran all four.
 */
function gainChange(rows: readonly CycleLengthRow[], a: string, b: string): LengthEstimate[] {
  return distinctSorted(rows.filter((r) => r.method === a).map((r) => r.pruneRate)).flatMap((p) => {
    const lengths = distinctSorted(rows.filter((r) => r.method === a && samePruneRate(r.pruneRate, p)).map((r) => r.epochsPerCycle));
    if (lengths.length < 2) return [];
    const [short, long] = [lengths[0]!, lengths[lengths.length - 1]!];
    const gain = (epc: number): SeedValue[] => {
      const vb = new Map(valuesOf(rows, b, p, epc, (r) => r.testAccuracy).map((r) => [r.seed, r.value]));
      return valuesOf(rows, a, p, epc, (r) => r.testAccuracy)
        .filter((r) => vb.has(r.seed))
        .map((r) => ({ seed: r.seed, value: r.value - vb.get(r.seed)! }));
    };
    return [pairedEstimate(`p = ${p}, ${long} − ${short} epochs/cycle`, gain(long), gain(short))];
  });
}

/** Deck page 12's mechanism: soft iEP's final mask holds edges an earlier cycle boundary pruned (re-admission > 0), at every length. */
export function readmissionVerdict(rows: readonly CycleLengthRow[]): Verdict {
  const estimates = cycleSettings(rows, ["soft iEP"]).map((s) =>
    oneSampleEstimate(
      settingLabel(s),
      valuesOf(rows, "soft iEP", s.pruneRate, s.epochsPerCycle, (r) => r.readmitted).map((v) => v.value),
      0,
    ),
  );
  return lengthVerdict(
    {
      id: "09.soft-readmits",
      slide: "12",
      claim: "soft pruning lets pruned edges come back (hard pruning would throw away edges the final mask needs)",
      quantity:
        "re-admission of soft iEP: the share of the last cycle's final mask outside some earlier cycle's final mask (readmittedEver), per prune rate and epochs per cycle (hard iEP's is 0 by construction, so it is not compared)",
    },
    estimates,
    { sesoi: DR_SESOI, kind: "gain" },
  );
}

/**
 * Deck page 14: soft iEP's DR lies below EP's at the same prune rate — against EP trained as many
 * steps (the equal-steps control). Two readings, both paired by seed: the run's DR after its last
 * cycle (never selected in any cycle; the earlier, larger masks give it a head start) and the DR
 * within the last cycle alone (never selected in that cycle's epochs, which are fewer than the
 * control's: a handicap instead). Both hold → holds; one → partly holds.
 */
export function softDrVsEqualStepsVerdict(rows: readonly CycleLengthRow[]): Verdict {
  const head = {
    id: "09.soft-dr-below-equal-steps-ep",
    slide: "14",
    claim: "soft iEP's dying ratio stays below EP's at the same prune rate — EP trained as many steps",
  };
  const run = lengthVerdict(
    {
      ...head,
      quantity:
        "run-level DR of soft iEP after its last cycle (never selected in any cycle) minus the equal-steps EP control's DR (EP at the final keep for all K cycles' epochs), per prune rate and epochs per cycle, paired by seed",
    },
    perLength(rows, "soft iEP", "equal-steps EP", (r) => r.dyingRatio),
    { sesoi: DR_SESOI, kind: "gain", direction: "less" },
  );
  const cycle = lengthVerdict(
    {
      ...head,
      quantity:
        "DR of soft iEP within its last cycle (never selected in that cycle's epochs) minus the equal-steps EP control's DR, per prune rate and epochs per cycle, paired by seed",
    },
    perLength(rows, "soft iEP", "equal-steps EP", (r) => (r.method === "soft iEP" ? (r.lastCycleDyingRatio ?? null) : r.dyingRatio)),
    { sesoi: DR_SESOI, kind: "gain", direction: "less" },
  );
  return joinParts(head, [
    { name: "run DR (all cycles)", verdict: run },
    { name: "DR within the last cycle", verdict: cycle },
  ]);
}

/** Deck page 16: soft beats hard by about one point, at every prune rate and every length. */
export function softOverHardByLengthVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return lengthVerdict(
    {
      id: "09.soft-beats-hard-at-each-length",
      slide: "16",
      claim: "soft pruning beats hard pruning in every setting (by about 1 point) — at short and at longer cycles",
      quantity: "test accuracy of soft minus hard iEP, per prune rate and epochs per cycle, paired by seed",
    },
    perLength(rows, "soft iEP", "hard iEP", (r) => r.testAccuracy),
    { sesoi: ACCURACY_SESOI, kind: "gain" },
  );
}

/** The soft − hard gain does not change with the length of a cycle (a claim of the deck's generality, page 16). */
export function softHardGainChangeVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return lengthVerdict(
    {
      id: "09.soft-hard-gain-steady-with-length",
      slide: "16",
      claim: "the soft − hard gain is the same at short and longer cycles (it is not an effect of short training)",
      quantity: "(soft − hard iEP test accuracy at the most epochs per cycle) − (the same at the fewest), per prune rate, paired by seed",
    },
    gainChange(rows, "soft iEP", "hard iEP"),
    { sesoi: ACCURACY_SESOI, kind: "null" },
  );
}

/** Deck pages 16–17 against the compute-matched control: soft iEP beats EP trained as long, at every length. */
export function iepVsComputeMatchedByLengthVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return lengthVerdict(
    {
      id: "09.iep-beats-compute-matched-at-each-length",
      slide: "16,17",
      claim: "iEP improves on EP — against EP given the same total epochs, at short and longer cycles",
      quantity:
        "test accuracy of soft iEP minus compute-matched EP (one LR schedule over all of iEP's epochs), per prune rate and epochs per cycle, paired by seed",
    },
    perLength(rows, "soft iEP", "compute-matched EP", (r) => r.testAccuracy),
    { sesoi: ACCURACY_SESOI, kind: "gain" },
  );
}

/** Deck page 11's first intuition: reaching the prune rate in small steps adds to the LR restarts, at every length. */
export function gradualVsRestartsByLengthVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return lengthVerdict(
    {
      id: "09.gradual-beyond-restarts-at-each-length",
      slide: "11",
      claim: "iEP gains from reaching the prune rate in small steps, beyond its LR restarts — at short and longer cycles",
      quantity:
        "test accuracy of soft iEP minus EP at the final keep with K LR restarts (same epochs), per prune rate and epochs per cycle, paired by seed",
    },
    perLength(rows, "soft iEP", "EP + K LR restarts", (r) => r.testAccuracy),
    { sesoi: ACCURACY_SESOI, kind: "gain" },
  );
}

/** The soft iEP − compute-matched EP gain does not change with the length of a cycle. */
export function iepGainChangeVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return lengthVerdict(
    {
      id: "09.iep-gain-steady-with-length",
      slide: "16,17",
      claim: "iEP's gain over compute-matched EP is the same at short and longer cycles",
      quantity:
        "(soft iEP − compute-matched EP test accuracy at the most epochs per cycle) − (the same at the fewest), per prune rate, paired by seed",
    },
    gainChange(rows, "soft iEP", "compute-matched EP"),
    { sesoi: ACCURACY_SESOI, kind: "null" },
  );
}

/** Part (a)'s verdicts. */
export function swapLengthVerdicts(rows: readonly SwapLengthRow[]): Verdict[] {
  return [swappedInTrendVerdict(rows), swappedInLevelVerdict(rows), weightDecayVerdict(rows)];
}

/** Part (b)'s verdicts. */
export function softHardLengthVerdicts(rows: readonly CycleLengthRow[]): Verdict[] {
  return [readmissionVerdict(rows), softDrVsEqualStepsVerdict(rows), softOverHardByLengthVerdict(rows), softHardGainChangeVerdict(rows)];
}

/** Part (c)'s verdicts. */
export function restartsLengthVerdicts(rows: readonly CycleLengthRow[]): Verdict[] {
  return [iepVsComputeMatchedByLengthVerdict(rows), gradualVsRestartsByLengthVerdict(rows), iepGainChangeVerdict(rows)];
}
