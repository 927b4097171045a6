/**
 * CI's run of the whole workbook: every notebook executes at quick scale on a fresh run
 * store, any cell error fails the test, and every rendered page draws all of its charts
 * in headless Chromium with no console errors and no network.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as aq from "arquero";
import type { IndexEntry } from "../../scripts/workbook";
import { type Run, findChromium, notebookToolsMissing, probePage, repoRoot, runProcess } from "../plot/chromium";
import { TRANSIENT_START } from "../../src/plot/notebook";
import { notebookPlans } from "../../src/workbook/plans";
import { type NotebookPlan, checkPublished, isStale, readPublished, stalenessReport } from "../../src/workbook/published";

const skip = notebookToolsMissing();
const runner = path.join(repoRoot, "dist", "scripts", "workbook.js");
const notebooks = fs
  .readdirSync(path.join(repoRoot, "notebooks"))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .map((f) => f.replace(/\.ipynb$/, ""))
  .sort();

describe("quick workbook", { skip, timeout: 30 * 60_000 }, () => {
  let out: string;
  let run: Run;

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "slt-quick-workbook-"));
    const env = { ...process.env, SLT_SCALE: "quick", SLT_STORE: path.join(out, "runs") };
    run = await runProcess(process.execPath, [runner, "--scale", "quick", "--out", path.join(out, "wb")], 25 * 60_000, { env });
    console.log(`# quick workbook (${notebooks.length} notebooks) executed and rendered in ${run.seconds.toFixed(1)}s`);
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it("executes every notebook without a cell error", () => {
    assert.equal(run.code, 0, run.output.slice(-6000));
    const index = JSON.parse(fs.readFileSync(path.join(out, "wb", "index.json"), "utf8")) as { notebooks: IndexEntry[] };
    for (const name of notebooks) {
      const entry = index.notebooks.find((e) => e.name === name);
      assert.equal(entry?.status, "ok", `${name}: ${JSON.stringify(entry?.error)}`);
    }
  });

  it("publishes run ids, verdicts and CSVs that match what each notebook builds at this scale", () => {
    const wb = path.join(out, "wb");
    const results = checkPublished(wb, notebookPlans);
    assert.deepEqual(stalenessReport(results), []);
    const pages = readPublished(wb);
    for (const name of Object.keys(notebookPlans)) {
      const page = pages.find((p) => p.name === name);
      assert.ok(page && page.runIds.length > 0, `${name} recorded its runs`);
      assert.ok(page.verdicts.length > 0, `${name} recorded its verdicts`);
      assert.ok(page.csv.length > 0, `${name} published its figures' data`);
      for (const c of page.csv) assert.ok(fs.statSync(path.join(wb, c.file)).size > 0, c.file);
      // The runs behind the page: one row per run id, each with its backend and whole config.
      assert.ok(page.runTables, `${name} published its runs`);
      const runsCsv = aq.fromCSV(fs.readFileSync(path.join(wb, page.runTables.runs.file), "utf8"), { parse: { id: String } });
      assert.deepEqual((runsCsv.array("id") as string[]).slice().sort(), page.runIds, `${name}: runs.csv holds the page's runs`);
      for (const column of ["backend", "tfjsVersion", "testAccuracy", "config.seed", "config.keepFraction"])
        assert.ok(runsCsv.columnNames().includes(column), `${name}: runs.csv has ${column}`);
    }
    const index = fs.readFileSync(path.join(wb, "index.html"), "utf8");
    assert.match(index, /<h2>Deck claims<\/h2>/);
    // The index opens with the claims chart and the summary generated from the verdicts.
    assert.ok(index.indexOf("claims-overview") < index.indexOf("<h2>Notebooks</h2>"), "the chart comes first");
    const claims = pages.reduce((n, p) => n + p.verdicts.length, 0);
    assert.match(index, new RegExp(`<p>${claims} claims on \\d+ pages: `));
    // The same pages are stale for a notebook whose configs changed.
    const [name, plan] = Object.entries(notebookPlans)[0]!;
    const changed: Record<string, NotebookPlan> = { ...notebookPlans, [name]: (scale) => plan(scale).map((c) => ({ ...c, lr: 0.05 })) };
    assert.ok(checkPublished(wb, changed).some(isStale));
  });

  it("a rendered page keeps one line per batch of runs, not a line per run and epoch", () => {
    // Notebooks that train through getRuns (every notebook with a registered plan).
    for (const name of notebooks.filter((n) => n in notebookPlans)) {
      const nb = JSON.parse(fs.readFileSync(path.join(out, "wb", `${name}.ipynb`), "utf8")) as {
        cells: Array<{ outputs?: Array<{ output_type: string; text?: string | string[] }> }>;
      };
      const text = nb.cells
        .flatMap((c) => c.outputs ?? [])
        .filter((o) => o.output_type === "stream")
        .map((o) => (Array.isArray(o.text) ? o.text.join("") : (o.text ?? "")))
        .join("");
      assert.doesNotMatch(text, /\[run \d+\/\d+\]/, `${name} keeps per-run progress lines`);
      assert.ok(!text.includes(TRANSIENT_START), `${name} keeps transient lines`);
      assert.match(text, /^\[runs\] \d+ configs?, \d+ distinct runs/m, `${name} keeps the summary line`);
    }
  });

  it("index: the claims chart draws in headless Chromium, offline, without errors", async () => {
    const { probe, uncaught, output } = await probePage(
      findChromium()!,
      fs.readFileSync(path.join(out, "wb", "index.html"), "utf8"),
      path.join(out, "wb"),
    );
    assert.ok(probe, `the probe did not report:\n${output.slice(-3000)}`);
    assert.equal(probe.charts, 1);
    assert.equal(probe.drawn, 1);
    assert.deepEqual(probe.errors, []);
    assert.deepEqual(uncaught, []);
  });

  for (const name of notebooks) {
    it(`${name}: every chart draws in headless Chromium, offline, without errors`, async () => {
      const file = path.join(out, "wb", `${name}.html`);
      assert.ok(fs.existsSync(file), `${name}.html was not rendered`);
      // In the page's folder, so that the plotly.min.js the pages share is found.
      const { probe, uncaught, output } = await probePage(findChromium()!, fs.readFileSync(file, "utf8"), path.join(out, "wb"));
      assert.ok(probe, `the probe did not report:\n${output.slice(-3000)}`);
      assert.ok(probe.charts > 0, `${name} shows no chart`);
      assert.deepEqual(probe.errors, []);
      assert.equal(probe.drawn, probe.charts, "every chart has Plotly's main-svg");
      assert.deepEqual(uncaught, []);
    });
  }
});
