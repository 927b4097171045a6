/**
 * A short real training on real MNIST (a few thousand images, lenet300, wasm): Edge-Popup
 * and weight training must learn far above chance, the run must be stored with its
 * config, backend, versions and timings, and asking again must return the stored run
 * without training.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunConfigInput, parseRunConfig, runId } from "../../src/experiments/config";
import { type RunOutcome, executeRun, findRun, runExperiment } from "../../src/experiments/run";
import { RunStore, type StoredRun } from "../../src/experiments/store";

const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-training-test-"));
after(() => fs.rmSync(storeDir, { recursive: true, force: true }));

const NUM_CLASSES = 10;
const CHANCE = 1 / NUM_CLASSES;

const base: RunConfigInput = {
  dataset: "mnist",
  model: "lenet300",
  limitTrain: 5000,
  limitTest: 1000,
  epochs: 2,
  keepFraction: 0.5,
  backend: "wasm",
  seed: 1,
};

/** Trains once (counting optimiser steps), then asks again; returns both outcomes and timings. */
async function trainThenFetch(input: RunConfigInput) {
  let steps = 0;
  const t0 = performance.now();
  const first = await executeRun(input, { store: storeDir, onEvent: (e) => e.type === "step" && steps++ });
  const trainMs = performance.now() - t0;
  const stepsFirst = steps;
  const t1 = performance.now();
  const second = await executeRun(input, { store: storeDir, onEvent: (e) => e.type === "step" && steps++ });
  const cachedMs = performance.now() - t1;
  return { first, second, trainMs, cachedMs, stepsFirst, stepsSecond: steps - stepsFirst };
}

function storedRun(outcome: RunOutcome, status: "trained" | "cached"): StoredRun {
  if (outcome.status === "busy" || outcome.status !== status) assert.fail(`expected status ${status}, got ${outcome.status}`);
  return outcome.run;
}

function checkStored(run: StoredRun, input: RunConfigInput): void {
  const config = parseRunConfig(input);
  assert.equal(run.id, runId(config));
  assert.deepEqual(run.config, config);
  const file = path.join(storeDir, run.id, "run.json");
  assert.ok(fs.existsSync(file), `${file} missing`);
  const onDisk = JSON.parse(fs.readFileSync(file, "utf8")) as StoredRun;
  assert.deepEqual(onDisk.config, config);
  assert.equal(onDisk.backend.name, "wasm");
  assert.ok(
    onDisk.versions.node && onDisk.versions["@tensorflow/tfjs"] && onDisk.versions["slt-workbench"],
    JSON.stringify(onDisk.versions),
  );
  assert.ok(onDisk.timings.seconds > 0 && onDisk.timings.secondsPerEpoch > 0, JSON.stringify(onDisk.timings));
  assert.ok(
    !Number.isNaN(Date.parse(onDisk.timings.startedAt)) && Date.parse(onDisk.timings.finishedAt) >= Date.parse(onDisk.timings.startedAt),
  );
  assert.match(onDisk.checksum, /^[0-9a-f]{64}$/);
  assert.equal(onDisk.result.epochs.length, config.epochs);
  // The store reads back exactly what was returned.
  assert.deepEqual(new RunStore(storeDir).readFinished(run.id), run);
  assert.deepEqual(findRun(input, storeDir), run);
}

test("Edge-Popup (keep 0.5) on 5,000 MNIST images learns, reports DR in (0, 1), is stored and then cached", async () => {
  const input: RunConfigInput = { ...base, method: "ep" };
  const r = await trainThenFetch(input);
  const run = storedRun(r.first, "trained");
  const cached = storedRun(r.second, "cached");
  const final = run.result.final;
  assert.ok(final.testAccuracy > 5 * CHANCE, `test accuracy ${final.testAccuracy} is not well above chance (${CHANCE})`);
  assert.ok(final.dyingRatio !== null && final.dyingRatio > 0 && final.dyingRatio < 1, `DR ${final.dyingRatio}`);
  // DR must be the edge-weighted mean of the per-layer counts, and bounded by the prune rate.
  const dying = final.layers.reduce((s, l) => s + l.dying, 0);
  const available = final.layers.reduce((s, l) => s + l.available, 0);
  assert.ok(Math.abs(final.dyingRatio - dying / available) < 1e-12);
  assert.ok(final.dyingRatio <= 1 - 0.5 + 1e-9, "at most the edges outside the first mask can die");
  assert.equal(final.layers.length, 3, "lenet300 has three prunable layers");
  for (const l of final.layers) assert.equal(l.lastKept, Math.round(0.5 * l.total), `${l.layer}: the final mask keeps half the edges`);
  checkStored(run, input);
  // The second call trained nothing and came back much faster, with the same result.
  assert.equal(r.stepsSecond, 0);
  assert.ok(r.stepsFirst > 0);
  assert.deepEqual(cached, run);
  assert.ok(r.cachedMs < r.trainMs / 5, `cached call took ${r.cachedMs.toFixed(0)} ms vs ${r.trainMs.toFixed(0)} ms for training`);
});

test("weight training on the same data learns, has no DR, and is stored and cached the same way", async () => {
  const input: RunConfigInput = { ...base, method: "weights" };
  const r = await trainThenFetch(input);
  const run = storedRun(r.first, "trained");
  const cached = storedRun(r.second, "cached");
  const final = run.result.final;
  assert.ok(final.testAccuracy > 5 * CHANCE, `test accuracy ${final.testAccuracy}`);
  assert.equal(final.dyingRatio, null);
  assert.equal(final.turnover, null);
  checkStored(run, input);
  assert.equal(r.stepsSecond, 0);
  assert.deepEqual(cached, run);
  // runExperiment returns the stored run too.
  assert.deepEqual(await runExperiment(input, { store: storeDir }), run);
});
