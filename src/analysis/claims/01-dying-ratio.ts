/**
 * Deck slide 7 (EP on CIFAR-10 / ResNet-18): (1) a large share of the edges is never selected;
 * (2) at every prune rate only about 0.2 of the edges get swapped in. The deck does not say
 * which share its 0.2 is, so (2) is checked for both readings:
 *  - share of all edges: p − DR (edges outside the first mask that were selected at some step,
 *    over all edges). It cannot exceed p, so prune rates where 0.2 ± tolerance is out of reach
 *    (p < 0.25) are left out;
 *  - share of the pruned edges: 1 − DR/p (the same edges over the edges outside the first
 *    mask), defined at every p.
 * "≈ 0.2 at every p" is `flatLevelVerdict`: flat (the slope against p) and at the deck's level.
 */
import { type Verdict, boundVerdict, flatLevelVerdict } from "../verdict";
import { distinctSorted } from "./common";

/** One EP run: its prune rate, seed and final (run-level) dying ratio. */
export interface DyingRatioRow {
  pruneRate: number;
  seed: number;
  dyingRatio: number;
}

/** The deck's swapped-in share. */
export const DECK_SWAPPED_IN = 0.2;
/** "≈ 0.2": within ± this. */
export const LEVEL_TOLERANCE = 0.05;
/** "Most edges outside the first mask are never selected": DR/p above this. */
export const NEVER_SELECTED_MAJORITY = 0.5;

export type SwappedInDefinition = "all-edges" | "pruned-edges";

/** The swapped-in share of one run under a definition. */
export function swappedIn(row: DyingRatioRow, definition: SwappedInDefinition): number {
  return definition === "all-edges" ? row.pruneRate - row.dyingRatio : 1 - row.dyingRatio / row.pruneRate;
}

/** Prune rates where the definition can reach the deck's band (share of all edges: p − DR ≤ p). */
export function checkablePruneRates(pruneRates: readonly number[], definition: SwappedInDefinition): number[] {
  const distinct = distinctSorted(pruneRates);
  return definition === "all-edges" ? distinct.filter((p) => p >= DECK_SWAPPED_IN + LEVEL_TOLERANCE - 1e-12) : distinct;
}

/** Claim (1): DR/p, the share of the initially pruned edges never selected, above one half at every prune rate. */
export function neverSelectedVerdict(rows: readonly DyingRatioRow[]): Verdict {
  const groups = distinctSorted(rows.map((r) => r.pruneRate)).map((p) => ({
    label: `p = ${p}`,
    values: rows.filter((r) => r.pruneRate === p).map((r) => r.dyingRatio / p),
  }));
  return boundVerdict(
    {
      id: "01.never-selected",
      slide: "7",
      claim: "EP leaves most edges unexplored: a large share is never selected",
      quantity: "DR/p, the share of the edges outside the first mask never selected at any step, per prune rate over seeds",
    },
    groups,
    { bound: NEVER_SELECTED_MAJORITY, side: "above" },
  );
}

/** Claim (2) under one definition: the swapped-in share flat in p and at the deck's 0.2. */
export function swappedInVerdict(rows: readonly DyingRatioRow[], definition: SwappedInDefinition): Verdict {
  const all = distinctSorted(rows.map((r) => r.pruneRate));
  const used = checkablePruneRates(all, definition);
  const left = all.filter((p) => !used.includes(p));
  const inUse = rows.filter((r) => used.includes(r.pruneRate));
  const what = definition === "all-edges" ? "p − DR (share of all edges)" : "1 − DR/p (share of the pruned edges)";
  const leftOut = left.length ? `; p = ${left.join(", ")} left out (p − DR ≤ p cannot reach ${DECK_SWAPPED_IN} ± ${LEVEL_TOLERANCE})` : "";
  const claim = {
    id: definition === "all-edges" ? "01.swapped-in-all-edges" : "01.swapped-in-pruned-edges",
    slide: "7",
    claim: `about ${DECK_SWAPPED_IN} of the edges get swapped in at every prune rate (read as ${what})`,
    quantity: `${what} per run against the prune rate p ∈ {${used.join(", ")}}${leftOut}`,
  };
  if (used.length < 3) {
    return {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      definition: `${claim.quantity}; a slope needs at least 3 prune rates`,
      outcome: "inconclusive",
      numbers: { pruneRates: used.length },
      evidence: `only ${used.length} prune rate(s) where the share can reach the deck's band: nothing to test.`,
    };
  }
  return flatLevelVerdict(
    claim,
    inUse.map((r) => r.pruneRate),
    inUse.map((r) => swappedIn(r, definition)),
    { target: DECK_SWAPPED_IN, tolerance: LEVEL_TOLERANCE },
  );
}

/** The three verdicts of notebook 01. */
export function dyingRatioVerdicts(rows: readonly DyingRatioRow[]): Verdict[] {
  return [neverSelectedVerdict(rows), swappedInVerdict(rows, "all-edges"), swappedInVerdict(rows, "pruned-edges")];
}
