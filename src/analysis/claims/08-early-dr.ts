/**
 * Claims of notebook 08 (deck slides 15, 18 and 20): EP's high dying ratio hurts accuracy, and
 * suppressing the DR early in training finds better subnetworks. Two checks:
 *
 * - across hyperparameter settings, the DR after the first epoch and the final accuracy are
 *   negatively correlated (per-setting means, n = settings; the runs are 02's sweep);
 * - interventions meant to lower the early DR (soft iEP, IteRand) do lower it against EP
 *   trained as long, and raise the final accuracy.
 *
 * Notebook 06 (probe) uses the same intervention check for its variants.
 */
import { type ClaimDirection, type Verdict, differenceVerdict } from "../verdict";
import { type SweepRun, negativeCorrelationVerdict } from "./02-dr-vs-accuracy";

/** Early-DR correlation: x = DR after `epoch`, y = final test accuracy, one family per model. */
export function earlyDrCorrelationVerdict(runs: readonly SweepRun[], epoch = 1): Verdict {
  return negativeCorrelationVerdict(runs, {
    id: "08.early-dr-accuracy-negative",
    slide: "15,20",
    claim: `a higher DR after epoch ${epoch} goes with lower final accuracy`,
    xName: `DR after epoch ${epoch}`,
  });
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
  /** "less" for the DR, "greater" for accuracy. */
  direction: ClaimDirection;
}

/** Each intervention − baseline on one quantity: Welch's t over seeds, Holm-adjusted over the interventions. */
export function interventionVerdict(runs: readonly VariantValue[], claim: InterventionClaim): Verdict {
  const of = (v: string) => runs.filter((r) => r.variant === v && Number.isFinite(r.value)).map((r) => r.value);
  return differenceVerdict(
    { id: claim.id, slide: claim.slide, claim: claim.claim, quantity: `${claim.quantity}, each intervention − ${claim.baseline}` },
    claim.interventions.map((v) => ({ label: `${v} − ${claim.baseline}`, a: of(v), b: of(claim.baseline) })),
    { direction: claim.direction },
  );
}
