/**
 * The runs behind a published page as CSV (runs.csv, run-cycles.csv, run-epochs.csv): built
 * through the runner's own path (getRuns records them, writePageResults writes them), every
 * config field and the final metrics are there, and a verdict recomputed from runs.csv alone
 * equals the one the page published in its results.json.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import * as aq from "arquero";
import { dyingRatioVerdicts } from "../../src/analysis/claims";
import { summaryRows } from "../../src/analysis/runs";
import { parseRunConfig } from "../../src/experiments/config";
import { keepOf } from "../../src/workbook/presets";
import { readPublished, writePageResults } from "../../src/workbook/published";
import { RECORD_ENV, RUN_TABLE_FILES, configCells, csvFileName, recordVerdicts } from "../../src/workbook/record";
import { getRuns } from "../../src/workbook/runs";
import { TINY_LENET } from "../experiments/tiny-lenet";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slt-run-tables-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SEEDS = [1, 2, 3];
const configs = [0.3, 0.5, 0.7, 0.9].flatMap((p) =>
  SEEDS.map((seed) => ({
    method: "ep" as const,
    ...TINY_LENET,
    backend: "cpu" as const,
    keepFraction: keepOf(p),
    seed,
  })),
);

/** Reads a published CSV back as a collaborator would (run ids stay text). */
function readCsv(file: string): Array<Record<string, unknown>> {
  return aq.fromCSV(fs.readFileSync(file, "utf8"), { parse: { id: String } }).objects() as Array<Record<string, unknown>>;
}

describe("published run tables", () => {
  it("hold every run once with its whole config, and recompute the page's verdict from runs.csv alone", async () => {
    const rec = path.join(tmp, "record");
    const before = process.env[RECORD_ENV];
    process.env[RECORD_ENV] = rec;
    let verdicts: ReturnType<typeof dyingRatioVerdicts>;
    try {
      // As a notebook does: runs through getRuns (one config twice: one row), verdicts recorded.
      const runs = await getRuns([...configs, configs[0]!], { store: path.join(tmp, "runs"), jobs: 1, write: () => {} });
      verdicts = dyingRatioVerdicts(
        summaryRows(runs.slice(0, configs.length)).map((r) => ({ ...r, dyingRatio: r.dyingRatio ?? Number.NaN })),
      );
      recordVerdicts(verdicts, { seeds: SEEDS, setting: "lenet300×0.1 on synthetic" });
    } finally {
      if (before === undefined) delete process.env[RECORD_ENV];
      else process.env[RECORD_ENV] = before;
    }
    const out = path.join(tmp, "out");
    const page = writePageResults(out, "01-x", "quick", rec);
    assert.deepEqual(readPublished(out), [page]);
    assert.deepEqual(page.runTables, {
      runs: { file: `01-x/${RUN_TABLE_FILES.runs}`, rows: configs.length },
      cycles: { file: `01-x/${RUN_TABLE_FILES.cycles}`, rows: configs.length },
      epochs: { file: `01-x/${RUN_TABLE_FILES.epochs}`, rows: 2 * configs.length },
    });

    const rows = readCsv(path.join(out, page.runTables!.runs.file));
    assert.deepEqual(rows.map((r) => r.id).sort(), [...page.runIds]);
    for (const r of rows) {
      assert.equal(r.backend, "cpu");
      assert.match(String(r.tfjsVersion), /^4\.\d+\.\d+$/);
      assert.equal(typeof r.testAccuracy, "number");
      // Every config field is a column: the row gives back the run's config.
      const fields = Object.keys(configCells(parseRunConfig(configs[0]!)));
      for (const f of fields) assert.ok(f in r, `runs.csv has ${f}`);
      assert.equal(r["config.keepFraction"], r.keepFraction);
    }

    // The verdict, from the published folder alone.
    const recomputed = dyingRatioVerdicts(
      rows.map((r) => ({ pruneRate: r.pruneRate as number, seed: r.seed as number, dyingRatio: r.dyingRatio as number })),
    );
    const published = page.verdicts.map(({ seeds: _s, setting: _t, ...v }) => v);
    assert.deepEqual(JSON.parse(JSON.stringify(recomputed)), published);
    assert.deepEqual(JSON.parse(JSON.stringify(recomputed)), JSON.parse(JSON.stringify(verdicts)));
    assert.ok(
      published.some((v) => v.outcome !== "not tested"),
      "a verdict that was tested",
    );

    const epochs = readCsv(path.join(out, page.runTables!.epochs.file));
    assert.deepEqual([...new Set(epochs.map((r) => r.epoch))].sort(), [1, 2]);
  });

  it("keeps figure CSVs from taking a run table's name", () => {
    assert.throws(() => csvFileName("Runs"), /runs\.csv is the page's table of runs/);
    assert.equal(csvFileName("runs per prune rate"), "runs-per-prune-rate.csv");
  });
});
