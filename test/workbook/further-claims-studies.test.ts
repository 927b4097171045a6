/**
 * Notebook 10's runs extend 01's, 04's, 07's and 08's: where the configs coincide they must be
 * the same runs (same ids), and what it adds must differ only in the thing under study.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRunConfig, runId } from "../../src/experiments/config";
import type { RunConfig, RunConfigInput } from "../../src/experiments/config";
import { denseWidthFor, furtherClaimsSeeds, furtherClaimsStudy, mlpEdges, otherDataOrder } from "../../src/workbook/further-claims-studies";
import { interventionStudy, widthStudy } from "../../src/workbook/method-studies";
import { type Scale, seedsAt } from "../../src/workbook/presets";
import { accuracyStudy, dyingRatioStudy } from "../../src/workbook/studies";

const id = (c: RunConfigInput | RunConfig) => runId(parseRunConfig(c));
const ids = (cs: ReadonlyArray<RunConfigInput | RunConfig>) => new Set(cs.map(id));
const SCALES: Scale[] = ["quick", "standard", "full"];

describe("notebook 10's studies", () => {
  it("counts LeNet-300-100's edges per layer, kept ones as the masks keep them, and finds the narrowest dense width with as many", () => {
    assert.equal(mlpEdges("lenet300", "mnist", 1), 784 * 300 + 300 * 100 + 100 * 10);
    assert.equal(mlpEdges("lenet300", "mnist", 1, 0.1), 23520 + 3000 + 100);
    const kept = mlpEdges("lenet300", "mnist", 1, 0.1);
    const w = denseWidthFor("lenet300", "mnist", kept);
    assert.ok(mlpEdges("lenet300", "mnist", w) >= kept);
    assert.ok(mlpEdges("lenet300", "mnist", Number((w - 0.001).toFixed(3))) < kept);
    assert.throws(() => mlpEdges("conv2", "mnist", 1), /lenet300/);
  });

  for (const scale of SCALES) {
    it(`${scale}: shared runs are 01's, 04's, 07's and 08's; the rest differ only in what is studied`, () => {
      const s = furtherClaimsStudy({ scale });
      assert.ok(s.seeds.length >= 3);
      if (scale !== "quick") assert.ok(s.seeds.length >= 8);
      assert.deepEqual(s.seeds, furtherClaimsSeeds(scale));

      // Batch order: the seed's own order is 01's run where 01 ran that seed; the other order changes only dataOrderSeed.
      const dr = ids(dyingRatioStudy({ scale }).configs);
      const drSeeds = new Set(dyingRatioStudy({ scale }).preset.seeds);
      for (const r of s.batchOrder.runs) {
        const c = parseRunConfig(r.config);
        if (r.order === "seed's own") {
          assert.equal(c.dataOrderSeed, null);
          assert.equal(dr.has(id(c)), drSeeds.has(r.seed));
        } else {
          assert.equal(c.dataOrderSeed, otherDataOrder(r.seed));
          const own = s.batchOrder.runs.find((o) => o.seed === r.seed && o.pruneRate === r.pruneRate && o.order === "seed's own")!;
          assert.equal(id({ ...c, dataOrderSeed: null }), id(own.config));
          assert.notEqual(id(c), id(own.config));
        }
      }
      assert.equal(s.batchOrder.runs.length, 2 * s.seeds.length * s.batchOrder.pruneRates.length);
      assert.equal(s.dense.runs.filter((r) => r.method === "weights (dense)").length, s.seeds.length * s.dense.widths.length);

      // A second data set: MNIST is 04's runs; Fashion-MNIST the same configs on the other data set.
      const acc = ids(accuracyStudy({ scale }).configs);
      for (const r of s.secondDataset.runs) {
        const c = parseRunConfig(r.config);
        assert.equal(c.dataset, r.dataset);
        if (r.dataset === "mnist") assert.ok(acc.has(id(c)));
        else assert.equal(acc.has(id({ ...c, dataset: "mnist" })), seedsAt(accuracyStudy({ scale }).preset, r.pruneRate).includes(r.seed));
      }

      // Dense weights: EP and soft iEP are 07's runs (soft iEP: where 07 ran the seed); the dense run has at least the kept parameters, at the narrowest such width.
      const ws = widthStudy({ scale });
      const width = ids(ws.configs);
      const widthSeeds = new Set(ws.runs.map((r) => r.seed));
      for (const r of s.dense.runs) {
        const c = parseRunConfig(r.config);
        if (r.method === "EP") assert.ok(width.has(id(c)));
        if (r.method === "soft iEP") assert.equal(width.has(id(c)), widthSeeds.has(r.seed));
        if (r.method !== "weights (dense)") continue;
        assert.equal(c.method, "weights");
        const iep = s.dense.runs.find((o) => o.method === "soft iEP" && o.seed === r.seed && o.widthMultiplier === r.widthMultiplier)!;
        assert.ok(r.parameters >= iep.parameters);
        assert.equal(r.trainedWidth, denseWidthFor("lenet300", c.dataset, iep.parameters));
        assert.equal(c.epochs, parseRunConfig(iep.config).iep.cycles * parseRunConfig(iep.config).iep.epochsPerCycle);
      }

      // IteRand: under signed-constant weights 08's runs (where 08 ran the seed); kaiming-normal changes only the weight init.
      const iv = ids(interventionStudy({ scale }).configs);
      const ivSeeds = new Set(interventionStudy({ scale }).runs.map((r) => r.seed));
      for (const r of s.iterand.runs) {
        const c = parseRunConfig(r.config);
        assert.equal(c.weightInit, r.weightInit);
        assert.equal(c.iterand !== null, r.variant === "IteRand");
        if (r.weightInit === "signed-constant") assert.equal(iv.has(id(c)), ivSeeds.has(r.seed));
        else assert.ok(iv.has(id({ ...c, weightInit: "signed-constant" })) === ivSeeds.has(r.seed));
      }
    });
  }
});
