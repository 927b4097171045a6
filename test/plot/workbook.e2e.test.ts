/**
 * End to end: the workbook runner executes the smoke notebook on the repo's
 * tslab kernel, renders HTML, and headless Chromium draws every chart with
 * no console errors and no network. Also checks that a failing cell fails the
 * run with the real message. Skipped only when jupyter or chromium is absent.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { checkNbconvert, findJupyter, type IndexEntry } from "../../scripts/workbook";

const root = path.resolve(__dirname, "..", "..", "..");
const runner = path.join(root, "dist", "scripts", "workbook.js");
const SMOKE_CHARTS = 4; // show(...) calls in notebooks/00-smoke.ipynb
const BUNDLE_MARKER = "window.Plotly = Plotly";

function findChromium(): string | undefined {
  const env = process.env["SLT_CHROMIUM"];
  if (env) return env;
  for (const p of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) if (fs.existsSync(p)) return p;
  const which = spawnSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

const chromium = findChromium();
const nbconvert = checkNbconvert(findJupyter());
const skip = !nbconvert.ok
  ? `jupyter nbconvert is not available (${nbconvert.reason}); install the Debian packages jupyter-nbconvert jupyter-client python3-ipykernel`
  : chromium === undefined
    ? "chromium is not installed; install the Debian package chromium (or set SLT_CHROMIUM)"
    : false;

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

function runProcess(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString("utf8"), seconds: (Date.now() - t0) / 1000 });
    });
  });
}

const count = (s: string, needle: string): number => s.split(needle).length - 1;

// Injected at the top of a copy of the page: records console.error, uncaught
// errors, failed resource loads and unhandled rejections, then after load
// writes what it found (and how many charts Plotly drew) into the DOM.
const PROBE = `<script>
(function () {
  var errors = [];
  var original = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) errors.push("failed to load " + (t.src || t.href));
    else errors.push("uncaught: " + (e.message || String(e.error)));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + String(e.reason)); });
  window.addEventListener("load", function () {
    setTimeout(function () {
      var plots = document.querySelectorAll(".slt-plot");
      var drawn = 0;
      plots.forEach(function (p) { if (p.querySelector("svg.main-svg")) drawn++; });
      var out = document.createElement("pre");
      out.id = "slt-probe";
      out.textContent = JSON.stringify({ charts: plots.length, drawn: drawn, mainSvg: document.querySelectorAll("svg.main-svg").length, errors: errors });
      document.body.appendChild(out);
    }, 1000);
  });
})();
</script>`;

interface Probe {
  charts: number;
  drawn: number;
  mainSvg: number;
  errors: string[];
}

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

  it("writes the executed notebook, a self-contained HTML page and the index", () => {
    const wb = path.join(out, "wb");
    const html = fs.readFileSync(path.join(wb, "00-smoke.html"), "utf8");
    assert.equal(count(html, BUNDLE_MARKER), 1, "Plotly bundle inlined exactly once");
    assert.equal(count(html, 'class="slt-plot"'), SMOKE_CHARTS);
    assert.doesNotMatch(html, /<script[^>]+src="https?:/, "no scripts from the network");
    assert.ok(html.includes('data-slt-status="ok"'), "status banner");
    const nb = JSON.parse(fs.readFileSync(path.join(wb, "00-smoke.ipynb"), "utf8")) as { metadata: { slt_workbook: { status: string; scale: string } } };
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
    const page = path.join(out, "probe.html");
    fs.writeFileSync(page, html.replace("<head>", `<head>${PROBE}`));
    const r = await runProcess(
      chromium!,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${path.join(out, "chromium-profile")}`,
        // Any attempt to reach the network fails, so a CDN dependency would show up as an error.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=15000",
        "--dump-dom",
        `file://${page}`,
      ],
      120_000,
    );
    const m = /<pre id="slt-probe">([^<]*)<\/pre>/.exec(r.output);
    assert.ok(m, `the probe did not report (chromium exit ${r.code}):\n${r.output.slice(-3000)}`);
    const probe = JSON.parse(m[1]!.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")) as Probe;
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.charts, SMOKE_CHARTS);
    assert.equal(probe.drawn, SMOKE_CHARTS, "every chart has Plotly's main-svg");
    assert.ok(probe.mainSvg >= SMOKE_CHARTS);
    // Chromium's own log of page console messages: nothing uncaught either.
    const uncaught = r.output.split("\n").filter((l) => /:CONSOLE[:(]/.test(l) && /Uncaught|Error/.test(l));
    assert.deepEqual(uncaught, []);
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
