/**
 * Light pages: the runner swaps the Plotly bundle inlined in a rendered page for one shared
 * plotly.min.js beside it; the page stays interactive and offline. (`--self-contained`
 * skips this step and keeps the single-file page.)
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { SHARED_PLOTLY, lightenNotebook, lightenPage } from "../../scripts/workbook";
import { figureToHtml, plotlyBundlePath } from "../../src/plot";
import { findChromium, probePage } from "./chromium";

const figure = (title: string) => ({ data: [{ type: "scatter" as const, x: [1, 2], y: [3, 4] }], layout: { title: { text: title } } });

describe("light pages", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-light-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const page = (name: string) => {
    // As a rendered notebook holds them: the bundle once, with the first chart.
    const html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${figureToHtml(figure("a"), { includeBundle: true })}\n${figureToHtml(figure("b"), { includeBundle: false })}\n</body></html>\n`;
    fs.writeFileSync(path.join(dir, name), html);
    return path.join(dir, name);
  };

  it("moves the bundle into one plotly.min.js shared by the pages of a folder", () => {
    const one = page("one.html");
    const two = page("two.html");
    const before = fs.statSync(one).size;
    assert.ok(before > 1024 * 1024, "a self-contained page carries the ~5 MB bundle");
    const after1 = lightenPage(one);
    const after2 = lightenPage(two);
    assert.ok(after1 < 100 * 1024 && after2 < 100 * 1024, `light pages are small (${after1}, ${after2} bytes)`);
    assert.deepEqual(fs.readFileSync(path.join(dir, SHARED_PLOTLY)), fs.readFileSync(plotlyBundlePath()));
    assert.equal(fs.readFileSync(one, "utf8").split(`src="${SHARED_PLOTLY}"`).length - 1, 1);
    assert.equal(lightenPage(one), after1, "lightening twice changes nothing");
  });

  it("does the same to the executed notebook's outputs, keeping the other cells and outputs", () => {
    const html = figureToHtml(figure("a"), { includeBundle: true });
    const nb = {
      cells: [
        { cell_type: "markdown", source: ["# t"] },
        {
          cell_type: "code",
          source: ["show(a)"],
          outputs: [{ output_type: "display_data", data: { "text/html": html.split(/(?<=\n)/) } }],
        },
        { cell_type: "code", source: ["1"], outputs: [{ output_type: "execute_result", data: { "text/plain": ["1"] } }] },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    const file = path.join(dir, "nb.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const size = lightenNotebook(file);
    assert.ok(size < 100 * 1024, `the notebook is small afterwards (${size} bytes)`);
    const back = JSON.parse(fs.readFileSync(file, "utf8"));
    const out = back.cells[1].outputs[0].data["text/html"] as string;
    assert.ok(out.includes(`src="${SHARED_PLOTLY}"`) && out.includes("Plotly.newPlot"), "the chart stays, the bundle is referenced");
    assert.deepEqual(back.cells[2], nb.cells[2]);
    assert.equal(lightenNotebook(file), size, "lightening twice changes nothing");
  });

  it(
    "a light page draws its charts offline in headless Chromium",
    { skip: findChromium() === undefined ? "chromium is not installed" : false, timeout: 120_000 },
    async () => {
      const html = fs.readFileSync(path.join(dir, "one.html"), "utf8");
      const { probe, uncaught, output } = await probePage(findChromium()!, html, dir);
      assert.ok(probe, output.slice(-2000));
      assert.deepEqual(probe.errors, []);
      assert.equal(probe.charts, 2);
      assert.equal(probe.drawn, 2);
      assert.deepEqual(uncaught, []);
    },
  );
});
