/**
 * The published workbook (e.g. docs/workbook/): per page, the run ids behind it, its verdicts
 * and its CSVs (`NAME.results.json`, `NAME/*.csv`), the claims table of the index, and the
 * staleness check: a page is stale when the run ids behind it differ from the runs its
 * notebook now builds at that scale (`notebookPlans`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Verdict } from "../analysis/verdict";
import { type RunConfig, type RunConfigInput, parseRunConfig } from "../experiments/config";
import { identifyRun } from "../experiments/identity";
import type { Scale } from "../plot/notebook";
import { escapeHtml } from "../plot/plotly";
import { type PublishedClaim, verdictSentence } from "./claims-index";
import { CSV_FOLDER, RUN_TABLE_FILES, type RecordEntry, type RunTables, type TableRow, readRecord, toCsv } from "./record";
import { outcomeColor, outcomeLabel } from "./verdicts";

/** A verdict with the context it was measured in. */
export interface PublishedVerdict extends Verdict {
  seeds: number[];
  setting: string;
}

/** What `NAME.results.json` holds beside a page. */
export interface PageResults {
  name: string;
  scale: Scale;
  /** Distinct run ids the page's figures rest on, sorted. */
  runIds: string[];
  verdicts: PublishedVerdict[];
  /** CSV files beside the page (paths relative to the output folder). */
  csv: Array<{ name: string; file: string; rows: number }>;
  /**
   * The runs behind the page as CSV (paths relative to the output folder): one row per run
   * (every config field, final metrics, backend, tfjs version), per run and cycle, per run and
   * epoch. Absent on pages published before they were.
   */
  runTables?: Record<keyof RunTables, { file: string; rows: number }>;
}

/** Names of the run tables in `PageResults.csv`. */
const RUN_TABLE_NAMES: Readonly<Record<keyof RunTables, string>> = {
  runs: "runs (one row per run: config, final metrics, backend)",
  cycles: "runs per cycle",
  epochs: "runs per epoch",
};

/** The distinct runs' rows of every recorded run table, first appearance first. */
function mergeRunTables(entries: readonly RecordEntry[]): RunTables | undefined {
  const tables = entries.flatMap((e) => (e.kind === "run-tables" ? [e] : []));
  if (tables.length === 0) return undefined;
  const seen = new Set<string>();
  const out: RunTables = { runs: [], cycles: [], epochs: [] };
  for (const t of tables) {
    const fresh = new Set(t.runs.map((r) => String(r.id)).filter((id) => !seen.has(id)));
    const keep = (rows: TableRow[]) => rows.filter((r) => fresh.has(String(r.id)));
    out.runs.push(...keep(t.runs));
    out.cycles.push(...keep(t.cycles));
    out.epochs.push(...keep(t.epochs));
    for (const id of fresh) seen.add(id);
  }
  return out;
}

export function resultsFile(outDir: string, name: string): string {
  return path.join(outDir, `${name}.results.json`);
}

/** Folder of a page's CSVs. */
export function dataFolder(outDir: string, name: string): string {
  return path.join(outDir, name);
}

/** Removes a page's results and CSVs (a failed or rerun notebook must not keep old ones). */
export function clearPageResults(outDir: string, name: string): void {
  fs.rmSync(resultsFile(outDir, name), { force: true });
  fs.rmSync(dataFolder(outDir, name), { recursive: true, force: true });
}

/** Turns a notebook's record folder into `NAME.results.json` and `NAME/*.csv` in `outDir`. */
export function writePageResults(outDir: string, name: string, scale: Scale, recordDir: string): PageResults {
  clearPageResults(outDir, name);
  const entries = readRecord(recordDir);
  const runIds = [...new Set(entries.flatMap((e) => (e.kind === "runs" ? e.ids : [])))].sort();
  const verdicts = entries.flatMap((e) =>
    e.kind === "verdicts" ? e.verdicts.map((v) => ({ ...v, seeds: e.seeds, setting: e.setting })) : [],
  );
  const csv: PageResults["csv"] = [];
  const latest = new Map<string, { name: string; file: string; rows: number }>();
  for (const e of entries) if (e.kind === "csv") latest.set(e.file, e);
  if (latest.size > 0) fs.mkdirSync(dataFolder(outDir, name), { recursive: true });
  for (const e of latest.values()) {
    fs.copyFileSync(path.join(recordDir, CSV_FOLDER, e.file), path.join(dataFolder(outDir, name), e.file));
    csv.push({ name: e.name, file: `${name}/${e.file}`, rows: e.rows });
  }
  const tables = mergeRunTables(entries);
  let runTables: PageResults["runTables"];
  if (tables) {
    fs.mkdirSync(dataFolder(outDir, name), { recursive: true });
    runTables = { runs: { file: "", rows: 0 }, cycles: { file: "", rows: 0 }, epochs: { file: "", rows: 0 } };
    for (const key of Object.keys(RUN_TABLE_FILES) as Array<keyof RunTables>) {
      const file = RUN_TABLE_FILES[key];
      fs.writeFileSync(path.join(dataFolder(outDir, name), file), toCsv(tables[key]));
      runTables[key] = { file: `${name}/${file}`, rows: tables[key].length };
      csv.push({ name: RUN_TABLE_NAMES[key], file: `${name}/${file}`, rows: tables[key].length });
    }
  }
  const results: PageResults = { name, scale, runIds, verdicts, csv, ...(runTables ? { runTables } : {}) };
  fs.writeFileSync(resultsFile(outDir, name), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}

/** Every `*.results.json` in `outDir`, by page name. */
export function readPublished(outDir: string): PageResults[] {
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir)
    .filter((f) => f.endsWith(".results.json"))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(outDir, f), "utf8")) as PageResults);
}

// ---------------------------------------------------------------------------
// Staleness.

/** The runs a notebook builds at a scale: every config it passes to `getRuns`. */
export type NotebookPlan = (scale: Scale) => ReadonlyArray<RunConfigInput | RunConfig>;

export interface PageStaleness {
  name: string;
  scale: Scale;
  /** Runs the notebook now builds that the page does not rest on. */
  missing: string[];
  /** Runs behind the page that the notebook no longer builds. */
  extra: string[];
  /** Why the page cannot be checked (no plan for it), if so. */
  problem?: string;
}

/** The distinct run ids of a plan at a scale, sorted. */
export function planRunIds(plan: NotebookPlan, scale: Scale): string[] {
  return [...new Set(plan(scale).map((c) => identifyRun(parseRunConfig(c)).id))].sort();
}

/** Compares each published page's run ids with its notebook's plan; stale pages have a problem, missing or extra ids. */
export function checkPublished(outDir: string, plans: Readonly<Record<string, NotebookPlan>>): PageStaleness[] {
  return readPublished(outDir).map((page) => {
    const plan = plans[page.name];
    // A page that trained nothing (e.g. 00-smoke) has nothing to go stale.
    if (!plan && page.runIds.length === 0) return { name: page.name, scale: page.scale, missing: [], extra: [] };
    if (!plan)
      return {
        name: page.name,
        scale: page.scale,
        missing: [],
        extra: [],
        problem: `no plan registered for notebook "${page.name}" in src/workbook/plans.ts`,
      };
    const now = planRunIds(plan, page.scale);
    const behind = new Set(page.runIds);
    const nowSet = new Set(now);
    return {
      name: page.name,
      scale: page.scale,
      missing: now.filter((id) => !behind.has(id)),
      extra: page.runIds.filter((id) => !nowSet.has(id)),
    };
  });
}

/** True when a page is stale or cannot be checked. */
export function isStale(s: PageStaleness): boolean {
  return s.problem !== undefined || s.missing.length > 0 || s.extra.length > 0;
}

/** One line per stale page, naming what differs and the command that republishes it. */
export function stalenessReport(results: readonly PageStaleness[]): string[] {
  return results.filter(isStale).map((s) => {
    if (s.problem) return `${s.name}: ${s.problem}`;
    return `${s.name} (${s.scale}): the notebook now builds ${s.missing.length} run(s) the page does not show and no longer builds ${s.extra.length} it does; rerun npm run workbook -- --scale ${s.scale} --out <published folder> ${s.name}`;
  });
}

// ---------------------------------------------------------------------------
// Claims table.

/** Every page's verdicts with the page they are on, in page order. */
export function publishedClaims(pages: ReadonlyArray<PageResults & { html?: string }>): PublishedClaim[] {
  return pages.flatMap((p) => p.verdicts.map((verdict) => ({ page: p.name, ...(p.html ? { html: p.html } : {}), verdict })));
}

/** HTML table of every page's verdicts: deck slide → claim → verdict → numbers → scale and seeds. */
export function claimsTableHtml(pages: ReadonlyArray<PageResults & { html?: string }>): string {
  const rows = pages.flatMap((p) =>
    p.verdicts.map((v) => {
      const page = p.html ? `<a href="${escapeHtml(p.html)}">${escapeHtml(p.name)}</a>` : escapeHtml(p.name);
      return (
        `<tr><td>${escapeHtml(v.slide)}</td><td><b>${escapeHtml(v.claim)}</b><div class="def">${escapeHtml(v.definition)}</div><div class="file">${page} · ${escapeHtml(v.id)}</div></td>` +
        `<td style="color:${outcomeColor(v.outcome)};white-space:nowrap;font-weight:600">${escapeHtml(outcomeLabel(v.outcome))}</td>` +
        `<td>${escapeHtml(verdictSentence(v))}<details><summary>the test, in full</summary><div class="nums">${escapeHtml(v.evidence)}</div></details></td>` +
        `<td>${escapeHtml(p.scale)}<div class="file">${escapeHtml(v.setting)}; seeds ${escapeHtml(v.seeds.join(", "))}</div></td></tr>`
      );
    }),
  );
  if (rows.length === 0) return "";
  return `<h2>Deck claims</h2>
<p>Each verdict is computed by a function in <code>src/analysis/claims/</code> from the runs behind its page (each page's folder holds them as <code>runs.csv</code>, one row per run); the numbers are the data it rests on.</p>
<table class="claims">
<thead><tr><th>slide</th><th>claim (and what is tested)</th><th>verdict</th><th>numbers</th><th>scale, seeds</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>`;
}
