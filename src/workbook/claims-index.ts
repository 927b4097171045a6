/**
 * The opening of the published workbook's index: one chart of every claim's contrasts against
 * their smallest effect of interest (a forest plot, coloured by outcome), a summary of the
 * verdicts generated from them, and each verdict's numbers as a sentence. Everything here is
 * computed from the pages' `*.results.json`; nothing is typed by hand.
 */
import type { Verdict, VerdictContrast, VerdictOutcome } from "../analysis/verdict";
import { type ForestRow, forestPlot } from "../plot/charts";
import { type Figure, escapeHtml, figureToHtml } from "../plot/plotly";
import { outcomeColor } from "./verdicts";

/** Outcomes in the order the chart's legend and the summary list them. */
export const OUTCOME_ORDER: readonly VerdictOutcome[] = ["holds", "partly holds", "does not hold", "inconclusive", "not tested"];

/** Largest |effect / SESOI| the chart shows; intervals reaching further are cut at the edge. */
export const FOREST_LIMIT = 12;

/** A verdict as published: the page it is on (and its HTML file, when rendered). */
export interface PublishedClaim {
  page: string;
  html?: string;
  verdict: Verdict;
}

/**
 * A contrast in units of its SESOI, measured from its reference and turned so that the claimed
 * direction points right ("less" claims are mirrored); null where the claim names no SESOI.
 */
export function inSesoiUnits(c: VerdictContrast): { estimate: number; lo: number; hi: number } | null {
  if (c.sesoi === null || !(c.sesoi > 0)) return null;
  const sign = c.claim === "less" ? -1 : 1;
  // NaN is stored as null in results.json: it must not count as 0.
  const scaled = (v: number | null) => (typeof v === "number" ? (sign * (v - c.reference)) / c.sesoi! : Number.NaN);
  const [lo, hi] = sign > 0 ? [scaled(c.lo), scaled(c.hi)] : [scaled(c.hi), scaled(c.lo)];
  return { estimate: scaled(c.estimate), lo, hi };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  const a = Math.abs(v);
  return String(Number(v.toPrecision(a >= 1 || a === 0 ? 3 : 2)));
}

/** Longest y-axis label of the chart; longer ones keep their start and end (the hover text has them whole). */
export const FOREST_LABEL_LENGTH = 60;

/** "05.rewinding-beats-compute…ompute-matched EP, p=0.95": a label cut in the middle to `max` characters. */
export function shortLabel(label: string, max = FOREST_LABEL_LENGTH): string {
  if (label.length <= max) return label;
  const head = Math.ceil((max - 1) / 2);
  return `${label.slice(0, head)}…${label.slice(label.length - (max - 1 - head))}`;
}

/** What the chart draws and what it leaves out (claims without a SESOI on any contrast). */
export interface ClaimsChart {
  figure: Figure;
  rows: ForestRow[];
  /** Verdict ids with nothing on the SESOI scale (e.g. a bound), listed under the chart. */
  notDrawn: string[];
  /** Rows whose interval reaches beyond ±FOREST_LIMIT. */
  cut: number;
}

/** The forest plot of every claim: each contrast's effect and interval in units of its SESOI, coloured by its outcome. */
export function claimsChart(claims: readonly PublishedClaim[]): ClaimsChart {
  const rows: ForestRow[] = [];
  const notDrawn: string[] = [];
  for (const { verdict: v } of claims) {
    const drawn = (v.contrasts ?? []).flatMap((c) => {
      const s = inSesoiUnits(c);
      return s ? [{ c, s }] : [];
    });
    if (v.outcome === "not tested" && drawn.every(({ c }) => c.outcome === "not tested")) {
      rows.push({
        label: v.id,
        group: "not tested",
        estimate: Number.NaN,
        lo: Number.NaN,
        hi: Number.NaN,
        note: "not tested",
        hover: v.claim,
      });
      continue;
    }
    if (drawn.length === 0) {
      notDrawn.push(v.id);
      continue;
    }
    for (const { c, s } of drawn) {
      const label = drawn.length === 1 && v.contrasts!.length === 1 ? v.id : `${v.id} · ${c.label}`;
      if (!Number.isFinite(s.estimate)) {
        rows.push({ label, group: c.outcome, estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, note: "no estimate", hover: v.claim });
        continue;
      }
      rows.push({
        label,
        group: c.outcome,
        ...s,
        hover:
          `${escapeHtml(v.id)}: ${escapeHtml(v.claim)}<br>${escapeHtml(c.label)}: ${fmt(c.estimate)} [${fmt(c.lo)}, ${fmt(c.hi)}] ` +
          `(${Math.round(c.level * 100)} % interval), SESOI ${fmt(c.sesoi!)} → ${c.outcome}`,
      });
    }
  }
  // Short labels, unless two would read the same.
  const short = rows.map((r) => shortLabel(r.label));
  if (new Set(short).size === short.length) rows.forEach((r, i) => Object.assign(r, { label: short[i] }));
  const cut = rows.filter((r) => r.note === undefined && (r.lo < -FOREST_LIMIT || r.hi > FOREST_LIMIT)).length;
  const ends = rows.flatMap((r) => (r.note === undefined ? [r.lo, r.hi, r.estimate] : [])).filter(Number.isFinite);
  const reach = Math.min(FOREST_LIMIT, Math.max(2, ...ends.map(Math.abs)) * 1.05);
  const figure = forestPlot(rows, {
    title: "Every claim's effect against its smallest effect of interest (SESOI)",
    xTitle: "effect ÷ SESOI (claimed direction to the right; shaded: within ±1 SESOI of no effect)",
    band: [-1, 1],
    colors: Object.fromEntries(OUTCOME_ORDER.map((o) => [o, outcomeColor(o)])),
    xRange: [-reach, reach],
  });
  return { figure, rows, notDrawn, cut };
}

function claimList(claims: readonly PublishedClaim[]): string {
  return claims
    .map(({ html, verdict: v }) => {
      const id = html ? `<a href="${escapeHtml(html)}">${escapeHtml(v.id)}</a>` : escapeHtml(v.id);
      return `${id} (${escapeHtml(v.claim)})`;
    })
    .join("; ");
}

/** Counts of outcomes, as "3 hold, 1 partly holds, …" (outcomes with none left out). */
export function outcomeCounts(claims: readonly PublishedClaim[]): Array<{ outcome: VerdictOutcome; n: number }> {
  return OUTCOME_ORDER.map((outcome) => ({ outcome, n: claims.filter((c) => c.verdict.outcome === outcome).length })).filter(
    (c) => c.n > 0,
  );
}

const COUNT_WORDS: Record<VerdictOutcome, [string, string]> = {
  holds: ["holds", "hold"],
  "partly holds": ["partly holds", "partly hold"],
  "does not hold": ["does not hold", "do not hold"],
  inconclusive: ["is inconclusive", "are inconclusive"],
  "not tested": ["is not tested as built", "are not tested as built"],
};

/** The summary under the chart: counts by outcome, then which claims hold, partly hold and do not. */
export function claimsSummaryHtml(claims: readonly PublishedClaim[], chart?: ClaimsChart): string {
  if (claims.length === 0) return "";
  const pages = new Set(claims.map((c) => c.page)).size;
  const counts = outcomeCounts(claims)
    .map(({ outcome, n }) => `${n} ${COUNT_WORDS[outcome][n === 1 ? 0 : 1]}`)
    .join(", ");
  const lines = [`<p>${claims.length} claim${claims.length === 1 ? "" : "s"} on ${pages} page${pages === 1 ? "" : "s"}: ${counts}.</p>`];
  const list = (outcome: VerdictOutcome, head: string) => {
    const of = claims.filter((c) => c.verdict.outcome === outcome);
    if (of.length) lines.push(`<p><b style="color:${outcomeColor(outcome)}">${head}:</b> ${claimList(of)}.</p>`);
  };
  list("holds", "Hold");
  list("partly holds", "Partly hold (some settings, or short of the claimed size)");
  list("does not hold", "Do not hold");
  if (chart && (chart.notDrawn.length || chart.cut)) {
    const parts = [];
    if (chart.notDrawn.length)
      parts.push(`not drawn, as they name no smallest effect (a bound or a hand-built test): ${chart.notDrawn.map(escapeHtml).join(", ")}`);
    if (chart.cut)
      parts.push(
        `${chart.cut} interval${chart.cut === 1 ? " reaches" : "s reach"} beyond ±${FOREST_LIMIT} SESOI and ${chart.cut === 1 ? "is" : "are"} cut at the edge`,
      );
    lines.push(`<p class="file">In the chart: ${parts.join("; ")}.</p>`);
  }
  return lines.join("\n");
}

function contrastSentence(c: VerdictContrast): string {
  const pct = `${Number((c.level * 100).toFixed(2))} %`;
  const interval = `${fmt(c.estimate)} (${pct} interval ${fmt(c.lo)} to ${fmt(c.hi)})`;
  let against: string;
  if (c.sesoi === null) against = `claimed ${c.claim === "less" ? "below" : "above"} ${fmt(c.reference)}`;
  else if (c.claim === "null")
    against = `claimed within ${c.reference === 0 ? "±" : `${fmt(c.reference)} ± `}${fmt(c.sesoi)}${c.reference === 0 ? " of zero" : ""}`;
  else against = `claimed ${c.claim === "less" ? "below" : "above"} ${fmt(c.reference)}, smallest effect of interest ${fmt(c.sesoi)}`;
  return `${c.label} is ${interval}, ${against}: ${c.outcome}`;
}

function joinWithAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/**
 * A verdict's numbers as sentences: each contrast with its interval, what it was judged against
 * and its outcome; for a verdict without contrasts, its named numbers ("the largest share a
 * cycle prunes is 0.2 and …"). Generated from the verdict's data.
 */
export function verdictSentence(v: Verdict): string {
  if (v.contrasts && v.contrasts.length > 0) {
    return `${v.contrasts.map(contrastSentence).join("; ")}.`;
  }
  const named = Object.entries(v.numbers).map(([k, n]) => `${k} is ${fmt(n)}`);
  if (named.length === 0) return "";
  const s = joinWithAnd(named);
  return v.outcome === "not tested" ? `For the record, ${s}.` : `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/**
 * The index's opening: the claims chart and the summary under it, or "" without verdicts. The
 * page that holds it must load Plotly (the runner puts plotly.min.js beside the index).
 */
export function claimsOverviewHtml(claims: readonly PublishedClaim[]): string {
  if (claims.length === 0) return "";
  const chart = claimsChart(claims);
  return `<section class="claims-overview">
<h2>The deck's claims at a glance</h2>
<p class="file">Each line is one contrast of a claim: its effect with its interval (the one its verdict was read from), divided by the claim's smallest effect of interest and measured from what the claim is judged against, so every claim shares one axis. Claims of no effect hold where the interval lies inside the shaded band; claims of an effect hold where it lies right of 0 and reaches the claimed size.</p>
${figureToHtml(chart.figure, { includeBundle: false })}
${claimsSummaryHtml(claims, chart)}
</section>`;
}
