/**
 * The studies of notebooks 02 and 05–08 share runs with 01 and 04 through the presets: the
 * shared configs must have the same run ids, or the standard workbook trains them twice.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRunConfig, runId } from "../../src/experiments/config";
import type { RunConfig, RunConfigInput } from "../../src/experiments/config";
import { hyperparameterSweep } from "../../src/workbook/hyperparameter-studies";
import { interventionStudy, probeStudy, REWINDS, rewindingStudy, widthStudy } from "../../src/workbook/method-studies";
import { HIGH_PRUNE_RATE, type Scale, seedsAt } from "../../src/workbook/presets";
import { accuracyStudy, dyingRatioStudy } from "../../src/workbook/studies";

const id = (c: RunConfigInput | RunConfig) => runId(parseRunConfig(c));
const ids = (cs: ReadonlyArray<RunConfigInput | RunConfig>) => new Set(cs.map(id));
const SCALES: Scale[] = ["quick", "standard", "full"];

describe("nb2 studies share runs with notebooks 01 and 04", () => {
  for (const scale of SCALES) {
    it(`${scale}: 05's lr rewinding, EP and compute-matched EP are 04's runs; the other rewinds are new`, () => {
      const acc = accuracyStudy({ scale });
      const accIds = ids(acc.configs);
      const s = rewindingStudy({ scale });
      for (const r of s.runs) {
        const shared = r.variant === "iEP rewind lr" || r.variant === "EP" || r.variant === "compute-matched EP";
        assert.equal(accIds.has(id(r.config)), shared, `${r.variant} p=${r.pruneRate}`);
      }
      const seedCount = acc.pruneRates.reduce((n, p) => n + seedsAt(acc.preset, p).length, 0);
      assert.equal(s.runs.length, seedCount * (REWINDS.length + 2));
      assert.deepEqual(s.pruneRates, acc.pruneRates);
      assert.ok(s.pruneRates.length >= 3);
    });

    it(`${scale}: 07 at the preset's width is 04's runs at p = 0.9, and every width has each method and seed`, () => {
      const s = widthStudy({ scale });
      const accIds = ids(accuracyStudy({ scale }).configs);
      for (const r of s.runs)
        assert.equal(accIds.has(id(r.config)), r.widthMultiplier === s.preset.widthMultiplier, `${r.method} w=${r.widthMultiplier}`);
      assert.equal(s.runs.length, s.widths.length * 5 * seedsAt(s.preset, s.pruneRate).length);
      assert.ok(s.widths.includes(s.preset.widthMultiplier));
    });

    it(`${scale}: 08's reference and soft iEP are 04's runs; IteRand is the reference plus IteRand`, () => {
      const s = interventionStudy({ scale });
      const accIds = ids(accuracyStudy({ scale }).configs);
      for (const r of s.runs) assert.equal(accIds.has(id(r.config)), r.variant !== "IteRand", r.variant);
      const ref = s.runs.filter((r) => r.variant === "compute-matched EP").map((r) => parseRunConfig(r.config));
      const iterand = s.runs.filter((r) => r.variant === "IteRand").map((r) => parseRunConfig(r.config));
      assert.equal(iterand.length, ref.length);
      iterand.forEach((c, i) => assert.deepEqual({ ...c, iterand: null }, ref[i]));
    });

    it(`${scale}: 06's EP runs and context are 01's runs; each shipped variant is EP plus one plug-in`, () => {
      const s = probeStudy({ scale });
      assert.deepEqual(
        s.variants.map((v) => v.name),
        ["IteRand", "sign flips"],
      );
      const ep = s.compared.filter((r) => r.variant === "EP").map((r) => parseRunConfig(r.config));
      for (const v of s.variants) {
        const own = s.compared.filter((r) => r.variant === v.name).map((r) => parseRunConfig(r.config));
        assert.equal(own.length, ep.length);
        own.forEach((c, i) => assert.deepEqual({ ...c, iterand: null, signFlip: null }, ep[i]));
      }
      const drIds = ids(dyingRatioStudy({ scale }).configs);
      for (const r of [...s.compared, ...s.context])
        assert.equal(drIds.has(id(r.config)), r.variant === "EP" || r.variant === "EP (all prune rates)", r.variant);
    });

    it(`${scale}: 02's MLP base setting is 01's EP run at p = 0.5; 08 builds the same sweep`, () => {
      const sweep = hyperparameterSweep({ scale });
      const drIds = ids(dyingRatioStudy({ scale }).configs);
      const base = sweep.runs.filter((r) => r.modelName === "MLP" && r.factor === "base");
      assert.ok(base.length >= 3);
      for (const r of base) assert.ok(drIds.has(id(r.config)), `seed ${r.seed}`);
      const settings = new Set(sweep.runs.map((r) => `${r.modelName}|${r.setting}`));
      assert.equal(settings.size, 2 * sweep.settings.length, "settings are unique within a model");
    });
  }

  it("04 runs more seeds at p ≥ 0.9 (8 at standard), the preset's seeds below; 05, 07 and 08 follow", () => {
    for (const scale of SCALES) {
      const acc = accuracyStudy({ scale });
      for (const p of acc.pruneRates) {
        const seeds = new Set(acc.runs.filter((r) => r.pruneRate === p).map((r) => r.seed));
        const expected = p >= HIGH_PRUNE_RATE ? acc.preset.highPruneSeeds : acc.preset.seeds;
        assert.deepEqual(
          [...seeds].sort((a, b) => a - b),
          expected,
          `${scale} p=${p}`,
        );
        assert.equal(acc.runs.filter((r) => r.pruneRate === p).length, expected.length * 6, "six methods per seed");
      }
    }
    const std = accuracyStudy({ scale: "standard" });
    assert.ok(std.preset.highPruneSeeds.length >= 8);
    assert.deepEqual(std.preset.seeds, [1, 2, 3]);
    const iv = interventionStudy({ scale: "standard" });
    assert.equal(new Set(iv.runs.map((r) => r.seed)).size, std.preset.highPruneSeeds.length);
  });

  it("the probe refuses a prune rate notebook 01 does not train", () => {
    assert.throws(() => probeStudy({ scale: "quick", pruneRate: 0.42 }), /one of notebook 01's/);
  });
});
