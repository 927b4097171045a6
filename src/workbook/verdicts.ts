/**
 * Verdicts in a notebook: `showVerdicts` draws each deck claim's verdict beside the definition
 * it tests and the numbers it rests on, and (under the workbook runner) records them for the
 * claims index of the published pages. `publishData` does the same for a figure's summarised
 * data: a CSV beside the page.
 */
import type { Verdict, VerdictOutcome } from "../analysis/verdict";
import { escapeHtml } from "../plot/plotly";
import { showHtml } from "../plot/notebook";
import { type VerdictContext, recordCsv, recordVerdicts } from "./record";

const STYLE: Record<VerdictOutcome, { mark: string; color: string }> = {
  holds: { mark: "✔", color: "#1b5e20" },
  "partly holds": { mark: "◐", color: "#8d6e00" },
  "does not hold": { mark: "✘", color: "#b71c1c" },
  inconclusive: { mark: "?", color: "#555555" },
  "not tested": { mark: "–", color: "#6d4c41" },
};

/** "✔ holds" etc. */
export function outcomeLabel(outcome: VerdictOutcome): string {
  return `${STYLE[outcome].mark} ${outcome}`;
}

/** The colour the pages use for an outcome. */
export function outcomeColor(outcome: VerdictOutcome): string {
  return STYLE[outcome].color;
}

/** Plain-text lines of verdicts (what `showVerdicts` prints outside a notebook). */
export function verdictLines(verdicts: readonly Verdict[]): string[] {
  return verdicts.map((v) => `${outcomeLabel(v.outcome)} — ${v.claim} (deck page ${v.slide}): ${v.evidence} [tested: ${v.definition}]`);
}

/** HTML of verdicts: one block per claim with its outcome, deck page, definition and evidence. */
export function verdictsHtml(verdicts: readonly Verdict[], context: VerdictContext, title: string): string {
  const items = verdicts
    .map((v) => {
      const s = STYLE[v.outcome];
      return (
        `<li style="margin-bottom:0.6em"><b style="color:${s.color}">${escapeHtml(outcomeLabel(v.outcome))}</b> — ` +
        `<b>${escapeHtml(v.claim)}</b> <span style="color:#777">(deck page ${escapeHtml(v.slide)} · ${escapeHtml(v.id)})</span><br>` +
        `<span style="color:#444"><i>Tested:</i> ${escapeHtml(v.definition)}</span><br>${escapeHtml(v.evidence)}</li>`
      );
    })
    .join("\n");
  const seeds = `${context.seeds.length} seed${context.seeds.length === 1 ? "" : "s"} (${context.seeds.join(", ")})`;
  return (
    `<div class="slt-verdicts"><p><b>${escapeHtml(title)}</b> <span style="color:#777">— ${escapeHtml(context.setting)}, ${escapeHtml(seeds)}</span></p>` +
    `<ul style="list-style:none;padding-left:0">\n${items}\n</ul></div>`
  );
}

/**
 * Shows verdicts in the notebook (text lines elsewhere) and records them for the workbook's
 * claims index. Returns nothing, so the cell shows the verdicts once (tslab would print a
 * returned value).
 */
export function showVerdicts(verdicts: readonly Verdict[], context: VerdictContext, title = "Deck claims at this scale"): void {
  showHtml(verdictsHtml(verdicts, context, title), [title, ...verdictLines(verdicts)].join("\n"));
  recordVerdicts(verdicts, context);
}

/**
 * Keeps a figure's summarised data (the rows it plots: means, intervals, n) as a CSV beside the
 * published page (`NAME/<name>.csv`, see `csvFileName`). Rows can be plain objects or anything
 * with `objects()` (an arquero table).
 */
export function publishData(name: string, rows: ReadonlyArray<object> | { objects(): object[] }): void {
  const list = (Array.isArray(rows) ? rows : (rows as { objects(): object[] }).objects()) as ReadonlyArray<Record<string, unknown>>;
  recordCsv(name, list);
}
