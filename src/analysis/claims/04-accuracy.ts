/**
 * Deck pages 16–17 (ImageNet, CIFAR-10/100): iEP improves on EP; soft pruning beats hard
 * pruning in every setting (by about one point); soft iEP is best, most clearly above 90 %
 * pruned. Here iEP is compared first with compute-matched EP (EP trained for all of iEP's
 * epochs in one schedule): iEP trains K times longer than one-shot EP, and that comparison
 * alone cannot tell iEP's method from its extra training. Pages 11 and 13 give iEP's two intuitions —
 * reaching the prune rate in small steps, and the randomness of restarting — and the ablation
 * "EP at the final keep with K LR restarts" (K equal keeps) tells them apart: soft iEP −
 * restarts is what the gradual pruning adds, restarts − compute-matched EP what the restarts
 * add. Each contrast is paired by seed (the methods run the same seeds), every verdict claims its
 * effect at every prune rate (intersection–union test), with one point of accuracy as the
 * smallest effect of interest.
 */
import { type Contrast, type DecisionOptions, type Verdict, differenceVerdict, seededContrast } from "../verdict";
import { ACCURACY_SESOI, distinctSorted } from "./common";

export const ACCURACY_METHODS = ["weights (dense)", "EP", "compute-matched EP", "EP + K LR restarts", "hard iEP", "soft iEP"] as const;
export type AccuracyMethod = (typeof ACCURACY_METHODS)[number];

/** One run's final test accuracy. */
export interface AccuracyRow {
  method: AccuracyMethod;
  pruneRate: number;
  seed: number;
  testAccuracy: number;
}

/** "Above 90 % pruned" means p > this. */
export const HIGH_PRUNE_RATE = 0.9;
/** The deck's "about one point" of soft over hard. */
export const DECK_SOFT_OVER_HARD = 0.01;

function pruneRatesOf(rows: readonly AccuracyRow[]): number[] {
  return distinctSorted(rows.filter((r) => r.method !== "weights (dense)").map((r) => r.pruneRate));
}

function acc(rows: readonly AccuracyRow[], method: AccuracyMethod, p: number) {
  return rows.filter((r) => r.method === method && Math.abs(r.pruneRate - p) < 1e-9).map((r) => ({ seed: r.seed, value: r.testAccuracy }));
}

function perPruneRate(rows: readonly AccuracyRow[], a: AccuracyMethod, b: AccuracyMethod): Contrast[] {
  return pruneRatesOf(rows).map((p) => seededContrast(`p = ${p}`, acc(rows, a, p), acc(rows, b, p)));
}

function verdict(
  id: string,
  slide: string,
  claim: string,
  quantity: string,
  contrasts: readonly Contrast[],
  options: Partial<DecisionOptions> = {},
): Verdict {
  if (contrasts.length === 0)
    return {
      id,
      slide,
      claim,
      definition: quantity,
      outcome: "inconclusive",
      numbers: { contrasts: 0 },
      evidence: "no prune rate to compare.",
    };
  return differenceVerdict({ id, slide, claim, quantity }, contrasts, { sesoi: ACCURACY_SESOI, combine: "every", ...options });
}

/** The headline: soft iEP − compute-matched EP > 0 at every prune rate. */
export function iepVsComputeMatchedVerdict(rows: readonly AccuracyRow[]): Verdict {
  return verdict(
    "04.iep-beats-compute-matched-ep",
    "16,17",
    "iEP improves on EP — against EP given the same total epochs",
    "test accuracy of soft iEP minus compute-matched EP (EP at the final keep trained for all of iEP's epochs, one LR schedule), per prune rate",
    perPruneRate(rows, "soft iEP", "compute-matched EP"),
  );
}

/** The deck's comparison: soft iEP − one-shot EP (one cycle's epochs). */
export function iepVsOneShotVerdict(rows: readonly AccuracyRow[]): Verdict {
  return verdict(
    "04.iep-beats-one-shot-ep",
    "16,17",
    "iEP improves on EP — against one-shot EP (the deck's comparison; iEP trains K times longer)",
    "test accuracy of soft iEP minus EP trained for one cycle's epochs, per prune rate",
    perPruneRate(rows, "soft iEP", "EP"),
  );
}

/** Soft > hard at every prune rate, by about the deck's one point. */
export function softVsHardVerdict(rows: readonly AccuracyRow[]): Verdict {
  return verdict(
    "04.soft-beats-hard",
    "16",
    "soft pruning beats hard pruning in every setting (by about one point)",
    "test accuracy of soft minus hard iEP, per prune rate",
    perPruneRate(rows, "soft iEP", "hard iEP"),
    { claimedSize: DECK_SOFT_OVER_HARD },
  );
}

/** Soft iEP best above 90 % pruned: above every other pruning method at each p > 0.9. */
export function softBestAboveNinetyVerdict(rows: readonly AccuracyRow[]): Verdict {
  const high = pruneRatesOf(rows).filter((p) => p > HIGH_PRUNE_RATE);
  const others: AccuracyMethod[] = ["EP", "compute-matched EP", "EP + K LR restarts", "hard iEP"];
  const v = verdict(
    "04.soft-best-above-90",
    "17",
    "soft iEP is the best method, most clearly above 90 % pruned",
    `test accuracy of soft iEP minus each other pruning method (EP, compute-matched EP, EP + K LR restarts, hard iEP) at every prune rate p > ${HIGH_PRUNE_RATE}`,
    high.flatMap((p) => others.map((m) => seededContrast(`p = ${p}, − ${m}`, acc(rows, "soft iEP", p), acc(rows, m, p)))),
  );
  return high.length ? v : { ...v, evidence: `no prune rate above ${HIGH_PRUNE_RATE} in these runs.` };
}

/** Page 11's first intuition: reaching the prune rate in small steps adds to LR restarts (soft iEP − EP with K restarts > 0). */
export function gradualVsRestartsVerdict(rows: readonly AccuracyRow[]): Verdict {
  return verdict(
    "04.gradual-pruning-beyond-restarts",
    "11,13",
    "iEP gains from reaching the prune rate in small steps, beyond its LR restarts",
    "test accuracy of soft iEP minus EP at the final keep with K LR restarts (K equal keeps, same epochs), per prune rate",
    perPruneRate(rows, "soft iEP", "EP + K LR restarts"),
  );
}

/** Page 11's second intuition: restarting the LR (randomness) helps by itself (restarts − compute-matched EP > 0). */
export function restartsVerdict(rows: readonly AccuracyRow[]): Verdict {
  return verdict(
    "04.lr-restarts-help",
    "11,13",
    "restarting the learning rate K times helps EP by itself",
    "test accuracy of EP at the final keep with K LR restarts minus compute-matched EP (same epochs, one LR schedule), per prune rate",
    perPruneRate(rows, "EP + K LR restarts", "compute-matched EP"),
  );
}

/** The verdicts of notebook 04. */
export function accuracyVerdicts(rows: readonly AccuracyRow[]): Verdict[] {
  return [
    iepVsComputeMatchedVerdict(rows),
    iepVsOneShotVerdict(rows),
    softVsHardVerdict(rows),
    softBestAboveNinetyVerdict(rows),
    gradualVsRestartsVerdict(rows),
    restartsVerdict(rows),
  ];
}
