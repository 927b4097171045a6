/**
 * What the claim checks of notebooks 01, 03 and 04 share on top of the verdict building blocks
 * of ../verdict.ts: selecting one sample from rows, and joining the parts of a two-part claim
 * into one verdict.
 */
import { type Verdict, type VerdictOutcome, combineOutcomes } from "../verdict";

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
 * `combineOutcomes`, definitions and evidence joined, numbers prefixed by part.
 */
export function joinParts(
  head: Pick<Verdict, "id" | "slide" | "claim">,
  parts: ReadonlyArray<{ name: string; verdict: Verdict; outcome?: VerdictOutcome }>,
): Verdict {
  const numbers: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.verdict.numbers)) numbers[`${p.name} · ${k}`] = v;
  return {
    ...head,
    definition: parts.map((p) => `${p.name}: ${p.verdict.definition}`).join(" — "),
    outcome: combineOutcomes(parts.map((p) => p.outcome ?? p.verdict.outcome)),
    numbers,
    evidence: parts.map((p) => `${p.name} (${p.outcome ?? p.verdict.outcome}): ${p.verdict.evidence}`).join(" "),
  };
}
