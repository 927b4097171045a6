/**
 * Figure builders for the iEP notebooks. Each takes rows (plain objects or
 * an arquero table, e.g. the output of `summarise`) plus the column names to
 * use, and returns a plain `Figure` for `show` or `figureToHtmlPage`.
 */
import { linearFit, mean, pearson, type ObjectsSource } from "../stats/descriptive";
import type { Axis, BarTrace, Datum, ErrorBars, Figure, HeatmapTrace, Layout, ScatterTrace, Shape } from "./plotly";

/** Plotly's default qualitative colours (D3 category10), so charts match Plotly's look. */
export const PALETTE: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** `#rrggbb` → `rgba(r,g,b,alpha)`; other colour strings pass through unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

/** Titles and size shared by all builders. */
export interface ChartText {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  height?: number;
  width?: number;
  /** Log-scale axes. */
  logX?: boolean;
  logY?: boolean;
}

type Row = Readonly<Record<string, unknown>>;

function rowsOf(source: readonly object[] | ObjectsSource): readonly Row[] {
  const rows = Array.isArray(source) ? source : (source as ObjectsSource).objects();
  return rows as readonly Row[];
}

function num(v: unknown): number {
  return typeof v === "number" ? v : v === null || v === undefined ? NaN : Number(v);
}

function datum(v: unknown): Datum {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return null;
  return String(v);
}

/** Groups rows by a key in first-appearance order; one unnamed group without a key. */
function groupBy(rows: readonly Row[], key: string | undefined): Array<{ name: string; rows: Row[] }> {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const name = key === undefined ? "" : String(r[key]);
    let g = groups.get(name);
    if (!g) groups.set(name, (g = []));
    g.push(r);
  }
  return [...groups].map(([name, rs]) => ({ name, rows: rs }));
}

/** Ascending for numbers; strings keep their order (categories are already ordered by the caller). */
function sortByX(rows: Row[], x: string): Row[] {
  return rows.every((r) => typeof r[x] === "number") ? [...rows].sort((a, b) => (a[x] as number) - (b[x] as number)) : rows;
}

function axis(title: string | undefined, log: boolean | undefined, extra: Axis = {}): Axis {
  return { ...(title ? { title: { text: title } } : {}), ...(log ? { type: "log" as const } : {}), ...extra };
}

function baseLayout(text: ChartText, extra: Layout = {}): Layout {
  return {
    ...(text.title ? { title: { text: text.title } } : {}),
    xaxis: axis(text.xTitle, text.logX),
    yaxis: axis(text.yTitle, text.logY),
    ...(text.height !== undefined ? { height: text.height } : {}),
    ...(text.width !== undefined ? { width: text.width } : {}),
    ...extra,
  };
}

function colorOf(i: number, colors: Readonly<Record<string, string>> | undefined, name: string): string {
  return colors?.[name] ?? PALETTE[i % PALETTE.length]!;
}

// ---------------------------------------------------------------------------

export interface LineCiOptions extends ChartText {
  /** Column for the x axis (e.g. "epoch"). */
  x: string;
  /** Column with the group name (one line + band per group); omit for a single line. */
  group?: string;
  /** Column names of the estimate and interval; defaults match `summarise`: mean/lo/hi. */
  mean?: string;
  lo?: string;
  hi?: string;
  /** Draw markers on the mean line (default: only when a group has ≤ 30 points). */
  markers?: boolean;
  /** Fixed colour per group name. */
  colors?: Readonly<Record<string, string>>;
  /** Opacity of the band (default 0.2). */
  bandOpacity?: number;
}

/**
 * Mean line with a shaded confidence band per group. Feed it `summarise(rows,
 * [group, x], value)`. Points whose lo/hi are not finite (n < 2) get no band.
 */
export function lineWithCI(rows: readonly object[] | ObjectsSource, options: LineCiOptions): Figure {
  const meanKey = options.mean ?? "mean";
  const loKey = options.lo ?? "lo";
  const hiKey = options.hi ?? "hi";
  const traces: ScatterTrace[] = [];
  groupBy(rowsOf(rows), options.group).forEach((g, i) => {
    const color = colorOf(i, options.colors, g.name);
    const sorted = sortByX(g.rows, options.x);
    const name = options.group === undefined ? (options.yTitle ?? meanKey) : g.name;
    const banded = sorted.filter((r) => Number.isFinite(num(r[loKey])) && Number.isFinite(num(r[hiKey])));
    if (banded.length > 0) {
      // Closed polygon: upper edge left→right, then lower edge right→left.
      traces.push({
        type: "scatter",
        x: [...banded.map((r) => datum(r[options.x])), ...banded.map((r) => datum(r[options.x])).reverse()],
        y: [...banded.map((r) => datum(r[hiKey])), ...banded.map((r) => datum(r[loKey])).reverse()],
        fill: "toself",
        fillcolor: withAlpha(color, options.bandOpacity ?? 0.2),
        line: { width: 0, color },
        mode: "lines",
        hoverinfo: "skip",
        showlegend: false,
        legendgroup: name,
        name: `${name} CI`,
      });
    }
    const markers = options.markers ?? sorted.length <= 30;
    traces.push({
      type: "scatter",
      x: sorted.map((r) => datum(r[options.x])),
      y: sorted.map((r) => datum(r[meanKey])),
      mode: markers ? "lines+markers" : "lines",
      line: { color, width: 2 },
      marker: { color, size: 5 },
      name,
      legendgroup: name,
      showlegend: options.group !== undefined,
    });
  });
  return { data: traces, layout: baseLayout(options, { hovermode: "x unified" }) };
}

// ---------------------------------------------------------------------------

export interface ScatterTrendOptions extends ChartText {
  x: string;
  y: string;
  /** Column with the group name (one marker colour per group). */
  group?: string;
  /** Column whose value labels each point on hover. */
  label?: string;
  /** One fit over all points (default), one per group, or none. */
  trend?: "overall" | "per-group" | "none";
  colors?: Readonly<Record<string, string>>;
  /** Columns with the interval of x and of y (e.g. a seed spread around per-setting means): drawn as error bars. */
  xError?: { lo: string; hi: string };
  yError?: { lo: string; hi: string };
  /** Connect each group's points in x order (e.g. the values of one hyperparameter). */
  connect?: boolean;
}

/** Asymmetric error bars from interval columns; a point without a finite interval gets none. */
function errorBars(rows: readonly Row[], values: readonly number[], cols: { lo: string; hi: string }, color: string): ErrorBars {
  const up = rows.map((r, j) => num(r[cols.hi]) - values[j]!);
  const down = rows.map((r, j) => values[j]! - num(r[cols.lo]));
  return {
    type: "data",
    symmetric: false,
    array: up.map((v) => (Number.isFinite(v) ? v : 0)),
    arrayminus: down.map((v) => (Number.isFinite(v) ? v : 0)),
    color,
    thickness: 1,
    width: 3,
  };
}

function fitTrace(xs: number[], ys: number[], name: string, color: string, legendgroup?: string): ScatterTrace | undefined {
  const fit = linearFit(xs, ys);
  if (!Number.isFinite(fit.slope)) return undefined;
  const r = pearson(xs, ys);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  return {
    type: "scatter",
    x: [x0, x1],
    y: [fit.predict(x0), fit.predict(x1)],
    mode: "lines",
    line: { color, width: 2, dash: "dash" },
    name: `${name}r = ${Number.isFinite(r) ? r.toFixed(3) : "n/a"} (n = ${xs.length})`,
    hovertemplate: `y = ${fit.slope.toPrecision(4)}·x + ${fit.intercept.toPrecision(4)}<extra></extra>`,
    ...(legendgroup !== undefined ? { legendgroup } : {}),
  };
}

/**
 * Scatter plot with a least-squares line; the line's legend entry carries
 * Pearson's r and n. Rows with a non-finite x or y are left out of plot and fit.
 */
export function scatterWithTrend(rows: readonly object[] | ObjectsSource, options: ScatterTrendOptions): Figure {
  const trend = options.trend ?? "overall";
  const traces: ScatterTrace[] = [];
  const allX: number[] = [];
  const allY: number[] = [];
  groupBy(rowsOf(rows), options.group).forEach((g, i) => {
    const color = colorOf(i, options.colors, g.name);
    const finite = g.rows.filter((r) => Number.isFinite(num(r[options.x])) && Number.isFinite(num(r[options.y])));
    const pts = options.connect ? [...finite].sort((a, b) => num(a[options.x]) - num(b[options.x])) : finite;
    const xs = pts.map((r) => num(r[options.x]));
    const ys = pts.map((r) => num(r[options.y]));
    allX.push(...xs);
    allY.push(...ys);
    const name = options.group === undefined ? "points" : g.name;
    traces.push({
      type: "scatter",
      x: xs,
      y: ys,
      mode: options.connect ? "lines+markers" : "markers",
      marker: { color, size: 8, opacity: 0.8 },
      ...(options.connect ? { line: { color, width: 1 } } : {}),
      name,
      legendgroup: name,
      ...(options.label !== undefined ? { text: pts.map((r) => String(r[options.label!])) } : {}),
      ...(options.xError ? { error_x: errorBars(pts, xs, options.xError, withAlpha(color, 0.6)) } : {}),
      ...(options.yError ? { error_y: errorBars(pts, ys, options.yError, withAlpha(color, 0.6)) } : {}),
    });
    if (trend === "per-group") {
      const t = fitTrace(xs, ys, options.group === undefined ? "fit: " : `${g.name} fit: `, color, name);
      if (t) traces.push(t);
    }
  });
  if (trend === "overall") {
    const t = fitTrace(allX, allY, "linear fit: ", "#444444");
    if (t) traces.push(t);
  }
  return { data: traces, layout: baseLayout(options, { hovermode: "closest" }) };
}

// ---------------------------------------------------------------------------

export interface HeatmapOptions extends ChartText {
  /** Matrix of values; z[row][col], rows follow `y`, columns follow `x`. */
  z: ReadonlyArray<readonly (number | null)[]>;
  x?: readonly Datum[];
  y?: readonly Datum[];
  /** Colour bar title (e.g. "dying ratio"). */
  zTitle?: string;
  zmin?: number;
  zmax?: number;
  /** Plotly colour scale name (default "Viridis"). */
  colorscale?: string;
  /** Show the first row at the top (default true: layer 0 on top reads like a network diagram). */
  firstRowOnTop?: boolean;
}

/** Heatmap of a matrix, e.g. per-layer dying ratio (rows) over epochs (columns). */
export function heatmap(options: HeatmapOptions): Figure {
  const z = options.z.map((row) => row.map((v) => (v !== null && Number.isFinite(v) ? v : null)));
  const trace: HeatmapTrace = {
    type: "heatmap",
    z,
    ...(options.x ? { x: options.x } : {}),
    ...(options.y ? { y: options.y } : {}),
    colorscale: options.colorscale ?? "Viridis",
    ...(options.zmin !== undefined ? { zmin: options.zmin } : {}),
    ...(options.zmax !== undefined ? { zmax: options.zmax } : {}),
    ...(options.zTitle ? { colorbar: { title: { text: options.zTitle } } } : {}),
    hovertemplate: `${options.xTitle ?? "x"}=%{x}<br>${options.yTitle ?? "y"}=%{y}<br>${options.zTitle ?? "z"}=%{z}<extra></extra>`,
  };
  const layout = baseLayout(options);
  const yAxis: Axis = { ...layout.yaxis, type: "category", ...((options.firstRowOnTop ?? true) ? { autorange: "reversed" } : {}) };
  return { data: [trace], layout: { ...layout, yaxis: yAxis } };
}

export interface HeatmapRowsOptions extends Omit<HeatmapOptions, "z" | "x" | "y"> {
  /** Column for the columns of the heatmap (e.g. "epoch"; sorted ascending when numeric). */
  x: string;
  /** Column for the rows (e.g. "layer"; first-appearance order). */
  y: string;
  /** Column with the value (e.g. "dr"); duplicates of one (x, y) cell are averaged (e.g. over seeds). */
  value: string;
}

/** Pivots long rows (x, y, value) into a heatmap. Missing cells stay empty. */
export function heatmapFromRows(rows: readonly object[] | ObjectsSource, options: HeatmapRowsOptions): Figure {
  const list = rowsOf(rows);
  const xs = [...new Set(list.map((r) => r[options.x]))];
  if (xs.every((v) => typeof v === "number")) (xs as number[]).sort((a, b) => a - b);
  const ys = [...new Set(list.map((r) => r[options.y]))];
  const xi = new Map(xs.map((v, i) => [v, i]));
  const yi = new Map(ys.map((v, i) => [v, i]));
  const cells: number[][][] = ys.map(() => xs.map(() => []));
  for (const r of list) {
    const v = num(r[options.value]);
    if (Number.isFinite(v)) cells[yi.get(r[options.y])!]![xi.get(r[options.x])!]!.push(v);
  }
  const { x: _x, y: _y, value: _v, ...rest } = options;
  return heatmap({
    ...rest,
    z: cells.map((row) => row.map((vs) => (vs.length ? mean(vs) : null))),
    x: xs.map(datum),
    // Category labels as strings so numeric layer indices are not treated as a continuous axis.
    y: ys.map((v) => String(v)),
  });
}

// ---------------------------------------------------------------------------

export interface GroupedBarOptions extends ChartText {
  /** Column with the category on the x axis. */
  x: string;
  /** Column with the bar height (default "mean", as produced by `summarise`). */
  y?: string;
  /** Column splitting bars within a category (one colour each). */
  group?: string;
  /** Columns with interval bounds for error bars (e.g. "lo"/"hi"); omit for none. */
  lo?: string;
  hi?: string;
  colors?: Readonly<Record<string, string>>;
}

/** Grouped bar chart, optionally with asymmetric error bars from lo/hi columns. */
export function groupedBar(rows: readonly object[] | ObjectsSource, options: GroupedBarOptions): Figure {
  const yKey = options.y ?? "mean";
  const traces: BarTrace[] = groupBy(rowsOf(rows), options.group).map((g, i) => {
    const color = colorOf(i, options.colors, g.name);
    const ys = g.rows.map((r) => num(r[yKey]));
    const trace: BarTrace = {
      type: "bar",
      x: g.rows.map((r) => datum(r[options.x])),
      y: ys.map(datum),
      name: options.group === undefined ? yKey : g.name,
      marker: { color },
    };
    if (options.lo !== undefined && options.hi !== undefined) {
      const lo = options.lo;
      const hi = options.hi;
      trace.error_y = {
        type: "data",
        symmetric: false,
        array: g.rows.map((r, j) => datum(num(r[hi]) - ys[j]!)),
        arrayminus: g.rows.map((r, j) => datum(ys[j]! - num(r[lo]))),
        color: "#333333",
        thickness: 1.5,
      };
    }
    return trace;
  });
  return {
    data: traces,
    layout: baseLayout(options, { barmode: "group", showlegend: options.group !== undefined }),
  };
}

// ---------------------------------------------------------------------------

/** One row of a forest plot: an estimate with its interval, or a note where there is none. */
export interface ForestRow {
  /** The row's label on the y axis (unique: rows with the same label share a line). */
  label: string;
  /** The colour group (legend entry), e.g. the outcome. */
  group: string;
  estimate: number;
  lo: number;
  hi: number;
  /** Drawn as text at x = 0 instead of a point (e.g. "not tested"); estimate, lo and hi are ignored. */
  note?: string;
  /** Hover text (default: the label and the numbers). */
  hover?: string;
}

export interface ForestOptions extends ChartText {
  /** Shaded band across the plot, e.g. [−1, 1]: where an effect is too small to matter. */
  band?: readonly [number, number];
  /** Colour per group; groups keep this order in the legend. */
  colors?: Readonly<Record<string, string>>;
  /**
   * The x range shown. Intervals reaching beyond it are cut at its edge, and an estimate beyond
   * it is drawn at the edge as an arrow pointing outwards (its hover text keeps the true
   * numbers). Default: the data's range.
   */
  xRange?: readonly [number, number];
}

/**
 * A forest plot: one line per row, its estimate as a dot and its interval as a horizontal bar,
 * coloured by group, first row at the top; a vertical line at 0 and an optional shaded band.
 */
export function forestPlot(rows: readonly ForestRow[], options: ForestOptions = {}): Figure {
  const labels = [...new Set(rows.map((r) => r.label))];
  const order = [...Object.keys(options.colors ?? {}), ...rows.map((r) => r.group)];
  const groups = [...new Set(order)].filter((g) => rows.some((r) => r.group === g));
  const fmt = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "n/a");
  const traces: ScatterTrace[] = [];
  groups.forEach((g, i) => {
    const color = colorOf(i, options.colors, g);
    const points = rows.filter((r) => r.group === g && r.note === undefined);
    const notes = rows.filter((r) => r.group === g && r.note !== undefined);
    const [min, max] = options.xRange ?? [-Infinity, Infinity];
    const clamp = (v: number) => Math.min(max, Math.max(min, v));
    const shown = points.map((r) => ({
      x: clamp(r.estimate),
      lo: clamp(r.lo),
      hi: clamp(r.hi),
      out: r.estimate > max ? 1 : r.estimate < min ? -1 : 0,
    }));
    if (points.length)
      traces.push({
        type: "scatter",
        mode: "markers",
        name: g,
        legendgroup: g,
        x: shown.map((p) => datum(p.x)),
        y: points.map((r) => r.label),
        marker: {
          color,
          size: shown.map((p) => (p.out ? 11 : 8)),
          symbol: shown.map((p) => (p.out > 0 ? "triangle-right" : p.out < 0 ? "triangle-left" : "circle")),
        },
        error_x: {
          type: "data",
          symmetric: false,
          array: shown.map((p) => datum(p.hi - p.x)),
          arrayminus: shown.map((p) => datum(p.x - p.lo)),
          color,
          thickness: 2,
          width: 4,
        },
        text: points.map((r) => r.hover ?? `${r.label}: ${fmt(r.estimate)} [${fmt(r.lo)}, ${fmt(r.hi)}]`),
        hoverinfo: "text",
      });
    if (notes.length)
      traces.push({
        type: "scatter",
        mode: "text",
        name: g,
        legendgroup: g,
        showlegend: points.length === 0,
        x: notes.map(() => 0),
        y: notes.map((r) => r.label),
        text: notes.map((r) => r.note!),
        textfont: { color, size: 11 },
        textposition: "middle center",
        hovertemplate: "%{y}<extra></extra>",
      });
  });
  const shapes: Shape[] = [{ type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1, line: { color: "#888888", width: 1 } }];
  if (options.band)
    shapes.unshift({
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: options.band[0],
      x1: options.band[1],
      y0: 0,
      y1: 1,
      fillcolor: "rgba(120,120,120,0.15)",
      line: { width: 0 },
      layer: "below",
    });
  const layout = baseLayout(
    { height: Math.max(240, 120 + 22 * labels.length), ...options },
    {
      shapes,
      hovermode: "closest",
      // The legend sits just above the plot, under the title (room for both in the top margin).
      legend: { orientation: "h", x: 0, y: 1, yanchor: "bottom" },
      margin: { l: 64, r: 24, t: options.title ? 100 : 56, b: 56 },
    },
  );
  // A little room beyond the range, so that an arrow at its edge is drawn whole.
  const pad = options.xRange ? 0.04 * (options.xRange[1] - options.xRange[0]) : 0;
  const range = options.xRange ? ([options.xRange[0] - pad, options.xRange[1] + pad] as const) : undefined;
  layout.xaxis = { ...layout.xaxis, zeroline: false, ...(range ? { range } : {}) };
  // First row at the top; an explicit range, as autorange pads a long category axis unevenly.
  layout.yaxis = {
    ...layout.yaxis,
    type: "category",
    categoryorder: "array",
    categoryarray: labels,
    range: [labels.length - 0.5, -0.5],
    automargin: true,
  };
  return { data: traces, layout };
}
