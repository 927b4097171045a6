/**
 * Runs as files: `slt export` in each format, `slt import` into an empty store, and a
 * notebook-style figure built from the imported store, from the export itself and from the
 * original store gives the same data, without training. Conflicts are one error and no write.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as aq from "arquero";
import { exportRows } from "../../src/analysis/export";
import {
  type EnsureEvent,
  cycleRows,
  ensureRuns,
  epochRows,
  finalLayerRows,
  layerRows,
  loadRuns,
  summaryRows,
} from "../../src/analysis/runs";
import { summarise } from "../../src/analysis/stats";
import { main } from "../../src/cli/main";
import { SltError } from "../../src/errors";
import type { RunConfigInput } from "../../src/experiments/config";
import { importRuns, readExportFile } from "../../src/experiments/exchange";
import { clearRunsInUse, runsInUse } from "../../src/experiments/provenance";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { lineWithCI } from "../../src/plot";
import { tinyRun } from "./helpers";

const tiny = (overrides: RunConfigInput = {}) => tinyRun(0.3, overrides);

const CONFIGS = [
  tiny({ seed: 1 }),
  tiny({ seed: 2 }),
  tiny({ method: "iep", seed: 1, keepFraction: 0.25, iep: { cycles: 2, epochsPerCycle: 1, pruning: "hard" } }),
];

/** What a notebook draws: DR over epochs, mean and CI per method; plus every row helper's rows. */
function figureData(runs: StoredRun[]) {
  const epochs = epochRows(runs);
  return {
    figure: lineWithCI(summarise(epochs, ["method", "epoch"], "dyingRatio"), { x: "epoch", group: "method" }),
    rows: [summaryRows(runs), epochs, cycleRows(runs), layerRows(runs), finalLayerRows(runs)],
  };
}

/** Runs in the order a store lists them (and `slt export` writes them): by id. */
const byId = (runs: StoredRun[]) => [...runs].sort((a, b) => (a.id < b.id ? -1 : 1));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(String(s)) > 0) as typeof process.stderr.write;
  try {
    const code = await main(["node", "slt", ...args]);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe("slt export / slt import / loadRuns", () => {
  let dir: string;
  let source: string;
  let runs: StoredRun[];
  const quiet = () => {};

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-export-test-"));
    source = path.join(dir, "source");
    runs = await ensureRuns(CONFIGS, { store: source, onEvent: quiet });
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const ext of ["arrow", "csv", "json"]) {
    it(`${ext}: export, import into an empty store, and the figure's data is the same without training`, async () => {
      const file = path.join(dir, `runs.${ext}`);
      const exported = await cli(["--store", source, "export", "--out", file]);
      assert.equal(exported.code, 0, exported.err);
      assert.match(exported.out, /exported 3 runs .* 3 run rows, 6 epoch rows, 4 cycle rows, \d+ layer rows, \d+ final-layer rows/);

      const target = path.join(dir, `imported-${ext}`);
      const imported = await cli(["--store", target, "import", file]);
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /imported 3 runs/);

      // ensureRuns on the imported store: everything found, nothing trained.
      const events: EnsureEvent[] = [];
      const again = await ensureRuns(CONFIGS, { store: target, onEvent: (e) => events.push(e) });
      assert.deepEqual(
        events.filter((e) => e.kind === "plan").map((e) => e.kind === "plan" && [e.cached, e.toTrain]),
        [[3, 0]],
      );
      assert.ok(!events.some((e) => e.kind === "run" && e.event.type === "run-start"), "nothing trains");
      assert.deepEqual(figureData(again), figureData(runs));
      // The same straight from the export file, as a notebook with SLT_STORE=runs.ext does.
      assert.deepEqual(figureData(await ensureRuns(CONFIGS, { store: file, onEvent: quiet })), figureData(runs));
      // loadRuns gives every run of the file, in the store's order (by id).
      assert.deepEqual(figureData(loadRuns(file)), figureData(byId(runs)));
      // The stored files are the originals, byte for byte in content (same checksum).
      for (const r of runs) assert.equal(new RunStore(target).readFinished(r.id)?.checksum, r.checksum);
    });
  }

  it("the export is a table arquero reads, one row per run, epoch, cycle, layer×epoch and final layer", () => {
    const file = path.join(dir, "runs.arrow");
    const t = aq.fromArrow(new Uint8Array(fs.readFileSync(file)));
    const count = (kind: string) => t.filter(aq.escape((d: { table: string }) => d.table === kind)).numRows();
    assert.equal(count("run"), runs.length);
    assert.equal(count("epoch"), epochRows(runs).length);
    assert.equal(count("cycle"), cycleRows(runs).length);
    assert.equal(count("layer"), layerRows(runs).length);
    assert.equal(count("final-layer"), finalLayerRows(runs).length);
    const accuracy = t
      .filter(aq.escape((d: { table: string }) => d.table === "run"))
      .objects()
      .map((r) => (r as { testAccuracy: number }).testAccuracy);
    assert.deepEqual(
      accuracy,
      byId(runs).map((r) => r.result.final.testAccuracy),
    );
    // CSV carries the same columns and rows.
    const csv = aq.fromCSV(fs.readFileSync(path.join(dir, "runs.csv"), "utf8"));
    assert.equal(csv.numRows(), exportRows(runs).length);
    assert.deepEqual(csv.columnNames(), t.columnNames());
  });

  it("importing the same runs again changes nothing; another store folder imports too", () => {
    const target = path.join(dir, "imported-arrow");
    const r = importRuns(new RunStore(target), path.join(dir, "runs.json"));
    assert.deepEqual(r.imported, []);
    assert.equal(r.identical.length, 3);
    const fromFolder = importRuns(new RunStore(path.join(dir, "from-folder")), source);
    assert.equal(fromFolder.imported.length, 3);
  });

  it("a run id the store holds with another result is a conflict: one error, nothing written", () => {
    const target = new RunStore(path.join(dir, "conflict"));
    // Same config (same id), different result: as if trained on another backend.
    const { checksum: _c, fields: _f, ...body } = runs[0]!;
    target.writeFinished({ ...body, result: { ...body.result, final: { ...body.result.final, testAccuracy: 0.123 } } });
    const before = fs.readFileSync(path.join(target.runDir(runs[0]!.id), "run.json"), "utf8");
    assert.throws(
      () => importRuns(target, path.join(dir, "runs.arrow")),
      (e: unknown) => e instanceof SltError && /nothing was written/.test(e.message) && e.message.includes(runs[0]!.id),
    );
    assert.equal(fs.readFileSync(path.join(target.runDir(runs[0]!.id), "run.json"), "utf8"), before, "the store's run is untouched");
    assert.deepEqual(target.ids(), [runs[0]!.id], "no other run was written");
  });

  it("a damaged export and a run the export lacks are clear errors", async () => {
    const file = path.join(dir, "runs.json");
    const rows = JSON.parse(fs.readFileSync(file, "utf8")) as Array<Record<string, unknown>>;
    const damaged = path.join(dir, "damaged.json");
    const runRow = rows.find((r) => r.table === "run")!;
    runRow.run = String(runRow.run).replace(/"testAccuracy":[0-9.]+/, '"testAccuracy":0.999');
    fs.writeFileSync(damaged, JSON.stringify(rows));
    assert.throws(() => readExportFile(damaged), /checksum mismatch/);
    await assert.rejects(
      ensureRuns([tiny({ seed: 9 })], { store: file, onEvent: quiet }),
      (e: unknown) => e instanceof SltError && /not in .*runs\.json/.test(e.message) && /slt import/.test(e.message),
    );
    const bad = await cli(["--store", source, "export", "--out", path.join(dir, "runs.xlsx")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /must end in \.arrow/);
  });

  it("ensureRuns and loadRuns note the runs behind the next figure", async () => {
    clearRunsInUse();
    await ensureRuns(CONFIGS.slice(0, 2), { store: source, onEvent: quiet });
    assert.deepEqual(
      runsInUse()?.ids,
      runs.slice(0, 2).map((r) => r.id),
    );
    assert.deepEqual(runsInUse()?.backends, ["cpu"]);
    loadRuns(path.join(dir, "runs.csv"));
    assert.deepEqual(
      runsInUse()?.ids,
      byId(runs).map((r) => r.id),
    );
  });
});
