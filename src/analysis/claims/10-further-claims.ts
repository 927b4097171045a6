/**
 * Claims of notebook 10: deck claims no figure of 01–08 tests.
 *
 *  - Pages 11 and 13: iEP's restarts add randomness, "and in fact the SLT that EP selects is
 *    sensitive to the batch order". Two runs with the same weights, scores and seed and only
 *    the data order changed: (a) their final masks differ in a tenth of their union or more
 *    (Jaccard overlap < 0.9); (b) the data order alone gives at least half of the accuracy
 *    variance of a fresh draw (new weights, scores and order).
 *  - Pages 17 and 18: soft iEP beats EP "on several data sets", most clearly at high prune
 *    rates: soft iEP − compute-matched EP at every p ≥ 0.9 on MNIST and Fashion-MNIST.
 *  - The abstract: iEP at about 20 M parameters (76.0 %) beats dense weight training at 22 M
 *    (73.3 %): soft iEP against the dense network with at least as many parameters as it keeps.
 *  - Pages 6 and 19: IteRand (re-drawing unused weights) improves EP, under its own paper's
 *    kaiming-normal weights and under the signed-constant weights of 06/08.
 *
 * Accuracy contrasts pair runs by seed and use the workbook's decision rule (`differenceVerdict`,
 * ../verdict.ts) with the one-point SESOI: a gain equivalent to zero does not hold (TOST), and
 * "in every setting" claims need every contrast to hold (intersection–union test).
 */
import { mean, normalQuantile, variance } from "../stats";
import {
  type BoundGroup,
  type Contrast,
  type Verdict,
  type VerdictOutcome,
  boundVerdict,
  combineOutcomes,
  contrastTest,
  differenceVerdict,
  seededContrast,
} from "../verdict";
import { ACCURACY_SESOI, distinctSorted, samePruneRate } from "./common";
import { iterandMeaning } from "./08-early-dr";

/** One-sided level of the accuracy-spread test (its interval at 1 − 2α = 90 %, as the decision rule's). */
const ALPHA = 0.05;

/** The abstract's gain of iEP over dense weights at a similar parameter count: 76.0 % − 73.3 %. */
export const DECK_GAIN_OVER_DENSE = 0.027;

/** "Sensitive to the batch order": two data orders share less than this Jaccard overlap of their final masks (a tenth of the union differs). */
export const ORDER_SENSITIVE_JACCARD = 0.9;

/** "Comparable spread": the data order alone gives at least this share of a fresh draw's accuracy variance. */
export const ORDER_VARIANCE_SHARE = 0.5;

/** One value of one run, with the seed that pairs it. */
export interface SeededValue {
  seed: number;
  value: number;
}

/** A contrast's gain as the figures show it: mean(a) − mean(b) with the interval the decision rule judges (1 − 2α; paired by seed where both sides ran the same seeds). */
export interface ContrastGain {
  label: string;
  estimate: number;
  lo: number;
  hi: number;
  design: string;
}

/** The gain of each contrast with its 1 − 2α interval (the interval `differenceVerdict` prints and judges for an "every" claim). */
export function contrastGains(contrasts: readonly Contrast[]): ContrastGain[] {
  return contrasts.map((c) => {
    const { test, design } = contrastTest(c, 1 - 2 * ALPHA);
    return { label: c.label, estimate: test.diff, lo: test.lo, hi: test.hi, design };
  });
}

// ---------------------------------------------------------------------------
// Pages 11 and 13: the SLT found is sensitive to the batch order.

/** The final-mask overlap of two runs of one prune rate. */
export interface OverlapRow {
  pruneRate: number;
  seed: number;
  /** "order only": the seed's run and the same config with another dataOrderSeed; "new seed": seed s against seed s + 1 (new weights, scores and order). */
  pair: "order only" | "new seed";
  jaccard: number;
}

/** (a) At every prune rate, the order-only Jaccard overlap of the final masks lies below ORDER_SENSITIVE_JACCARD. */
export function batchOrderMaskVerdict(rows: readonly OverlapRow[]): Verdict {
  const rates = distinctSorted(rows.map((r) => r.pruneRate));
  const groups: BoundGroup[] = rates.map((p) => ({
    label: `p = ${p}`,
    values: rows.filter((r) => r.pair === "order only" && samePruneRate(r.pruneRate, p)).map((r) => r.jaccard),
  }));
  const v = boundVerdict(
    {
      id: "10.slt-sensitive-to-batch-order",
      slide: "11,13",
      claim: "the SLT that EP selects is sensitive to the batch order: another data order gives another subnetwork",
      quantity: `Jaccard overlap |A ∩ B| / |A ∪ B| of the final masks of two EP runs with the same weights, scores and seed and only the data order changed (one pair per seed), per prune rate; sensitive = below ${ORDER_SENSITIVE_JACCARD}, i.e. at least a tenth of the two masks' union depends on the order (the smallest change of interest)`,
    },
    groups,
    { bound: ORDER_SENSITIVE_JACCARD, side: "below" },
  );
  const seedMeans = rates.map((p) => {
    const js = rows.filter((r) => r.pair === "new seed" && samePruneRate(r.pruneRate, p)).map((r) => r.jaccard);
    return { p, mean: mean(js), n: js.length };
  });
  return {
    ...v,
    numbers: { ...v.numbers, ...Object.fromEntries(seedMeans.map((s) => [`p = ${s.p}: new-seed Jaccard`, s.mean])) },
    evidence: `${v.evidence} For reference, a new seed (new weights, scores and order): ${seedMeans
      .map((s) => `${s.mean.toFixed(3)} at p = ${s.p} (${s.n} pairs)`)
      .join(", ")}.`,
  };
}

/** Final accuracy of one EP run of the batch-order study. */
export interface OrderAccuracyRow {
  pruneRate: number;
  seed: number;
  order: string;
  testAccuracy: number;
}

/**
 * The q-quantile of the F distribution with d1, d2 degrees of freedom, by Paulson's
 * approximation (Wilson–Hilferty cube roots; within about 1 % of the exact value from 5
 * degrees of freedom on, e.g. F(0.95; 7, 8) = 3.51 against 3.50).
 */
export function fQuantile(q: number, d1: number, d2: number): number {
  if (!(q > 0 && q < 1 && d1 > 0 && d2 > 0)) return Number.NaN;
  const z = normalQuantile(q);
  const a = 2 / (9 * d1);
  const b = 2 / (9 * d2);
  // ((1 − b)u − (1 − a)) / sqrt(a + b u²) = z with u = F^(1/3): a quadratic in u.
  const A = (1 - b) ** 2 - z * z * b;
  const B = -2 * (1 - a) * (1 - b);
  const C = (1 - a) ** 2 - z * z * a;
  const disc = B * B - 4 * A * C;
  if (!(A > 0) || disc < 0) return Number.NaN;
  const u = (-B + Math.sign(z || 1) * Math.sqrt(disc)) / (2 * A);
  return u > 0 ? u ** 3 : 0;
}

/** The order's share of a fresh draw's accuracy variance at one prune rate, with its interval. */
export interface OrderVarianceShare {
  pruneRate: number;
  /** Seeds with both data orders. */
  seeds: number;
  /** SD of accuracy over data orders at a fixed seed, and over fresh draws (seed and order). */
  sdOrder: number;
  sdSeed: number;
  /** σ²_order / (σ²_init + σ²_order), clipped to [0, 1], and its 1 − 2α interval. */
  share: number;
  lo: number;
  hi: number;
}

/**
 * One-way random-effects analysis of accuracy over seeds (each with two data orders):
 * accuracy = μ + a_seed + e_order. The within-seed mean square MS_w = Σ d²/(2n) (d: the two
 * orders' difference, n degrees of freedom) estimates σ²_order; the between-seed mean square
 * MS_b = 2·var(seed means) (n − 1) estimates 2σ²_init + σ²_order. F = MS_b / MS_w is
 * λ·F(n − 1, n) with λ = 1 + 2σ²_init/σ²_order, so λ's interval is [F / F_{1−α}, F / F_α] and
 * the share σ²_order / (σ²_init + σ²_order) = 2 / (1 + λ).
 */
export function orderVarianceShare(rows: readonly OrderAccuracyRow[], pruneRate: number): OrderVarianceShare {
  const at = rows.filter((r) => samePruneRate(r.pruneRate, pruneRate));
  const bySeed = new Map<number, number[]>();
  for (const r of at) bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), r.testAccuracy]);
  const pairs = [...bySeed.values()].filter((v) => v.length === 2) as Array<[number, number]>;
  const n = pairs.length;
  const msW = pairs.reduce((s, [x, y]) => s + (x - y) ** 2, 0) / (2 * n);
  const seedMeans = pairs.map(([x, y]) => (x + y) / 2);
  const msB = 2 * variance(seedMeans);
  const f = msB / msW;
  const lambda = (x: number) => Math.max(1, x);
  const share = (l: number) => 2 / (1 + l);
  const ok = n >= 2 && msW > 0 && Number.isFinite(f);
  const lambdaLo = ok ? lambda(f / fQuantile(1 - ALPHA, n - 1, n)) : Number.NaN;
  const lambdaHi = ok ? lambda(f / fQuantile(ALPHA, n - 1, n)) : Number.NaN;
  return {
    pruneRate,
    seeds: n,
    sdOrder: Math.sqrt(msW),
    sdSeed: Math.sqrt(variance(seedMeans) + msW / 2),
    share: ok ? share(lambda(f)) : Number.NaN,
    lo: share(lambdaHi),
    hi: share(lambdaLo),
  };
}

/** (b) At every prune rate the data order alone gives at least ORDER_VARIANCE_SHARE of a fresh draw's accuracy variance. */
export function batchOrderAccuracyVerdict(rows: readonly OrderAccuracyRow[]): Verdict {
  const shares = distinctSorted(rows.map((r) => r.pruneRate)).map((p) => orderVarianceShare(rows, p));
  const parts = shares.map((s) => {
    const outcome: VerdictOutcome =
      !Number.isFinite(s.lo) || !Number.isFinite(s.hi)
        ? "inconclusive"
        : s.lo >= ORDER_VARIANCE_SHARE
          ? "holds"
          : s.hi < ORDER_VARIANCE_SHARE
            ? "does not hold"
            : "inconclusive";
    return {
      outcome,
      text:
        `p = ${s.pruneRate}: SD over data orders ${(100 * s.sdOrder).toFixed(2)} points, over fresh draws ${(100 * s.sdSeed).toFixed(2)}; ` +
        `the order's share of the variance ${s.share.toFixed(2)} [${s.lo.toFixed(2)}, ${s.hi.toFixed(2)}] (${s.seeds} seeds) → ${outcome}`,
    };
  });
  const numbers: Record<string, number> = { bound: ORDER_VARIANCE_SHARE };
  for (const s of shares) {
    const k = `p = ${s.pruneRate}`;
    Object.assign(numbers, {
      [`${k}: share`]: s.share,
      [`${k}: lo`]: s.lo,
      [`${k}: hi`]: s.hi,
      [`${k}: SD over orders`]: s.sdOrder,
      [`${k}: SD over seeds`]: s.sdSeed,
      [`${k}: seeds`]: s.seeds,
    });
  }
  const held = parts.filter((p) => p.outcome === "holds").length;
  return {
    id: "10.accuracy-sensitive-to-batch-order",
    slide: "11,13",
    claim: "the batch order alone moves EP's accuracy about as much as a new seed does",
    definition:
      `test accuracy of EP runs with two data orders per seed (same weights, scores and seed); one-way random-effects analysis over seeds: ` +
      `the order's share σ²_order / (σ²_init + σ²_order) of a fresh draw's variance, its ${Math.round(100 * (1 - 2 * ALPHA))} % interval from the F test ` +
      `of the between-seed against the within-seed mean square (F quantiles by Paulson's approximation); comparable = a share of at least ${ORDER_VARIANCE_SHARE} ` +
      `(the order gives at least half the variance: the smallest effect of interest); holds where the interval lies at or above it, does not hold where wholly below, ` +
      `inconclusive otherwise; every prune rate must hold (intersection–union)`,
    outcome: parts.length ? combineOutcomes(parts.map((p) => p.outcome)) : "inconclusive",
    numbers,
    evidence: parts.length ? `${parts.map((p) => p.text).join("; ")} (${held} of ${parts.length} hold).` : "no runs.",
  };
}

// ---------------------------------------------------------------------------
// Pages 17 and 18: soft iEP beats EP on several data sets, most clearly at high prune rates.

/** Final accuracy of one run of a method on a data set. */
export interface DatasetAccuracyRow {
  dataset: string;
  method: string;
  pruneRate: number;
  seed: number;
  testAccuracy: number;
}

function seeded<R extends { seed: number; testAccuracy: number }>(rows: readonly R[]): SeededValue[] {
  return rows.map((r) => ({ seed: r.seed, value: r.testAccuracy }));
}

/** Soft iEP − compute-matched EP per data set and prune rate (label "DATA SET, p = P"). */
export function secondDatasetContrasts(rows: readonly DatasetAccuracyRow[]): Contrast[] {
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  return datasets.flatMap((d) =>
    distinctSorted(rows.filter((r) => r.dataset === d).map((r) => r.pruneRate)).map((p) => {
      const at = (m: string) => rows.filter((r) => r.dataset === d && r.method === m && samePruneRate(r.pruneRate, p));
      return seededContrast(`${d}, p = ${p}`, seeded(at("soft iEP")), seeded(at("compute-matched EP")));
    }),
  );
}

/** Soft iEP − compute-matched EP, paired by seed, at every prune rate of every data set. */
export function secondDatasetVerdict(rows: readonly DatasetAccuracyRow[]): Verdict {
  return differenceVerdict(
    {
      id: "10.iep-beats-ep-on-a-second-data-set",
      slide: "17,18",
      claim: "soft iEP beats EP on several data sets, most clearly at high prune rates",
      quantity: "test accuracy, soft iEP − compute-matched EP (EP trained for all of iEP's epochs), per data set and prune rate p ≥ 0.9",
    },
    secondDatasetContrasts(rows),
    { sesoi: ACCURACY_SESOI, combine: "every" },
  );
}

// ---------------------------------------------------------------------------
// The abstract: iEP at about 20 M parameters beats dense weights at 22 M.

/** Final accuracy of soft iEP / EP at a width, or of the dense network matched to that width's kept parameters. */
export interface DenseComparisonRow {
  method: string;
  /** The iEP width the row belongs to. */
  widthMultiplier: number;
  /** Parameters of the final network. */
  parameters: number;
  seed: number;
  testAccuracy: number;
}

/** Soft iEP − the dense network matched to its kept parameters, per width. */
export function denseContrasts(rows: readonly DenseComparisonRow[]): Contrast[] {
  const widths = distinctSorted(rows.map((r) => r.widthMultiplier));
  return widths.map((w) => {
    const at = (m: string) => rows.filter((r) => r.method === m && r.widthMultiplier === w);
    const params = (m: string) => at(m)[0]?.parameters ?? Number.NaN;
    return seededContrast(
      `width ${w} (iEP keeps ${params("soft iEP")}, dense has ${params("weights (dense)")} parameters)`,
      seeded(at("soft iEP")),
      seeded(at("weights (dense)")),
    );
  });
}

/** Soft iEP − dense weights with at least as many parameters, paired by seed, at every width. */
export function denseAtSimilarParametersVerdict(rows: readonly DenseComparisonRow[]): Verdict {
  return differenceVerdict(
    {
      id: "10.iep-beats-dense-at-similar-parameters",
      slide: "abstract",
      claim:
        "iEP at a given number of kept parameters beats dense weight training with a similar parameter count (76.0 % at ~20 M against 73.3 % at 22 M)",
      quantity:
        "test accuracy, soft iEP at each width − the dense network trained on its weights at the narrowest width with at least as many parameters as iEP keeps (same seed, same epochs)",
    },
    denseContrasts(rows),
    { sesoi: ACCURACY_SESOI, claimedSize: DECK_GAIN_OVER_DENSE, combine: "every" },
  );
}

// ---------------------------------------------------------------------------
// Pages 6 and 19: IteRand improves EP, in its own paper's setting and in 06/08's.

/** Final accuracy of compute-matched EP or IteRand under one weight init. */
export interface IterandRow {
  weightInit: string;
  variant: string;
  seed: number;
  testAccuracy: number;
}

/** IteRand − compute-matched EP under one weight init (label: the init). */
export function iterandContrast(rows: readonly IterandRow[], weightInit: string): Contrast {
  const at = (v: string) => rows.filter((r) => r.weightInit === weightInit && r.variant === v);
  return seededContrast(weightInit, seeded(at("IteRand")), seeded(at("compute-matched EP")));
}

/** IteRand − compute-matched EP under one weight init, paired by seed. */
export function iterandVerdict(rows: readonly IterandRow[], weightInit: string): Verdict {
  const own = weightInit === "kaiming-normal";
  return differenceVerdict(
    {
      id: `10.iterand-improves-ep-${weightInit}`,
      slide: "6,19",
      claim: own
        ? "IteRand (re-drawing unused weights) improves EP — in its own paper's setting, kaiming-normal weights"
        : `IteRand improves EP — ${iterandMeaning(weightInit)}`,
      quantity: `test accuracy, EP with IteRand − EP (both trained as long as iEP) at p = 0.9, ${weightInit} weights`,
    },
    [iterandContrast(rows, weightInit)],
    { sesoi: ACCURACY_SESOI },
  );
}
