/**
 * Claims of notebook 08 (deck slides 15, 18 and 20): EP's high dying ratio hurts accuracy,
 * and suppressing the DR early in training finds better subnetworks. Two checks:
 *
 * - across hyperparameter settings, the DR after the first epoch and the final accuracy
 *   are negatively correlated (per-setting means, n = settings; see 02's claims);
 * - interventions meant to lower the early DR (soft iEP, IteRand, sign flips) do lower it
 *   against EP trained as long, and raise the final accuracy.
 *
 * Notebook 06 (probe) uses the same intervention checks for its variants.
 */
import type { Verdict } from "../verdict";
import { type ContrastInput, combineOutcomes, contrastNumbers, type Direction, fmtContrast, testContrasts } from "./contrasts";
import { type CorrelationClaim, type ModelRuns, negativeCorrelationVerdicts } from "./02-dr-vs-accuracy";

/** Early-DR correlation: x = DR after the first epoch, y = final test accuracy, per model. */
export function earlyDrCorrelationVerdicts(byModel: ModelRuns, epoch = 1): Verdict[] {
  const claim: CorrelationClaim = {
    id: "08.early-dr-accuracy-negative",
    slide: "15,20",
    claim: `a higher DR after epoch ${epoch} goes with lower final accuracy`,
    xName: `DR after epoch ${epoch}`,
  };
  return negativeCorrelationVerdicts(byModel, claim);
}

/** One run of an intervention figure: its variant and the measured value (e.g. early DR or accuracy). */
export interface VariantValue {
  variant: string;
  value: number;
}

export interface InterventionClaim {
  id: string;
  slide: string;
  claim: string;
  /** What `value` is, e.g. "DR after epoch 1". */
  quantity: string;
  interventions: readonly string[];
  baseline: string;
  /** "lower" for the DR, "higher" for accuracy. */
  direction: Direction;
}

/**
 * Each intervention − baseline on one quantity (Welch's t over seeds, Holm-adjusted over the
 * interventions); holds if every intervention moves it in the claimed direction with adjusted
 * p < 0.05, partly if some do and none moves it significantly the other way.
 */
export function interventionVerdict(runs: readonly VariantValue[], claim: InterventionClaim): Verdict {
  const of = (v: string) => runs.filter((r) => r.variant === v && Number.isFinite(r.value)).map((r) => r.value);
  const inputs: ContrastInput[] = claim.interventions.map((v) => ({ name: `${v} − ${claim.baseline}`, a: of(v), b: of(claim.baseline) }));
  const results = testContrasts(inputs, claim.direction);
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `${claim.quantity} of each of ${claim.interventions.join(", ")} minus ${claim.baseline}'s: Welch's t over seeds, Holm-adjusted over ${results.length} contrast(s); holds if every difference is ${claim.direction === "lower" ? "< 0" : "> 0"} with adjusted p < 0.05, partly if some are and none significantly goes the other way.`,
    outcome: combineOutcomes(results.map((r) => r.outcome)),
    numbers: contrastNumbers(results),
    evidence: results.map((r) => `${r.name}: ${fmtContrast(r)}`).join("; "),
  };
}
