/**
 * Claims of notebook 08 (deck pages 18, 19 and 20): EP's high dying ratio hurts accuracy, and
 * suppressing the DR early in training finds better subnetworks. Two checks:
 *
 * - across hyperparameter settings, the DR after the first epoch and the final accuracy are
 *   negatively correlated (per-setting means, n = settings; the runs are 02's sweep);
 * - interventions meant to lower the early DR (soft iEP, IteRand) do lower it against EP
 *   trained as long, and raise the final accuracy. An intervention whose effect on a quantity
 *   is built in is named in `notTested` with the reason (soft iEP's epoch 1 is EP at a lower
 *   prune rate), and left out of the test.
 *
 * Notebook 06 (probe) uses the same intervention check for its variants.
 */
import { type ClaimDirection, type Sesoi, type Verdict, differenceVerdict, seededContrast } from "../verdict";
import { type SweepRun, negativeCorrelationVerdict } from "./02-dr-vs-accuracy";

/** Early-DR correlation: x = DR after `epoch`, y = final test accuracy, one family per model. */
export function earlyDrCorrelationVerdict(runs: readonly SweepRun[], epoch = 1): Verdict {
  return negativeCorrelationVerdict(runs, {
    id: "08.early-dr-accuracy-negative",
    slide: "18,20",
    claim: `a higher DR after epoch ${epoch} goes with lower final accuracy`,
    xName: `DR after epoch ${epoch}`,
  });
}

/** One run of an intervention figure: its variant, seed and the measured value (e.g. early DR or accuracy). */
export interface VariantValue {
  variant: string;
  seed: number;
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
  sesoi: Sesoi;
  /** Interventions whose effect on this quantity is built in, each with the reason: left out of the test. */
  notTested?: Readonly<Record<string, string>>;
}

/**
 * Each intervention − baseline on one quantity, paired by seed, every intervention must hold
 * (intersection–union). Interventions in `notTested` are left out; the definition gives the
 * reason and the evidence their measured difference, for the record.
 */
export function interventionVerdict(runs: readonly VariantValue[], claim: InterventionClaim): Verdict {
  const of = (v: string) => runs.filter((r) => r.variant === v && Number.isFinite(r.value)).map((r) => ({ seed: r.seed, value: r.value }));
  const skipped = claim.interventions.filter((v) => claim.notTested?.[v] !== undefined);
  const tested = claim.interventions.filter((v) => !skipped.includes(v));
  const mean = (xs: ReadonlyArray<{ value: number }>) => xs.reduce((a, r) => a + r.value, 0) / xs.length;
  const reasons = skipped.map((v) => `${v} not tested as built: ${claim.notTested![v]}`).join("; ");
  const v = differenceVerdict(
    {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      quantity: `${claim.quantity}, each intervention − ${claim.baseline}${reasons ? `; ${reasons}` : ""}`,
    },
    tested.map((t) => seededContrast(`${t} − ${claim.baseline}`, of(t), of(claim.baseline))),
    { sesoi: claim.sesoi, direction: claim.direction, combine: "every" },
  );
  if (!skipped.length) return v;
  const quoted = skipped.map((s) => `${s} − ${claim.baseline} ${(mean(of(s)) - mean(of(claim.baseline))).toFixed(3)}`).join("; ");
  return {
    ...v,
    outcome: tested.length ? v.outcome : "not tested",
    evidence: `${tested.length ? v.evidence : "nothing tested."} Not tested as built (measured, for the record): ${quoted}.`,
  };
}

/**
 * What IteRand tests under a weight init, as a phrase to follow its name. Its paper re-draws unused weights from a continuous
 * init (kaiming-normal); with signed-constant weights (±c) a fresh draw only picks a random
 * sign, so IteRand there is sign flips of the re-drawn weights at half the re-draw rate.
 */
export function iterandMeaning(weightInit: string | undefined): string {
  const init = weightInit ?? "signed-constant";
  return init === "signed-constant"
    ? `with ${init} weights, where a re-draw only picks a random sign: sign flips at half its rate, not its paper's kaiming-normal setting`
    : `with ${init} weights`;
}

/**
 * Why a soft-iEP run's DR after its first epoch is no test of "soft iEP lowers the early DR":
 * that epoch is EP at the first cycle's prune rate, compared with EP at the final one; dividing
 * by the prune rate does not remove it, because EP's own DR/p changes with p, and the
 * equal-steps control (EP at that prune rate for one epoch) is the first cycle itself.
 */
export function softEarlyDrBuiltIn(softPruneRate: number, baselinePruneRate: number): string {
  return (
    `epoch 1 of soft iEP is EP at the first cycle's prune rate (p = ${softPruneRate.toFixed(3)}), compared with EP at p = ${baselinePruneRate.toFixed(3)}, ` +
    "and dividing by p does not remove this (EP's own DR/p changes with p). EP trained as many steps at the first cycle's prune rate is no way out: " +
    "that run is soft iEP's first cycle itself, so the early DR cannot tell them apart. Notebook 03 tests the claim on the cumulative DR against equal-steps EP"
  );
}
