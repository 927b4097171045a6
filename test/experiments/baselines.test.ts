import { test } from "node:test";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import { runId, totalEpochs } from "../../src/config";
import { parseRunConfig } from "../../src/experiments/validate";
import { computeMatchedBaseline, equalStepsBaseline, oneShotBaseline, weightsBaseline } from "../../src/experiments/baselines";
import { planCycles } from "../../src/iep/schedule";
import { runProcedure } from "../../src/train/procedure";
import { tinyConfig, tinyData } from "../iep/helpers";

const iep = () =>
  tinyConfig({
    label: "iep",
    lrSchedule: "step",
    stepMilestones: [0.5],
    iterand: { period: 5, rate: 0.2 },
    iep: { cycles: 3, epochsPerCycle: 2, pruning: "hard" },
  });

test("baselines change only what they are about, and come back validated", () => {
  const c = iep();
  const one = oneShotBaseline(c);
  const matched = computeMatchedBaseline(c);
  const dense = weightsBaseline(c);
  for (const b of [one, matched, dense]) assert.deepEqual(parseRunConfig(b), b, "already a valid, defaulted config");

  // Same everything but method and epochs.
  const same = (b: typeof c) => ({ ...b, method: c.method, epochs: c.epochs, label: c.label, stepMilestones: c.stepMilestones });
  assert.deepEqual(same(one), c);
  assert.equal(one.method, "ep");
  assert.equal(one.keepFraction, c.keepFraction);
  assert.equal(one.epochs, 2);
  assert.deepEqual(one.stepMilestones, [0.5]);
  assert.deepEqual(one.iterand, c.iterand, "IteRand stays on: only the schedule differs");

  assert.deepEqual(same(matched), c);
  assert.equal(matched.epochs, 6);
  assert.equal(totalEpochs(matched), totalEpochs(c));
  assert.deepEqual(matched.stepMilestones, [1.5], "the per-cycle schedule is stretched over the longer run");

  assert.equal(dense.method, "weights");
  assert.equal(dense.epochs, 6);
  assert.equal(dense.iterand, null);
  assert.equal(dense.keepFraction, 1);
  assert.equal(dense.weightInit, "kaiming-normal");
  assert.equal(weightsBaseline(c, { weightInit: "kaiming-uniform" }).weightInit, "kaiming-uniform");
  assert.deepEqual(
    [dense.model, dense.widthMultiplier, dense.dataset, dense.limitTrain, dense.seed, dense.batchSize],
    [c.model, c.widthMultiplier, c.dataset, c.limitTrain, c.seed, c.batchSize],
  );
  // Every kept fraction of one model shares one weights run.
  assert.equal(runId(weightsBaseline(tinyConfig({ keepFraction: 0.3 }))), runId(weightsBaseline(tinyConfig({ keepFraction: 0.05 }))));
  assert.equal(weightsBaseline(parseRunConfig({ method: "ep", epochs: 4 })).epochs, 4);

  assert.match(one.label, /one-shot/);
  assert.notEqual(runId(one), runId(matched));
  assert.throws(
    () => oneShotBaseline(one),
    (e: unknown) => e instanceof SltError && /method = "iep"/.test(e.message),
  );
  assert.throws(() => computeMatchedBaseline({ method: "weights" }), SltError);
});

test("the compute-matched baseline trains as many epochs and steps as the iEP run, the one-shot one a cycle's worth", async () => {
  const data = await tinyData();
  const c = tinyConfig({ iep: { cycles: 3, epochsPerCycle: 1, pruning: "hard" } });
  const steps = (r: Awaited<ReturnType<typeof runProcedure>>) => r.epochs.reduce((s, e) => s + e.steps, 0);
  const iepRun = await runProcedure(c, data);
  const matched = await runProcedure(computeMatchedBaseline(c), data);
  const one = await runProcedure(oneShotBaseline(c), data);
  assert.equal(matched.epochs.length, iepRun.epochs.length);
  assert.equal(steps(matched), steps(iepRun));
  assert.equal(steps(matched), 24);
  assert.equal(one.epochs.length, 1);
  assert.equal(steps(one), 8);
  for (const r of [matched, one]) {
    assert.equal(r.cycles.length, 1);
    assert.equal(r.final.keptFraction, iepRun.final.keptFraction, "same final kept fraction");
  }
});

test("the equal-steps EP control of cycle c: EP at that cycle's kept fraction for the epochs of cycles 1..c, nothing else changed", () => {
  const c = iep();
  const plan = planCycles(c);
  for (const cycle of [1, 2, 3]) {
    const b = equalStepsBaseline(c, cycle);
    assert.deepEqual(parseRunConfig(b), b, "already a valid, defaulted config");
    assert.equal(b.method, "ep");
    assert.equal(b.keepFraction, plan[cycle - 1].keepFraction);
    assert.equal(b.epochs, 2 * cycle);
    assert.deepEqual(b.stepMilestones, [0.5 * cycle]);
    assert.match(b.label, new RegExp(`equal-steps EP control \\(cycle ${cycle}\\)`));
    const same = {
      ...b,
      method: c.method,
      epochs: c.epochs,
      label: c.label,
      stepMilestones: c.stepMilestones,
      keepFraction: c.keepFraction,
    };
    assert.deepEqual(same, c, "only method, kept fraction, epochs, milestones and label differ");
  }
  // The last cycle's control is the compute-matched baseline (same run), up to its label.
  assert.equal(runId(equalStepsBaseline(c, 3)), runId(computeMatchedBaseline(c)));
  assert.notEqual(runId(equalStepsBaseline(c, 1)), runId(equalStepsBaseline(c, 2)));
  for (const bad of [0, 4, 1.5])
    assert.throws(
      () => equalStepsBaseline(c, bad),
      (e: unknown) => e instanceof SltError && e.message.includes("has 3") && e.message.includes("1 to 3"),
    );
  assert.throws(() => equalStepsBaseline({ method: "ep" }, 1), SltError);
});

test("the equal-steps control of cycle c trains exactly the steps the iEP run has trained by the end of cycle c, and keeps as many edges", async () => {
  const data = await tinyData();
  const c = tinyConfig({ iep: { cycles: 3, epochsPerCycle: 1, pruning: "soft" } });
  const iepRun = await runProcedure(c, data);
  for (const cycle of [1, 2]) {
    const control = await runProcedure(equalStepsBaseline(c, cycle), data);
    const iepSteps = iepRun.epochs.filter((e) => e.cycle <= cycle).reduce((s, e) => s + e.steps, 0);
    assert.equal(
      control.epochs.reduce((s, e) => s + e.steps, 0),
      iepSteps,
    );
    assert.equal(iepSteps, 8 * cycle);
    assert.equal(control.final.keptFraction, iepRun.cycles[cycle - 1].reachedKeepFraction, "same kept count");
  }
});
