/**
 * What a collaborator can take from a page: each chart downloads as PNG (scale 2) and SVG
 * named after the figure, each table as CSV with all its rows; and each chart names the
 * runs it was drawn from. The downloads are clicked for real in headless Chromium.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { clearRunsInUse, noteRunsInUse } from "../../src/experiments/provenance";
import type { StoredRun } from "../../src/experiments/store";
import {
  IMAGE_SCALE,
  type Figure,
  fileSlug,
  figureToHtml,
  figureToHtmlPage,
  provenanceHtml,
  setDisplay,
  show,
  tableHtml,
} from "../../src/plot";
import { Browser } from "../notebooks/live-helpers";
import { findChromium } from "./chromium";

const FIGURE: Figure = {
  data: [{ type: "scatter", x: [1, 2, 3], y: [0.5, 0.25, 0.125], name: "DR" }],
  layout: { title: { text: "Dying ratio <i>vs</i> epoch" }, width: 500, height: 300 },
};
const ROWS = Array.from({ length: 60 }, (_, i) => ({ epoch: i + 1, dyingRatio: 1 / (i + 3), note: i === 0 ? 'a "quoted", text' : "" }));

describe("downloads and provenance", () => {
  it("names files after the figure or table", () => {
    assert.equal(fileSlug("Dying ratio <i>vs</i> epoch"), "dying-ratio-vs-epoch");
    assert.equal(fileSlug(undefined), "figure");
    assert.equal(fileSlug("  ", "table"), "table");
  });

  it("a chart's config asks for PNG at scale 2 named after it, and adds an SVG button", () => {
    const html = figureToHtml(FIGURE, { includeBundle: false });
    assert.match(html, /"toImageButtonOptions":\{"format":"png","filename":"dying-ratio-vs-epoch","scale":2\}/);
    assert.match(html, /format: "svg"/);
    // A figure's own choice wins.
    const own = figureToHtml(
      { ...FIGURE, config: { toImageButtonOptions: { format: "svg", filename: "mine" } } },
      { includeBundle: false },
    );
    assert.match(own, /"toImageButtonOptions":\{"format":"svg","filename":"mine"\}/);
  });

  it("a table gets a CSV link with every row, unrounded; csv: false leaves it out", () => {
    const html = tableHtml(ROWS, { caption: "DR per epoch", limit: 5 });
    const m = /<a download="([^"]+)" href="data:text\/csv;charset=utf-8,([^"]+)">CSV<\/a>/.exec(html);
    assert.ok(m, html.slice(-400));
    assert.equal(m[1], "dr-per-epoch.csv");
    const csv = decodeURIComponent(m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
    const lines = csv.trimEnd().split("\n");
    assert.equal(lines.length, ROWS.length + 1, "all rows, not only the 5 shown");
    assert.equal(lines[0], "epoch,dyingRatio,note");
    assert.equal(lines[1], `1,${1 / 3},"a ""quoted"", text"`);
    assert.doesNotMatch(tableHtml(ROWS, { csv: false }), /download=/);
  });

  it("show lists the runs of the latest ensureRuns under the chart, or the runs given", () => {
    const shown: string[] = [];
    setDisplay({ html: (s) => shown.push(s) });
    try {
      const run = (id: string, backend: string) => ({ id, backend: { name: backend, tfjsVersion: "4.22.0" } }) as unknown as StoredRun;
      noteRunsInUse([run("aaaaaaaaaaaaaaaa", "wasm"), run("bbbbbbbbbbbbbbbb", "wasm")], "/store");
      show(FIGURE);
      assert.match(shown[0]!, /data-slt-runs="aaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb"/);
      assert.match(shown[0]!, /drawn from 2 runs · backend wasm · tfjs 4\.22\.0/);
      show(FIGURE, { runs: [run("cccccccccccccccc", "cpu")] });
      assert.match(shown[1]!, /data-slt-runs="cccccccccccccccc" data-slt-backends="cpu"/);
      show(FIGURE, { runs: null });
      assert.doesNotMatch(shown[2]!, /slt-provenance/);
      clearRunsInUse();
      show(FIGURE);
      assert.doesNotMatch(shown[3]!, /slt-provenance/);
      assert.equal(provenanceHtml(undefined), "");
    } finally {
      setDisplay(undefined);
      clearRunsInUse();
    }
  });

  describe("in headless Chromium", { skip: findChromium() === undefined ? "chromium is not installed" : false, timeout: 120_000 }, () => {
    let dir: string;
    let browser: Browser;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-downloads-"));
      const page = figureToHtmlPage([FIGURE], "downloads").replace(
        "</body>",
        `${tableHtml(ROWS, { caption: "DR per epoch", limit: 5 })}\n</body>`,
      );
      fs.writeFileSync(path.join(dir, "page.html"), page);
      browser = await Browser.launch(findChromium()!, path.join(dir, "profile"));
      await browser.send("Page.setDownloadBehavior", { behavior: "allow", downloadPath: path.join(dir, "downloads") });
      await browser.send("Page.navigate", { url: `file://${path.join(dir, "page.html")}` });
      await browser.waitFor("!!document.querySelector('.slt-plot svg.main-svg')", 30_000, "the chart");
    });
    after(async () => {
      await browser?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const download = async (selector: string, file: string): Promise<Buffer> => {
      await browser.evaluate(`document.querySelector(${JSON.stringify(selector)}).click(); true`);
      const target = path.join(dir, "downloads", file);
      const deadline = Date.now() + 30_000;
      while (!fs.existsSync(target) || fs.statSync(target).size === 0) {
        if (Date.now() > deadline)
          throw new Error(
            `${file} was not downloaded (have: ${fs.readdirSync(path.join(dir, "downloads"), { withFileTypes: true }).map((d) => d.name)})`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 200)); // let the write finish
      return fs.readFileSync(target);
    };

    it("the camera button saves dying-ratio-vs-epoch.png at twice the chart's size", async () => {
      fs.mkdirSync(path.join(dir, "downloads"), { recursive: true });
      const png = await download('.modebar-btn[data-title^="Download plot as a"]', "dying-ratio-vs-epoch.png");
      assert.equal(png.subarray(1, 4).toString("latin1"), "PNG");
      // IHDR: width and height, big-endian, at bytes 16 and 20.
      assert.equal(png.readUInt32BE(16), 500 * IMAGE_SCALE);
      assert.equal(png.readUInt32BE(20), 300 * IMAGE_SCALE);
    });

    it("the SVG button saves dying-ratio-vs-epoch.svg", async () => {
      const svg = (await download('.modebar-btn[data-title="Download plot as SVG"]', "dying-ratio-vs-epoch.svg")).toString("utf8");
      assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, /Dying ratio/);
    });

    it("the table's CSV link saves dr-per-epoch.csv with all rows", async () => {
      const csv = (await download(".slt-csv a", "dr-per-epoch.csv")).toString("utf8");
      assert.equal(csv.trimEnd().split("\n").length, ROWS.length + 1);
    });
  });
});
