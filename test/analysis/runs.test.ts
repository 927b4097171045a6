/**
 * ensureRuns trains what the store lacks and only that, in the order asked, waits for a run
 * another process holds, and reports failures after training the rest; the row helpers
 * flatten stored runs into the columns the notebooks group by. All on tiny synthetic runs.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type EnsureEvent,
  configColumns,
  cycleRows,
  defaultJobs,
  describeConfig,
  ensureRuns,
  epochRows,
  finalLayerRows,
  layerRows,
  printEnsureEvent,
  pruneRateOf,
  storedRuns,
  summaryRows,
} from "../../src/analysis/runs";
import {
  correlationTest,
  dashTraces,
  findingLine,
  fmtCi,
  fmtCorrelation,
  fmtDiff,
  intervals,
  quadraticFit,
  reportFindings,
  welchTest,
  withAxes,
  withReferenceLines,
} from "../../src/analysis/figures";
import { summarise } from "../../src/analysis/stats";
import { lineWithCI, setDisplay } from "../../src/plot";
import { SltError } from "../../src/errors";
import { ConfigError, type RunConfigInput, parseRunConfig, runId } from "../../src/experiments/config";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { tinyRun } from "./helpers";

const tiny = (overrides: RunConfigInput = {}) => tinyRun(0.5, overrides);

const EP_A = tiny({ seed: 1, keepFraction: 0.3 });
const EP_B = tiny({ seed: 2, keepFraction: 0.3 });
const IEP = tiny({ method: "iep", seed: 1, keepFraction: 0.25, iep: { cycles: 2, epochsPerCycle: 1, pruning: "hard" } });

describe("ensureRuns and the row helpers", () => {
  let dir: string;
  let store: string;
  let runs: StoredRun[];
  let events: EnsureEvent[];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-runs-test-"));
    store = path.join(dir, "store");
    events = [];
    // EP_A twice: one run, returned at both positions.
    runs = await ensureRuns([EP_A, IEP, EP_B, EP_A], { store, onEvent: (e) => events.push(e) });
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("trains each distinct config once and returns runs in the order asked", () => {
    assert.equal(runs.length, 4);
    assert.equal(runs[0].id, runId(parseRunConfig(EP_A)));
    assert.equal(runs[1].id, runId(parseRunConfig(IEP)));
    assert.equal(runs[2].id, runId(parseRunConfig(EP_B)));
    assert.equal(runs[3], runs[0]);
    assert.equal(new RunStore(store).ids().length, 3);
    const plan = events[0];
    assert.deepEqual(plan.kind === "plan" && [plan.configs, plan.unique, plan.cached, plan.toTrain], [4, 3, 0, 3]);
    assert.equal(events.filter((e) => e.kind === "run" && e.event.type === "run-start").length, 3);
    // One epoch event per trained epoch: 2 + 2 + 2, each the run's own event under its index.
    const epochs = events.filter((e) => e.kind === "run" && e.event.type === "epoch");
    assert.equal(epochs.length, 6);
    for (const e of epochs) if (e.kind === "run") assert.equal(e.event.id, runId(e.config));
    const last = events[events.length - 1];
    assert.deepEqual(last.kind === "finished" && [last.trained, last.cached, last.failed], [3, 0, 0]);
  });

  it("takes finished runs from the store on a second call", async () => {
    const again: EnsureEvent[] = [];
    const second = await ensureRuns([EP_B, EP_A], { store, onEvent: (e) => again.push(e) });
    assert.deepEqual(
      second.map((r) => r.id),
      [runs[2].id, runs[0].id],
    );
    assert.deepEqual(second[0].result, runs[2].result);
    assert.deepEqual(
      again.map((e) => e.kind),
      ["plan", "finished"],
    );
    const plan = again[0];
    assert.deepEqual(plan.kind === "plan" && [plan.cached, plan.toTrain], [2, 0]);
  });

  it("flattens config fields into summary rows, iep.* only for iEP runs", () => {
    const rows = summaryRows(runs, { tags: (run, i) => ({ variant: run.config.method, position: i }) });
    assert.equal(rows.length, 4);
    const [ep, iep] = rows;
    assert.equal(ep.method, "ep");
    assert.equal(ep.keepFraction, 0.3);
    assert.equal(ep.pruneRate, 0.7); // not 0.7000000000000001
    assert.equal(ep.seed, 1);
    assert.equal(ep.epochs, 2);
    assert.equal(ep.iepCycles, null);
    assert.equal(ep.iepPruning, null);
    assert.equal(ep.iterandPeriod, null);
    assert.equal(ep.backend, "cpu");
    assert.equal(ep.testAccuracy, runs[0].result.final.testAccuracy);
    assert.equal(ep.dyingRatio, runs[0].result.final.dyingRatio);
    assert.equal(ep.turnover, runs[0].result.final.turnover);
    assert.ok(ep.seconds > 0);
    assert.equal(ep.variant, "ep");
    assert.equal(rows[3].position, 3);
    assert.equal(iep.method, "iep");
    assert.equal(iep.iepCycles, 2);
    assert.equal(iep.iepEpochsPerCycle, 1);
    assert.equal(iep.iepPruning, "hard");
    assert.equal(iep.iepRewind, "lr");
    assert.equal(iep.iepSchedule, "geometric");
    assert.equal(iep.epochs, 2, "iEP epochs = cycles × epochsPerCycle");
    // Rows are plain data: they survive JSON (what arquero and the HTML tables need).
    assert.deepEqual(JSON.parse(JSON.stringify(rows)), rows);
  });

  it("gives one epoch row per epoch and one cycle row per cycle", () => {
    const er = epochRows(runs.slice(0, 3));
    assert.equal(er.length, 6);
    const iepEpochs = er.filter((r) => r.method === "iep");
    assert.deepEqual(
      iepEpochs.map((r) => [r.epoch, r.cycle, r.cycleKeepFraction]),
      [
        [1, 1, 0.5],
        [2, 2, 0.25],
      ],
    );
    assert.equal(iepEpochs[0].cyclePruneRate, 0.5);
    assert.equal(iepEpochs[1].dyingRatio, runs[1].result.epochs[1].dyingRatio);

    const cr = cycleRows(runs.slice(0, 3));
    assert.equal(cr.length, 1 + 2 + 1);
    const iepCycles = cr.filter((r) => r.method === "iep");
    assert.deepEqual(
      iepCycles.map((r) => r.cycle),
      [1, 2],
    );
    assert.equal(iepCycles[1].cyclePruneRate, 0.75);
    // Hard pruning removed edges at the boundary: the solid line is at least the dotted one's share.
    assert.ok(iepCycles[1].removedFraction! > 0);
    assert.ok(iepCycles[1].cycleDyingRatioWithRemoved! >= iepCycles[1].removedFraction!);
    // The mechanism columns: as recorded; cycle 1 (and EP) has no earlier mask; hard pruning re-admits nothing.
    assert.deepEqual(
      iepCycles.map((r) => [r.readmitted, r.readmittedEver, r.swappedIn]),
      runs[1].result.cycles.map((c) => [c.readmitted, c.readmittedEver, c.swappedIn]),
    );
    assert.deepEqual([iepCycles[0].readmitted, iepCycles[1].readmitted, iepCycles[1].readmittedEver], [null, 0, 0]);
    assert.ok(iepCycles[1].swappedIn! > 0);
    assert.equal(cr[0].readmitted, null);
    assert.equal(summaryRows([runs[1]])[0].readmitted, 0);
    // A run stored before these were recorded has null there, not undefined.
    const old = structuredClone(runs[1]);
    for (const c of old.result.cycles)
      for (const k of ["readmitted", "readmittedEver", "swappedIn"] as const) delete (c as Partial<typeof c>)[k];
    delete (old.result.final as Partial<typeof old.result.final>).readmitted;
    assert.deepEqual(
      cycleRows([old]).map((r) => [r.readmitted, r.readmittedEver, r.swappedIn]),
      [
        [null, null, null],
        [null, null, null],
      ],
    );
    assert.equal(summaryRows([old])[0].readmitted, null);
  });

  it("gives per-layer DR per epoch, in model order, and final per-layer counts that add up", () => {
    const lr = layerRows([runs[0]]);
    assert.equal(lr.length, 2 * 3, "2 epochs × 3 layers");
    assert.deepEqual(
      lr.filter((r) => r.epoch === 1).map((r) => [r.layer, r.layerIndex]),
      [
        ["fc1", 0],
        ["fc2", 1],
        ["fc3", 2],
      ],
    );
    assert.equal(lr[0].dyingRatio, runs[0].result.epochs[0].layerDyingRatio.fc1);

    for (const run of [runs[0], runs[1]]) {
      const fl = finalLayerRows([run]);
      assert.equal(fl.length, 3);
      const edges = fl.reduce((s, r) => s + r.edges, 0);
      const weighted = fl.reduce((s, r) => s + r.dyingRatio * r.edges, 0) / edges;
      assert.ok(Math.abs(weighted - run.result.final.dyingRatio!) < 1e-12, "edge-weighted layer DR = run DR");
      for (const r of fl) {
        assert.ok(r.dyingRatio >= 0 && r.dyingRatio <= 1);
        assert.ok(r.turnover >= 0 && r.turnover <= 1);
      }
    }
    assert.ok(
      finalLayerRows([runs[1]]).some((r) => r.removed > 0),
      "hard iEP removed edges",
    );
  });

  it("feeds arquero and summarise", async () => {
    const aq = (await import("arquero")) as typeof import("arquero");
    const table = aq.from(summaryRows(runs.slice(0, 3)));
    const ep = table.filter((d: { method: string }) => d.method === "ep");
    assert.equal(ep.numRows(), 2);
    const s = summarise(ep, ["method", "pruneRate"], "dyingRatio");
    assert.equal(s.length, 1);
    assert.equal(s[0].n, 2);
    assert.ok(Number.isFinite(s[0].lo) && s[0].lo <= s[0].mean && s[0].mean <= s[0].hi);
  });

  it("lists the finished runs of a store", () => {
    assert.equal(storedRuns(store).length, 3);
    assert.equal(storedRuns(store, (r) => r.config.method === "iep").length, 1);
    assert.deepEqual(storedRuns(path.join(dir, "nowhere")), []);
  });

  it("validates every config before training anything", async () => {
    const before = new RunStore(store).ids().length;
    await assert.rejects(
      ensureRuns([tiny({ seed: 9 }), tiny({ keepFraction: 2 })], { store, onEvent: () => {} }),
      (e: unknown) =>
        e instanceof SltError && e.kind === "config" && /config #2 \(of 2\)/.test(e.message) && /keepFraction/.test(e.message),
    );
    assert.equal(new RunStore(store).ids().length, before, "nothing trained");
    await assert.rejects(ensureRuns([tiny()], { store, jobs: 0, onEvent: () => {} }), /jobs/);
    await assert.rejects(
      ensureRuns([tiny({ model: "lenet5" })], { store, onEvent: () => {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /config #1/.test(e.message) &&
        e.problems[0].path === "model" &&
        e.problems[0].value === "lenet5" &&
        e.problems[0].fix.includes("lenet300"),
    );
    await assert.rejects(
      ensureRuns([tiny({ batchSize: 500 })], { store, onEvent: () => {} }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems[0].path === "batchSize" &&
        /larger than the training set/.test(e.problems[0].message) &&
        /at most \d+/.test(e.problems[0].fix),
    );
    assert.equal(new RunStore(store).ids().length, before, "nothing trained");
  });

  it("trains the other runs when one fails, then names the failure", async () => {
    const events: EnsureEvent[] = [];
    const bad = tiny({ seed: 5, dataset: "mnist", dataDir: path.join(dir, "no-such-folder") });
    const good = tiny({ seed: 6, epochs: 1 });
    await assert.rejects(
      ensureRuns([bad, good], { store, onEvent: (e) => events.push(e) }),
      (e: unknown) =>
        e instanceof SltError &&
        e.kind === "data" &&
        /1 of 2 runs failed/.test(e.message) &&
        /no-such-folder/.test(e.message) &&
        /seed=5/.test(e.message),
    );
    assert.ok(new RunStore(store).readFinished(runId(parseRunConfig(good))), "the good run finished");
    assert.deepEqual(
      events.map((e) => e.kind).filter((k) => k === "failed" || k === "done"),
      ["failed", "done"],
    );
  });

  it("waits for a run that another process is training", async () => {
    const config = tiny({ seed: 7, epochs: 1 });
    const id = runId(parseRunConfig(config));
    const s = new RunStore(store);
    const lock = s.lock(id);
    assert.ok(lock);
    setTimeout(() => lock.release(), 300);
    const events: EnsureEvent[] = [];
    const [run] = await ensureRuns([config], { store, pollMs: 50, onEvent: (e) => events.push(e) });
    assert.equal(run.id, id);
    assert.equal(events.filter((e) => e.kind === "waiting").length, 1, "one waiting line, not one per poll");
    assert.ok(events.some((e) => e.kind === "done"));
  });

  it("prints one readable line per event", () => {
    const lines: string[] = [];
    const config = parseRunConfig(EP_A);
    printEnsureEvent({ kind: "plan", configs: 4, unique: 3, cached: 1, toTrain: 2, store: "/s" }, (l) => lines.push(l));
    printEnsureEvent({ kind: "run", index: 1, of: 2, config, event: { type: "epoch", id: "x", metrics: runs[0].result.epochs[0] } }, (l) =>
      lines.push(l),
    );
    printEnsureEvent({ kind: "finished", trained: 2, cached: 1, failed: 0, seconds: 3.2 }, (l) => lines.push(l));
    assert.match(lines[0], /^\[runs\] 4 configs \(3 distinct\): 1 in the store, 2 to train/);
    assert.match(lines[1], /^\[run 1\/2\] epoch 1\/2 acc=\d\.\d{3} DR=\d\.\d{3} turnover=\d\.\d{3}/);
    assert.match(lines[2], /2 trained, 1 from the store/);
    assert.equal(describeConfig(config), "ep lenet300×0.1 synthetic keep=0.3 seed=1");
  });

  it("rounds prune rates and exposes the config columns alone", () => {
    assert.equal(pruneRateOf(0.9), 0.1);
    assert.equal(pruneRateOf(0.05), 0.95);
    assert.equal(configColumns(runs[0]).model, "lenet300");
  });
});

describe("ensureRuns with worker processes", () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-runs-jobs-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("trains in parallel workers with the same results as in-process", async () => {
    const configs = [tiny({ seed: 11, epochs: 1 }), tiny({ seed: 12, epochs: 1 }), tiny({ seed: 11, epochs: 1 })];
    const events: EnsureEvent[] = [];
    const parallel = await ensureRuns(configs, { store: path.join(dir, "a"), jobs: 2, onEvent: (e) => events.push(e) });
    const serial = await ensureRuns(configs.slice(0, 2), { store: path.join(dir, "b"), onEvent: () => {} });
    assert.deepEqual(
      parallel.map((r) => r.id),
      [serial[0].id, serial[1].id, serial[0].id],
    );
    assert.deepEqual(parallel[1].result.final, serial[1].result.final);
    assert.equal(events.filter((e) => e.kind === "run" && e.event.type === "run-start").length, 2);
    assert.equal(events.filter((e) => e.kind === "run" && e.event.type === "epoch").length, 2);
    assert.deepEqual(
      events
        .filter((e) => e.kind === "done")
        .map((e) => e.kind === "done" && e.index)
        .sort(),
      [1, 2],
    );
    const last = events[events.length - 1];
    assert.deepEqual(last.kind === "finished" && [last.trained, last.failed], [2, 0]);
  });

  it("reports a failing run from a worker and keeps the others", async () => {
    const bad = tiny({ seed: 13, dataset: "mnist", dataDir: path.join(dir, "no-such-folder") });
    const good = tiny({ seed: 14, epochs: 1 });
    await assert.rejects(
      ensureRuns([bad, good], { store: path.join(dir, "c"), jobs: 2, onEvent: () => {} }),
      (e: unknown) => e instanceof SltError && e.kind === "data" && /1 of 2 runs failed/.test(e.message),
    );
    assert.ok(new RunStore(path.join(dir, "c")).readFinished(runId(parseRunConfig(good))));
  });

  it("reads the job count from SLT_JOBS", () => {
    assert.equal(defaultJobs({ SLT_JOBS: "3" }), 3);
    assert.ok(defaultJobs({}) >= 1);
    assert.throws(() => defaultJobs({ SLT_JOBS: "two" }), /SLT_JOBS/);
  });
});

// The notebooks' statistics helpers (src/analysis/figures.ts), checked against SciPy 1.17.
describe("figure helpers", () => {
  const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

  it("Welch's t test matches scipy.stats.ttest_ind(equal_var=False)", () => {
    const d = welchTest([0.81, 0.84, 0.79, 0.86], [0.7, 0.75, 0.72]);
    close(d.t, 4.777888744926542, 1e-9, "t");
    close(d.df, 4.910182960635739, 1e-9, "df");
    close(d.p, 0.005220692136016939, 1e-8, "p");
    close(d.lo, 0.04666603239117005, 1e-8, "lo");
    close(d.hi, 0.1566673009421633, 1e-8, "hi");
    assert.match(fmtDiff(d), /^\+0\.102 \[0\.047, 0\.157\], p = 0\.005$/);
    const degenerate = welchTest([1], [2, 3]);
    assert.ok(Number.isNaN(degenerate.p) && Number.isNaN(degenerate.lo));
    assert.match(fmtDiff(degenerate), /p n\/a/);
  });

  it("Pearson's r, its Fisher-z interval and p-value match scipy.stats.pearsonr", () => {
    const c = correlationTest([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [0.9, 0.85, 0.88, 0.7, 0.72, 0.6, 0.55]);
    close(c.r, -0.9531825884791778, 1e-12, "r");
    close(c.p, 0.0008881616034868068, 1e-9, "p");
    close(c.lo, -0.9932697825844418, 1e-6, "lo");
    close(c.hi, -0.7091630435628805, 1e-6, "hi");
    assert.ok(c.slope < 0);
    assert.equal(fmtCorrelation(c), "r = -0.95 [-0.99, -0.71], p < 0.001, n = 7");
  });

  it("fits a parabola with the interval of its x² term (numpy.polyfit, cov=True)", () => {
    const xs = [0.4, 0.42, 0.44, 0.46, 0.48, 0.5];
    const noise = [0.001, -0.002, 0.0015, 0, -0.001, 0.002];
    const ys = xs.map((x, i) => -50 * (x - 0.45) ** 2 + 0.8 + noise[i]);
    const q = quadraticFit(xs, ys);
    close(q.a, -49.46428571, 1e-6, "a");
    close(q.b, 44.52714286, 1e-6, "b");
    close(q.c, -9.22107143, 1e-6, "c");
    // numpy's standard error of a, times t(0.975, 3) = 3.182446305.
    close(q.aHi - q.a, 0.73028947 * 3.182446305, 1e-5, "half-width of a");
    close(q.vertex, 0.45, 0.01, "vertex");
    assert.ok(q.r2 > q.r2Linear);
  });

  it("formats intervals and verdicts", () => {
    assert.equal(fmtCi({ mean: 0.5, lo: 0.45, hi: 0.55 }), "0.500 [0.450, 0.550]");
    assert.equal(fmtCi({ mean: 0.5, lo: NaN, hi: NaN }), "0.500");
    const s = intervals({ a: [1, 2, 3], b: [4] });
    assert.equal(s.a.mean, 2);
    assert.equal(s.b.n, 1);
    assert.equal(findingLine({ claim: "c", status: "holds", evidence: "e" }), "✔ holds — c: e");
    const shown: string[] = [];
    setDisplay({ html: (h) => shown.push(h) });
    try {
      const lines = reportFindings([{ claim: "x < y", status: "does not hold", evidence: "1 > 0" }], "T");
      assert.deepEqual(lines, ["✘ does not hold — x < y: 1 > 0"]);
      assert.equal(shown.length, 1);
      assert.match(shown[0], /<b>T<\/b>/);
      assert.match(shown[0], /x &lt; y/, "claims are escaped");
    } finally {
      setDisplay(undefined);
    }
  });

  it("restyles, extends and adjusts figures without touching the input", () => {
    const rows = [
      { g: "a · cycle only", x: 1, mean: 1, lo: 0.9, hi: 1.1 },
      { g: "a · cycle only", x: 2, mean: 2, lo: 1.9, hi: 2.1 },
      { g: "b", x: 1, mean: 3, lo: 2.9, hi: 3.1 },
    ];
    const fig = lineWithCI(rows, { x: "x", group: "g" });
    const dotted = dashTraces(fig, /cycle only/, "dot");
    const lines = dotted.data.filter((t) => t.type === "scatter" && (t as { fill?: string }).fill !== "toself") as Array<{
      name?: string;
      line?: { dash?: string };
    }>;
    assert.equal(lines.find((t) => t.name === "a · cycle only")?.line?.dash, "dot");
    assert.equal(lines.find((t) => t.name === "b")?.line?.dash, undefined);
    assert.equal((fig.data[1] as { line?: { dash?: string } }).line?.dash, undefined, "input unchanged");
    const withRef = withReferenceLines(fig, [{ x: [0, 1], y: [0, 1], name: "y = x" }]);
    assert.equal(withRef.data.length, fig.data.length + 1);
    assert.equal(withAxes(fig, { x: { dtick: 1 } }).layout?.xaxis?.dtick, 1);
    assert.equal(fig.layout?.xaxis?.dtick, undefined);
  });
});
