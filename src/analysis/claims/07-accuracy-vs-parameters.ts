/**
 * Claims of notebook 07 (deck pages 16 and 20, ImageNet): at an equal number of kept
 * parameters iEP beats EP by about 3 points, more so for bigger models, and soft pruning
 * beats hard pruning by about 1 point in every setting. Here a width sweep of one model at
 * one prune rate: EP and iEP runs of one width keep the same number of parameters.
 */
import { mean, weightedSlopeTest } from "../stats";
import { type Contrast, type Sesoi, type Verdict, contrastTest, differenceVerdict, estimateVerdict, seededContrast } from "../verdict";
import { ACCURACY_SESOI } from "./common";

/** One run of the width sweep. */
export interface WidthRun {
  method: string;
  widthMultiplier: number;
  /** Parameters in the final mask (kept edges), the x axis of the deck's figure. */
  keptParameters: number;
  seed: number;
  testAccuracy: number;
}

function widths(runs: readonly WidthRun[]): number[] {
  return [...new Set(runs.map((r) => r.widthMultiplier))].sort((a, b) => a - b);
}

function accuracies(runs: readonly WidthRun[], method: string, width: number) {
  return runs.filter((r) => r.method === method && r.widthMultiplier === width).map((r) => ({ seed: r.seed, value: r.testAccuracy }));
}

export interface PairClaim {
  id: string;
  slide: string;
  claim: string;
  /** The method claimed to be more accurate, and the one it is compared with. */
  better: string;
  worse: string;
  /** The size the deck claims (e.g. 0.03 for "+3 points"); 0 or absent: any gain. */
  effect?: number;
}

/**
 * `better` − `worse` test accuracy at every width (equal kept parameters), paired by seed, at
 * every width (intersection–union), one point as the SESOI and the deck's size as the claimed
 * size; the mean gain over the widths is added to the numbers and the evidence.
 */
export function gainAtEveryWidthVerdict(runs: readonly WidthRun[], claim: PairClaim): Verdict {
  const contrasts: Contrast[] = widths(runs).map((w) =>
    seededContrast(`width ${w}`, accuracies(runs, claim.better, w), accuracies(runs, claim.worse, w)),
  );
  const v = differenceVerdict(
    {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      quantity: `test accuracy, ${claim.better} − ${claim.worse} at each width multiplier (the same kept parameters at one width)`,
    },
    contrasts,
    { sesoi: ACCURACY_SESOI, combine: "every", claimedSize: claim.effect ?? 0 },
  );
  const meanGain = mean(contrasts.map((c) => mean(c.a) - mean(c.b)));
  return {
    ...v,
    numbers: { ...v.numbers, "mean gain": meanGain },
    evidence: `${v.evidence} Mean gain over the widths ${(100 * meanGain).toFixed(1)} points.`,
  };
}

/** Half a point of accuracy per doubling of the kept parameters: the smallest growth of the gain of interest. */
export const GAIN_GROWTH_SESOI: Sesoi = {
  value: 0.005,
  why: "half a point of accuracy per doubling of the kept parameters (the deck gives no rate; its 3-point gain is at its largest model)",
};

/**
 * "More so for bigger models": per width, the gain `better` − `worse` (paired by seed where the
 * seeds match) as a mean with its standard error; the means regressed on log2(kept parameters)
 * by weighted least squares with precision weights 1/SE² (R's lm(gain ~ log2(params), weights)),
 * t with widths − 2 df. One point per width, not one per seed: seeds of a width share its
 * model, so per-seed points would be pseudo-replicates. Power: at the fitted slope's SE (more
 * widths, not only more seeds, would narrow it).
 */
export function gainGrowsWithSizeVerdict(runs: readonly WidthRun[], claim: Omit<PairClaim, "effect">): Verdict {
  const points = widths(runs).map((w) => {
    const better = runs.filter((r) => r.method === claim.better && r.widthMultiplier === w);
    const { test, design } = contrastTest(
      seededContrast(`width ${w}`, accuracies(runs, claim.better, w), accuracies(runs, claim.worse, w)),
    );
    return { w, x: Math.log2(mean(better.map((r) => r.keptParameters))), gain: test.diff, se: test.se, design };
  });
  const usable = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.gain) && p.se > 0);
  const fit = weightedSlopeTest(
    usable.map((p) => p.x),
    usable.map((p) => p.gain),
    usable.map((p) => 1 / (p.se * p.se)),
  );
  const perWidth = points
    .map((p) => `width ${p.w}: ${(100 * p.gain).toFixed(2)} ± ${(100 * p.se).toFixed(2)} points (${p.design})`)
    .join(", ");
  const v = estimateVerdict(
    {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      quantity: `the gain in test accuracy (${claim.better} − ${claim.worse}) per width, its mean and standard error over seeds, regressed on log2(kept parameters): weighted least squares with weights 1/SE², one point per width (${usable.length} usable)`,
    },
    [
      {
        label: "slope per doubling",
        estimate: fit.slope,
        se: fit.se,
        df: fit.n - 2,
        design: `weighted least squares over ${fit.n} widths, t with ${fit.n - 2} df`,
      },
    ],
    { sesoi: GAIN_GROWTH_SESOI, combine: "every" },
    "slope of the weighted fit",
    4,
  );
  return {
    ...v,
    numbers: {
      ...v.numbers,
      widths: fit.n,
      ...Object.fromEntries(
        points.flatMap((p) => [
          [`width ${p.w}: gain`, p.gain],
          [`width ${p.w}: SE`, p.se],
        ]),
      ),
    },
    evidence: `${v.evidence} Per width: ${perWidth}.`,
  };
}
