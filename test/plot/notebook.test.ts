import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { byScale, inNotebook, progress, scale, setDisplay, show, showTable } from "../../src/plot/notebook";
import { resetPlotlyBundle } from "../../src/plot/plotly";
import { formatCell, tableHtml } from "../../src/plot/table";

describe("show / showTable", () => {
  afterEach(() => setDisplay(undefined));

  it("is not a notebook in plain Node, and show prints a note instead of throwing", (t) => {
    assert.equal(inNotebook(), false);
    const logged: string[] = [];
    t.mock.method(console, "log", (s: string) => logged.push(s));
    show({ data: [{ type: "bar", x: ["a"], y: [1] }], layout: { title: { text: "T" } } });
    assert.deepEqual(logged, ["[chart] T (1 trace; not in a notebook)"]);
  });

  it("sends chart and table HTML to the display", () => {
    resetPlotlyBundle();
    const out: string[] = [];
    setDisplay({ html: (s) => out.push(s) });
    assert.equal(inNotebook(), true);
    show({ data: [{ type: "scatter", x: [1], y: [1] }] });
    show({ data: [{ type: "scatter", x: [1], y: [1] }] });
    showTable([{ a: 1, b: "x" }]);
    assert.equal(out.length, 3);
    assert.ok(out[0]!.length > 1_000_000, "first chart carries the bundle");
    assert.ok(out[1]!.length < 10_000, "second does not");
    assert.ok(out[2]!.startsWith('<table class="slt-table"'));
  });
});

describe("tableHtml", () => {
  it("renders rows or a table, escapes, right-aligns numbers and truncates", () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ name: `<r${i}>`, v: i / 3, n: i }));
    const html = tableHtml({ objects: () => rows }, { limit: 3, caption: "cap" });
    assert.ok(html.includes("<caption>cap</caption>"));
    assert.ok(html.includes("&lt;r0&gt;"));
    assert.ok(html.includes('<td style="text-align:right">0.3333</td>'));
    const body = html.split("<tbody>")[1]!.split("</tbody>")[0]!;
    assert.equal(body.split("<tr>").length - 1, 3);
    assert.ok(html.includes("… 2 more rows (5 in all)"));
  });

  it("formats cells", () => {
    assert.equal(formatCell(null), "");
    assert.equal(formatCell(12), "12");
    assert.equal(formatCell(0.000123456), "0.0001235");
    assert.equal(formatCell(NaN), "NaN");
    assert.equal(formatCell({ a: 1 }), '{"a":1}');
  });

  it("keeps a requested column order", () => {
    const html = tableHtml([{ a: 1, b: 2 }], { columns: ["b", "a"] });
    assert.ok(html.indexOf('<th style="text-align:right">b</th>') < html.indexOf('<th style="text-align:right">a</th>'));
  });
});

describe("scale", () => {
  it("defaults to quick, accepts full, rejects typos", () => {
    assert.equal(scale({}), "quick");
    assert.equal(scale({ SLT_SCALE: "FULL" }), "full");
    assert.throws(() => scale({ SLT_SCALE: "ful" }), /SLT_SCALE/);
    assert.equal(byScale({ quick: 2, full: 30 }, { SLT_SCALE: "full" }), 30);
    assert.equal(byScale({ quick: 2, full: 30 }, {}), 2);
  });
});

describe("progress", () => {
  it("prints one compact line per step with %, metrics and ETA", () => {
    let clock = 0;
    const lines: string[] = [];
    const p = progress({ total: 4, label: "train", write: (l) => lines.push(l), now: () => clock });
    clock = 1000;
    p.tick({ loss: 0.123456, acc: 0.5 });
    clock = 2000;
    p.update(2);
    clock = 4000;
    p.update(4, { acc: 0.9 });
    p.done({ best: 0.9 });
    assert.deepEqual(lines, [
      "[train] 1/4 25% loss=0.1235 acc=0.5 · 1.0s, eta 3.0s",
      "[train] 2/4 50% · 2.0s, eta 2.0s",
      "[train] 4/4 100% acc=0.9 · 4.0s",
      "[train] done best=0.9 · 4.0s",
    ]);
  });

  it("can print every n-th step and always the last", () => {
    const lines: string[] = [];
    const p = progress({ total: 5, every: 2, write: (l) => lines.push(l), now: () => 0 });
    for (let i = 0; i < 5; i++) p.tick();
    assert.deepEqual(
      lines.map((l) => l.split(" ")[0]),
      ["2/5", "4/5", "5/5"],
    );
  });
});
