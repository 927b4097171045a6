/**
 * Claims of notebook 02 (deck page 8): across hyperparameter settings, the final dying ratio
 * and the test accuracy are negatively correlated (Conv-8), or accuracy is an inverse U of the
 * DR (ResNet-18). Both are tested over per-setting means (n = settings; the seeds of a setting
 * only make its mean more precise), per model.
 */
import { quadraticFit } from "../stats";
import { type Estimate, type SettingMean, type Verdict, correlationVerdict, estimateVerdict, meansFamily, settingMeans } from "../verdict";
import { CORRELATION_SESOI } from "./common";

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

/** Pearson's r of the per-setting means of x and accuracy, one family per model, claimed negative in every model. */
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
    { sesoi: CORRELATION_SESOI, direction: "less", combine: "every" },
  );
}

/** The accuracy an inverse U must lose from its top to the ends of the tested DR range to count: one point. */
export const INVERSE_U_DROP = 0.01;

/**
 * Accuracy is an inverse U of the DR: per model, a parabola through the settings' mean DR and
 * mean accuracy (n = settings, n − 3 df); the quadratic term must be negative, its SESOI the
 * curvature whose parabola falls INVERSE_U_DROP from its top to the ends of the tested DR range,
 * a·(range/2)². A significantly negative term whose top lies outside the tested range is a
 * curve that only bends (monotone over the range): partly holds. Holm over the models: the deck
 * sees the shape in one model (ResNet-18), so the claim holds if some model shows it.
 *
 * (The earlier terciles test split 7 settings 2/3/2, giving Welch 1–2 df: it could not hold.)
 */
export function inverseUVerdict(runs: readonly SweepRun[]): Verdict {
  const perModel = meansByModel(runs).map(({ model, means }) => {
    const xs = means.map((m) => m.x.mean);
    const ys = means.map((m) => m.y.mean);
    const fit = quadraticFit(xs, ys);
    const min = Math.min(...xs);
    const max = Math.max(...xs);
    const half = (max - min) / 2;
    const inside = fit.vertex >= min && fit.vertex <= max;
    const estimate: Estimate = {
      label: model,
      estimate: fit.a,
      se: fit.aSe,
      df: fit.df,
      design: `quadratic term of a parabola through ${fit.n} settings' means, t with ${fit.df} df; top at DR ${Number.isFinite(fit.vertex) ? fit.vertex.toFixed(3) : "n/a"} (${inside ? "inside" : "outside"} the tested ${min.toFixed(3)}–${max.toFixed(3)})`,
      holdsOnlyPartly: inside ? undefined : "its top lies outside the tested DR range",
    };
    return { estimate, sesoi: INVERSE_U_DROP / (half * half) };
  });
  // One SESOI per claim: the models' DR ranges differ, so the smallest curvature of interest is taken per model
  // and each estimate scaled to it (a / SESOI: 1 = the parabola falls one point across the range).
  const scaled = perModel.map(({ estimate, sesoi }) => ({ ...estimate, estimate: estimate.estimate / sesoi, se: estimate.se / sesoi }));
  return estimateVerdict(
    {
      id: "02.inverse-u",
      slide: "8",
      claim: "inverse U: too high and too low a DR both hurt (deck: ResNet-18)",
      quantity:
        `per model, the quadratic term a of a least-squares parabola of mean accuracy on mean final DR over the settings (one point per setting), ` +
        `in units of the curvature whose parabola falls ${INVERSE_U_DROP} (one point) from its top to the ends of the tested DR range (a·(range/2)²/${INVERSE_U_DROP}); ` +
        `an inverse U needs it below 0 with the top inside the tested range (a top outside: partly holds)`,
    },
    scaled,
    {
      sesoi: { value: 1, why: `a fall of one point of accuracy from the parabola's top to the ends of the tested DR range` },
      direction: "less",
      combine: "any",
    },
    "t test of the quadratic term (n − 3 df), Holm over the models",
    2,
  );
}
