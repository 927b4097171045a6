/** SLT_LIMIT=smoke: capped configs are the runs (own ids, marked labels), in every front end. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runId } from "../../src/config";
import { ensureRuns } from "../../src/experiments/ensure";
import { applyRunLimit, runLimitFromEnv, runLimits } from "../../src/experiments/limit";
import { findRun, runExperiment } from "../../src/experiments/run";
import { planRuns } from "../../src/experiments/sweep-spec";
import { parseRunConfig } from "../../src/experiments/validate";
import { isSltError } from "../../src/errors";

const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const smoke = { SLT_LIMIT: "smoke" };

/** Runs `fn` with SLT_LIMIT set in this process's environment (the front ends read it there). */
async function withLimit<T>(value: string | undefined, fn: () => T | Promise<T>): Promise<T> {
  const before = process.env.SLT_LIMIT;
  if (value === undefined) delete process.env.SLT_LIMIT;
  else process.env.SLT_LIMIT = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.SLT_LIMIT;
    else process.env.SLT_LIMIT = before;
  }
}

describe("SLT_LIMIT", () => {
  it("leaves a config alone when unset or blank", () => {
    const full = parseRunConfig({ epochs: 10 });
    assert.equal(applyRunLimit(full, {}), full);
    assert.equal(applyRunLimit(full, { SLT_LIMIT: " " }), full);
    assert.equal(runLimitFromEnv({}), null);
  });

  it("smoke caps images and epochs, marks the label, changes the run id, and is idempotent", () => {
    const full = parseRunConfig({ epochs: 10, label: "mine" });
    const capped = applyRunLimit(full, smoke);
    assert.equal(capped.limitTrain, runLimits.smoke.limitTrain);
    assert.equal(capped.limitTest, runLimits.smoke.limitTest);
    assert.equal(capped.epochs, runLimits.smoke.epochs);
    assert.equal(capped.label, "mine [SLT_LIMIT=smoke]");
    assert.notEqual(runId(capped), runId(full));
    assert.deepEqual(applyRunLimit(capped, smoke), capped);
    // iEP: epochs per cycle; a smaller limit already set stays; a big batch still fits.
    const iep = applyRunLimit(
      parseRunConfig({ method: "iep", limitTrain: 100, batchSize: 50, iep: { cycles: 3, epochsPerCycle: 4 } }),
      smoke,
    );
    assert.equal(iep.iep.epochsPerCycle, 1);
    assert.equal(iep.iep.cycles, 3);
    assert.equal(iep.limitTrain, 100);
    assert.equal(applyRunLimit(parseRunConfig({ batchSize: 1000 }), smoke).limitTrain, 1000);
  });

  it("another value is one usage error naming SLT_LIMIT and its values", () => {
    assert.throws(
      () => applyRunLimit(parseRunConfig({}), { SLT_LIMIT: "tiny" }),
      (e: unknown) => isSltError(e) && e.kind === "usage" && e.subject === "SLT_LIMIT" && /"smoke"/.test(e.message),
    );
    const r = spawnSync(process.execPath, [CLI, "run", "--dry-run"], { encoding: "utf8", env: { ...process.env, SLT_LIMIT: "tiny" } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /SLT_LIMIT must be "smoke"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("slt run and slt sweep plan the capped run", async () => {
    const r = spawnSync(process.execPath, [CLI, "run", "--dry-run", "--epochs", "5"], {
      encoding: "utf8",
      env: { ...process.env, ...smoke },
    });
    assert.equal(r.status, 0, r.stderr);
    const planned = JSON.parse(r.stdout) as { id: string; config: { epochs: number; limitTrain: number; label: string } };
    const expected = applyRunLimit(parseRunConfig({ epochs: 5 }), smoke);
    assert.equal(planned.id, runId(expected));
    assert.equal(planned.config.epochs, 1);
    assert.match(planned.config.label, /SLT_LIMIT=smoke/);
    const spec = { name: "s", base: { epochs: 4 }, grid: { keepFraction: [0.3, 0.5] } };
    const plan = await withLimit("smoke", () => planRuns(spec));
    assert.deepEqual(
      plan.runs.map((p) => p.config.epochs),
      [1, 1],
    );
    assert.match(plan.runs[0]!.label, /^s: keepFraction=0\.3 \[SLT_LIMIT=smoke\]$/);
    const unlimited = await withLimit(undefined, () => planRuns(spec));
    assert.notDeepEqual(
      plan.runs.map((p) => p.id),
      unlimited.runs.map((p) => p.id),
    );
  });

  it("runExperiment, findRun and ensureRuns train and find the capped run", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "slt-limit-"));
    try {
      const input = { dataset: "synthetic", model: "lenet300", epochs: 3, limitTrain: 0 };
      const run = await withLimit("smoke", () => runExperiment(input, { store }));
      assert.equal(run.config.epochs, 1);
      assert.equal(run.result.epochs.length, 1);
      assert.equal(await withLimit("smoke", () => findRun(input, store)?.id), run.id);
      assert.equal(await withLimit(undefined, () => findRun(input, store)), null, "the full run is another run");
      const [again] = await withLimit("smoke", () => ensureRuns([input], { store, jobs: 1, onEvent: () => {} }));
      assert.equal(again?.id, run.id);
    } finally {
      fs.rmSync(store, { recursive: true, force: true });
    }
  });
});
