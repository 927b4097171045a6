/**
 * Notebook 09's study: runs shared within its parts and with notebooks 01 and 04 have the same
 * run ids (so the workbook trains them once), the design at each scale, and what a scale cuts
 * from the issue's full design.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRunConfig, runId } from "../../src/experiments/config";
import type { RunConfig, RunConfigInput } from "../../src/experiments/config";
import {
  FULL_DESIGN,
  LENGTH_IEP_CYCLES,
  REFERENCE_WEIGHT_DECAY,
  designCuts,
  lengthStudy,
  plannedTraining,
} from "../../src/workbook/length-study";
import { notebookPlans } from "../../src/workbook/plans";
import type { Scale } from "../../src/workbook/presets";
import { accuracyStudy, dyingRatioStudy } from "../../src/workbook/studies";

const id = (c: RunConfigInput | RunConfig) => runId(parseRunConfig(c));
const SCALES: Scale[] = ["quick", "standard", "full"];

describe("09 · training length study", () => {
  for (const scale of SCALES) {
    it(`${scale}: every part has each setting and seed; equal-steps EP is compute-matched EP; seeds are shared for pairing`, () => {
      const s = lengthStudy({ scale });
      const d = s.design;
      const swapCount = (d.swap.pruneRates.length + d.swap.referenceDecayPruneRates.length) * d.swap.epochs.length * d.swap.seeds.length;
      assert.equal(s.swap.length, swapCount);
      assert.equal(s.softHard.length, d.softHard.pruneRates.length * d.softHard.epochsPerCycle.length * d.softHard.seeds.length * 3);
      assert.equal(s.restarts.length, d.restarts.epochsPerCycle.length * d.restarts.seeds.length * 3);
      for (const r of s.swap) {
        const c = parseRunConfig(r.config);
        assert.equal(c.method, "ep");
        assert.equal(c.epochs, r.epochs);
        assert.equal(c.weightDecay, r.weightDecay);
      }
      assert.ok(s.swap.some((r) => r.weightDecay === REFERENCE_WEIGHT_DECAY));
      // The equal-steps control of the last cycle is the compute-matched run (same id), trained once.
      const cm = new Set(s.restarts.filter((r) => r.method === "compute-matched EP").map((r) => id(r.config)));
      const softC = new Set(s.restarts.filter((r) => r.method === "soft iEP").map((r) => id(r.config)));
      for (const r of s.softHard.filter((x) => x.pruneRate === d.restarts.pruneRate)) {
        if (!d.restarts.seeds.includes(r.seed) || !d.restarts.epochsPerCycle.includes(r.epochsPerCycle)) continue;
        if (r.method === "equal-steps EP") assert.ok(cm.has(id(r.config)), `equal-steps seed ${r.seed}`);
        if (r.method === "soft iEP") assert.ok(softC.has(id(r.config)), `soft seed ${r.seed}`);
      }
      for (const r of s.softHard) {
        const c = parseRunConfig(r.config);
        if (r.method !== "equal-steps EP") assert.equal(c.iep.cycles, LENGTH_IEP_CYCLES);
        else assert.equal(c.epochs, LENGTH_IEP_CYCLES * r.epochsPerCycle);
      }
      // (c)'s restarts: K equal keeps at the final keep, the same epochs.
      for (const r of s.restarts.filter((x) => x.method === "EP + K LR restarts")) {
        const c = parseRunConfig(r.config);
        assert.deepEqual(c.iep.keepFractions, [c.keepFraction, c.keepFraction, c.keepFraction]);
        assert.equal(c.iep.epochsPerCycle, r.epochsPerCycle);
      }
      // Every (b) comparison is paired: soft, hard and the control ran the same seeds.
      for (const m of ["soft iEP", "hard iEP", "equal-steps EP"])
        assert.equal(s.softHard.filter((r) => r.method === m).length, s.softHard.length / 3);
    });
  }

  it("standard reuses notebook 01's EP runs and notebook 04's iEP runs where the configs coincide", () => {
    const s = lengthStudy({ scale: "standard" });
    const dr = new Set(dyingRatioStudy({ scale: "standard" }).configs.map(id));
    const acc = new Set(accuracyStudy({ scale: "standard" }).configs.map(id));
    const reused01 = s.swap.filter((r) => dr.has(id(r.config)));
    assert.ok(reused01.length > 0);
    for (const r of reused01) assert.equal(r.weightDecay, s.weightDecays.workbook);
    // 04 runs K = 3 cycles of 1 epoch at standard: (b) and (c) at 1 epoch per cycle are its runs.
    for (const r of [...s.softHard, ...s.restarts].filter((x) => x.epochsPerCycle === 1 && x.seed <= 3))
      assert.ok(acc.has(id(r.config)), `${r.method} p=${r.pruneRate} seed ${r.seed}`);
  });

  it("cuts name what a scale leaves out of the full design; full cuts nothing", () => {
    assert.deepEqual(lengthStudy({ scale: "full" }).cuts, []);
    assert.deepEqual(designCuts(FULL_DESIGN), []);
    const cuts = lengthStudy({ scale: "standard" }).cuts;
    assert.ok(cuts.length > 0);
    assert.ok(cuts.some((c) => c.startsWith("(a)")));
    const fewer = designCuts({ ...FULL_DESIGN, restarts: { ...FULL_DESIGN.restarts, seeds: [1, 2] } });
    assert.deepEqual(fewer, ["(c): 2 seeds ({1, 2}) instead of 8"]);
  });

  it("plannedTraining counts each distinct run once and leaves out runs other notebooks train", () => {
    const s = lengthStudy({ scale: "standard" });
    const own = plannedTraining(s.configs);
    assert.equal(own.runs, new Set(s.configs.map(id)).size);
    const others = Object.entries(notebookPlans)
      .filter(([n]) => n !== "09-training-length")
      .flatMap(([, p]) => p("standard"));
    const marginal = plannedTraining(s.configs, others);
    assert.ok(marginal.runs < own.runs && marginal.epochs < own.epochs);
    assert.deepEqual(plannedTraining(s.configs, s.configs), { runs: 0, epochs: 0 });
  });

  it("is registered as notebook 09's plan", () => {
    assert.deepEqual(notebookPlans["09-training-length"]!("quick"), lengthStudy({ scale: "quick" }).configs);
  });
});
