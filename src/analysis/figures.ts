/**
 * Small helpers the figure notebooks share: formatting of the tests in ./stats (re-exported
 * here, where the notebooks import them from), a verdict line per finding, and figure
 * touch-ups (dotted lines, reference lines) on top of the chart builders of src/plot.
 */
import { type CorrelationTest, type DifferenceTest, type GroupSummary, confidenceInterval } from "./stats";
import type { Axis, Dash, Figure, ScatterTrace } from "../plot/plotly";
import { escapeHtml } from "../plot/plotly";
import { showHtml } from "../plot/notebook";

export { type CorrelationTest, type DifferenceTest, type QuadraticFit, correlationTest, quadraticFit, welchTest } from "./stats";

/** "0.471 [0.465, 0.477]": a mean with its interval (just the mean when n < 2). */
export function fmtCi(s: Pick<GroupSummary, "mean" | "lo" | "hi">, digits = 3): string {
  if (!Number.isFinite(s.mean)) return "n/a";
  const m = s.mean.toFixed(digits);
  return Number.isFinite(s.lo) && Number.isFinite(s.hi) ? `${m} [${s.lo.toFixed(digits)}, ${s.hi.toFixed(digits)}]` : m;
}

/** "+0.012 [-0.003, 0.027], p = 0.090": a difference with its interval and p-value. */
export function fmtDiff(d: DifferenceTest, digits = 3): string {
  const sign = (v: number) => (v >= 0 ? "+" : "") + v.toFixed(digits);
  const ci = Number.isFinite(d.lo) ? ` [${d.lo.toFixed(digits)}, ${d.hi.toFixed(digits)}]` : "";
  return `${sign(d.diff)}${ci}, ${fmtP(d.p)}`;
}

/** "p = 0.062", "p < 0.001" or "p n/a". */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return "p n/a";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

/** "r = -0.62 [-0.80, -0.35], p < 0.001, n = 21". */
export function fmtCorrelation(c: CorrelationTest): string {
  const ci = Number.isFinite(c.lo) ? ` [${c.lo.toFixed(2)}, ${c.hi.toFixed(2)}]` : "";
  return `r = ${Number.isFinite(c.r) ? c.r.toFixed(2) : "n/a"}${ci}, ${fmtP(c.p)}, n = ${c.n}`;
}

// ---------------------------------------------------------------------------
// Verdicts.

export type FindingStatus = "holds" | "does not hold" | "partly holds" | "inconclusive";

export interface Finding {
  /** What the deck claims, in a few words. */
  claim: string;
  status: FindingStatus;
  /** The numbers behind the verdict. */
  evidence: string;
}

const STATUS_STYLE: Record<FindingStatus, { mark: string; color: string }> = {
  holds: { mark: "✔", color: "#1b5e20" },
  "partly holds": { mark: "◐", color: "#8d6e00" },
  "does not hold": { mark: "✘", color: "#b71c1c" },
  inconclusive: { mark: "?", color: "#555555" },
};

/** One line of text per finding, e.g. "✔ holds — EP leaves most edges unused: DR = …". */
export function findingLine(f: Finding): string {
  return `${STATUS_STYLE[f.status].mark} ${f.status} — ${f.claim}: ${f.evidence}`;
}

/** Shows the verdicts as a small HTML list in a notebook (text lines elsewhere) and returns the lines. */
export function reportFindings(findings: readonly Finding[], title = "Deck findings at this scale"): string[] {
  const lines = findings.map(findingLine);
  const items = findings
    .map((f) => {
      const s = STATUS_STYLE[f.status];
      return `<li><b style="color:${s.color}">${s.mark} ${escapeHtml(f.status)}</b> — <b>${escapeHtml(f.claim)}</b>: ${escapeHtml(f.evidence)}</li>`;
    })
    .join("\n");
  showHtml(`<div class="slt-findings"><p><b>${escapeHtml(title)}</b></p><ul>\n${items}\n</ul></div>`, [title, ...lines].join("\n"));
  return lines;
}

// ---------------------------------------------------------------------------
// Figure touch-ups.

/** Sets the dash (and optionally width) of every line trace whose name matches. */
export function dashTraces(figure: Figure, match: RegExp, dash: Dash, width?: number): Figure {
  const data = figure.data.map((t) => {
    if (t.type !== "scatter" && t.type !== "scattergl") return t;
    const s = t as ScatterTrace;
    if (!match.test(s.name ?? "") || s.fill === "toself") return t;
    return { ...s, line: { ...s.line, dash, ...(width !== undefined ? { width } : {}) } };
  });
  return { ...figure, data };
}

export interface ReferenceLine {
  /** Numbers, or a bar chart's category names (a level across its categories). */
  x: readonly (number | string)[];
  y: readonly number[];
  name: string;
  color?: string;
  dash?: Dash;
}

/** Adds straight reference lines (e.g. "DR = prune rate") to a figure. */
export function withReferenceLines(figure: Figure, lines: readonly ReferenceLine[]): Figure {
  const traces: ScatterTrace[] = lines.map((l) => ({
    type: "scatter",
    x: [...l.x],
    y: [...l.y],
    mode: "lines",
    name: l.name,
    line: { color: l.color ?? "#888888", dash: l.dash ?? "dash", width: 1.5 },
    hoverinfo: "skip",
  }));
  return { ...figure, data: [...figure.data, ...traces] };
}

/** Merges settings into the x and y axes, e.g. `{ x: { dtick: 1 } }` for whole epochs, `{ y: { automargin: true } }` for long labels. */
export function withAxes(figure: Figure, axes: { x?: Axis; y?: Axis }): Figure {
  const layout = { ...figure.layout };
  if (axes.x) layout.xaxis = { ...layout.xaxis, ...axes.x };
  if (axes.y) layout.yaxis = { ...layout.yaxis, ...axes.y };
  return { ...figure, layout };
}

/** Mean and interval of each sample, keyed: a compact way to quote several groups. */
export function intervals<K extends string>(samples: Readonly<Record<K, readonly number[]>>, level = 0.95): Record<K, GroupSummary> {
  const out = {} as Record<K, GroupSummary>;
  for (const [k, xs] of Object.entries(samples) as Array<[K, readonly number[]]>) {
    const ci = confidenceInterval(xs, level);
    out[k] = { mean: ci.mean, std: ci.std, lo: ci.lo, hi: ci.hi, n: ci.n };
  }
  return out;
}
