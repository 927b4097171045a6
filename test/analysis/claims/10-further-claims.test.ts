import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type DatasetAccuracyRow,
  type DenseComparisonRow,
  type IterandRow,
  type OrderAccuracyRow,
  type OverlapRow,
  batchOrderAccuracyVerdict,
  batchOrderMaskVerdict,
  denseAtSimilarParametersVerdict,
  contrastGains,
  fQuantile,
  iterandVerdict,
  orderVarianceShare,
  secondDatasetVerdict,
} from "../../../src/analysis/claims/10-further-claims";
import { seededContrast } from "../../../src/analysis/verdict";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
/** Seed noise shared by the methods of one seed (as runs of one seed share weights, scores and data order). */
const SEED_NOISE = [0.02, -0.015, 0.01, -0.03, 0.025, -0.005, 0.0, -0.01];
/** Small per-run noise, different for each method. */
const JITTER = [0.001, -0.002, 0.0015, -0.0005, 0.002, -0.001, 0.0, -0.0015];

describe("10 claims: figures' gains and the F quantiles", () => {
  it("pairs by seed: a nearly constant per-seed gain has a narrow interval under much larger seed noise", () => {
    const a = SEEDS.map((seed, i) => ({ seed, value: 0.8 + SEED_NOISE[i]! + 0.02 + JITTER[i]! }));
    const b = SEEDS.map((seed, i) => ({ seed, value: 0.8 + SEED_NOISE[i]! })).reverse();
    const [g] = contrastGains([seededContrast("x", a, b)]);
    assert.match(g!.design, /paired t, 8 seeds/);
    assert.ok(Math.abs(g!.estimate - 0.02) < 0.001 && g!.hi - g!.lo < 0.003, JSON.stringify(g));
  });

  it("F quantiles (Paulson) lie within 1 % of the tabulated values", () => {
    // F(0.95; 7, 8) = 3.500, F(0.95; 10, 10) = 2.978, F(0.05; 7, 8) = 1 / F(0.95; 8, 7) = 1 / 3.726.
    for (const [q, d1, d2, exact] of [
      [0.95, 7, 8, 3.5],
      [0.95, 10, 10, 2.978],
      [0.05, 7, 8, 1 / 3.726],
    ] as const)
      assert.ok(Math.abs(fQuantile(q, d1, d2) / exact - 1) < 0.01, `F(${q}; ${d1}, ${d2}) = ${fQuantile(q, d1, d2)} vs ${exact}`);
    assert.ok(Number.isNaN(fQuantile(1.2, 3, 3)));
  });
});

describe("10 claims: the SLT is sensitive to the batch order (pages 11, 13)", () => {
  const overlaps = (orderOnly: (p: number, i: number) => number): OverlapRow[] =>
    [0.5, 0.9].flatMap((p) => [
      ...SEEDS.map((seed, i) => ({ pruneRate: p, seed, pair: "order only" as const, jaccard: orderOnly(p, i) })),
      ...SEEDS.slice(1).map((seed) => ({ pruneRate: p, seed, pair: "new seed" as const, jaccard: (1 - p) / (1 + p) })),
    ]);

  it("the mask: overlaps well below 0.9 hold, well above do not, overlaps around 0.9 are inconclusive", () => {
    const sensitive = batchOrderMaskVerdict(overlaps((_, i) => 0.7 + JITTER[i]!));
    assert.equal(sensitive.outcome, "holds");
    assert.match(sensitive.evidence, /new seed.*0\.333 at p = 0\.5 \(7 pairs\)/);
    assert.equal(batchOrderMaskVerdict(overlaps((_, i) => 0.97 + JITTER[i]!)).outcome, "does not hold");
    assert.equal(batchOrderMaskVerdict(overlaps((_, i) => 0.9 + 10 * JITTER[i]!)).outcome, "inconclusive");
  });

  /** Two data orders per seed: accuracy = 0.9 + seedEffect(i) ± orderEffect(i) / 2. */
  const orderRows = (seedEffect: (i: number) => number, orderEffect: (i: number) => number, seeds = SEEDS): OrderAccuracyRow[] =>
    [0.5, 0.9].flatMap((p) =>
      seeds.flatMap((seed, i) => [
        { pruneRate: p, seed, order: "own", testAccuracy: 0.9 + seedEffect(i) + orderEffect(i) / 2 },
        { pruneRate: p, seed, order: "other", testAccuracy: 0.9 + seedEffect(i) - orderEffect(i) / 2 },
      ]),
    );

  it("the accuracy: all the spread from the order holds, all from the seed does not, three seeds cannot tell", () => {
    const fromOrder = batchOrderAccuracyVerdict(
      orderRows(
        (i) => 0.0002 * (i % 2),
        (i) => (i % 2 ? 0.02 : -0.025),
      ),
    );
    assert.equal(fromOrder.outcome, "holds", fromOrder.evidence);
    const s = orderVarianceShare(
      orderRows(
        (i) => 0.0002 * (i % 2),
        (i) => (i % 2 ? 0.02 : -0.025),
      ),
      0.5,
    );
    assert.equal(s.seeds, 8);
    assert.equal(s.share, 1);
    const fromSeed = batchOrderAccuracyVerdict(
      orderRows(
        (i) => SEED_NOISE[i]!,
        (i) => JITTER[i]!,
      ),
    );
    assert.equal(fromSeed.outcome, "does not hold", fromSeed.evidence);
    const few = batchOrderAccuracyVerdict(
      orderRows(
        (i) => SEED_NOISE[i]! / 2,
        (i) => SEED_NOISE[(i + 3) % 8]!,
        [1, 2, 3],
      ),
    );
    assert.equal(few.outcome, "inconclusive", few.evidence);
  });
});

describe("10 claims: soft iEP beats EP on a second data set (pages 17, 18)", () => {
  const rows = (gain: (dataset: string, p: number, i: number) => number): DatasetAccuracyRow[] =>
    ["mnist", "fashion-mnist"].flatMap((dataset) =>
      [0.9, 0.95].flatMap((pruneRate) =>
        SEEDS.flatMap((seed, i) => [
          { dataset, method: "compute-matched EP", pruneRate, seed, testAccuracy: 0.8 + SEED_NOISE[i]! },
          { dataset, method: "soft iEP", pruneRate, seed, testAccuracy: 0.8 + SEED_NOISE[i]! + gain(dataset, pruneRate, i) },
        ]),
      ),
    );

  it("a gain on both data sets holds; a gain on MNIST only partly holds; a gain equivalent to zero does not hold; noise is inconclusive", () => {
    const both = secondDatasetVerdict(rows((_, __, i) => 0.03 + JITTER[i]!));
    assert.equal(both.outcome, "holds");
    assert.match(both.evidence, /fashion-mnist, p = 0\.95: \+0\.030 .*paired t, 8 seeds/);
    assert.equal(secondDatasetVerdict(rows((d, _, i) => (d === "mnist" ? 0.03 : 0) + JITTER[i]!)).outcome, "partly holds");
    assert.equal(secondDatasetVerdict(rows((_, __, i) => JITTER[i]!)).outcome, "does not hold");
    assert.equal(secondDatasetVerdict(rows((_, __, i) => 0.005 + 3 * SEED_NOISE[(i + 2) % 8]!)).outcome, "inconclusive");
  });
});

describe("10 claims: iEP against dense weights at a similar parameter count (abstract)", () => {
  const rows = (gain: (w: number, i: number) => number): DenseComparisonRow[] =>
    [0.25, 0.5, 1].flatMap((w) =>
      SEEDS.slice(0, 3).flatMap((seed, i) => [
        {
          method: "weights (dense)",
          widthMultiplier: w,
          parameters: Math.round(27000 * w) + 100,
          seed,
          testAccuracy: 0.9 + SEED_NOISE[i]!,
        },
        {
          method: "soft iEP",
          widthMultiplier: w,
          parameters: Math.round(27000 * w),
          seed,
          testAccuracy: 0.9 + SEED_NOISE[i]! + gain(w, i),
        },
      ]),
    );

  it("the deck's gain holds, a smaller sure gain partly holds, dense ahead does not hold, noise is inconclusive", () => {
    const v = denseAtSimilarParametersVerdict(rows((_, i) => 0.04 + JITTER[i]!));
    assert.equal(v.outcome, "holds");
    assert.match(v.evidence, /width 1 \(iEP keeps 27000, dense has 27100 parameters\)/);
    assert.equal(denseAtSimilarParametersVerdict(rows((_, i) => 0.015 + JITTER[i]!)).outcome, "partly holds");
    assert.equal(denseAtSimilarParametersVerdict(rows((_, i) => -0.05 + JITTER[i]!)).outcome, "does not hold");
    assert.equal(denseAtSimilarParametersVerdict(rows((_, i) => 0.01 + 5 * SEED_NOISE[(i + 1) % 8]!)).outcome, "inconclusive");
  });
});

describe("10 claims: IteRand improves EP, per weight init (pages 6, 19)", () => {
  const rows = (gain: (init: string, i: number) => number): IterandRow[] =>
    ["signed-constant", "kaiming-normal"].flatMap((weightInit) =>
      SEEDS.flatMap((seed, i) => [
        { weightInit, variant: "compute-matched EP", seed, testAccuracy: 0.85 + SEED_NOISE[i]! },
        { weightInit, variant: "IteRand", seed, testAccuracy: 0.85 + SEED_NOISE[i]! + gain(weightInit, i) },
      ]),
    );

  it("a gain under kaiming-normal holds there while none under signed-constant does not hold; noise is inconclusive", () => {
    const r = rows((init, i) => (init === "kaiming-normal" ? 0.02 : 0) + JITTER[i]!);
    const kaiming = iterandVerdict(r, "kaiming-normal");
    assert.equal(kaiming.outcome, "holds");
    assert.equal(kaiming.id, "10.iterand-improves-ep-kaiming-normal");
    assert.equal(iterandVerdict(r, "signed-constant").outcome, "does not hold");
    assert.equal(
      iterandVerdict(
        rows((_, i) => 4 * SEED_NOISE[(i + 5) % 8]!),
        "kaiming-normal",
      ).outcome,
      "inconclusive",
    );
  });
});
