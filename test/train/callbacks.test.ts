/**
 * The whole-run loop's callbacks: the standard list holds exactly the jobs the hooks ask
 * for, in order, and at each epoch's end the report sees the epoch the metrics callback
 * recorded and the checkpoint holds it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkpointCallback,
  cycleBoundaryCallback,
  epochMetricsCallback,
  reportEpochCallback,
  restoreCallback,
  standardCallbacks,
} from "../../src/train/callbacks";
import { type Checkpoint, type EpochMetrics, runProcedure } from "../../src/train/procedure";
import { tinyConfig, tinyData } from "../iep/helpers";

test("standardCallbacks: boundary and metrics always; restore, report and checkpoint only when asked, in loop order", () => {
  const config = tinyConfig();
  const names = (cbs: object[]) => cbs.map((c) => Object.keys(c).sort().join("+"));
  const bare = standardCallbacks(config, {});
  assert.equal(bare.length, 2);
  assert.deepEqual(names(bare), names([cycleBoundaryCallback(config), epochMetricsCallback]));
  const full = standardCallbacks(config, { resumeFrom: {} as Checkpoint, onEvent: () => {}, saveCheckpoint: () => {} });
  assert.deepEqual(
    names(full),
    names([
      restoreCallback({} as Checkpoint),
      cycleBoundaryCallback(config),
      epochMetricsCallback,
      reportEpochCallback(() => {}),
      checkpointCallback(() => {}),
    ]),
  );
  assert.equal(full[2], epochMetricsCallback);
});

test("at each epoch's end the report gets the recorded epoch and the checkpoint that follows holds it", async () => {
  const data = await tinyData();
  const config = tinyConfig({ iep: { cycles: 2, epochsPerCycle: 2 } });
  const seen: string[] = [];
  let lastReported: EpochMetrics | null = null;
  const result = await runProcedure(config, data, {
    onEvent: (e) => {
      if (e.type !== "epoch") return;
      seen.push(`epoch ${e.metrics.epoch}`);
      lastReported = e.metrics;
    },
    saveCheckpoint: (c) => {
      seen.push(`checkpoint ${c.epochsDone}`);
      assert.equal(c.epochs[c.epochs.length - 1], lastReported, "the checkpoint holds the reported epoch");
      assert.equal(c.cycles.length, Math.floor(c.epochsDone / 2), "a cycle is recorded at its last epoch");
    },
  });
  assert.deepEqual(seen, ["epoch 1", "checkpoint 1", "epoch 2", "checkpoint 2", "epoch 3", "checkpoint 3", "epoch 4", "checkpoint 4"]);
  assert.equal(result.epochs.length, 4);
  assert.equal(result.cycles.length, 2);
});
