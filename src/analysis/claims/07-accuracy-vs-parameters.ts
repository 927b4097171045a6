/**
 * Claims of notebook 07 (deck slides 13 and 16, ImageNet): at an equal number of kept
 * parameters iEP beats EP by about 3 points, more so for bigger models, and soft pruning
 * beats hard pruning by about 1 point in every setting. Here a width sweep of one model at
 * one prune rate: EP and iEP runs of one width keep the same number of parameters.
 */
import { mean, slopeTest } from "../stats";
import type { Verdict } from "../verdict";
import {
  type ContrastInput,
  combineOutcomes,
  contrastNumbers,
  directionalOutcome,
  fmtContrast,
  fmtPValue,
  testContrasts,
} from "./contrasts";

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
  /** The method expected to be more accurate, and the one it is compared with. */
  better: string;
  worse: string;
  /** The deck's size of the gain (e.g. 0.03), quoted beside the measured mean gain. */
  deckGain?: number;
}

/**
 * `better` − `worse` test accuracy at every width (equal kept parameters): Welch's t over
 * seeds, Holm-adjusted over the widths; holds if every width shows a gain with adjusted
 * p < 0.05, partly if some do and none shows a significant loss.
 */
export function gainAtEveryWidthVerdict(runs: readonly WidthRun[], claim: PairClaim): Verdict {
  const ws = widths(runs);
  const inputs: ContrastInput[] = ws.map((w) => ({
    name: `width ${w}`,
    a: accuracies(runs, claim.better, w),
    b: accuracies(runs, claim.worse, w),
  }));
  const results = testContrasts(inputs, "higher");
  const meanGain = mean(results.map((r) => r.diff));
  const deck = claim.deckGain !== undefined ? ` (deck: about ${(100 * claim.deckGain).toFixed(0)} points)` : "";
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `Test accuracy of ${claim.better} minus ${claim.worse} at each width multiplier (${ws.join(", ")}; same kept parameters at one width): Welch's t over seeds, Holm-adjusted over ${results.length} widths; holds if every width shows a gain with adjusted p < 0.05, partly if some do and none a significant loss.`,
    outcome: combineOutcomes(results.map((r) => r.outcome)),
    numbers: { meanGain, ...contrastNumbers(results) },
    evidence: `mean gain ${(100 * meanGain).toFixed(1)} points${deck}; ${results.map((r) => `${r.name}: ${fmtContrast(r)}`).join("; ")}`,
  };
}

/**
 * "More so for bigger models": the per-seed gain (`better` − `worse` of the same seed and
 * width) regressed on log2(kept parameters); holds if the slope is > 0 with p < 0.05, does
 * not hold if it is significantly < 0.
 */
export function gainGrowsWithSizeVerdict(runs: readonly WidthRun[], claim: Omit<PairClaim, "deckGain">): Verdict {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const w of widths(runs)) {
    const better = runs.filter((r) => r.method === claim.better && r.widthMultiplier === w);
    for (const b of better) {
      const worse = runs.find((r) => r.method === claim.worse && r.widthMultiplier === w && r.seed === b.seed);
      if (!worse) continue;
      xs.push(Math.log2(b.keptParameters));
      ys.push(b.testAccuracy - worse.testAccuracy);
    }
  }
  const s = slopeTest(xs, ys);
  return {
    id: claim.id,
    slide: claim.slide,
    claim: claim.claim,
    definition: `Per-seed gain (${claim.better} − ${claim.worse}, same seed and width) regressed on log2(kept parameters), n = ${s.n} pairs: slope with 95 % t interval; holds if the slope is > 0 with p < 0.05, does not hold if it is significantly < 0.`,
    outcome: directionalOutcome(s.slope, s.p, "higher"),
    numbers: { slope: s.slope, lo: s.lo, hi: s.hi, p: s.p, pairs: s.n },
    evidence: `gain per doubling of kept parameters ${s.slope >= 0 ? "+" : ""}${(100 * s.slope).toFixed(2)} points [${(100 * s.lo).toFixed(2)}, ${(100 * s.hi).toFixed(2)}], ${fmtPValue(s.p)}, n = ${s.n}`,
  };
}
