/**
 * Behaviour pinned across refactors: a fixed set of small runs (EP, soft and hard iEP with
 * every rewinding variant, IteRand, weight training) on the synthetic set, wasm backend, must
 * keep their run ids and give bit-identical metrics. `metrics.json` was recorded by this file
 * (SLT_GOLDEN_RECORD=path) on the code before the settings/registry restructuring.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { type RunConfigInput, parseRunConfig, runExperiment, runId } from "../../src/index";

const base: RunConfigInput = {
  model: "lenet300",
  widthMultiplier: 0.1,
  dataset: "synthetic",
  limitTrain: 256,
  limitTest: 200,
  batchSize: 32,
  evalBatchSize: 200,
  keepFraction: 0.125,
  backend: "wasm",
};

/** The named configs; their names are the keys of metrics.json. */
export const goldenConfigs: Record<string, RunConfigInput> = {
  default: {},
  ep: { ...base, epochs: 2 },
  weights: { ...base, method: "weights", keepFraction: 1, epochs: 2, optimizer: "adam", lr: 0.01 },
  "ep-global": { ...base, epochs: 2, globalTopK: true, scoreInit: "uniform", weightInit: "kaiming-normal" },
  iterand: { ...base, epochs: 2, iterand: { period: 3, rate: 0.2 } },
};
for (const pruning of ["soft", "hard"] as const)
  for (const rewind of ["lr", "scores", "reinit", "finetune"] as const)
    goldenConfigs[`iep-${pruning}-${rewind}`] = { ...base, method: "iep", iep: { cycles: 3, epochsPerCycle: 1, pruning, rewind } };

interface Golden {
  id: string;
  epochs?: unknown;
  cycles?: unknown;
  final?: unknown;
}

/** Everything a run computes, minus wall-clock times. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => k !== "seconds")
        .map(([k, v]) => [k, strip(v)]),
    );
  return value;
}

/**
 * `actual` cut to the keys `expected` has, at every level: a pinned key missing from `actual`
 * stays missing (and fails the comparison); arrays keep their own length.
 */
function pinnedPart(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.map((a, i) => pinnedPart(a, expected[i]));
  if (actual && expected && typeof actual === "object" && typeof expected === "object" && !Array.isArray(expected)) {
    const a = actual as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(expected)
        .filter((k) => k in a)
        .map((k) => [k, pinnedPart(a[k], (expected as Record<string, unknown>)[k])]),
    );
  }
  return actual;
}

async function compute(name: string, store: string): Promise<Golden> {
  const input = goldenConfigs[name];
  const id = runId(parseRunConfig(input));
  if (name === "default") return { id };
  const run = await runExperiment(input, { store });
  const result = strip(run.result) as { epochs: unknown; cycles?: unknown; final: unknown };
  return { id, epochs: result.epochs, cycles: result.cycles, final: result.final };
}

const goldenFile = path.join(__dirname, "..", "..", "..", "test", "golden", "metrics.json");

test("golden runs keep their ids and bit-identical metrics (wasm backend)", async () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "slt-golden-"));
  try {
    const out: Record<string, Golden> = {};
    for (const name of Object.keys(goldenConfigs)) out[name] = await compute(name, store);
    const record = process.env.SLT_GOLDEN_RECORD;
    if (record) {
      fs.writeFileSync(record, `${JSON.stringify(out, null, 1)}\n`);
      return;
    }
    const expected = JSON.parse(fs.readFileSync(goldenFile, "utf8")) as Record<string, Golden>;
    assert.deepEqual(Object.keys(out).sort(), Object.keys(expected).sort());
    for (const name of Object.keys(expected)) {
      assert.equal(out[name].id, expected[name].id, `${name}: run id changed`);
      // Fields recorded since metrics.json was made (e.g. re-admission) are not pinned; every pinned one is, bit for bit.
      assert.deepEqual(pinnedPart(JSON.parse(JSON.stringify(out[name])), expected[name]), expected[name], `${name}: metrics changed`);
    }
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
});
