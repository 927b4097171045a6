/**
 * The shape every deck-claim check returns. A verdict function takes plain rows (so it can be
 * unit-tested on synthetic runs where the claim holds and where it does not) and returns one
 * Verdict; notebooks show them and the workbook's claims index collects them.
 */
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
