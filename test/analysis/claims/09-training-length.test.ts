/**
 * Notebook 09's claim checks (training length as an axis) on synthetic runs: every verdict
 * function holds, does not hold and is inconclusive on rows built for each case, including a
 * claimed gain that is equivalent to zero and a claimed null that is exceeded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ACCURACY_SESOI,
  type CycleLengthRow,
  DR_SESOI,
  READMISSION_SESOI,
  type SwapLengthRow,
  gradualVsRestartsByLengthVerdict,
  iepGainChangeVerdict,
  iepVsComputeMatchedByLengthVerdict,
  pairedEstimate,
  readmissionVerdict,
  restartsLengthVerdicts,
  softDrVsEqualStepsVerdict,
  softHardGainChangeVerdict,
  softHardLengthVerdicts,
  softOverHardByLengthVerdict,
  swapLengthVerdicts,
  swappedInLevelVerdict,
  swappedInTrendVerdict,
  weightDecayVerdict,
} from "../../../src/analysis/claims";
import type { Verdict, VerdictOutcome } from "../../../src/analysis/verdict";

const SEEDS = [1, 2, 3, 4, 5, 6];
/** Seed-to-seed deviations with mean 0 and a fixed shape; scaled by each case's spread. */
const SHAPE = [-1, 0.5, 1, -0.5, 0.2, -0.2];
const dev = (seed: number, sd: number) => SHAPE[(seed - 1) % SHAPE.length]! * sd;
/** A second, different shape, so paired differences have spread too. */
const dev2 = (seed: number, sd: number) => SHAPE[(seed + 2) % SHAPE.length]! * sd;

function expect(v: Verdict, outcome: VerdictOutcome): void {
  assert.equal(v.outcome, outcome, `${v.id}: ${v.evidence}`);
  assert.ok(v.definition.includes("SESOI"), "the definition states the smallest effect of interest");
  assert.ok(v.slide.length > 0);
}

// ---------------------------------------------------------------------------
// (a)

const LENGTHS = [2, 8, 32];

/** EP rows whose swapped-in share p − DR is `share(p, E, wd)` plus `sd` of seed spread. */
function swapRows(share: (p: number, epochs: number, wd: number) => number, sd: number, seeds = SEEDS.slice(0, 3)): SwapLengthRow[] {
  return [1e-4, 5e-4].flatMap((wd) =>
    [0.5, 0.9].flatMap((p) =>
      LENGTHS.flatMap((epochs) =>
        seeds.map((seed) => ({
          pruneRate: p,
          epochs,
          weightDecay: wd,
          seed,
          dyingRatio: p - share(p, epochs, wd) - dev(seed, sd) - dev2(epochs, sd),
        })),
      ),
    ),
  );
}

describe("09 (a) · swapped-in share over training length", () => {
  it("trend: holds when the share rises with log E, does not hold when flat (equivalent to no slope), inconclusive when noisy", () => {
    expect(swappedInTrendVerdict(swapRows((_, e) => 0.05 + 0.04 * Math.log2(e), 0.002)), "holds");
    expect(swappedInTrendVerdict(swapRows(() => 0.1, 0.001)), "does not hold");
    expect(swappedInTrendVerdict(swapRows((_, e) => 0.1 - 0.03 * Math.log2(e), 0.002)), "does not hold");
    expect(swappedInTrendVerdict(swapRows(() => 0.1, 0.08)), "inconclusive");
    // The slope's SESOI: the band's 0.05 over the 4 doublings from 2 to 32 epochs.
    assert.equal(swappedInTrendVerdict(swapRows(() => 0.1, 0.001)).numbers.SESOI, 0.05 / 4);
  });

  it("level at the longest E: holds inside 0.2 ± 0.05, does not hold far outside, inconclusive when the interval straddles the band", () => {
    expect(swappedInLevelVerdict(swapRows(() => 0.2, 0.005)), "holds");
    expect(swappedInLevelVerdict(swapRows(() => 0.4, 0.005)), "does not hold");
    expect(swappedInLevelVerdict(swapRows(() => 0.23, 0.05)), "inconclusive");
    // Only the longest training counts: a share that reaches 0.2 only at E = 32 holds.
    expect(swappedInLevelVerdict(swapRows((_, e) => (e === 32 ? 0.2 : 0.02), 0.005)), "holds");
  });

  it("level leaves out prune rates where p − DR cannot reach the band", () => {
    const rows = swapRows(() => 0.2, 0.005).concat(
      [1, 2, 3].map((seed) => ({ pruneRate: 0.2, epochs: 32, weightDecay: 1e-4, seed, dyingRatio: 0.15 })),
    );
    const v = swappedInLevelVerdict(rows);
    expect(v, "holds");
    assert.ok(!Object.keys(v.numbers).some((k) => k.includes("p = 0.2:")));
  });

  it("weight decay: holds when both decays give the same share, does not hold when they differ by more than the band, else inconclusive", () => {
    expect(weightDecayVerdict(swapRows(() => 0.15, 0.004)), "holds");
    expect(weightDecayVerdict(swapRows((_, __, wd) => (wd > 1e-4 ? 0.35 : 0.1), 0.004)), "does not hold");
    // Seeds paired: a spread that differs between the decays leaves the difference noisy.
    const noisy = swapRows(() => 0.15, 0.004).map((r) =>
      r.weightDecay > 1e-4 ? { ...r, dyingRatio: r.dyingRatio + dev2(r.seed + 1, 0.1) } : r,
    );
    expect(weightDecayVerdict(noisy), "inconclusive");
    // One weight decay only: nothing to compare.
    expect(weightDecayVerdict(swapRows(() => 0.15, 0.004).filter((r) => r.weightDecay === 1e-4)), "inconclusive");
  });

  it("the three verdicts of (a) have distinct ids and deck page 7", () => {
    const vs = swapLengthVerdicts(swapRows(() => 0.2, 0.005));
    assert.equal(new Set(vs.map((v) => v.id)).size, 3);
    for (const v of vs) assert.equal(v.slide, "7");
  });
});

// ---------------------------------------------------------------------------
// (b), (c)

interface Arm {
  method: string;
  acc: (p: number, epc: number) => number;
  dr?: (p: number, epc: number) => number;
  readmitted?: (p: number, epc: number) => number | null;
  /** Seed spread of accuracy (and of DR, re-admission). */
  sd?: number;
  shape?: (seed: number, sd: number, epochsPerCycle: number) => number;
}

function cycleRows(arms: readonly Arm[], pruneRates = [0.9, 0.95], lengths = [1, 5], seeds = SEEDS): CycleLengthRow[] {
  return arms.flatMap((a) =>
    pruneRates.flatMap((p) =>
      lengths.flatMap((epc) =>
        seeds.map((seed) => {
          const noise = (a.shape ?? dev)(seed, a.sd ?? 0.002, epc);
          const readmitted = a.readmitted?.(p, epc) ?? null;
          return {
            method: a.method,
            pruneRate: p,
            epochsPerCycle: epc,
            seed,
            testAccuracy: a.acc(p, epc) + noise,
            dyingRatio: (a.dr?.(p, epc) ?? 0.8) + noise,
            readmitted: readmitted === null ? null : readmitted + noise,
          };
        }),
      ),
    ),
  );
}

const flat = (v: number) => () => v;

describe("09 (b) · soft vs hard iEP at 1 and 5 epochs per cycle", () => {
  it("re-admission: holds well above the SESOI, does not hold when equivalent to zero, inconclusive when noisy", () => {
    expect(readmissionVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.9), readmitted: flat(0.12) }])), "holds");
    expect(readmissionVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.9), readmitted: flat(0), sd: 0.001 }])), "does not hold");
    // Above 0 for sure but short of the SESOI: partly holds.
    expect(readmissionVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.9), readmitted: flat(0.005), sd: 0.001 }])), "partly holds");
    expect(readmissionVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.9), readmitted: flat(0.02), sd: 0.05 }])), "inconclusive");
    // Hard iEP's rows (re-admission 0) are not part of the check.
    const v = readmissionVerdict(
      cycleRows([
        { method: "soft iEP", acc: flat(0.9), readmitted: flat(0.12) },
        { method: "hard iEP", acc: flat(0.9), readmitted: flat(0) },
      ]),
    );
    expect(v, "holds");
    assert.equal(v.numbers.SESOI, READMISSION_SESOI.value);
  });

  it("DR vs equal-steps EP: holds when soft's DR is lower by more than the SESOI in both readings, partly when in one, does not hold when higher or equal, inconclusive when noisy", () => {
    const ep = { method: "equal-steps EP", acc: flat(0.9), dr: flat(0.8), shape: dev2 };
    const withCycle = (rows: CycleLengthRow[], cycleDr: number, sd = 0.002) =>
      rows.map((r) => ({ ...r, lastCycleDyingRatio: r.method === "soft iEP" ? cycleDr + dev(r.seed, sd) : r.dyingRatio }));
    expect(softDrVsEqualStepsVerdict(withCycle(cycleRows([{ method: "soft iEP", acc: flat(0.9), dr: flat(0.7) }, ep]), 0.7)), "holds");
    // Lower over the run (the head start of the larger early masks), not within the last cycle.
    const partly = softDrVsEqualStepsVerdict(withCycle(cycleRows([{ method: "soft iEP", acc: flat(0.9), dr: flat(0.5) }, ep]), 0.85));
    expect(partly, "partly holds");
    assert.equal(partly.numbers["run DR (all cycles) · SESOI"], DR_SESOI.value);
    assert.match(partly.evidence, /run DR \(all cycles\) \(holds\).*DR within the last cycle \(does not hold\)/);
    expect(
      softDrVsEqualStepsVerdict(withCycle(cycleRows([{ method: "soft iEP", acc: flat(0.9), dr: flat(0.85) }, ep]), 0.85)),
      "does not hold",
    );
    expect(
      softDrVsEqualStepsVerdict(
        withCycle(
          cycleRows([
            { method: "soft iEP", acc: flat(0.9), dr: flat(0.8), sd: 0.001 },
            { ...ep, sd: 0.001 },
          ]),
          0.8,
        ),
      ),
      "does not hold",
    );
    expect(
      softDrVsEqualStepsVerdict(withCycle(cycleRows([{ method: "soft iEP", acc: flat(0.9), dr: flat(0.79), sd: 0.06 }, ep]), 0.79, 0.06)),
      "inconclusive",
    );
    // Without the within-cycle record, that reading has nothing to compare: the run reading decides alone… as partly at most.
    expect(softDrVsEqualStepsVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.9), dr: flat(0.7) }, ep])), "partly holds");
  });

  it("soft − hard: holds at every length, does not hold when reversed or equivalent to zero, inconclusive when noisy", () => {
    const hard = { method: "hard iEP", acc: flat(0.9), shape: dev2 };
    expect(softOverHardByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.93) }, hard])), "holds");
    expect(softOverHardByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.87) }, hard])), "does not hold");
    expect(
      softOverHardByLengthVerdict(
        cycleRows([
          { method: "soft iEP", acc: flat(0.9), sd: 0.0005 },
          { ...hard, sd: 0.0005 },
        ]),
      ),
      "does not hold",
    );
    expect(softOverHardByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.91), sd: 0.05 }, hard])), "inconclusive");
    // A gain that only appears with longer cycles: holds at 5, equivalent to zero at 1 → partly holds.
    const grows = softOverHardByLengthVerdict(
      cycleRows([
        { method: "soft iEP", acc: (_, epc) => (epc === 5 ? 0.93 : 0.9), sd: 0.0005 },
        { ...hard, sd: 0.0005 },
      ]),
    );
    expect(grows, "partly holds");
    assert.equal(grows.numbers.SESOI, ACCURACY_SESOI.value);
    assert.match(grows.evidence, /5 epochs\/cycle: \+0\.030/);
  });

  it("soft − hard gain change: holds when the gain is the same at both lengths, does not hold when it changes by more than the SESOI, inconclusive when noisy", () => {
    const hard = { method: "hard iEP", acc: flat(0.9), shape: dev2 };
    expect(softHardGainChangeVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.92) }, hard])), "holds");
    expect(
      softHardGainChangeVerdict(cycleRows([{ method: "soft iEP", acc: (_, epc) => (epc === 5 ? 0.95 : 0.91) }, hard])),
      "does not hold",
    );
    // Seed effects that differ between the lengths leave the change noisy.
    expect(
      softHardGainChangeVerdict(
        cycleRows([{ method: "soft iEP", acc: flat(0.92), sd: 0.03, shape: (s, sd, epc) => dev(s + epc, sd) }, hard]),
      ),
      "inconclusive",
    );
    // One length only: nothing to compare.
    expect(softHardGainChangeVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.92) }, hard], [0.9], [1])), "inconclusive");
  });

  it("pairs by seed: a seed effect shared by both methods does not widen the interval", () => {
    const shared = (seed: number, sd: number) => dev(seed, sd);
    const rows = cycleRows([
      { method: "soft iEP", acc: flat(0.915), sd: 0.05, shape: (s, sd) => shared(s, sd) + dev2(s, 0.001) },
      { method: "hard iEP", acc: flat(0.9), sd: 0.05, shape: shared },
    ]);
    expect(softOverHardByLengthVerdict(rows), "holds");
    // Seeds listed in another order on one side are still paired.
    const e = pairedEstimate(
      "x",
      [
        { seed: 1, value: 1 },
        { seed: 2, value: 2 },
        { seed: 3, value: 3.5 },
      ],
      [
        { seed: 3, value: 2 },
        { seed: 1, value: 0 },
        { seed: 2, value: 1 },
      ],
    );
    assert.match(e.design, /paired t, 3 seeds/);
    assert.ok(Math.abs(e.estimate - (1 + 1 + 1.5) / 3) < 1e-12);
  });

  it("the four verdicts of (b) cite deck pages 12, 14 and 16", () => {
    const vs = softHardLengthVerdicts(
      cycleRows([
        { method: "soft iEP", acc: flat(0.92), readmitted: flat(0.1) },
        { method: "hard iEP", acc: flat(0.9) },
      ]),
    );
    assert.deepEqual(
      vs.map((v) => v.slide),
      ["12", "14", "16", "16"],
    );
  });
});

describe("09 (c) · soft iEP vs compute-matched EP vs EP + K LR restarts", () => {
  const cm = { method: "compute-matched EP", acc: flat(0.9), shape: dev2 };
  const restarts = { method: "EP + K LR restarts", acc: flat(0.9), shape: dev2 };

  it("soft iEP − compute-matched EP: holds, does not hold (reversed / equivalent), inconclusive", () => {
    expect(iepVsComputeMatchedByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.93) }, cm], [0.95])), "holds");
    expect(iepVsComputeMatchedByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.88) }, cm], [0.95])), "does not hold");
    expect(
      iepVsComputeMatchedByLengthVerdict(
        cycleRows(
          [
            { method: "soft iEP", acc: flat(0.9), sd: 0.0005 },
            { ...cm, sd: 0.0005 },
          ],
          [0.95],
        ),
      ),
      "does not hold",
    );
    expect(iepVsComputeMatchedByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.91), sd: 0.05 }, cm], [0.95])), "inconclusive");
  });

  it("soft iEP − EP + K LR restarts: holds, does not hold, inconclusive", () => {
    expect(gradualVsRestartsByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.93) }, restarts], [0.95])), "holds");
    expect(gradualVsRestartsByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.85) }, restarts], [0.95])), "does not hold");
    expect(
      gradualVsRestartsByLengthVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.91), sd: 0.05 }, restarts], [0.95])),
      "inconclusive",
    );
  });

  it("the gain's change with length: holds when steady, does not hold when it shrinks past the SESOI, inconclusive when noisy", () => {
    expect(iepGainChangeVerdict(cycleRows([{ method: "soft iEP", acc: flat(0.92) }, cm], [0.95])), "holds");
    expect(
      iepGainChangeVerdict(cycleRows([{ method: "soft iEP", acc: (_, epc) => (epc === 5 ? 0.9 : 0.94) }, cm], [0.95])),
      "does not hold",
    );
    expect(
      iepGainChangeVerdict(
        cycleRows([{ method: "soft iEP", acc: flat(0.92), sd: 0.03, shape: (s, sd, epc) => dev(s + epc, sd) }, cm], [0.95]),
      ),
      "inconclusive",
    );
  });

  it("prints the power each contrast had and the seeds 80 % would need", () => {
    const [v] = restartsLengthVerdicts(
      cycleRows([{ method: "soft iEP", acc: flat(0.905), sd: 0.02 }, cm, restarts], [0.95], [1, 5], [1, 2, 3]),
    );
    assert.match(v!.evidence, /power at the SESOI 0\.\d\d, \d+ seeds for 80 %/);
    assert.ok(Number.isFinite(v!.numbers["p = 0.95, 1 epoch/cycle: power"]));
  });
});
