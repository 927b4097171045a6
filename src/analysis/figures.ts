/**
 * Small helpers the figure notebooks share: tests that turn a deck finding into a number
 * (Welch's t for a difference of means, Pearson r with its interval, a quadratic fit for
 * an inverse U), a verdict line per finding, and figure touch-ups (dotted lines,
 * reference lines) on top of the chart builders of src/plot.
 */
import { confidenceInterval, linearFit, mean, pearson, studentTCdf, studentTQuantile, variance, type GroupSummary } from "./stats";
import type { Axis, Dash, Figure, ScatterTrace } from "../plot/plotly";
import { escapeHtml } from "../plot/plotly";
import { showHtml } from "../plot/notebook";

/** "0.471 [0.465, 0.477]": a mean with its interval (just the mean when n < 2). */
export function fmtCi(s: Pick<GroupSummary, "mean" | "lo" | "hi">, digits = 3): string {
  if (!Number.isFinite(s.mean)) return "n/a";
  const m = s.mean.toFixed(digits);
  return Number.isFinite(s.lo) && Number.isFinite(s.hi) ? `${m} [${s.lo.toFixed(digits)}, ${s.hi.toFixed(digits)}]` : m;
}

export interface DifferenceTest {
  /** mean(a) − mean(b). */
  diff: number;
  /** 95 % (or `level`) interval of the difference (Welch). */
  lo: number;
  hi: number;
  t: number;
  df: number;
  /** Two-sided p-value; NaN when either sample has fewer than 2 values or both have no spread. */
  p: number;
  nA: number;
  nB: number;
}

/** Welch's two-sample t test of mean(a) − mean(b) (unequal variances). */
export function welchTest(a: readonly number[], b: readonly number[], level = 0.95): DifferenceTest {
  const diff = mean(a) - mean(b);
  const va = variance(a) / a.length;
  const vb = variance(b) / b.length;
  const se = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / ((va * va) / (a.length - 1) + (vb * vb) / (b.length - 1));
  const ok = a.length >= 2 && b.length >= 2 && se > 0;
  const t = ok ? diff / se : NaN;
  const half = ok ? studentTQuantile((1 + level) / 2, df) * se : NaN;
  const p = ok ? 2 * (1 - studentTCdf(Math.abs(t), df)) : NaN;
  return { diff, lo: diff - half, hi: diff + half, t, df, p, nA: a.length, nB: b.length };
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

export interface CorrelationTest {
  r: number;
  /** Interval of r from Fisher's z (needs n ≥ 4). */
  lo: number;
  hi: number;
  /** Two-sided p-value of r = 0 (t test with n − 2 df). */
  p: number;
  n: number;
  /** Least-squares line y = intercept + slope · x. */
  slope: number;
  intercept: number;
}

/** Pearson's r with a Fisher-z interval, its p-value and the fitted line. */
export function correlationTest(xs: readonly number[], ys: readonly number[], level = 0.95): CorrelationTest {
  const n = xs.length;
  const r = pearson(xs, ys);
  const fit = linearFit(xs, ys);
  let lo = NaN;
  let hi = NaN;
  if (Number.isFinite(r) && n >= 4) {
    const z = Math.atanh(Math.max(-0.9999999, Math.min(0.9999999, r)));
    // Normal quantile via a t with huge df: the same code path as the rest, no extra table.
    const q = studentTQuantile((1 + level) / 2, 1e7);
    const se = 1 / Math.sqrt(n - 3);
    lo = Math.tanh(z - q * se);
    hi = Math.tanh(z + q * se);
  }
  const t = Number.isFinite(r) && n > 2 ? r * Math.sqrt((n - 2) / Math.max(1e-300, 1 - r * r)) : NaN;
  const p = Number.isFinite(t) ? 2 * (1 - studentTCdf(Math.abs(t), n - 2)) : NaN;
  return { r, lo, hi, p, n, slope: fit.slope, intercept: fit.intercept };
}

/** "r = -0.62 [-0.80, -0.35], p < 0.001, n = 21". */
export function fmtCorrelation(c: CorrelationTest): string {
  const ci = Number.isFinite(c.lo) ? ` [${c.lo.toFixed(2)}, ${c.hi.toFixed(2)}]` : "";
  return `r = ${Number.isFinite(c.r) ? c.r.toFixed(2) : "n/a"}${ci}, ${fmtP(c.p)}, n = ${c.n}`;
}

export interface QuadraticFit {
  /** y = a·x² + b·x + c. */
  a: number;
  b: number;
  c: number;
  /** x of the extremum, −b / 2a. */
  vertex: number;
  /** R² of the quadratic and of the straight line, to see what the curvature adds. */
  r2: number;
  r2Linear: number;
  /** Interval of `a` (t with n − 3 df): an inverse U needs it below zero. */
  aLo: number;
  aHi: number;
  n: number;
}

/** Least-squares parabola (normal equations on centred x, for conditioning). */
export function quadraticFit(xs: readonly number[], ys: readonly number[], level = 0.95): QuadraticFit {
  const n = xs.length;
  const mx = mean(xs);
  const u = xs.map((x) => x - mx);
  const s = (k: number) => u.reduce((acc, v) => acc + v ** k, 0);
  const sy = (k: number) => u.reduce((acc, v, i) => acc + v ** k * ys[i], 0);
  // Solve [[n, S1, S2], [S1, S2, S3], [S2, S3, S4]] · [c, b, a] = [Sy0, Sy1, Sy2] by Cramer's rule.
  const m = [
    [n, s(1), s(2)],
    [s(1), s(2), s(3)],
    [s(2), s(3), s(4)],
  ];
  const rhs = [sy(0), sy(1), sy(2)];
  const det3 = (q: number[][]) =>
    q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) -
    q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det3(m);
  const solve = (col: number) => det3(m.map((row, i) => row.map((v, j) => (j === col ? rhs[i] : v)))) / d;
  const cu = solve(0);
  const bu = solve(1);
  const a = solve(2);
  // Back to x: a(x − mx)² + bu(x − mx) + cu.
  const b = bu - 2 * a * mx;
  const c = a * mx * mx - bu * mx + cu;
  const my = mean(ys);
  const ssTot = ys.reduce((acc, y) => acc + (y - my) ** 2, 0);
  const ssRes = xs.reduce((acc, x, i) => acc + (ys[i] - (a * x * x + b * x + c)) ** 2, 0);
  // Var(a) = σ² · (M⁻¹)[2][2], with (M⁻¹)[2][2] = minor / det.
  const minor = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const sigma2 = n > 3 ? ssRes / (n - 3) : NaN;
  const seA = Math.sqrt((sigma2 * minor) / d);
  const q = n > 3 ? studentTQuantile((1 + level) / 2, n - 3) : NaN;
  const lin = linearFit(xs, ys);
  return {
    a,
    b,
    c,
    vertex: -b / (2 * a),
    r2: ssTot > 0 ? 1 - ssRes / ssTot : NaN,
    r2Linear: lin.r2,
    aLo: a - q * seA,
    aHi: a + q * seA,
    n,
  };
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
  x: readonly number[];
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
