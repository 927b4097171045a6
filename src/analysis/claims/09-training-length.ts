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
 * Every claim names its smallest effect of interest (SESOI) and is decided by the workbook's rule
 * (../verdict.ts, `estimateVerdict`): each contrast is an estimate with a standard error, judged
 * on its one printed interval; a claimed gain that is equivalent to zero within the SESOI does
 * not hold, a claimed null holds where it is equivalent; "at every length / prune rate" claims
 * are intersection–union tests. Contrasts between methods that ran the same seeds are paired by
 * seed; trends over E are least-squares slopes over runs.
 */
import { confidenceInterval, pairedPower, slopeTest } from "../stats";
import {
  type ClaimText,
  type DecisionOptions,
  type Estimate,
  type Sesoi,
  type Verdict,
  contrastEstimate,
  estimateVerdict,
  seededContrast,
} from "../verdict";
import { DECK_SWAPPED_IN, LEVEL_TOLERANCE, checkablePruneRates } from "./01-dying-ratio";
import { ACCURACY_SESOI, DR_SESOI, distinctSorted, joinParts, samePruneRate } from "./common";

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
// SESOIs (accuracy and DR: the workbook's, ./common.ts).

/** The swapped-in level: the deck's 0.2 within ± this. */
export const LEVEL_SESOI: Sesoi = {
  value: LEVEL_TOLERANCE,
  why: `the band around the deck's ≈ ${DECK_SWAPPED_IN} (page 7), as in notebook 01`,
};
/** Re-admission: one percent of the final mask (the deck gives no size). */
export const READMISSION_SESOI: Sesoi = { value: 0.01, why: "one percent of the final mask; the deck gives no size" };

// ---------------------------------------------------------------------------
// Estimates from rows, for the shared decision rule (../verdict.ts: estimateVerdict).

export interface SeedValue {
  seed: number;
  value: number;
}

/** mean(a) − mean(b), paired by seed where both sides ran the same seeds (Welch's t otherwise). */
export function pairedEstimate(label: string, a: readonly SeedValue[], b: readonly SeedValue[]): Estimate {
  return contrastEstimate(seededContrast(label, a, b));
}

/** mean(values) − target, one-sample t over seeds, with its power as a function of the seeds. */
export function oneSampleEstimate(label: string, values: readonly number[], target: number): Estimate {
  const ci = confidenceInterval(values);
  const n = values.length;
  return {
    label,
    estimate: ci.mean - target,
    se: n >= 2 ? ci.std / Math.sqrt(n) : NaN,
    df: n - 1,
    design: `one-sample t, ${n} seeds`,
    powerFor: n >= 2 ? (k: number, alpha: number, effect: number) => pairedPower(effect, ci.std, k, alpha) : undefined,
    unit: "seeds",
  };
}

/** Least-squares slope of y on x over runs (n − 2 df). */
export function slopeEstimate(label: string, xs: readonly number[], ys: readonly number[], unit: string): Estimate {
  const s = slopeTest(xs, ys);
  return { label, estimate: s.slope, se: s.se, df: s.n - 2, design: `least-squares slope ${unit} over ${s.n} runs, ${s.n - 2} df` };
}

/** A claim's verdict under the shared decision rule; each contrast names its design beside it. */
function lengthVerdict(claim: ClaimText, estimates: readonly Estimate[], options: DecisionOptions): Verdict {
  return estimateVerdict(
    claim,
    estimates,
    options,
    "each contrast's design is named beside it (paired t by seed, one-sample t over seeds, or a least-squares slope over runs)",
  );
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
  const sesoi: Sesoi = {
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
function perLength(rows: readonly CycleLengthRow[], a: string, b: string, value: (r: CycleLengthRow) => number | null): Estimate[] {
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
function gainChange(rows: readonly CycleLengthRow[], a: string, b: string): Estimate[] {
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

/** `a` beats `b` in test accuracy (by one point of interest) at every prune rate and epochs per cycle, paired by seed. */
function accuracyGainByLength(claim: ClaimText, rows: readonly CycleLengthRow[], a: string, b: string): Verdict {
  return lengthVerdict(
    claim,
    perLength(rows, a, b, (r) => r.testAccuracy),
    { sesoi: ACCURACY_SESOI, kind: "gain" },
  );
}

/** `a`'s test-accuracy gain over `b` is the same at the most and the fewest epochs per cycle, per prune rate. */
function accuracyGainSteady(claim: ClaimText, rows: readonly CycleLengthRow[], a: string, b: string): Verdict {
  return lengthVerdict(claim, gainChange(rows, a, b), { sesoi: ACCURACY_SESOI, kind: "null" });
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
    { sesoi: READMISSION_SESOI, kind: "gain" },
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
  return accuracyGainByLength(
    {
      id: "09.soft-beats-hard-at-each-length",
      slide: "16",
      claim: "soft pruning beats hard pruning in every setting (by about 1 point) — at short and at longer cycles",
      quantity: "test accuracy of soft minus hard iEP, per prune rate and epochs per cycle, paired by seed",
    },
    rows,
    "soft iEP",
    "hard iEP",
  );
}

/** The soft − hard gain does not change with the length of a cycle (a claim of the deck's generality, page 16). */
export function softHardGainChangeVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return accuracyGainSteady(
    {
      id: "09.soft-hard-gain-steady-with-length",
      slide: "16",
      claim: "the soft − hard gain is the same at short and longer cycles (it is not an effect of short training)",
      quantity: "(soft − hard iEP test accuracy at the most epochs per cycle) − (the same at the fewest), per prune rate, paired by seed",
    },
    rows,
    "soft iEP",
    "hard iEP",
  );
}

/** Deck pages 16–17 against the compute-matched control: soft iEP beats EP trained as long, at every length. */
export function iepVsComputeMatchedByLengthVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return accuracyGainByLength(
    {
      id: "09.iep-beats-compute-matched-at-each-length",
      slide: "16,17",
      claim: "iEP improves on EP — against EP given the same total epochs, at short and longer cycles",
      quantity:
        "test accuracy of soft iEP minus compute-matched EP (one LR schedule over all of iEP's epochs), per prune rate and epochs per cycle, paired by seed",
    },
    rows,
    "soft iEP",
    "compute-matched EP",
  );
}

/** Deck page 11's first intuition: reaching the prune rate in small steps adds to the LR restarts, at every length. */
export function gradualVsRestartsByLengthVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return accuracyGainByLength(
    {
      id: "09.gradual-beyond-restarts-at-each-length",
      slide: "11",
      claim: "iEP gains from reaching the prune rate in small steps, beyond its LR restarts — at short and longer cycles",
      quantity:
        "test accuracy of soft iEP minus EP at the final keep with K LR restarts (same epochs), per prune rate and epochs per cycle, paired by seed",
    },
    rows,
    "soft iEP",
    "EP + K LR restarts",
  );
}

/** The soft iEP − compute-matched EP gain does not change with the length of a cycle. */
export function iepGainChangeVerdict(rows: readonly CycleLengthRow[]): Verdict {
  return accuracyGainSteady(
    {
      id: "09.iep-gain-steady-with-length",
      slide: "16,17",
      claim: "iEP's gain over compute-matched EP is the same at short and longer cycles",
      quantity:
        "(soft iEP − compute-matched EP test accuracy at the most epochs per cycle) − (the same at the fewest), per prune rate, paired by seed",
    },
    rows,
    "soft iEP",
    "compute-matched EP",
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
