/**
 * The four rewinding variants, observed at the cycle boundary itself (through probes on
 * the registries), in the LR each step used, and in the optimiser state the checkpoints
 * carry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng";
import type { RunConfig } from "../../src/experiments/config";
import { buildModel } from "../../src/models/factory";
import { type ScoreInitName, scoreInits } from "../../src/supermask/init";
import { rewindStrategies } from "../../src/iep/rewind";
import { learningRate } from "../../src/train/schedule";
import { type BoundaryRecord, Recorder, liveTensors, ones, probeBoundaries, sameArrays, tinyConfig, tinyData } from "./helpers";

async function runProbed(config: RunConfig): Promise<{ rec: Recorder; boundaries: BoundaryRecord[] }> {
  const data = await tinyData();
  const boundaries: BoundaryRecord[] = [];
  const unprobe = probeBoundaries(config, boundaries);
  const rec = new Recorder();
  try {
    await rec.run(config, data);
  } finally {
    unprobe();
  }
  assert.deepEqual(
    boundaries.map((b) => b.nextCycle),
    [2, 3],
  );
  return { rec, boundaries };
}

async function initialScores(config: RunConfig): Promise<Float32Array[]> {
  const data = await tinyData();
  const model = buildModel(config, [data.train.height, data.train.width, data.train.channels], data.numClasses);
  const out = model.layers.filter((l) => l.prunable).map((l) => Float32Array.from(l.scores!.dataSync() as Float32Array));
  model.dispose();
  return out;
}

function scoresInCheckpoint(rec: Recorder, epochIndex: number): Float32Array[] {
  return rec.layers.map((l) => rec.checkpoints[epochIndex].variables[`${l.name}.scores`]);
}

const STEPS = 8;

test("lr rewinding: each cycle restarts the LR schedule from the peak and keeps the scores; the optimiser starts afresh", async () => {
  const config = tinyConfig({ lr: 0.2, iep: { pruning: "hard", rewind: "lr" } });
  const { rec, boundaries } = await runProbed(config);
  const lrs = [1, 2, 3].map((c) => rec.stepsOf(c).map((s) => s.lr));
  const expected = Array.from({ length: STEPS }, (_, s) =>
    learningRate({ kind: "cosine", lr: 0.2, epochs: 1, warmupEpochs: 0, stepMilestones: [], stepGamma: 0.1 }, s / STEPS),
  );
  for (const cycleLrs of lrs) assert.deepEqual(cycleLrs, expected);
  assert.equal(lrs[1][0], 0.2);
  assert.ok(lrs[0][STEPS - 1] < 0.02, "the cosine schedule had decayed before the restart");
  for (const b of boundaries) {
    assert.ok(sameArrays(b.after, b.before), `cycle ${b.nextCycle} starts from the scores cycle ${b.nextCycle - 1} ended with`);
    // …which are the scores of the checkpoint written at the end of that cycle.
    assert.ok(sameArrays(b.before, scoresInCheckpoint(rec, b.nextCycle - 2)));
  }
  // The optimiser was reset at each boundary: its step count restarted.
  assert.deepEqual(
    rec.checkpoints.map((c) => c.optimizer.step),
    [STEPS, STEPS, STEPS],
  );
});

test("a list of K equal keeps is EP at one kept fraction with K LR restarts: same mask size every cycle, the schedule restarts", async () => {
  const config = tinyConfig({ lr: 0.2, keepFraction: 0.25, iep: { schedule: "list", keepFractions: [0.25, 0.25, 0.25] } });
  const { rec, boundaries } = await runProbed(config);
  const sizes = new Set(rec.steps.map((s) => s.masks.reduce((a, m) => a + ones(m), 0)));
  assert.equal(sizes.size, 1, "every step keeps as many edges");
  for (const c of [1, 2, 3]) assert.equal(rec.stepsOf(c)[0].lr, 0.2, `cycle ${c} starts at the peak LR`);
  for (const b of boundaries) assert.ok(sameArrays(b.after, b.before), "soft pruning with LR rewinding keeps the scores");
});

test("score rewinding restores the initial scores exactly at every boundary", async () => {
  const config = tinyConfig({ lr: 0.2, iep: { pruning: "hard", rewind: "scores" } });
  const { rec, boundaries } = await runProbed(config);
  const init = await initialScores(config);
  for (const b of boundaries) {
    assert.ok(sameArrays(b.after, init), `cycle ${b.nextCycle} starts from the initial scores, bit for bit`);
    assert.ok(!sameArrays(b.before, init), "training had moved the scores");
  }
  assert.deepEqual(rec.stepsOf(2)[0].lr, 0.2);
  assert.deepEqual(
    rec.checkpoints.map((c) => c.optimizer.step),
    [STEPS, STEPS, STEPS],
  );
});

test("re-initialisation draws fresh scores from the score init (seeded per cycle), neither the old nor the initial ones", async () => {
  const config = tinyConfig({ lr: 0.2, iep: { pruning: "soft", rewind: "reinit" } });
  const { rec, boundaries } = await runProbed(config);
  const init = await initialScores(config);
  for (const b of boundaries) {
    assert.ok(!sameArrays(b.after, b.before));
    assert.ok(!sameArrays(b.after, init));
    // Exactly the draw the rewind registry documents: the score init, from Rng.derive(seed, "reinit-<cycle>").
    const rng = Rng.derive(config.seed, `reinit-${b.nextCycle}`);
    const expected = rec.layers.map((l) =>
      scoreInits[config.scoreInit as ScoreInitName](l.numel, { fanIn: l.fanIn, keepFraction: config.keepFraction, rng }),
    );
    assert.ok(sameArrays(b.after, expected));
    // kaiming-uniform: inside ±1/√fan-in.
    rec.layers.forEach((l, i) => assert.ok(b.after[i].every((v) => Math.abs(v) <= 1 / Math.sqrt(l.fanIn))));
  }
  assert.deepEqual(
    rec.checkpoints.map((c) => c.optimizer.step),
    [STEPS, STEPS, STEPS],
  );
});

test("fine-tuning keeps scores and optimiser momentum and trains on at the constant iep.finetuneLr (default lr / 10), not the cosine's last LR", async () => {
  const config = tinyConfig({ lr: 0.2, iep: { pruning: "hard", rewind: "finetune" } });
  const { rec, boundaries } = await runProbed(config);
  for (const b of boundaries) assert.ok(sameArrays(b.after, b.before));
  const lastLr = rec.stepsOf(1)[STEPS - 1].lr;
  assert.ok(lastLr > 0 && lastLr < 0.02, `cosine ends small: ${lastLr}`);
  const finetuneLr = 0.2 / 10;
  for (const c of [2, 3]) for (const s of rec.stepsOf(c)) assert.equal(s.lr, finetuneLr, `cycle ${c} step ${s.globalStep}`);
  // An explicit iep.finetuneLr is used as given.
  const explicit = await runProbed(tinyConfig({ lr: 0.2, iep: { pruning: "hard", rewind: "finetune", finetuneLr: 0.05 } }));
  for (const c of [2, 3]) for (const s of explicit.rec.stepsOf(c)) assert.equal(s.lr, 0.05, `cycle ${c} step ${s.globalStep}`);
  // Never reset: the optimiser counts every step of the run, and its momentum carries over.
  assert.deepEqual(
    rec.checkpoints.map((c) => c.optimizer.step),
    [STEPS, 2 * STEPS, 3 * STEPS],
  );
  const momentumAtEnd1 = rec.checkpoints[0].optimizer.slots.momentum;
  assert.ok(momentumAtEnd1.some((m) => m.some((v) => v !== 0)));
  assert.equal(rec.checkpoints[1].constantLr, finetuneLr);
});

test("fine-tuning's carried momentum drives the next cycle: zeroing it at the boundary changes cycle 2, keeping it repeats the run", async () => {
  // If the boundary reset the optimiser, the momentum in the boundary checkpoint could not
  // matter; resuming from that checkpoint with and without it tells the two apart.
  const data = await tinyData();
  const config = tinyConfig({ lr: 0.2, weightDecay: 0, iep: { cycles: 2, pruning: "soft", rewind: "finetune" } });
  const rec = new Recorder();
  await rec.run(config, data);
  const resumed = new Recorder();
  const checkpoint = structuredClone(rec.checkpoints[0]);
  await resumed.run(config, data, checkpoint);
  assert.ok(sameArrays(scoresInCheckpoint(resumed, 0), scoresInCheckpoint(rec, 1)), "a resume from the boundary repeats the run");
  const zeroed = structuredClone(rec.checkpoints[0]);
  zeroed.optimizer.slots.momentum = zeroed.optimizer.slots.momentum.map((m) => new Float32Array(m.length));
  const noMomentum = new Recorder();
  await noMomentum.run(config, data, zeroed);
  assert.ok(
    !sameArrays(scoresInCheckpoint(noMomentum, 0), scoresInCheckpoint(rec, 1)),
    "dropping the momentum changes cycle 2, so the run used it",
  );
});

test("cycle boundaries free what they allocate: an iEP run leaves no more tensors behind than a one-cycle EP run", async () => {
  // (Model building itself leaves a few tensors per run; this compares against that.)
  const data = await tinyData();
  const leftBehind = async (config: RunConfig) => {
    const before = liveTensors();
    await new Recorder().run(config, data);
    return liveTensors() - before;
  };
  const ep = tinyConfig({ method: "ep", epochs: 3 });
  await leftBehind(ep); // warm-up: kernels allocate once
  const baseline = await leftBehind(ep);
  for (const rewind of Object.keys(rewindStrategies)) {
    assert.equal(await leftBehind(tinyConfig({ iep: { pruning: "hard", rewind } })), baseline, `rewind ${rewind}`);
  }
});
