/**
 * Claims of notebook 05 (deck slide 17): every rewinding variant of iEP except fine-tuning
 * improves on EP, and rewinding only the learning rate is best. Tested at every prune rate of
 * the figure: Welch's t over seeds, Holm-adjusted over all contrasts of a claim.
 */
import { type Contrast, type Verdict, differenceVerdict } from "../verdict";

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

/** "Every rewinding variant except fine-tuning improves on `baseline`": each variant − baseline at each prune rate. */
export function rewindingImprovesVerdict(runs: readonly VariantRun[], variants: readonly string[], baseline: string): Verdict {
  const contrasts: Contrast[] = pruneRates(runs).flatMap((p) =>
    variants.map((v) => ({ label: `${v} − ${baseline}, p=${p}`, a: accuracies(runs, v, p), b: accuracies(runs, baseline, p) })),
  );
  return differenceVerdict(
    {
      id: `05.rewinding-beats-${baseline.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      slide: "17",
      claim: `every rewinding variant except fine-tuning improves on ${baseline}`,
      quantity: `test accuracy of each of ${variants.join(", ")} minus ${baseline}'s, at each prune rate`,
    },
    contrasts,
  );
}

/** "`best` is the best rewinding variant": best − each other variant at each prune rate. */
export function bestVariantVerdict(runs: readonly VariantRun[], best: string, others: readonly string[]): Verdict {
  const contrasts: Contrast[] = pruneRates(runs).flatMap((p) =>
    others.map((o) => ({ label: `${best} − ${o}, p=${p}`, a: accuracies(runs, best, p), b: accuracies(runs, o, p) })),
  );
  return differenceVerdict(
    {
      id: "05.lr-rewinding-best",
      slide: "17",
      claim: `${best} is the best rewinding variant`,
      quantity: `test accuracy of ${best} minus each of ${others.join(", ")}, at each prune rate`,
    },
    contrasts,
  );
}
