import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, it } from "node:test";
import {
  type Figure,
  figureToHtml,
  figureToHtmlPage,
  plotlyBundleEmitted,
  plotlyBundlePath,
  plotlyBundleScript,
  resetPlotlyBundle,
  writeFigurePage,
} from "../../src/plot/plotly";

// A line only the Plotly bundle contains (it assigns the global at its end).
const BUNDLE_MARKER = "window.Plotly = Plotly";
const count = (s: string, needle: string): number => s.split(needle).length - 1;

const fig: Figure = {
  data: [{ type: "scatter", x: [1, 2, 3], y: [2, NaN, 4], name: "a</script><b>" }],
  layout: { title: { text: "t" } },
};

describe("figureToHtml", () => {
  beforeEach(() => resetPlotlyBundle());

  it("inlines the Plotly bundle with the first chart of a session only", () => {
    assert.ok(fs.readFileSync(plotlyBundlePath(), "utf8").includes(BUNDLE_MARKER), "marker must identify the bundle");
    assert.equal(plotlyBundleEmitted(), false);
    const first = figureToHtml(fig);
    const second = figureToHtml(fig);
    const third = figureToHtml(fig);
    assert.equal(count(first, BUNDLE_MARKER), 1);
    assert.equal(count(second + third, BUNDLE_MARKER), 0);
    assert.equal(plotlyBundleEmitted(), true);
    assert.equal(count(first + second + third, 'class="slt-plot"'), 3);
    resetPlotlyBundle();
    assert.equal(count(figureToHtml(fig), BUNDLE_MARKER), 1, "reset makes the next chart carry the bundle again");
  });

  it("honours an explicit includeBundle without touching the session flag", () => {
    assert.equal(count(figureToHtml(fig, { includeBundle: true }), BUNDLE_MARKER), 1);
    assert.equal(count(figureToHtml(fig, { includeBundle: false }), BUNDLE_MARKER), 0);
    assert.equal(plotlyBundleEmitted(), false);
  });

  it("gives each chart its own id and draws into it", () => {
    const a = figureToHtml(fig, { includeBundle: false });
    const b = figureToHtml(fig, { includeBundle: false, id: "my-chart" });
    const idA = /id="([^"]+)"/.exec(a)![1]!;
    assert.match(idA, /^slt-plot-/);
    assert.ok(a.includes(`getElementById("${idA}")`));
    assert.ok(b.includes('id="my-chart"'));
    assert.ok(a.includes("Plotly.newPlot"));
  });

  it("embeds data safely: no early </script>, NaN as a gap, defaults applied", () => {
    const html = figureToHtml(fig, { includeBundle: false });
    assert.equal(count(html, "</script>"), 1, "only the closing tag of the chart script");
    const json = /var fig = (.*);\n/.exec(html)![1]!;
    const parsed = JSON.parse(json) as {
      data: Array<{ y: unknown[]; name: string }>;
      layout: { margin?: object };
      config: { responsive?: boolean };
    };
    assert.deepEqual(parsed.data[0]!.y, [2, null, 4]);
    assert.equal(parsed.data[0]!.name, "a</script><b>");
    assert.ok(parsed.layout.margin, "default margin");
    assert.equal(parsed.config.responsive, true);
  });

  it("sizes the div from the layout", () => {
    const html = figureToHtml({ data: [], layout: { height: 300, width: 500 } }, { includeBundle: false });
    assert.ok(html.includes("width:500px;height:300px"));
  });

  it("never lets the bundle close its own <script> element", () => {
    const script = plotlyBundleScript();
    assert.equal(count(script.toLowerCase(), "</script"), 1);
  });
});

describe("figureToHtmlPage", () => {
  it("is a complete document with the bundle exactly once and every chart", () => {
    resetPlotlyBundle();
    const page = figureToHtmlPage([fig, fig, fig], "Three <charts>", { description: "d & e" });
    assert.match(page, /^<!DOCTYPE html>/);
    assert.equal(count(page, BUNDLE_MARKER), 1);
    assert.equal(count(page, 'class="slt-plot"'), 3);
    assert.ok(page.includes("<title>Three &lt;charts&gt;</title>"));
    assert.ok(page.includes("d &amp; e"));
    assert.equal(plotlyBundleEmitted(), false, "a standalone page does not consume the notebook flag");
  });

  it("writeFigurePage writes the page, creating folders", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-plot-"));
    try {
      const file = writeFigurePage(path.join(dir, "a", "b.html"), [fig], "x");
      assert.ok(fs.readFileSync(file, "utf8").includes('class="slt-plot"'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
