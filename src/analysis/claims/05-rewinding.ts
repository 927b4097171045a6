/**
 * Claims of notebook 05 (deck page 17): every rewinding variant of iEP except fine-tuning
 * improves on EP, and rewinding only the learning rate is best. Tested at every prune rate of
 * the figure (intersection–union), paired by seed, one point of accuracy as the SESOI.
 *
 * With soft pruning, the score and re-init rewinds start every cycle from the initial (or fresh)
 * scores, so their last cycle is one-shot EP at the final keep for one cycle's epochs: "improves
 * on EP" cannot hold for them, and against compute-matched EP they lose by construction. Those
 * variants are named in `notTested` and reported with the reason and their measured gap to EP.
 */
import { type Contrast, type Verdict, differenceVerdict, notTestedVerdict, seededContrast } from "../verdict";
import { ACCURACY_SESOI, DR_SESOI, joinParts } from "./common";

/** One run: its variant (e.g. "iEP rewind lr", "EP"), prune rate, seed and final test accuracy. */
export interface VariantRun {
  variant: string;
  pruneRate: number;
  seed: number;
  testAccuracy: number;
  /** Final run-level dying ratio (never selected at any step, or removed); needed by the negative control only. */
  dyingRatio?: number;
}

function accuracies(runs: readonly VariantRun[], variant: string, pruneRate: number) {
  return runs.filter((r) => r.variant === variant && r.pruneRate === pruneRate).map((r) => ({ seed: r.seed, value: r.testAccuracy }));
}

function pruneRates(runs: readonly VariantRun[]): number[] {
  return [...new Set(runs.map((r) => r.pruneRate))].sort((a, b) => a - b);
}

const meanOf = (xs: ReadonlyArray<{ value: number }>) => xs.reduce((a, r) => a + r.value, 0) / xs.length;

/** The variants whose last cycle is one-shot EP by construction, and the pruning that makes it so. */
export interface NotTestedVariants {
  variants: readonly string[];
  /** e.g. "soft pruning". */
  because: string;
}

/**
 * "Every rewinding variant except fine-tuning improves on `baseline`": each variant − baseline at
 * each prune rate. Variants in `notTested` are left out of the test; the definition says why and
 * the evidence quotes their accuracy against one-shot EP's.
 */
export function rewindingImprovesVerdict(
  runs: readonly VariantRun[],
  variants: readonly string[],
  baseline: string,
  notTested: NotTestedVariants = { variants: [], because: "" },
): Verdict {
  const tested = variants.filter((v) => !notTested.variants.includes(v));
  const rates = pruneRates(runs);
  const contrasts: Contrast[] = rates.flatMap((p) =>
    tested.map((v) => seededContrast(`${v} − ${baseline}, p=${p}`, accuracies(runs, v, p), accuracies(runs, baseline, p))),
  );
  const left = notTested.variants.filter((v) => variants.includes(v));
  const quotes = left.flatMap((v) =>
    rates.map((p) => {
      const ep = accuracies(runs, "EP", p);
      return `${v} ${meanOf(accuracies(runs, v, p)).toFixed(4)} vs one-shot EP ${ep.length ? meanOf(ep).toFixed(4) : "n/a"} at p=${p}`;
    }),
  );
  const leftText = left.length
    ? `; ${left.join(", ")} not tested as built: with ${notTested.because} ${left.length === 1 ? "its" : "their"} last cycle starts from the initial (or fresh) scores at the final keep, i.e. one-shot EP for one cycle's epochs, so "improves on EP" cannot hold (needs a rewinding variant that keeps what earlier cycles found, or hard pruning)`
    : "";
  const v = differenceVerdict(
    {
      id: `05.rewinding-beats-${baseline.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
      slide: "17",
      claim: `every rewinding variant except fine-tuning improves on ${baseline}${left.length ? ` (tested: ${tested.join(", ")})` : ""}`,
      quantity: `test accuracy of each of ${tested.join(", ")} minus ${baseline}'s, at each prune rate${leftText}`,
    },
    contrasts,
    { sesoi: ACCURACY_SESOI, combine: "every" },
  );
  return left.length ? { ...v, evidence: `${v.evidence} Not tested as built: ${quotes.join("; ")}.` } : v;
}

/** "`best` is the best rewinding variant": best − each other variant at each prune rate. */
export function bestVariantVerdict(runs: readonly VariantRun[], best: string, others: readonly string[]): Verdict {
  const contrasts: Contrast[] = pruneRates(runs).flatMap((p) =>
    others.map((o) => seededContrast(`${best} − ${o}, p=${p}`, accuracies(runs, best, p), accuracies(runs, o, p))),
  );
  return differenceVerdict(
    {
      id: "05.lr-rewinding-best",
      slide: "17",
      claim: `${best} is the best rewinding variant`,
      quantity: `test accuracy of ${best} minus each of ${others.join(", ")}, at each prune rate`,
    },
    contrasts,
    { sesoi: ACCURACY_SESOI, combine: "every" },
  );
}

function dyingRatios(runs: readonly VariantRun[], variant: string, pruneRate: number) {
  return runs
    .filter((r) => r.variant === variant && r.pruneRate === pruneRate && r.dyingRatio !== undefined && Number.isFinite(r.dyingRatio))
    .map((r) => ({ seed: r.seed, value: r.dyingRatio! }));
}

/**
 * The negative control of "a lower DR finds a better subnetwork" (deck pages 18, 19): variants
 * that lower the final DR without changing how the final mask is found. With soft pruning the
 * score and re-init rewinds end with a cycle that is `reference` (one-shot EP) from initial or
 * fresh scores, while their run-level DR counts every edge an earlier, larger mask selected.
 *
 * Two parts, each control − reference at every prune rate, paired by seed:
 * 1. the precondition: the controls lower the final DR (by at least the DR SESOI, every
 *    contrast). If it fails they are no negative control and the claim is not tested here;
 * 2. the test: if a lower DR alone made a better subnetwork, the controls would gain accuracy
 *    (one point, every contrast). Holds: they do; does not hold: their accuracy is equivalent to
 *    the reference's or below it (a lower DR without a better subnetwork); else inconclusive.
 */
export function lowerDrNegativeControlVerdict(runs: readonly VariantRun[], controls: readonly string[], reference: string): Verdict {
  const head = {
    id: "05.lower-dr-negative-control",
    slide: "18,19",
    claim: `a lower DR finds a better subnetwork — negative control: ${controls.join(", ")}, whose DR is lowered by earlier, larger masks while the last cycle is ${reference}`,
  };
  const rates = pruneRates(runs);
  const contrasts = (values: typeof accuracies): Contrast[] =>
    rates.flatMap((p) =>
      controls.map((c) => seededContrast(`${c} − ${reference}, p=${p}`, values(runs, c, p), values(runs, reference, p))),
    );
  const dr = differenceVerdict(
    { ...head, quantity: `final dying ratio of each of ${controls.join(", ")} minus ${reference}'s, at each prune rate` },
    contrasts(dyingRatios),
    { sesoi: DR_SESOI, direction: "less", combine: "every" },
  );
  if (dr.outcome !== "holds") {
    return notTestedVerdict(
      head,
      `the controls do not lower the final DR against ${reference} by the DR SESOI at every prune rate (${dr.outcome}: ${dr.evidence}), so they are no negative control here`,
      "variants with a lower DR and the same final training as the reference",
      dr.numbers,
    );
  }
  const accuracy = differenceVerdict(
    {
      ...head,
      quantity: `test accuracy of each of ${controls.join(", ")} minus ${reference}'s, at each prune rate: were a lower DR enough for a better subnetwork, it would be above 0`,
    },
    contrasts(accuracies),
    { sesoi: ACCURACY_SESOI, direction: "greater", combine: "every" },
  );
  // The precondition is met; the accuracy part alone decides.
  return joinParts(head, [
    { name: "lower DR (precondition)", verdict: dr, decides: false },
    { name: "accuracy gain", verdict: accuracy },
  ]);
}
