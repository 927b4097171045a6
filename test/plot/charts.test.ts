import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarise } from "../../src/analysis/stats";
import { forestPlot, groupedBar, heatmap, heatmapFromRows, lineWithCI, PALETTE, scatterWithTrend, withAlpha } from "../../src/plot/charts";
import type { BarTrace, HeatmapTrace, ScatterTrace } from "../../src/plot/plotly";

const runs = [
  { method: "EP", seed: 1, epoch: 2, acc: 0.6 },
  { method: "EP", seed: 2, epoch: 2, acc: 0.64 },
  { method: "EP", seed: 1, epoch: 1, acc: 0.4 },
  { method: "EP", seed: 2, epoch: 1, acc: 0.44 },
  { method: "iEP", seed: 1, epoch: 1, acc: 0.5 },
  { method: "iEP", seed: 1, epoch: 2, acc: 0.7 },
];

describe("lineWithCI", () => {
  it("draws a band then a mean line per group, sorted by x", () => {
    const summary = summarise(runs, ["method", "epoch"], "acc");
    const f = lineWithCI(summary, { x: "epoch", group: "method", title: "acc", xTitle: "epoch", yTitle: "accuracy" });
    const traces = f.data as ScatterTrace[];
    // EP: band + line; iEP has n = 1 per point, so no band, only its line.
    assert.deepEqual(
      traces.map((t) => [t.name, t.fill ?? "none"]),
      [
        ["EP CI", "toself"],
        ["EP", "none"],
        ["iEP", "none"],
      ],
    );
    const band = traces[0]!;
    const line = traces[1]!;
    assert.deepEqual(line.x, [1, 2]);
    assert.equal(band.x.length, 4, "upper edge forward, lower edge back");
    assert.deepEqual(band.x, [1, 2, 2, 1]);
    assert.ok((band.y[0] as number) > (line.y[0] as number) && (band.y[3] as number) < (line.y[0] as number));
    assert.equal(band.showlegend, false);
    assert.equal(band.legendgroup, line.legendgroup, "band toggles with its line");
    assert.equal(band.fillcolor, withAlpha(PALETTE[0]!, 0.2));
    assert.equal(f.layout?.title?.text, "acc");
    assert.equal(f.layout?.yaxis?.title?.text, "accuracy");
  });

  it("takes custom column names and colours", () => {
    const rows = [
      { x: 1, m: 1, l: 0, h: 2 },
      { x: 2, m: 2, l: 1, h: 3 },
    ];
    const f = lineWithCI(rows, { x: "x", mean: "m", lo: "l", hi: "h", colors: { "": "#000000" } });
    const [band, line] = f.data as ScatterTrace[];
    assert.deepEqual(band!.y, [2, 3, 1, 0]);
    assert.equal(line!.line?.color, "#000000");
  });
});

describe("scatterWithTrend", () => {
  const pts = [
    { g: "a", x: 1, y: 2 },
    { g: "a", x: 2, y: 5 },
    { g: "b", x: 3, y: 5 },
    { g: "b", x: 4, y: 8 },
    { g: "b", x: NaN, y: 1 },
  ];

  it("puts Pearson r and n of the overall fit in the legend", () => {
    const f = scatterWithTrend(pts, { x: "x", y: "y", group: "g" });
    const traces = f.data as ScatterTrace[];
    assert.equal(traces.length, 3);
    const fit = traces[2]!;
    assert.match(fit.name ?? "", /^linear fit: r = 0\.949 \(n = 4\)$/);
    assert.deepEqual(fit.x, [1, 4]);
    assert.equal(traces[1]!.x.length, 2, "non-finite points are dropped");
  });

  it("can fit per group or not at all", () => {
    const per = scatterWithTrend(pts, { x: "x", y: "y", group: "g", trend: "per-group" }).data as ScatterTrace[];
    assert.deepEqual(
      per.map((t) => t.mode),
      ["markers", "lines", "markers", "lines"],
    );
    assert.match(per[1]!.name ?? "", /^a fit: r = 1\.000 \(n = 2\)$/);
    assert.equal(scatterWithTrend(pts, { x: "x", y: "y", trend: "none" }).data.length, 1);
  });
});

describe("scatterWithTrend error bars", () => {
  it("draws asymmetric x and y error bars from interval columns and connects a group in x order", () => {
    const rows = [
      { g: "lr", x: 0.5, xlo: 0.4, xhi: 0.55, y: 0.8, ylo: 0.7, yhi: 0.85 },
      { g: "lr", x: 0.3, xlo: Number.NaN, xhi: Number.NaN, y: 0.9, ylo: 0.88, yhi: 0.95 },
    ];
    const f = scatterWithTrend(rows, {
      x: "x",
      y: "y",
      group: "g",
      trend: "none",
      connect: true,
      xError: { lo: "xlo", hi: "xhi" },
      yError: { lo: "ylo", hi: "yhi" },
    });
    const t = f.data[0] as ScatterTrace;
    assert.deepEqual(t.x, [0.3, 0.5]);
    assert.equal(t.mode, "lines+markers");
    const close = (a: unknown, b: number[]) => (a as number[]).forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-12, `${v} vs ${b[i]}`));
    close(t.error_x!.array, [0, 0.05]);
    close(t.error_x!.arrayminus, [0, 0.1]);
    close(t.error_y!.array, [0.05, 0.05]);
    close(t.error_y!.arrayminus, [0.02, 0.1]);
  });
});

describe("heatmap", () => {
  it("keeps the matrix and turns NaN into gaps", () => {
    const f = heatmap({
      z: [
        [0.1, NaN],
        [0.3, 0.4],
      ],
      x: [1, 2],
      y: ["l0", "l1"],
      zTitle: "DR",
      zmin: 0,
      zmax: 1,
    });
    const t = f.data[0] as HeatmapTrace;
    assert.deepEqual(t.z, [
      [0.1, null],
      [0.3, 0.4],
    ]);
    assert.equal(t.zmax, 1);
    assert.equal(t.colorbar?.title?.text, "DR");
    assert.equal(f.layout?.yaxis?.autorange, "reversed");
  });

  it("pivots long rows, sorting numeric x and averaging duplicates", () => {
    const rows = [
      { epoch: 2, layer: "conv1", dr: 0.2 },
      { epoch: 1, layer: "conv1", dr: 0.1 },
      { epoch: 1, layer: "fc", dr: 0.5 },
      { epoch: 1, layer: "fc", dr: 0.7 },
    ];
    const t = heatmapFromRows(rows, { x: "epoch", y: "layer", value: "dr" }).data[0] as HeatmapTrace;
    assert.deepEqual(t.x, [1, 2]);
    assert.deepEqual(t.y, ["conv1", "fc"]);
    assert.equal(t.z[0]![0], 0.1);
    assert.equal(t.z[0]![1], 0.2);
    assert.ok(Math.abs(t.z[1]![0]! - 0.6) < 1e-12);
    assert.equal(t.z[1]![1], null, "missing cell");
  });
});

describe("groupedBar", () => {
  it("one trace per group with asymmetric error bars from lo/hi", () => {
    const rows = [
      { layer: "a", method: "EP", mean: 0.5, lo: 0.4, hi: 0.7 },
      { layer: "b", method: "EP", mean: 0.6, lo: 0.5, hi: 0.65 },
      { layer: "a", method: "iEP", mean: 0.3, lo: NaN, hi: NaN },
    ];
    const f = groupedBar(rows, { x: "layer", group: "method", lo: "lo", hi: "hi" });
    const [ep, iep] = f.data as BarTrace[];
    assert.equal(f.layout?.barmode, "group");
    assert.deepEqual(ep!.x, ["a", "b"]);
    assert.ok(Math.abs((ep!.error_y!.array[0] as number) - 0.2) < 1e-12);
    assert.ok(Math.abs((ep!.error_y!.arrayminus![0] as number) - 0.1) < 1e-12);
    assert.deepEqual(iep!.error_y!.array, [null]);
    assert.equal(groupedBar(rows, { x: "layer" }).data[0]!.name, "mean");
  });
});

describe("forestPlot", () => {
  const rows = [
    { label: "a", group: "holds", estimate: 2, lo: 1.5, hi: 2.5 },
    { label: "b", group: "inconclusive", estimate: 0.2, lo: -1.5, hi: 1.9 },
    { label: "c", group: "holds", estimate: 3, lo: 2, hi: 5 },
    { label: "d", group: "not tested", estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, note: "not tested" },
  ];
  it("draws one trace per group, intervals as asymmetric bars, rows top to bottom in the given order", () => {
    const fig = forestPlot(rows, { band: [-1, 1], colors: { holds: "#1b5e20", inconclusive: "#555555", "not tested": "#6d4c41" } });
    const traces = fig.data as ScatterTrace[];
    assert.deepEqual(
      traces.map((t) => [t.name, t.mode]),
      [
        ["holds", "markers"],
        ["inconclusive", "markers"],
        ["not tested", "text"],
      ],
    );
    assert.deepEqual(traces[0]!.y, ["a", "c"]);
    assert.deepEqual(traces[0]!.error_x?.array, [0.5, 2]);
    assert.deepEqual(traces[0]!.error_x?.arrayminus, [0.5, 1]);
    assert.equal(traces[0]!.marker?.color, "#1b5e20");
    assert.deepEqual(traces[2]!.text, ["not tested"]);
    assert.deepEqual(fig.layout?.yaxis?.categoryarray, ["a", "b", "c", "d"]);
    assert.deepEqual(fig.layout?.yaxis?.range, [3.5, -0.5], "first row at the top");
    const band = fig.layout?.shapes?.find((s) => s.type === "rect");
    assert.deepEqual([band?.x0, band?.x1], [-1, 1]);
    assert.ok(
      fig.layout?.shapes?.some((s) => s.type === "line" && s.x0 === 0 && s.x1 === 0),
      "a line at 0",
    );
    assert.ok((fig.layout?.height ?? 0) >= 120 + 22 * 4);
  });
  it("draws an estimate beyond the shown range as an arrow at the edge, its interval cut there", () => {
    const fig = forestPlot([{ label: "far", group: "holds", estimate: 30, lo: 20, hi: 40 }, ...rows.slice(0, 1)], { xRange: [-12, 12] });
    const t = (fig.data as ScatterTrace[])[0]!;
    assert.deepEqual(t.x, [12, 2]);
    assert.deepEqual(t.marker?.symbol, ["triangle-right", "circle"]);
    assert.deepEqual(t.error_x?.array, [0, 0.5]);
    assert.deepEqual(t.error_x?.arrayminus, [0, 0.5]);
    assert.match(String((t.text as string[])[0]), /30 \[20, 40\]/);
  });
  it("has no band unless asked", () => {
    assert.ok(!forestPlot(rows).layout?.shapes?.some((s) => s.type === "rect"));
  });
});
