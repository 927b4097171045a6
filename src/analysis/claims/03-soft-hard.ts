/**
 * Deck slide 12 (CIFAR-10): (1) soft iEP suppresses the DR early — almost no dying edges up to
 * about 50 % pruned — and stays below EP at the same prune rate; (2) hard iEP's DR looks low per
 * cycle (dotted line), but counting the edges it already removed (solid line) its worst case is
 * worse than EP's.
 *
 * EP here is trained from scratch at each cycle's prune rate for one cycle's epochs. Cycle 1 of
 * either iEP variant IS that EP run (same config but the method), so the comparisons with EP
 * leave cycle 1 out and quote it; the "almost no dying edges" check keeps it, as the start of
 * soft iEP's curve.
 */
import { type Contrast, type Verdict, type VerdictOutcome, boundVerdict, differenceVerdict, familyLevel, judgeFamily } from "../verdict";
import { welchTest } from "../stats";
import { joinParts, percent, samePruneRate } from "./common";

/** One iEP run's state at the end of one cycle. */
export interface IepCycleRow {
  pruning: "soft" | "hard";
  seed: number;
  cycle: number;
  /** Prune rate of the cycle's mask. */
  cyclePruneRate: number;
  /** Available edges never selected within the cycle, over available edges (the deck's dotted line). */
  cycleDyingRatio: number;
  /** (never selected in the cycle + already removed) / all edges (hard iEP's solid line). */
  cycleDyingRatioWithRemoved: number;
  /** Never selected in any cycle so far (or removed), over all edges (soft iEP's solid line). */
  dyingRatio: number;
}

/** One EP run trained from scratch at a cycle's prune rate for one cycle's epochs. */
export interface EpRow {
  seed: number;
  pruneRate: number;
  dyingRatio: number;
}

/** "Almost no dying edges": a DR (share of all edges) below this. */
export const ALMOST_NONE = 0.05;
/** "Up to about 50 % pruned". */
export const EARLY_PRUNE_RATE = 0.5;

type Field = "cycleDyingRatio" | "cycleDyingRatioWithRemoved" | "dyingRatio";

function cyclesOf(rows: readonly IepCycleRow[], pruning: "soft" | "hard"): Array<{ cycle: number; p: number }> {
  const seen = new Map<number, number>();
  for (const r of rows) if (r.pruning === pruning) seen.set(r.cycle, r.cyclePruneRate);
  return [...seen].sort((a, b) => a[0] - b[0]).map(([cycle, p]) => ({ cycle, p }));
}

function values(rows: readonly IepCycleRow[], pruning: "soft" | "hard", cycle: number, field: Field): number[] {
  return rows.filter((r) => r.pruning === pruning && r.cycle === cycle).map((r) => r[field]);
}

function epAt(ep: readonly EpRow[], p: number): number[] {
  return ep.filter((r) => samePruneRate(r.pruneRate, p)).map((r) => r.dyingRatio);
}

/** Contrasts iEP − EP at every cycle after the first. */
function laterContrasts(rows: readonly IepCycleRow[], ep: readonly EpRow[], pruning: "soft" | "hard", field: Field): Contrast[] {
  return cyclesOf(rows, pruning)
    .filter((c) => c.cycle > 1)
    .map((c) => ({ label: `cycle ${c.cycle} (p = ${percent(c.p)})`, a: values(rows, pruning, c.cycle, field), b: epAt(ep, c.p) }));
}

/** Cycle 1 against EP at its prune rate: quoted by the verdicts that leave it out. */
function cycleOneNote(rows: readonly IepCycleRow[], ep: readonly EpRow[], pruning: "soft" | "hard", field: Field): string {
  const first = cyclesOf(rows, pruning)[0];
  if (!first || first.cycle !== 1) return "";
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const iep = values(rows, pruning, 1, field);
  const e = epAt(ep, first.p);
  if (!iep.length || !e.length) return "";
  return ` Cycle 1 (p = ${percent(first.p)}) is EP by construction and left out: ${pruning} ${mean(iep).toFixed(3)} vs EP ${mean(e).toFixed(3)}.`;
}

/** (1a) Soft iEP: almost no dying edges (cumulative DR below ALMOST_NONE) at every cycle up to 50 % pruned, cycle 1 included. */
export function softEarlyVerdict(rows: readonly IepCycleRow[]): Verdict {
  const early = cyclesOf(rows, "soft").filter((c) => c.p <= EARLY_PRUNE_RATE + 1e-9);
  const claim = {
    id: "03.soft-no-early-dying",
    slide: "12",
    claim: "soft iEP has almost no dying edges up to about 50 % pruned",
    quantity: `soft iEP's cumulative DR (edges never selected in any cycle so far, over all edges) at the end of every cycle with p ≤ ${EARLY_PRUNE_RATE}, cycle 1 (EP by construction) included`,
  };
  if (early.length === 0)
    return {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      definition: claim.quantity,
      outcome: "inconclusive",
      numbers: { cycles: 0 },
      evidence: `no cycle at ≤ ${percent(EARLY_PRUNE_RATE)} pruned in this schedule.`,
    };
  return boundVerdict(
    claim,
    early.map((c) => ({ label: `cycle ${c.cycle} (p = ${percent(c.p)})`, values: values(rows, "soft", c.cycle, "dyingRatio") })),
    { bound: ALMOST_NONE, side: "below" },
  );
}

/**
 * (1b) Soft iEP's DR below EP's at the same prune rate, cycles after the first. `within`:
 * false = cumulative DR (the deck's solid line), true = DR within the cycle alone, which removes
 * the head start a larger earlier mask gives the cumulative count.
 */
export function softBelowEpVerdict(rows: readonly IepCycleRow[], ep: readonly EpRow[], within: boolean): Verdict {
  const field: Field = within ? "cycleDyingRatio" : "dyingRatio";
  const v = differenceVerdict(
    {
      id: within ? "03.soft-below-ep-within-cycle" : "03.soft-below-ep",
      slide: "12",
      claim: within
        ? "soft iEP explores more than EP within a cycle (the DR of the cycle alone below EP's)"
        : "soft iEP's DR stays below EP's at the same prune rate",
      quantity: `${within ? "DR within the cycle alone (edges never selected in that cycle)" : "cumulative DR (never selected in any cycle so far)"} of soft iEP minus the DR of EP trained from scratch at the cycle's prune rate for one cycle's epochs, every cycle after the first (cycle 1 is EP by construction)`,
    },
    laterContrasts(rows, ep, "soft", field),
    { direction: "less" },
  );
  return { ...v, evidence: v.evidence + cycleOneNote(rows, ep, "soft", field) };
}

/** (2) Hard iEP: per-cycle DR below EP's at every cycle, but with the removed edges above EP's at one cycle or more. */
export function hardWorstCaseVerdict(rows: readonly IepCycleRow[], ep: readonly EpRow[]): Verdict {
  const head = {
    id: "03.hard-worse-with-removed",
    slide: "12",
    claim: "hard iEP's DR looks low per cycle but, with the removed edges, its worst case is worse than EP's",
  };
  const dotted = differenceVerdict(
    {
      ...head,
      quantity:
        "hard iEP's DR within each cycle over its available edges minus EP's DR at the cycle's prune rate, every cycle after the first",
    },
    laterContrasts(rows, ep, "hard", "cycleDyingRatio"),
    { direction: "less" },
  );
  const solidContrasts = laterContrasts(rows, ep, "hard", "cycleDyingRatioWithRemoved");
  const solid = differenceVerdict(
    {
      ...head,
      quantity:
        "hard iEP's DR counting the removed edges minus EP's DR at the cycle's prune rate, every cycle after the first; the worst case is worse if one cycle or more holds",
    },
    solidContrasts,
    { direction: "greater" },
  );
  // "Its worst case is worse": one cycle significantly above EP suffices; all significantly below refutes it.
  const level = familyLevel(0.05, solidContrasts.length);
  const judged = judgeFamily(
    solidContrasts.map((c) => {
      const w = welchTest(c.a, c.b, level);
      return { label: c.label, estimate: w.diff, lo: w.lo, hi: w.hi, p: w.p, n: Math.min(w.nA, w.nB) };
    }),
    { direction: "greater" },
  );
  const worst: VerdictOutcome = judged.some((j) => j.outcome === "holds")
    ? "holds"
    : judged.length > 0 && judged.every((j) => j.outcome === "does not hold")
      ? "does not hold"
      : "inconclusive";
  const joined = joinParts(head, [
    { name: "per cycle below EP", verdict: dotted },
    { name: "with removed edges, worse than EP somewhere", verdict: solid, outcome: worst },
  ]);
  return { ...joined, evidence: joined.evidence + cycleOneNote(rows, ep, "hard", "cycleDyingRatio") };
}

/** The verdicts of notebook 03. */
export function softHardVerdicts(rows: readonly IepCycleRow[], ep: readonly EpRow[]): Verdict[] {
  return [softEarlyVerdict(rows), softBelowEpVerdict(rows, ep, false), softBelowEpVerdict(rows, ep, true), hardWorstCaseVerdict(rows, ep)];
}
