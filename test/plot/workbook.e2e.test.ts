/**
 * End to end: the workbook runner executes the smoke notebook on the repo's
 * tslab kernel, renders HTML, and headless Chromium draws every chart with
 * no console errors and no network. Also checks that a failing cell fails the
 * run with the real message. Skipped only when jupyter or chromium is absent.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { type IndexEntry, SHARED_PLOTLY } from "../../scripts/workbook";
import { type Run, count, findChromium, notebookToolsMissing, probePage, repoRoot, runProcess } from "./chromium";

const chromium = findChromium();
const skip = notebookToolsMissing();

const runner = path.join(repoRoot, "dist", "scripts", "workbook.js");
const SMOKE_CHARTS = 4; // show(...) calls in notebooks/00-smoke.ipynb
const BUNDLE_MARKER = "window.Plotly = Plotly";

describe("workbook end to end", { skip, timeout: 15 * 60_000 }, () => {
  let out: string;
  let smoke: Run;

  before(async () => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "slt-workbook-e2e-"));
    smoke = await runProcess(process.execPath, [runner, "00-smoke", "--out", path.join(out, "wb"), "--timeout", "600"], 10 * 60_000);
    console.log(`# smoke notebook executed and rendered in ${smoke.seconds.toFixed(1)}s`);
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it("runs the smoke notebook cleanly and streams progress", () => {
    assert.equal(smoke.code, 0, smoke.output);
    assert.match(smoke.output, /┌ cell 1\/\d+ · import \* as aq from "arquero";/);
    assert.match(smoke.output, /│ \[synthetic\] 1\/\d+ /, "progress lines stream through");
    assert.match(smoke.output, /✔ 00-smoke ok/);
  });

  it("writes the executed notebook, a light HTML page sharing plotly.min.js, and the index", () => {
    const wb = path.join(out, "wb");
    const html = fs.readFileSync(path.join(wb, "00-smoke.html"), "utf8");
    assert.equal(count(html, BUNDLE_MARKER), 0, "no Plotly bundle inside the page");
    assert.equal(
      count(html, `<script type="text/javascript" src="${SHARED_PLOTLY}"></script>`),
      1,
      "Plotly loaded once, from beside the page",
    );
    assert.ok(Buffer.byteLength(html) <= 1024 * 1024, `the page itself is at most 1 MB (${Buffer.byteLength(html)} bytes)`);
    assert.equal(count(fs.readFileSync(path.join(wb, SHARED_PLOTLY), "utf8"), BUNDLE_MARKER), 1, "plotly.min.js beside the page");
    // Provenance: commit, tfjs, backend, scale, store and date on the page; run ids under each chart.
    const nbMeta = JSON.parse(fs.readFileSync(path.join(wb, "00-smoke.ipynb"), "utf8")) as {
      metadata: { slt_workbook: { provenance: { commit: string | null; tfjs: string; scale: string; store: string; date: string } } };
    };
    const prov = nbMeta.metadata.slt_workbook.provenance;
    assert.match(prov.commit ?? "", /^[0-9a-f]{40}$/);
    assert.match(prov.tfjs, /^\d+\.\d+\.\d+/);
    assert.equal(prov.scale, "quick");
    assert.ok(html.includes(`data-slt-commit="${prov.commit}"`), "commit on the page");
    assert.ok(html.includes(`tfjs ${prov.tfjs}`), "tfjs version on the page");
    assert.match(html, /scale quick · store <code>[^<]+<\/code>/);
    assert.equal(count(html, 'class="slt-plot"'), SMOKE_CHARTS);
    assert.doesNotMatch(html, /<script[^>]+src="https?:/, "no scripts from the network");
    assert.ok(html.includes('data-slt-status="ok"'), "status banner");
    const nb = JSON.parse(fs.readFileSync(path.join(wb, "00-smoke.ipynb"), "utf8")) as {
      metadata: { slt_workbook: { status: string; scale: string } };
    };
    assert.equal(nb.metadata.slt_workbook.status, "ok");
    assert.equal(nb.metadata.slt_workbook.scale, "quick");
    const index = JSON.parse(fs.readFileSync(path.join(wb, "index.json"), "utf8")) as { notebooks: IndexEntry[] };
    const entry = index.notebooks.find((e) => e.name === "00-smoke");
    assert.equal(entry?.status, "ok");
    assert.equal(entry?.title, "00 · Workbook smoke test");
    const indexHtml = fs.readFileSync(path.join(wb, "index.html"), "utf8");
    assert.ok(indexHtml.includes('<a href="00-smoke.html">00 · Workbook smoke test</a>'));
  });

  it("draws every chart in headless Chromium, offline, without console errors", async () => {
    const html = fs.readFileSync(path.join(out, "wb", "00-smoke.html"), "utf8");
    assert.ok(html.includes("<head>"));
    // In the page's folder, so that its plotly.min.js is found.
    const { probe, uncaught, output } = await probePage(chromium!, html, path.join(out, "wb"));
    assert.ok(probe, `the probe did not report:\n${output.slice(-3000)}`);
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.charts, SMOKE_CHARTS);
    assert.equal(probe.drawn, SMOKE_CHARTS, "every chart has Plotly's main-svg");
    assert.ok(probe.mainSvg >= SMOKE_CHARTS);
    assert.deepEqual(uncaught, [], "Chromium's own console log: nothing uncaught either");
  });

  it("fails on a cell error and prints the real message, cell number and source", async () => {
    const nbFile = path.join(out, "zz-fails.ipynb");
    const code = (src: string) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: src });
    fs.writeFileSync(
      nbFile,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
        cells: [
          { cell_type: "markdown", metadata: {}, source: "# Fails on purpose" },
          code('console.log("before the failure");'),
          code('const answer: number = 42;\nthrow new Error("smoke-boom " + answer);'),
          code('console.log("never runs");'),
        ],
      }),
    );
    const r = await runProcess(process.execPath, [runner, nbFile, "--out", path.join(out, "wb-fail")], 5 * 60_000);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /Error: smoke-boom 42/, "the real error text, not nbconvert's empty <Error>");
    assert.match(r.output, /cell-error in cell 3 of 4 \(code cell 2\/3\)/);
    assert.match(r.output, /> throw new Error\("smoke-boom " \+ answer\);/, "source excerpt in the summary");
    assert.doesNotMatch(r.output, /never runs/);
    assert.doesNotMatch(r.output, /Traceback \(most recent call last\)/, "no Python traceback noise");
    const index = JSON.parse(fs.readFileSync(path.join(out, "wb-fail", "index.json"), "utf8")) as { notebooks: IndexEntry[] };
    const entry = index.notebooks.find((e) => e.name === "zz-fails");
    assert.equal(entry?.status, "failed");
    assert.equal(entry?.error?.cell, 3);
    assert.match(entry?.error?.message ?? "", /smoke-boom 42/);
    // The partial notebook is still rendered, with a failure banner.
    const html = fs.readFileSync(path.join(out, "wb-fail", "zz-fails.html"), "utf8");
    assert.ok(html.includes('data-slt-status="failed"'));
    assert.ok(html.includes("smoke-boom 42"));
  });
});
