/**
 * Claims of notebook 07 (deck slides 13 and 16, ImageNet): at an equal number of kept
 * parameters iEP beats EP by about 3 points, more so for bigger models, and soft pruning
 * beats hard pruning by about 1 point in every setting. Here a width sweep of one model at
 * one prune rate: EP and iEP runs of one width keep the same number of parameters.
 */
import { mean, slopeTest } from "../stats";
import { type Contrast, type Verdict, differenceVerdict, judgeFamily } from "../verdict";

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

function accuracies(runs: readonly WidthRun[], method: string, width: number): number[] {
  return runs.filter((r) => r.method === method && r.widthMultiplier === width).map((r) => r.testAccuracy);
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
 * `better` − `worse` test accuracy at every width (equal kept parameters): Welch's t over seeds,
 * Holm-adjusted over the widths, against the claimed size; the mean gain over the widths is
 * added to the numbers and the evidence.
 */
export function gainAtEveryWidthVerdict(runs: readonly WidthRun[], claim: PairClaim): Verdict {
  const contrasts: Contrast[] = widths(runs).map((w) => ({
    label: `width ${w}`,
    a: accuracies(runs, claim.better, w),
    b: accuracies(runs, claim.worse, w),
  }));
  const v = differenceVerdict(
    {
      id: claim.id,
      slide: claim.slide,
      claim: claim.claim,
      quantity: `test accuracy, ${claim.better} − ${claim.worse} at each width multiplier (the same kept parameters at one width)`,
    },
    contrasts,
    { effect: claim.effect ?? 0 },
  );
  const meanGain = mean(contrasts.map((c) => mean(c.a) - mean(c.b)));
  return {
    ...v,
    numbers: { ...v.numbers, "mean gain": meanGain },
    evidence: `${v.evidence} Mean gain over the widths ${(100 * meanGain).toFixed(1)} points.`,
  };
}

/**
 * "More so for bigger models": the per-seed gain (`better` − `worse` of the same seed and width)
 * regressed on log2(kept parameters); holds if the slope is > 0 with p < 0.05, does not hold if it
 * is significantly < 0, inconclusive otherwise.
 */
export function gainGrowsWithSizeVerdict(runs: readonly WidthRun[], claim: Omit<PairClaim, "effect">): Verdict {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const w of widths(runs)) {
    for (const b of runs.filter((r) => r.method === claim.better && r.widthMultiplier === w)) {
      const worse = runs.find((r) => r.method === claim.worse && r.widthMultiplier === w && r.seed === b.seed);
      if (!worse) continue;
      xs.push(Math.log2(b.keptParameters));
      ys.push(b.testAccuracy - worse.testAccuracy);
    }
  }
  const s = slopeTest(xs, ys);
  const [judged] = judgeFamily([{ label: "slope", estimate: s.slope, lo: s.lo, hi: s.hi, p: s.p, n: s.n }]);
  const pts = (v: number) => `${v >= 0 ? "+" : ""}${(100 * v).toFixed(2)}`;
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `per-seed gain in test accuracy (${claim.better} − ${claim.worse}, same seed and width) regressed on log2(kept parameters): least-squares slope with its 95 % t interval (n − 2 df); holds if the slope is > 0 with p < 0.05, does not hold if it is significantly < 0`,
    outcome: judged!.outcome,
    numbers: { slope: s.slope, "slope lo": s.lo, "slope hi": s.hi, "slope p": s.p, pairs: s.n },
    evidence: `gain per doubling of kept parameters ${pts(s.slope)} points [${pts(s.lo)}, ${pts(s.hi)}], ${
      Number.isFinite(s.p) ? (s.p < 0.001 ? "p < 0.001" : `p = ${s.p.toFixed(3)}`) : "p n/a"
    }, n = ${s.n} pairs → ${judged!.outcome}.`,
  };
}
