/**
 * Claims of notebook 05 (deck slide 17): every rewinding variant of iEP except fine-tuning
 * improves on EP, and rewinding only the learning rate is best. Tested at every prune rate
 * of the figure, Welch's t over seeds, Holm-adjusted over all contrasts of a claim.
 */
import type { Verdict } from "../verdict";
import { type ContrastInput, combineOutcomes, contrastNumbers, fmtContrast, testContrasts } from "./contrasts";

/** One run: its variant (e.g. "iEP rewind lr", "EP"), prune rate and final test accuracy. */
export interface VariantRun {
  variant: string;
  pruneRate: number;
  testAccuracy: number;
}

function accuracies(runs: readonly VariantRun[], variant: string, pruneRate: number): number[] {
  return runs.filter((r) => r.variant === variant && r.pruneRate === pruneRate).map((r) => r.testAccuracy);
}

function pruneRates(runs: readonly VariantRun[]): number[] {
  return [...new Set(runs.map((r) => r.pruneRate))].sort((a, b) => a - b);
}

export interface ImprovesOptions {
  /** The variants that should beat the baseline (all but fine-tuning). */
  variants: readonly string[];
  /** The baseline variant, e.g. "EP" (the deck's comparison) or "compute-matched EP". */
  baseline: string;
}

/**
 * "Every rewinding variant except fine-tuning improves on EP": variant − baseline accuracy
 * for each variant at each prune rate; holds when every contrast is > 0 (Holm p < 0.05),
 * partly when some are and none is significantly < 0.
 */
export function rewindingImprovesVerdict(runs: readonly VariantRun[], options: ImprovesOptions): Verdict {
  const ps = pruneRates(runs);
  const inputs: ContrastInput[] = ps.flatMap((p) =>
    options.variants.map((v) => ({ name: `${v} p=${p}`, a: accuracies(runs, v, p), b: accuracies(runs, options.baseline, p) })),
  );
  const results = testContrasts(inputs, "higher");
  const slug = options.baseline.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return {
    id: `05.rewinding-beats-${slug}`,
    slide: "17",
    claim: `every rewinding variant except fine-tuning improves on ${options.baseline}`,
    definition: `Test accuracy of each variant (${options.variants.join(", ")}) minus ${options.baseline}'s at each prune rate (${ps.join(", ")}): Welch's t over seeds, Holm-adjusted over ${results.length} contrasts; holds if all are > 0 with adjusted p < 0.05, partly if some are and none is significantly < 0.`,
    outcome: combineOutcomes(results.map((r) => r.outcome)),
    numbers: contrastNumbers(results),
    evidence: results.map((r) => `${r.name}: ${fmtContrast(r)}`).join("; "),
  };
}

/**
 * "Rewinding only the learning rate is best": `best` − each other variant at each prune rate;
 * holds when every contrast is > 0 (Holm p < 0.05).
 */
export function bestVariantVerdict(runs: readonly VariantRun[], best: string, others: readonly string[]): Verdict {
  const ps = pruneRates(runs);
  const inputs: ContrastInput[] = ps.flatMap((p) =>
    others.map((o) => ({ name: `${best} − ${o} p=${p}`, a: accuracies(runs, best, p), b: accuracies(runs, o, p) })),
  );
  const results = testContrasts(inputs, "higher");
  return {
    id: "05.lr-rewinding-best",
    slide: "17",
    claim: `${best} is the best rewinding variant`,
    definition: `Test accuracy of ${best} minus each other variant's (${others.join(", ")}) at each prune rate (${ps.join(", ")}): Welch's t over seeds, Holm-adjusted over ${results.length} contrasts; holds if all are > 0 with adjusted p < 0.05, does not hold if any is significantly < 0.`,
    outcome: combineOutcomes(results.map((r) => r.outcome)),
    numbers: contrastNumbers(results),
    evidence: results.map((r) => `${r.name}: ${fmtContrast(r)}`).join("; "),
  };
}
