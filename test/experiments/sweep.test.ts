/**
 * Sweep specs, their expansion and validation, shards, and sweeps run in this process:
 * finished runs skipped, a failed run recorded while the others go on, a full disk
 * stopping the sweep with one clear error.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SltError } from "../../src/errors";
import { atomicFs, resetAtomicFs } from "../../src/experiments/atomic";
import { parseRunConfig, runId } from "../../src/experiments/config";
import { pruningStrategies } from "../../src/iep/pruning";
import { RunStore } from "../../src/experiments/store";
import {
  type SweepEvent,
  expandSweep,
  parseShard,
  planRuns,
  planSweep,
  runSweep,
  shardOf,
  sweepFailureError,
} from "../../src/experiments/sweep";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-sweep-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
let storeCount = 0;
const freshStore = () => path.join(scratch, `store-${storeCount++}`);

/** A few steps per epoch on 8×8 synthetic images: a run takes well under a second. */
const tiny = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTrain: 300, limitTest: 100, batchSize: 50, epochs: 2 };

function thrown(fn: () => unknown): SltError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SltError, `expected an SltError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

test("expandSweep: grid combinations in a fixed order (first key slowest), dotted fields, then explicit runs", () => {
  const spec = {
    name: "s",
    base: { ...tiny, method: "iep" },
    grid: { keepFraction: [0.3, 0.5], "iep.pruning": ["soft", "hard"] },
    runs: [{ method: "ep", keepFraction: 0.1, label: "extra" }],
  };
  const configs = expandSweep(spec);
  assert.deepEqual(
    configs.map((c) => [c.method, c.keepFraction, c.iep.pruning]),
    [
      ["iep", 0.3, "soft"],
      ["iep", 0.3, "hard"],
      ["iep", 0.5, "soft"],
      ["iep", 0.5, "hard"],
      ["ep", 0.1, "soft"],
    ],
  );
  // Nested fields merge: a grid value for iep.pruning keeps the base's other iep fields.
  const withIep = expandSweep({ name: "n", base: { ...tiny, method: "iep", iep: { cycles: 3 } }, grid: { "iep.pruning": ["hard"] } });
  assert.equal(withIep[0].iep.cycles, 3);
  assert.equal(withIep[0].iep.pruning, "hard");
  // Labels say where a run came from; an explicit label is kept.
  const { runs } = planRuns(spec);
  assert.equal(runs[1].label, "s: keepFraction=0.3 iep.pruning=hard");
  assert.equal(runs[4].label, "extra");
  // Same spec, same order and ids, every time.
  assert.deepEqual(
    planRuns(spec).runs.map((r) => r.id),
    runs.map((r) => r.id),
  );
  assert.deepEqual(
    runs.map((r) => r.id),
    configs.map((c) => runId(c)),
  );
});

test("expandSweep: base alone is one run; runs without a grid are just the runs; duplicates are kept once", () => {
  assert.equal(expandSweep({ name: "one", base: tiny }).length, 1);
  assert.equal(expandSweep({ name: "r", base: tiny, runs: [{ seed: 1 }, { seed: 2 }] }).length, 2);
  // label does not change a run's identity, so these are one run.
  const plan = planRuns({ name: "d", base: tiny, grid: { label: ["a", "b"], seed: [0, 1] } });
  assert.equal(plan.runs.length, 2);
  assert.equal(plan.duplicates, 2);
});

test("a bad spec or grid value is one clear error naming the field and value, before anything runs", () => {
  const store = freshStore();
  const cases: { spec: unknown; mention: string[] }[] = [
    { spec: { base: tiny }, mention: ['"name"'] },
    { spec: { name: "x", base: tiny, grid: { seed: 3 } }, mention: ['"grid.seed" = 3', "array"] },
    { spec: { name: "x", base: tiny, grid: { seed: [] } }, mention: ['"grid.seed" = []'] },
    { spec: { name: "x", base: tiny, gird: { seed: [1] } }, mention: ['unknown field "gird"', "name, base, grid and runs"] },
    {
      spec: { name: "x", base: tiny, grid: { keepFraction: [0.5, 1.5] } },
      mention: ['grid "keepFraction" value 1.5', '"keepFraction" = 1.5', "no run was started"],
    },
    { spec: { name: "x", base: tiny, grid: { keepFraction: [0, 0.5] } }, mention: ['grid "keepFraction" value 0', '"keepFraction" = 0'] },
    { spec: { name: "x", base: tiny, grid: { epochs: [0, -1] } }, mention: ['grid "epochs" value 0', 'grid "epochs" value -1'] },
    {
      spec: { name: "x", base: tiny, grid: { "iep.pruning": ["medium"] } },
      mention: ['grid "iep.pruning" value "medium"', ...Object.keys(pruningStrategies)],
    },
    { spec: { name: "x", base: tiny, grid: { kepFraction: [0.5] } }, mention: ['unknown field "kepFraction"', "keepFraction"] },
    { spec: { name: "x", base: { ...tiny, lr: "fast" } }, mention: ['base: "lr" = "fast"', "number"] },
    { spec: { name: "x", base: tiny, runs: [{ seed: 1 }, { model: "resnet9000" }] }, mention: ["runs[1]", "resnet9000", "lenet300"] },
    { spec: { name: "x", base: tiny, grid: { dataset: ["imagenet"] } }, mention: ['grid "dataset" value "imagenet"', "synthetic"] },
    {
      spec: { name: "x", base: { ...tiny, limitTrain: 100, batchSize: 200 } },
      mention: ['"batchSize" = 200', "limitTrain = 100", "at most 100"],
    },
  ];
  for (const c of cases) {
    const e = thrown(() => planSweep(c.spec, { store }));
    assert.equal(e.kind, "config", e.message);
    for (const m of c.mention) assert.ok(e.message.includes(m), `message should mention ${m}:\n${e.message}`);
  }
  // One bad value among many is reported once, not once per combination.
  const e = thrown(() => expandSweep({ name: "x", base: tiny, grid: { keepFraction: [0.5, 1.5], seed: [0, 1, 2, 3] } }));
  assert.equal(e.message.split("1.5").length - 1, 2, e.message); // the grid value and the field's value, one line
  assert.equal(fs.existsSync(store), false, "nothing written");
});

test("runSweep with an invalid spec throws before creating anything", async () => {
  const store = freshStore();
  await assert.rejects(
    runSweep({ name: "x", base: tiny, grid: { keepFraction: [2] } }, { store, jobs: 1 }),
    (e: unknown) => e instanceof SltError && e.kind === "config",
  );
  assert.equal(fs.existsSync(store), false);
});

test("shardOf: a function of the run id alone; shards partition the runs; parseShard checks its input", () => {
  const ids = planRuns({ name: "s", base: tiny, grid: { seed: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] } }).runs.map((r) => r.id);
  for (const n of [1, 2, 3, 16]) {
    const shards = ids.map((id) => shardOf(id, n));
    for (const s of shards) assert.ok(s >= 0 && s < n);
    // Reordering the runs changes nothing.
    assert.deepEqual(
      [...ids].reverse().map((id) => shardOf(id, n)),
      [...shards].reverse(),
    );
  }
  assert.ok(new Set(ids.map((id) => shardOf(id, 3))).size > 1, "runs spread over shards");
  assert.deepEqual(parseShard("3/16"), { index: 3, count: 16 });
  assert.match(thrown(() => parseShard("16/16")).message, /between 0 and n−1 = 15/);
  assert.match(thrown(() => parseShard("a/b")).message, /"i\/n"/);
  assert.match(thrown(() => parseShard("0/0")).message, /between 0/);
  // planSweep with shards: the union of the shards is the whole sweep, no run twice.
  const spec = { name: "s", base: tiny, grid: { seed: [0, 1, 2, 3, 4, 5, 6, 7] } };
  const all = planSweep(spec, { store: freshStore() }).runs.map((r) => r.id);
  const parts = [0, 1, 2].flatMap((index) => planSweep(spec, { store: freshStore(), shard: { index, count: 3 } }).runs.map((r) => r.id));
  assert.deepEqual([...parts].sort(), [...all].sort());
});

test("runSweep in process: trains, then skips finished runs; a diverging run is recorded and the others go on", async () => {
  const store = freshStore();
  const spec = {
    name: "s",
    base: tiny,
    grid: { seed: [0, 1] },
    runs: [{ method: "weights", weightInit: "kaiming-normal", lr: 1e30, label: "diverges" }],
  };
  const events: SweepEvent[] = [];
  const first = await runSweep(spec, { store, jobs: 1, onEvent: (e) => events.push(e) });
  assert.equal(first.total, 3);
  assert.deepEqual(
    first.trained.map((r) => r.index),
    [0, 1],
  );
  assert.equal(first.failed.length, 1);
  const failed = first.failed[0];
  assert.equal(failed.kind, "training");
  assert.match(failed.error ?? "", /diverged/);
  assert.match(failed.error ?? "", /"lr"/);
  const rs = new RunStore(store);
  assert.equal(fs.existsSync(path.join(rs.runDir(failed.id), "run.json")), false, "no result for the failed run");
  assert.equal(rs.describe(failed.id).status, "failed");
  assert.ok(
    events.some((e) => e.type === "run" && e.event.type === "step") && events.some((e) => e.type === "run" && e.event.type === "epoch"),
  );
  // The failed run's own event says why, and the sweep's result quotes it.
  assert.ok(
    events.some(
      (e) => e.type === "run" && e.event.type === "run-failed" && e.event.id === failed.id && /diverged/.test(e.event.error.message),
    ),
  );
  assert.equal(events.filter((e) => e.type === "run-end").length, 3);
  const err = sweepFailureError(first);
  assert.ok(err);
  assert.match(err.message, /1 of 3 runs of sweep "s" failed/);
  assert.ok(err.message.includes(failed.id));

  const second = await runSweep(spec, { store, jobs: 1 });
  assert.deepEqual(
    second.cached.map((r) => r.index),
    [0, 1],
    "finished runs are not trained again",
  );
  assert.equal(second.trained.length, 0);
  assert.equal(second.failed.length, 1, "the failed run is retried (and fails again)");
});

test("runSweep in process: a full disk (ENOSPC) fails the run with one clear error and starts no other run", async () => {
  const store = freshStore();
  const spec = { name: "full", base: tiny, grid: { seed: [10, 11, 12] } };
  atomicFs.writeSync = () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  let summary: Awaited<ReturnType<typeof runSweep>>;
  try {
    summary = await runSweep(spec, { store, jobs: 1 });
  } finally {
    resetAtomicFs();
  }
  assert.equal(summary.failed.length, 1);
  assert.match(summary.failed[0].error ?? "", /disk is full/);
  assert.match(summary.failed[0].error ?? "", /slt gc/);
  assert.deepEqual(
    summary.stopped.map((r) => r.index),
    [1, 2],
  );
  assert.match(summary.stopped[0].error ?? "", /not started: The disk is full/);
  const rs = new RunStore(store);
  for (const id of rs.ids()) {
    const names = fs.readdirSync(rs.runDir(id));
    assert.deepEqual(
      // config.json is the run's start record, written whole by a rename before any checkpoint.
      names.filter((n) => n !== "lock" && n !== "config.json"),
      [],
      `nothing half-written in ${id}: ${names.join(", ")}`,
    );
  }
  // With space again, the sweep completes.
  const again = await runSweep(spec, { store, jobs: 1 });
  assert.equal(again.trained.length, 3);
});

test("runSweep with worker processes: progress streamed from each worker, results equal to training in process", async () => {
  const spec = { name: "w", base: tiny, grid: { seed: [70, 71, 72] } };
  const events: SweepEvent[] = [];
  const store = freshStore();
  const summary = await runSweep(spec, { store, jobs: 2, onEvent: (e) => events.push(e) });
  assert.deepEqual(
    summary.trained.map((r) => r.index),
    [0, 1, 2],
  );
  assert.equal(summary.failed.length, 0, JSON.stringify(summary.failed));
  const plan = events.find((e): e is Extract<SweepEvent, { type: "plan" }> => e.type === "plan");
  assert.ok(plan && !plan.inProcess && plan.jobs === 2);
  assert.equal(events.filter((e) => e.type === "worker-start").length, 2);
  // Which worker takes which run depends on scheduling (on a loaded machine one worker can
  // take all three tiny runs), so check that every run's progress came from the worker that ran it.
  const runWorker = new Map(
    events.flatMap((e) => (e.type === "run" && e.event.type === "run-start" ? [[e.event.id, e.worker] as const] : [])),
  );
  assert.equal(runWorker.size, 3);
  for (const [id, worker] of runWorker) {
    assert.ok(
      events.some((e) => e.type === "run" && e.event.type === "step" && e.event.id === id && e.worker === worker),
      `run ${id}: progress streamed from worker ${worker}`,
    );
  }
  assert.equal(events.filter((e) => e.type === "run" && e.event.type === "epoch").length, 3 * tiny.epochs);
  // Each run ends with its own run-end event, forwarded unchanged from the worker under the run's index.
  for (const r of summary.trained)
    assert.ok(
      events.some(
        (e) =>
          e.type === "run" && e.index === r.index && e.event.type === "run-end" && e.event.id === r.id && e.event.outcome === "trained",
      ),
    );
  assert.ok(events.filter((e) => e.type === "worker-exit").every((e) => e.type === "worker-exit" && e.code === 0 && e.signal === null));
  const local = freshStore();
  await runSweep(spec, { store: local, jobs: 1 });
  const strip = (s: string, id: string) => {
    const run = new RunStore(s).readFinished(id)!;
    return { epochs: run.result.epochs.map(({ seconds: _s, ...m }) => m), final: run.result.final };
  };
  for (const r of summary.trained) assert.deepEqual(strip(store, r.id), strip(local, r.id));
});

test("planSweep reports each run's status in the store", async () => {
  const store = freshStore();
  const spec = { name: "p", base: tiny, grid: { seed: [20, 21] } };
  await runSweep({ ...spec, grid: { seed: [20] } }, { store, jobs: 1 });
  const plan = planSweep(spec, { store });
  assert.deepEqual(
    plan.runs.map((r) => r.status),
    ["finished", "new"],
  );
  assert.equal(plan.runs[0].id, runId(parseRunConfig({ ...tiny, seed: 20 })));
});
