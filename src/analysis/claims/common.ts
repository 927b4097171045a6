/**
 * What the claim checks share on top of the verdict building blocks of ../verdict.ts: the
 * smallest effects of interest, selecting one sample from rows, and joining the parts of a
 * two-part claim into one verdict.
 *
 * Deck pages: every claim names the page number printed at the end of the deck's slide (the
 * deck's own numbering, which skips 9, 10, 15 and 21; its text is paper/seed-deck-iEP-JSAI2023.txt
 * in the project's shared folder), e.g. soft > hard is page 16 wherever it is checked.
 */
import { type Sesoi, type Verdict, type VerdictOutcome, combineOutcomes } from "../verdict";

/** One point of test accuracy: the smallest gain the deck quotes (soft over hard pruning, "about 1 %", page 16). */
export const ACCURACY_SESOI: Sesoi = {
  value: 0.01,
  why: "one point of test accuracy: the smallest gain the deck quotes, soft over hard pruning's 'about 1 %' (page 16)",
};

/** One percent of the edges: a DR difference smaller than this is taken as no difference (the deck gives no size). */
export const DR_SESOI: Sesoi = {
  value: 0.01,
  why: "one percent of the edges; the deck gives no size for DR differences",
};

/** DR / p: one percent of the edges outside the mask (the deck gives no size). */
export const DR_SHARE_SESOI: Sesoi = {
  value: 0.01,
  why: "one percent of the edges outside the epoch's mask; the deck gives no size",
};

/** |r| = 0.3 (Cohen's "medium"): the deck gives no size for its correlation. */
export const CORRELATION_SESOI: Sesoi = {
  value: 0.3,
  why: "|r| = 0.3, Cohen's medium correlation; the deck gives no size",
};

/** Prune rates compare with a tolerance: 1 − keep carries binary-fraction noise. */
export function samePruneRate(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}

/** The distinct values of a column, sorted. */
export function distinctSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** "36 %" / "48.8 %". */
export function percent(p: number): string {
  return `${Math.round(p * 1000) / 10} %`;
}

/**
 * One verdict from the verdicts of a claim's parts: their outcomes combined as in
 * `combineOutcomes`, definitions and evidence joined, numbers prefixed by part. A part with
 * `decides: false` (a precondition already checked) is shown but left out of the outcome.
 */
export function joinParts(
  head: Pick<Verdict, "id" | "slide" | "claim">,
  parts: ReadonlyArray<{ name: string; verdict: Verdict; outcome?: VerdictOutcome; decides?: boolean }>,
): Verdict {
  const numbers: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.verdict.numbers)) numbers[`${p.name} · ${k}`] = v;
  // A part reported as not tested, or a precondition (decides: false), keeps its numbers and outcome text but decides nothing.
  const decides = (p: (typeof parts)[number]) => p.decides !== false && p.outcome !== "not tested";
  const contrasts = parts.flatMap((p) =>
    (p.verdict.contrasts ?? []).map((c) => ({
      ...c,
      label: `${p.name} · ${c.label}`,
      outcome: decides(p) ? c.outcome : ("not tested" as const),
    })),
  );
  return {
    ...head,
    definition: parts.map((p) => `${p.name}: ${p.verdict.definition}`).join(" — "),
    outcome: combineOutcomes(parts.filter((p) => p.decides !== false).map((p) => p.outcome ?? p.verdict.outcome)),
    numbers,
    evidence: parts.map((p) => `${p.name} (${p.outcome ?? p.verdict.outcome}): ${p.verdict.evidence}`).join(" "),
    ...(contrasts.length ? { contrasts } : {}),
  };
}
