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
import type { IndexEntry } from "../../scripts/workbook";
import { type Run, findChromium, notebookToolsMissing, probePage, repoRoot, runProcess } from "../plot/chromium";

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
