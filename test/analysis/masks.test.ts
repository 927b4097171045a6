/**
 * The deck's slide 11 set-up: runs that differ only in dataOrderSeed start from the same
 * weights and scores and end with different masks; finalMaskOverlap compares them.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { finalMaskOverlap } from "../../src/analysis/masks";
import { SltError } from "../../src/errors";
import { initBackend } from "../../src/engine/backend";
import { loadDataset } from "../../src/data/registry";
import { parseRunConfig, runId } from "../../src/experiments/config";
import { runExperiment } from "../../src/experiments/run";
import { buildModel } from "../../src/models/factory";
import { runProcedure } from "../../src/train/procedure";
import { Recorder } from "../iep/helpers";
import { tinyRun } from "./helpers";

const store = fs.mkdtempSync(path.join(os.tmpdir(), "slt-masks-test-"));
after(() => fs.rmSync(store, { recursive: true, force: true }));

const base = tinyRun(0.3, { seed: 4 });

test("only dataOrderSeed differs: the same initial weights and scores, the same first mask, different final masks", async () => {
  await initBackend("cpu");
  const a = parseRunConfig(base);
  const b = parseRunConfig({ ...base, dataOrderSeed: 9 });
  assert.notEqual(runId(a), runId(b));
  // The model a run starts from (runProcedure builds it with buildModel from the config).
  const values = (c: typeof a) => {
    const model = buildModel(c, [8, 8, 1], 10);
    const out = model.layers.flatMap((l) => [l.weight, ...(l.scores ? [l.scores] : [])].map((t) => Array.from(t.dataSync())));
    model.dispose();
    return out;
  };
  assert.deepEqual(values(b), values(a), "same initial weights and scores");

  const data = await loadDataset("synthetic", { validationFraction: 0, seed: 4, limitTrain: 128, limitTest: 100 });
  const recA = new Recorder();
  const recB = new Recorder();
  const resA = await recA.run(a, data);
  await recB.run(b, data);
  assert.deepEqual(recB.steps[0].masks, recA.steps[0].masks, "the first mask (of the initial scores) is the same");
  const w = (r: Recorder) => r.layers.map((l) => r.checkpoints[1].variables[`${l.name}.weight`]);
  assert.deepEqual(w(recB), w(recA), "the frozen weights are the same");
  assert.notDeepEqual(recB.finalMasks.get(1), recA.finalMasks.get(1), "another data order, another final mask");

  // dataOrderSeed = seed is the default order: bit for bit the same run.
  const same = await runProcedure(parseRunConfig({ ...base, dataOrderSeed: 4 }), data);
  assert.deepEqual(same.final, resA.final);
  assert.deepEqual(same.finalMask, resA.finalMask);
});

test("finalMaskOverlap: 1 with itself, in (0, 1) across data orders, recounted from the stored bitsets; clear errors", async () => {
  const a = await runExperiment(base, { store });
  const b = await runExperiment({ ...base, dataOrderSeed: 9 }, { store });
  assert.equal(finalMaskOverlap(a, a).jaccard, 1);
  const o = finalMaskOverlap(a, b);
  assert.ok(o.jaccard > 0 && o.jaccard < 1, `jaccard ${o.jaccard}`);
  const kept = Math.round(a.result.final.keptFraction! * a.result.finalMask!.edges.reduce((s, n) => s + n, 0));
  assert.deepEqual([o.keptA, o.keptB], [kept, kept]);
  assert.equal(o.jaccard, o.shared / (o.keptA + o.keptB - o.shared));
  assert.deepEqual(Object.keys(o.perLayer), ["fc1", "fc2", "fc3"]);

  const old = structuredClone(a);
  delete old.result.finalMask;
  assert.throws(
    () => finalMaskOverlap(old, b),
    (e: unknown) => e instanceof SltError && e.message.includes(a.id) && /stored before final masks were kept/.test(e.message),
  );
  const wider = await runExperiment({ ...base, widthMultiplier: 0.2, epochs: 1 }, { store });
  assert.throws(
    () => finalMaskOverlap(a, wider),
    (e: unknown) => e instanceof SltError && /different networks/.test(e.message),
  );
  const dense = await runExperiment({ ...base, method: "weights", keepFraction: 1, epochs: 1 }, { store });
  assert.equal(dense.result.finalMask, null);
  assert.throws(
    () => finalMaskOverlap(dense, a),
    (e: unknown) => e instanceof SltError && /weight training/.test(e.message),
  );
});
