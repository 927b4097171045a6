/**
 * The device path of the training loop (what GPU backends take; here forced with deviceMasks
 * "on" on cpu, so it runs fast everywhere): no read from the device during a step, the same
 * masks and dying-ratio record as the JavaScript path, no tensor left behind per epoch, and a
 * diverged loss still one clear error naming the epoch. test/engine/webgpu-training.test.ts
 * runs the same on WebGPU.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/engine/backend";
import { SltError } from "../../src/errors";
import type { RunConfig } from "../../src/experiments/config";
import { type Checkpoint, type ProcedureResult, runProcedure } from "../../src/train/procedure";
import { countReads } from "../engine/read-counter";
import { tinyConfig, tinyData } from "../iep/helpers";

/**
 * Runs `config` and returns, for every step but the run's first, the reads made between the
 * event of the step before it (or the epoch event before it) and its own event: the reads
 * the step itself made. The epoch-end reads (evaluation, the record's drain) fall before the
 * epoch event, so they are not counted; progress reads are off (progressReadMs Infinity).
 */
async function readsPerStep(config: RunConfig, backend: "cpu" | "wasm" = "cpu"): Promise<{ perStep: number[]; result: ProcedureResult }> {
  const data = await tinyData();
  await initBackend(backend);
  const counter = countReads();
  const perStep: number[] = [];
  let mark: number | null = null;
  try {
    const result = await runProcedure(config, data, {
      progressReadMs: Number.POSITIVE_INFINITY,
      onEvent: (e) => {
        const now = counter.count();
        if (e.type === "step" && mark !== null) perStep.push(now - mark);
        mark = now;
      },
    });
    return { perStep, result };
  } finally {
    counter.restore();
  }
}

const deviceOn = (c: RunConfig): RunConfig => ({ ...c, deviceMasks: "on" });

for (const [what, config] of [
  ["EP", tinyConfig({ method: "ep", epochs: 2 })],
  ["EP, global top-k", tinyConfig({ method: "ep", epochs: 2, globalTopK: true })],
  ["iEP, hard pruning", tinyConfig({ iep: { cycles: 2, pruning: "hard" } })],
  ["weights baseline", tinyConfig({ method: "weights", epochs: 2, lr: 0.01 })],
] as const) {
  test(`device path (${what}): 0 reads per training step; the JavaScript path, counted the same way, reads every step`, async () => {
    const device = await readsPerStep(deviceOn(config));
    assert.equal(device.perStep.length, device.result.epochs.reduce((s, e) => s + e.steps, 0) - 1);
    assert.deepEqual(
      device.perStep.filter((n) => n !== 0),
      [],
      "reads during steps",
    );
    // The counter sees reads where there are some (loss and correct count of every step).
    const js = await readsPerStep({ ...config, deviceMasks: "off" });
    assert.ok(
      js.perStep.every((n) => n >= 2),
      `JS path reads per step: ${js.perStep.join(",")}`,
    );
  });
}

test("device path: step events carry the loss and accuracy of the last step read for progress (at most one read in flight)", async () => {
  const data = await tinyData();
  const counter = countReads();
  const steps: { loss: number | null; accuracy: number | null }[] = [];
  try {
    await runProcedure(deviceOn(tinyConfig({ method: "ep", epochs: 2 })), data, {
      progressReadMs: 0,
      onEvent: (e) => {
        if (e.type === "step") steps.push({ loss: e.loss, accuracy: e.accuracy });
      },
    });
  } finally {
    counter.restore();
  }
  assert.equal(steps.length, 16);
  assert.equal(steps[0].loss, null, "nothing read yet at the first step");
  const read = steps.filter((s) => s.loss !== null);
  assert.ok(read.length >= 8, `${read.length} of 16 step events carry a read loss`);
  for (const s of read) assert.ok(s.loss! > 0 && s.accuracy! >= 0 && s.accuracy! <= 1, JSON.stringify(s));
});

test("device path on wasm (EP): 0 reads per training step there too", async () => {
  const config = tinyConfig({ method: "ep", epochs: 2, backend: "wasm" });
  const device = await readsPerStep(deviceOn(config), "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(device.perStep.length, 15);
  assert.deepEqual(
    device.perStep.filter((n) => n !== 0),
    [],
  );
  const js = await readsPerStep({ ...config, deviceMasks: "off" }, "wasm");
  assert.ok(
    js.perStep.every((n) => n >= 2),
    `JS path reads per step: ${js.perStep.join(",")}`,
  );
});

/** A result without wall times and with the losses apart (summed in float32 on the device, in doubles in JS). */
function split(r: ProcedureResult): { exact: unknown; losses: number[] } {
  const losses: number[] = [];
  const exact = JSON.parse(
    JSON.stringify(r, (k, v) => {
      if (k === "seconds") return undefined;
      if (/Loss$/.test(k) && typeof v === "number") {
        losses.push(v);
        return undefined;
      }
      return v;
    }),
  );
  return { exact, losses };
}

for (const [what, config] of [
  ["EP", tinyConfig({ method: "ep", epochs: 2 })],
  ["EP, global top-k", tinyConfig({ method: "ep", epochs: 2, globalTopK: true })],
  ["iEP hard, score rewinding", tinyConfig({ iep: { cycles: 3, pruning: "hard", rewind: "scores" } })],
  ["iEP soft, IteRand", tinyConfig({ iep: { cycles: 2, pruning: "soft" }, iterand: { period: 3, rate: 0.3 } })],
  ["EP, sign flips", tinyConfig({ method: "ep", epochs: 2, signFlip: { period: 3, rate: 0.3 } })],
  ["weights baseline", tinyConfig({ method: "weights", epochs: 2, lr: 0.01 })],
] as const) {
  test(`device path (${what}) on cpu: every metric of the JavaScript path (masks, dying ratio, turnover, accuracies) exactly; losses to float32 rounding`, async () => {
    const data = await tinyData();
    const js = split(await runProcedure({ ...config, deviceMasks: "off" }, data));
    const device = split(await runProcedure(deviceOn(config), data));
    assert.deepEqual(device.exact, js.exact);
    assert.equal(device.losses.length, js.losses.length);
    // The device sums a step's (or an evaluation's) losses in float32, JS in doubles: 1e-5 relative covers that rounding over these few hundred images.
    device.losses.forEach((l, i) =>
      assert.ok(Math.abs(l - js.losses[i]) <= 1e-5 * Math.abs(js.losses[i]), `loss ${i}: ${l} vs ${js.losses[i]}`),
    );
  });
}

test("device path: no tensor left behind from one epoch to the next (EP, iEP hard, IteRand)", async () => {
  const data = await tinyData();
  for (const config of [
    tinyConfig({ method: "ep", epochs: 4 }),
    tinyConfig({ iep: { cycles: 2, epochsPerCycle: 2, pruning: "hard" } }),
    tinyConfig({ method: "ep", epochs: 4, iterand: { period: 3, rate: 0.3 } }),
  ]) {
    const atEpochEnd: number[] = [];
    await runProcedure(deviceOn(config), data, {
      onEvent: (e) => {
        if (e.type === "epoch") atEpochEnd.push(tf.memory().numTensors);
      },
    });
    // A hard-pruning cycle boundary uploads the alive edges once (one tensor per layer): compare within each cycle.
    const perCycle = config.method === "iep" ? [atEpochEnd.slice(0, 2), atEpochEnd.slice(2, 4)] : [atEpochEnd];
    for (const counts of perCycle)
      assert.deepEqual(
        counts,
        counts.map(() => counts[0]),
        `${config.method}: tensors at each epoch's end ${atEpochEnd.join(",")}`,
      );
  }
});

test("device path: a run resumed from a checkpoint at a hard-pruning cycle boundary ends exactly as the uninterrupted run (the restored last mask is what the boundary prunes with)", async () => {
  const data = await tinyData();
  const config = deviceOn(tinyConfig({ iep: { cycles: 3, pruning: "hard", rewind: "lr" } }));
  const checkpoints: Checkpoint[] = [];
  const full = await runProcedure(config, data, { saveCheckpoint: (c) => checkpoints.push(structuredClone(c)) });
  for (const at of [0, 1]) {
    const resumed = await runProcedure(config, data, { resumeFrom: structuredClone(checkpoints[at]) });
    assert.deepEqual(withoutSeconds(resumed), withoutSeconds(full), `resumed after epoch ${at + 1}`);
  }
});

const withoutSeconds = (r: ProcedureResult) => JSON.parse(JSON.stringify(r, (k, v) => (k === "seconds" ? undefined : v)));

test("device path: a diverged loss is one clear error naming the epoch and the step, read at the epoch's end", async () => {
  const data = await tinyData();
  const config = deviceOn(tinyConfig({ method: "weights", weightInit: "kaiming-normal", epochs: 2, lr: 1e30 }));
  await assert.rejects(
    runProcedure(config, data),
    (e: unknown) =>
      e instanceof SltError &&
      e.subject === "lr" &&
      /^Training diverged: the loss became (NaN|-?Infinity) at epoch 1, step \d+ \(learning rate [\d.]+e\+(29|30)\)/.test(e.message),
  );
});
