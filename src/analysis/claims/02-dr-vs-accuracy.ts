/**
 * Claims of notebook 02 (deck slide 8): across hyperparameter settings, the final dying ratio
 * and the test accuracy are negatively correlated (Conv-8), or accuracy is an inverse U of the
 * DR (ResNet-18). Both are tested over per-setting means (n = settings; the seeds of a setting
 * only make its mean more precise), per model, with Holm's adjustment over the models.
 */
import { fmtCorrelation } from "../figures";
import { holm } from "../stats";
import type { Verdict } from "../verdict";
import {
  correlationOverSettings,
  directionalOutcome,
  fmtContrast,
  fmtPValue,
  type SettingRun,
  settingMeans,
  testContrasts,
} from "./contrasts";

/** The runs of one model: setting, final DR (x) and test accuracy (y) per run. */
export type ModelRuns = Readonly<Record<string, readonly SettingRun[]>>;

export interface CorrelationClaim {
  /** Verdict id prefix, e.g. "02.dr-accuracy-negative" (the model name is appended). */
  id: string;
  slide: string;
  claim: string;
  /** What x is, e.g. "final DR" or "DR after epoch 1". */
  xName: string;
}

const FINAL_DR: CorrelationClaim = {
  id: "02.dr-accuracy-negative",
  slide: "8",
  claim: "higher DR goes with lower accuracy",
  xName: "final DR",
};

/**
 * One verdict per model: Pearson's r of the per-setting mean x (a DR) and mean test accuracy
 * is negative. Holds when r < 0 with Holm-adjusted p < 0.05 (over the models), does not hold
 * when r > 0 with p < 0.05, inconclusive otherwise.
 */
export function negativeCorrelationVerdicts(byModel: ModelRuns, claim: CorrelationClaim = FINAL_DR): Verdict[] {
  const models = Object.keys(byModel);
  const tests = models.map((m) => correlationOverSettings(byModel[m]!));
  const adjusted = holm(tests.map((t) => t.p));
  return models.map((model, i) => {
    const c = tests[i]!;
    const pHolm = adjusted[i]!;
    return {
      id: `${claim.id}.${model}`,
      slide: claim.slide,
      claim: `${model}: ${claim.claim}`,
      definition: `Pearson's r of the per-setting means (${claim.xName} vs final test accuracy; n = settings, each the mean over its seeds), 95 % Fisher-z interval; Holm-adjusted over ${models.length} model(s); holds if r < 0 with adjusted p < 0.05.`,
      outcome: directionalOutcome(c.r, pHolm, "lower"),
      numbers: { r: c.r, lo: c.lo, hi: c.hi, p: c.p, pHolm, settings: c.n },
      evidence: `${fmtCorrelation(c)} settings, Holm ${fmtPValue(pHolm)}`,
    };
  });
}

/**
 * One verdict per model: accuracy is an inverse U of the DR. The settings are sorted by mean
 * DR and split into terciles; the middle tercile's setting means must be more accurate than
 * both the low-DR and the high-DR tercile's (Welch's t over setting means, Holm-adjusted over
 * the 2 contrasts × models). A quadratic fit alone is fooled by accuracy that merely
 * saturates at low DR, hence the terciles.
 */
export function inverseUVerdicts(byModel: ModelRuns): Verdict[] {
  const models = Object.keys(byModel);
  const perModel = models.map((m) => {
    const means = settingMeans(byModel[m]!).sort((a, b) => a.x.mean - b.x.mean);
    const third = Math.floor(means.length / 3);
    const acc = means.map((s) => s.y.mean);
    return {
      low: acc.slice(0, third),
      mid: acc.slice(third, means.length - third),
      high: acc.slice(means.length - third),
      n: means.length,
    };
  });
  const results = testContrasts(
    perModel.flatMap((t, i) => [
      { name: `${models[i]} mid−low`, a: t.mid, b: t.low },
      { name: `${models[i]} mid−high`, a: t.mid, b: t.high },
    ]),
    "higher",
  );
  return models.map((model, i) => {
    const vsLow = results[2 * i]!;
    const vsHigh = results[2 * i + 1]!;
    const outcome =
      vsLow.outcome === "holds" && vsHigh.outcome === "holds"
        ? "holds"
        : vsLow.outcome === "does not hold" || vsHigh.outcome === "does not hold" || (vsLow.diff <= 0 && vsHigh.diff <= 0)
          ? "does not hold"
          : "inconclusive";
    return {
      id: `02.inverse-u.${model}`,
      slide: "8",
      claim: `${model}: inverse U, too high and too low a DR both hurt`,
      definition: `Settings sorted by mean final DR and split into terciles (n = ${perModel[i]!.n} settings); the middle tercile's mean accuracy minus the low- and the high-DR tercile's (Welch's t over setting means, Holm over ${results.length} contrasts); holds if both differences are > 0 with adjusted p < 0.05, does not hold if either is significantly < 0 or neither is > 0.`,
      outcome,
      numbers: {
        settings: perModel[i]!.n,
        "mid−low.diff": vsLow.diff,
        "mid−low.pHolm": vsLow.pHolm,
        "mid−high.diff": vsHigh.diff,
        "mid−high.pHolm": vsHigh.pHolm,
      },
      evidence: `middle DR tercile − low: ${fmtContrast(vsLow)}; middle − high: ${fmtContrast(vsHigh)}`,
    };
  });
}
