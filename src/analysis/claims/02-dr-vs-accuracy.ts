/**
 * Claims of notebook 02 (deck slide 8): across hyperparameter settings, the final dying ratio
 * and the test accuracy are negatively correlated (Conv-8), or accuracy is an inverse U of the
 * DR (ResNet-18). Both are tested over per-setting means (n = settings; the seeds of a setting
 * only make its mean more precise), per model, Holm-adjusted over the models' tests.
 */
import { welchTest } from "../stats";
import {
  type Contrast,
  type SettingMean,
  type Verdict,
  type VerdictOutcome,
  combineOutcomes,
  correlationVerdict,
  differenceVerdict,
  familyLevel,
  judgeFamily,
  meansFamily,
  settingMeans,
} from "../verdict";

/** One run of a sweep: its model, setting, a DR (x) and its final test accuracy (y). */
export interface SweepRun {
  model: string;
  setting: string;
  x: number;
  y: number;
}

/** Per model (first-appearance order), the per-setting means of x and y over the seeds. */
export function meansByModel(runs: readonly SweepRun[]): Array<{ model: string; means: SettingMean[] }> {
  const models = [...new Set(runs.map((r) => r.model))];
  return models.map((model) => ({
    model,
    means: settingMeans(
      runs.filter((r) => r.model === model),
      ["setting"],
      "x",
      "y",
    ),
  }));
}

export interface CorrelationClaimText {
  id: string;
  slide: string;
  claim: string;
  /** What x is, e.g. "final DR" or "DR after epoch 1". */
  xName: string;
}

const FINAL_DR: CorrelationClaimText = {
  id: "02.dr-accuracy-negative",
  slide: "8",
  claim: "higher DR goes with lower accuracy (deck: Conv-8)",
  xName: "final DR",
};

/** Pearson's r of the per-setting means of x and accuracy, one family per model, claimed negative. */
export function negativeCorrelationVerdict(runs: readonly SweepRun[], text: CorrelationClaimText = FINAL_DR): Verdict {
  const families = meansByModel(runs).map((m) => meansFamily(m.model, m.means));
  return correlationVerdict(
    {
      id: text.id,
      slide: text.slide,
      claim: text.claim,
      quantity: `${text.xName} vs final test accuracy, per-setting means over seeds, one family per model`,
    },
    families,
    { direction: "less" },
  );
}

/**
 * Accuracy is an inverse U of the DR: per model, the settings sorted by mean DR and split into
 * terciles; the middle tercile's setting means must be more accurate than both the low-DR and
 * the high-DR tercile's (Welch's t over setting means, Holm over 2 contrasts × models). A
 * quadratic fit alone is fooled by accuracy that merely saturates at low DR, hence the terciles.
 */
export function inverseUVerdict(runs: readonly SweepRun[]): Verdict {
  const contrasts: Contrast[] = meansByModel(runs).flatMap(({ model, means }) => {
    const sorted = [...means].sort((a, b) => a.x.mean - b.x.mean);
    const third = Math.floor(sorted.length / 3);
    const acc = sorted.map((s) => s.y.mean);
    const low = acc.slice(0, third);
    const mid = acc.slice(third, sorted.length - third);
    const high = acc.slice(sorted.length - third);
    return [
      { label: `${model} mid − low DR`, a: mid, b: low },
      { label: `${model} mid − high DR`, a: mid, b: high },
    ];
  });
  // Both contrasts of a model must hold: a monotone curve (one holds, the other goes the other way) is no inverse U.
  const level = familyLevel(0.05, contrasts.length);
  const judged = judgeFamily(
    contrasts.map((c) => {
      const w = welchTest(c.a, c.b, level);
      return { label: c.label, estimate: w.diff, lo: w.lo, hi: w.hi, p: w.p, n: Math.min(w.nA, w.nB) };
    }),
  );
  const perModel: VerdictOutcome[] = [];
  for (let i = 0; i < judged.length; i += 2) {
    const pair = [judged[i]!.outcome, judged[i + 1]!.outcome];
    perModel.push(pair.every((o) => o === "holds") ? "holds" : pair.includes("does not hold") ? "does not hold" : "inconclusive");
  }
  const v = differenceVerdict(
    {
      id: "02.inverse-u",
      slide: "8",
      claim: "inverse U: too high and too low a DR both hurt (deck: ResNet-18)",
      quantity:
        "final test accuracy of the middle DR tercile of the settings minus the low- and the high-DR tercile (settings sorted by mean final DR; one value per setting, its mean over seeds)",
    },
    contrasts,
  );
  return {
    ...v,
    definition: `${v.definition}; per model an inverse U needs both contrasts to hold, and does not hold if either goes the other way`,
    outcome: combineOutcomes(perModel),
  };
}
