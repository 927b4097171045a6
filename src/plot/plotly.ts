/**
 * Plotly figures as self-contained HTML.
 *
 * nbconvert drops Plotly's own MIME type and `text/javascript` outputs, so
 * charts travel as `text/html`: a <div> plus a <script> calling
 * Plotly.newPlot. The Plotly bundle (plotly.js-dist-min) is inlined once per
 * notebook session, so the exported HTML works offline and stays interactive.
 */
import * as fs from "node:fs";
import * as path from "node:path";

// ---------------------------------------------------------------------------
// Minimal figure types: only the Plotly attributes this project uses, so
// notebooks get checking and completion without pulling in @types/plotly.js.

/** A coordinate or value; null (or NaN, serialised as null) leaves a gap. */
export type Datum = number | string | null;

export type Dash = "solid" | "dot" | "dash" | "longdash" | "dashdot" | "longdashdot";

export interface LineStyle {
  color?: string;
  width?: number;
  dash?: Dash;
  shape?: "linear" | "spline" | "hv" | "vh" | "hvh" | "vhv";
}

export interface MarkerStyle {
  color?: string | readonly string[] | readonly number[];
  size?: number | readonly number[];
  symbol?: string | readonly string[];
  opacity?: number;
  line?: LineStyle;
}

export interface ErrorBars {
  type: "data";
  /** Distance above the value (or both ways when symmetric). */
  array: readonly Datum[];
  /** Distance below the value when `symmetric` is false. */
  arrayminus?: readonly Datum[];
  symmetric?: boolean;
  visible?: boolean;
  color?: string;
  thickness?: number;
  width?: number;
}

/** Properties every trace kind accepts. */
export interface TraceBase {
  name?: string;
  showlegend?: boolean;
  legendgroup?: string;
  visible?: boolean | "legendonly";
  opacity?: number;
  hoverinfo?: string;
  hovertemplate?: string;
  text?: string | readonly string[];
  xaxis?: string;
  yaxis?: string;
}

export interface ScatterTrace extends TraceBase {
  type: "scatter" | "scattergl";
  x: readonly Datum[];
  y: readonly Datum[];
  mode?: "lines" | "markers" | "lines+markers" | "text" | "markers+text" | "lines+markers+text" | "none";
  line?: LineStyle;
  marker?: MarkerStyle;
  fill?: "none" | "tozeroy" | "tozerox" | "tonexty" | "tonextx" | "toself" | "tonext";
  fillcolor?: string;
  connectgaps?: boolean;
  error_y?: ErrorBars;
  error_x?: ErrorBars;
  textfont?: Font;
  textposition?: "top center" | "middle center" | "middle right" | "middle left" | "bottom center";
}

export interface BarTrace extends TraceBase {
  type: "bar";
  x: readonly Datum[];
  y: readonly Datum[];
  orientation?: "v" | "h";
  marker?: MarkerStyle;
  error_y?: ErrorBars;
  error_x?: ErrorBars;
  textposition?: "inside" | "outside" | "auto" | "none";
}

export interface HeatmapTrace extends TraceBase {
  type: "heatmap";
  /** Rows follow `y`, columns follow `x`. */
  z: ReadonlyArray<readonly (number | null)[]>;
  x?: readonly Datum[];
  y?: readonly Datum[];
  colorscale?: string | ReadonlyArray<readonly [number, string]>;
  reversescale?: boolean;
  zmin?: number;
  zmax?: number;
  showscale?: boolean;
  colorbar?: { title?: { text: string }; thickness?: number };
  xgap?: number;
  ygap?: number;
}

export type Trace = ScatterTrace | BarTrace | HeatmapTrace;

export interface Title {
  text: string;
}

export interface Axis {
  title?: Title;
  type?: "-" | "linear" | "log" | "category" | "date";
  range?: readonly [number, number];
  autorange?: boolean | "reversed";
  tickformat?: string;
  dtick?: number | string;
  zeroline?: boolean;
  showgrid?: boolean;
  rangemode?: "normal" | "tozero" | "nonnegative";
  domain?: readonly [number, number];
  anchor?: string;
  automargin?: boolean;
  /** Category axes: "array" keeps `categoryarray`'s order (otherwise categories follow the traces). */
  categoryorder?: "trace" | "array";
  categoryarray?: readonly Datum[];
  zerolinecolor?: string;
}

/** A rectangle or line drawn on the plot, in data (`x`, `y`) or `paper` (0–1) coordinates. */
export interface Shape {
  type: "rect" | "line";
  xref?: string;
  yref?: string;
  x0: Datum;
  x1: Datum;
  y0: Datum;
  y1: Datum;
  fillcolor?: string;
  line?: LineStyle;
  layer?: "below" | "above";
}

export interface Annotation {
  text: string;
  x?: Datum;
  y?: Datum;
  xref?: string;
  yref?: string;
  showarrow?: boolean;
  font?: Font;
  align?: "left" | "center" | "right";
}

export interface Font {
  family?: string;
  size?: number;
  color?: string;
}

export interface Layout {
  title?: Title;
  xaxis?: Axis;
  yaxis?: Axis;
  xaxis2?: Axis;
  yaxis2?: Axis;
  width?: number;
  height?: number;
  margin?: { l?: number; r?: number; t?: number; b?: number; pad?: number };
  showlegend?: boolean;
  legend?: {
    orientation?: "v" | "h";
    x?: number;
    y?: number;
    xanchor?: "auto" | "left" | "center" | "right";
    yanchor?: "auto" | "top" | "middle" | "bottom";
    title?: Title;
  };
  barmode?: "group" | "stack" | "overlay" | "relative";
  hovermode?: "x" | "y" | "closest" | "x unified" | "y unified" | false;
  annotations?: readonly Annotation[];
  shapes?: readonly Shape[];
  font?: Font;
  paper_bgcolor?: string;
  plot_bgcolor?: string;
}

export interface Config {
  responsive?: boolean;
  displaylogo?: boolean;
  displayModeBar?: boolean | "hover";
  staticPlot?: boolean;
  scrollZoom?: boolean;
  toImageButtonOptions?: { format?: "png" | "svg" | "jpeg" | "webp"; filename?: string; scale?: number };
}

export interface Figure {
  data: readonly Trace[];
  layout?: Layout;
  config?: Config;
}

// ---------------------------------------------------------------------------
// The bundle.

let bundleCache: string | undefined;
let bundleEmitted = false;

/** Path of the minified Plotly bundle shipped by plotly.js-dist-min. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/** The Plotly bundle as a `<script>` element (~5 MB), safe to inline in HTML. */
export function plotlyBundleScript(): string {
  if (bundleCache === undefined) {
    const src = fs.readFileSync(plotlyBundlePath(), "utf8");
    // An inline script ends at the first "</script"; split any such
    // sequence inside string literals so the bundle cannot close its element.
    bundleCache = `<script type="text/javascript">${src.replace(/<\/(script)/gi, "<\\/$1")}</script>`;
  }
  return bundleCache;
}

/** Whether this process has already emitted the bundle (into the current notebook). */
export function plotlyBundleEmitted(): boolean {
  return bundleEmitted;
}

/**
 * Forget that the bundle was emitted, so the next chart inlines it again.
 * Needed when the output holding the bundle is cleared while the kernel lives.
 */
export function resetPlotlyBundle(): void {
  bundleEmitted = false;
}

// ---------------------------------------------------------------------------
// Rendering.

const DEFAULT_HEIGHT = 420;
const DEFAULT_CONFIG: Config = { responsive: true, displaylogo: false };
const DEFAULT_MARGIN = { l: 64, r: 24, t: 56, b: 56 };

let plotCounter = 0;
// Per-process prefix: ids stay unique when outputs of several kernels share a page.
const idPrefix = Math.random().toString(36).slice(2, 8);

/** JSON that is safe inside an inline <script> (no "</", no "<!--"). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export interface FigureHtmlOptions {
  /**
   * Inline the Plotly bundle before the chart: `true` always, `false` never,
   * `"auto"` (default) only the first time in this process.
   */
  includeBundle?: boolean | "auto";
  /** Element id for the chart <div>; generated when omitted. */
  id?: string;
}

/**
 * A file name (without extension) from a figure or table title: "DR vs p <i>(mean)</i>" →
 * "dr-vs-p-mean"; `fallback` when nothing is left.
 */
export function fileSlug(title: string | undefined, fallback = "figure"): string {
  const slug = (title ?? "")
    .replace(/<[^>]*>/g, " ")
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || fallback;
}

/** Scale of downloaded images (2: sharp enough for a paper at the chart's size). */
export const IMAGE_SCALE = 2;

/**
 * HTML for one chart: a <div class="slt-plot"> and the script that draws it,
 * preceded by the Plotly bundle when `includeBundle` calls for it.
 * NaN values become null, which Plotly draws as gaps.
 */
export function figureToHtml(figure: Figure, options: FigureHtmlOptions = {}): string {
  const mode = options.includeBundle ?? "auto";
  const withBundle = mode === true || (mode === "auto" && !bundleEmitted);
  if (withBundle && mode === "auto") bundleEmitted = true;
  const id = options.id ?? `slt-plot-${idPrefix}-${++plotCounter}`;
  const layout: Layout = { margin: DEFAULT_MARGIN, ...figure.layout };
  // The camera button saves a PNG named after the figure; a second button (added in the
  // script, as it is a function) saves the same view as SVG.
  const filename = fileSlug(figure.layout?.title?.text);
  const config: Config = {
    ...DEFAULT_CONFIG,
    toImageButtonOptions: { format: "png", filename, scale: IMAGE_SCALE },
    ...figure.config,
  };
  const height = layout.height ?? DEFAULT_HEIGHT;
  const width = layout.width !== undefined ? `${layout.width}px` : "100%";
  const payload = scriptJson({ data: figure.data, layout, config });
  const idJson = scriptJson(id);
  // The fallback message matters in live Jupyter: if the output holding the
  // bundle was cleared, say how to recover instead of leaving a blank box.
  const script =
    `(function () {\n` +
    `  var el = document.getElementById(${idJson});\n` +
    `  var fig = ${payload};\n` +
    `  if (typeof window.Plotly === "undefined") {\n` +
    `    el.textContent = "Plotly is not loaded on this page: call resetPlotlyBundle() and re-run the cell.";\n` +
    `    console.error("slt-workbench: Plotly bundle missing for " + ${idJson});\n` +
    `    return;\n` +
    `  }\n` +
    `  var image = fig.config.toImageButtonOptions || {};\n` +
    `  fig.config.modeBarButtonsToAdd = [{ name: "downloadSvg", title: "Download plot as SVG", icon: window.Plotly.Icons.disk,\n` +
    `    click: function (gd) { window.Plotly.downloadImage(gd, { format: "svg", filename: image.filename, scale: image.scale }); } }];\n` +
    `  window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);\n` +
    `})();`;
  const div = `<div class="slt-plot" id="${escapeAttr(id)}" style="width:${width};height:${height}px;"></div>`;
  return `${withBundle ? `${plotlyBundleScript()}\n` : ""}${div}\n<script type="text/javascript">\n${script}\n</script>`;
}

export interface PageOptions {
  /** A paragraph of (escaped) text under the title. */
  description?: string;
}

/**
 * A complete, self-contained HTML document with the given charts (bundle
 * inlined once). Does not touch the notebook-session flag.
 */
export function figureToHtmlPage(figures: readonly Figure[], title: string, options: PageOptions = {}): string {
  const charts = figures.map((f) => `<section class="slt-chart">\n${figureToHtml(f, { includeBundle: false })}\n</section>`);
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<title>${escapeHtml(title)}</title>\n` +
    `<style>body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}` +
    `section.slt-chart{margin:1.5rem 0}</style>\n` +
    `${plotlyBundleScript()}\n</head>\n<body>\n<h1>${escapeHtml(title)}</h1>\n` +
    (options.description ? `<p>${escapeHtml(options.description)}</p>\n` : "") +
    `${charts.join("\n")}\n</body>\n</html>\n`
  );
}

/** Writes `figureToHtmlPage` to `file` (parent folders created); returns the absolute path. */
export function writeFigurePage(file: string, figures: readonly Figure[], title: string, options: PageOptions = {}): string {
  const abs = path.resolve(file);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, figureToHtmlPage(figures, title, options));
  return abs;
}

/** Escapes text for HTML element content. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes text for a double-quoted HTML attribute. */
export function escapeAttr(s: string): string {
  return escapeHtml(s).replace(/"/g, "&quot;");
}
