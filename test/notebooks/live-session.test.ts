/**
 * A live notebook session, as `npm run notebook` serves it: Jupyter Notebook on a free
 * loopback port with the repo's tslab kernel.
 *   - over Jupyter's REST API and the kernel's websocket: start a tslab kernel, run a cell
 *     that imports the workbench and trains a tiny run, read its output;
 *   - through the real page in headless Chromium: open a notebook, run its cell from the
 *     toolbar, see the cell's output and a Plotly chart appear.
 * Each test stops the server and checks that no process it started is left.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { type NotebookServer, freePort, startNotebookServer } from "../../scripts/notebook";
import { RunStore } from "../../src/experiments/store";
import { findChromium, repoRoot } from "../plot/chromium";
import { Browser, alive, api, descendants, executeOverWebsocket, processesMentioning } from "./live-helpers";

const jupyterNotebook = fs.existsSync("/usr/bin/jupyter-notebook") || process.env.SLT_JUPYTER !== undefined;
const skip = !jupyterNotebook
  ? "Jupyter Notebook is not installed (Debian package jupyter-notebook; bash scripts/install-system-packages.sh)"
  : !fs.existsSync(path.join(repoRoot, "node_modules", ".bin", "tslab"))
    ? "node_modules/.bin/tslab is missing (npm install)"
    : false;

/** The built library, as an absolute module path a notebook in a temporary folder can import. */
const lib = (sub: string) => JSON.stringify(path.join(repoRoot, "dist", "src", sub));

async function start(dir: string, log: string[]): Promise<NotebookServer> {
  return startNotebookServer({
    root: repoRoot,
    notebookDir: dir,
    port: await freePort(),
    env: {
      JUPYTER_RUNTIME_DIR: path.join(dir, ".runtime"),
      JUPYTER_CONFIG_DIR: path.join(dir, ".config"),
      SLT_STORE: path.join(dir, "runs"),
    },
    onLog: (l) => log.push(l),
  });
}

/** Stops the server and waits (a few seconds at most) until none of `pids`, nor anything naming `dir`, runs. */
async function stopAndCheck(server: NotebookServer, pids: number[], dir: string): Promise<void> {
  await server.stop();
  const deadline = Date.now() + 10_000;
  let left = alive([server.pid, ...pids]);
  let named = processesMentioning(dir);
  while ((left.length || named.length) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = alive([server.pid, ...pids]);
    named = processesMentioning(dir);
  }
  assert.deepEqual(left, [], "processes left after stopping the server");
  assert.deepEqual(named, [], "processes still running in the test's folder");
}

describe("live notebook session (npm run notebook)", { skip, timeout: 240_000 }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-live-"));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("REST + websocket: a tslab kernel imports the workbench, trains a tiny run and streams its output", async () => {
    const log: string[] = [];
    const server = await start(dir, log);
    let pids: number[] = [];
    try {
      const specs = await api<{ kernelspecs: Record<string, unknown> }>(server.baseUrl, server.token, "GET", "/api/kernelspecs");
      assert.ok("tslab" in specs.json.kernelspecs, `the repo's tslab kernelspec is found: ${Object.keys(specs.json.kernelspecs)}`);
      const created = await api<{ id: string }>(server.baseUrl, server.token, "POST", "/api/kernels", { name: "tslab" });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const store = path.join(dir, "runs");
      // 128 synthetic images, LeNet-300-100 at width 0.1, 2 epochs: about a second.
      const code = [
        `import { runExperiment } from ${lib("index")};`,
        `const run = await runExperiment({ model: "lenet300", widthMultiplier: 0.1, dataset: "synthetic", limitTrain: 128, limitTest: 100,`,
        `  batchSize: 32, evalBatchSize: 100, epochs: 2, keepFraction: 0.5, seed: 7, backend: "cpu" },`,
        `  { store: ${JSON.stringify(store)}, onEvent: (e) => e.type === "epoch" && console.log(\`epoch \${e.metrics.epoch} acc=\${e.metrics.testAccuracy}\`) });`,
        `console.log(\`trained \${run.id} acc=\${run.result.final.testAccuracy} DR=\${run.result.final.dyingRatio}\`);`,
      ].join("\n");
      const result = await executeOverWebsocket(server.baseUrl, server.token, created.json.id, code, 150_000);
      pids = descendants(server.pid);
      assert.equal(result.status, "ok", `cell failed:\n${result.stderr}\n${result.stdout}`);
      assert.match(result.stdout, /epoch 1 acc=/);
      assert.match(result.stdout, /epoch 2 acc=/);
      const m = /trained ([0-9a-f]{16}) acc=([0-9.]+) DR=([0-9.]+)/.exec(result.stdout);
      assert.ok(m, `no result line in:\n${result.stdout}`);
      // What the kernel printed is the run it stored.
      const stored = new RunStore(store).readFinished(m[1]!);
      assert.ok(stored, `run ${m[1]} is in the store`);
      assert.equal(Number(m[2]), stored.result.final.testAccuracy);
      assert.equal(Number(m[3]), stored.result.final.dyingRatio);
      assert.ok(pids.length > 0, "the kernel runs under the server");
    } finally {
      await stopAndCheck(server, pids, dir);
    }
  });

  it(
    "the page in headless Chromium: run a cell from the toolbar, see its output and a Plotly chart",
    { skip: findChromium() === undefined ? "chromium is not installed" : false },
    async () => {
      const nbDir = path.join(dir, "page");
      fs.mkdirSync(nbDir, { recursive: true });
      const source = [
        `import { lineWithCI, show } from ${lib("plot")};`,
        'console.log("cell ran: 6 * 7 =", 6 * 7);',
        'show(lineWithCI([{ x: 1, mean: 1, lo: 0.5, hi: 1.5 }, { x: 2, mean: 2, lo: 1.5, hi: 2.5 }], { x: "x", title: "live chart" }));',
      ].join("\n");
      fs.writeFileSync(
        path.join(nbDir, "live.ipynb"),
        JSON.stringify({
          cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source }],
          metadata: { kernelspec: { name: "tslab", display_name: "TypeScript (slt-workbench tslab)", language: "typescript" } },
          nbformat: 4,
          nbformat_minor: 5,
        }),
      );
      const log: string[] = [];
      const server = await start(nbDir, log);
      let browser: Browser | undefined;
      let pids: number[] = [];
      try {
        browser = await Browser.launch(findChromium()!, path.join(dir, "chromium-profile"));
        await browser.send("Page.navigate", { url: `${server.baseUrl}/notebooks/live.ipynb?token=${server.token}` });
        await browser.waitFor(
          "!!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected())",
          90_000,
          "the notebook's kernel to connect",
        );
        await browser.waitFor("!!document.querySelector('#kernel_indicator_icon.kernel_idle_icon')", 90_000, "the kernel to be idle");
        // The toolbar's Run button, as a user would press it.
        await browser.evaluate(
          "Jupyter.notebook.select(0); document.querySelector('button[data-jupyter-action=\"jupyter-notebook:run-cell-and-select-next\"]').click(); true",
        );
        const seen = await browser.waitFor<{ text: string; charts: number }>(
          "(() => { const out = document.querySelector('.cell .output_area'); const drawn = document.querySelectorAll('.output .slt-plot svg.main-svg').length;" +
            " return out && drawn ? { text: document.querySelector('.cell .output').innerText, charts: drawn } : null; })()",
          120_000,
          "the cell's output and a drawn chart",
        );
        pids = [...descendants(server.pid), ...descendants(browser.child.pid!), browser.child.pid!];
        assert.match(seen.text, /cell ran: 6 \* 7 = 42/);
        assert.ok(seen.charts >= 1);
        const title = await browser.evaluate<string>("document.querySelector('.output .slt-plot .gtitle')?.textContent ?? ''");
        assert.equal(title, "live chart");
        assert.deepEqual(
          browser.exceptions.filter((e) => /slt|plotly/i.test(e)),
          [],
          "no exception from the chart's script",
        );
      } finally {
        await browser?.close();
        await stopAndCheck(server, pids, dir);
      }
    },
  );
});
