/**
 * What a notebook leaves behind for the workbook's published pages, beside its HTML: the run
 * ids it used (for the staleness check), its verdicts (for the claims index) and each
 * figure's summarised data as CSV.
 *
 * The workbook runner sets SLT_WORKBOOK_RECORD to an empty folder per notebook; the
 * notebook's kernel appends to `record.jsonl` there and writes CSVs under `csv/`. Outside the
 * runner (an interactive notebook, a script) nothing is written.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { cycleRows, epochRows, summaryRows } from "../analysis/runs";
import type { Verdict } from "../analysis/verdict";
import type { StoredRun } from "../experiments/store";

export const RECORD_ENV = "SLT_WORKBOOK_RECORD";
export const RECORD_FILE = "record.jsonl";
export const CSV_FOLDER = "csv";

/** Context of a set of verdicts, shown in the claims index. */
export interface VerdictContext {
  /** Seeds behind the numbers. */
  seeds: readonly number[];
  /** Data set and model, e.g. "lenet300 on mnist (all images)". */
  setting: string;
}

/** A row of a published run table: plain cells only. */
export type TableRow = Record<string, string | number | boolean | null>;

/** The runs behind a page as tables: one row per run, per run and cycle, per run and epoch. */
export interface RunTables {
  runs: TableRow[];
  cycles: TableRow[];
  epochs: TableRow[];
}

/** File names of the run tables in a page's CSV folder (names no figure's CSV can take, see `csvFileName`). */
export const RUN_TABLE_FILES: Readonly<Record<keyof RunTables, string>> = {
  runs: "runs.csv",
  cycles: "run-cycles.csv",
  epochs: "run-epochs.csv",
};

export type RecordEntry =
  | { kind: "runs"; ids: string[] }
  | ({ kind: "run-tables" } & RunTables)
  | { kind: "verdicts"; verdicts: Verdict[]; seeds: number[]; setting: string }
  | { kind: "csv"; name: string; file: string; rows: number };

/** The folder the runner asked for, or undefined outside the workbook runner. */
export function recordFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = env[RECORD_ENV];
  return dir && dir.trim() !== "" ? dir : undefined;
}

function append(entry: RecordEntry, env: NodeJS.ProcessEnv): void {
  const dir = recordFolder(env);
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.appendFileSync(path.join(dir, RECORD_FILE), `${JSON.stringify(entry)}\n`);
}

/** Notes the run ids a page rests on. */
export function recordRunIds(ids: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  append({ kind: "runs", ids: [...ids] }, env);
}

/** Every config field of a run as its own column, `config.<field>` (nested: `config.iep.cycles`; lists as JSON). */
export function configCells(config: object, prefix = "config."): TableRow {
  const out: TableRow = {};
  for (const [k, v] of Object.entries(config)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) Object.assign(out, configCells(v as object, `${prefix}${k}.`));
    else if (Array.isArray(v)) out[`${prefix}${k}`] = JSON.stringify(v);
    else out[`${prefix}${k}`] = v === undefined ? null : (v as string | number | boolean | null);
  }
  return out;
}

function plain(rows: ReadonlyArray<object>): TableRow[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === undefined ? null : v])) as TableRow);
}

/**
 * The published tables of runs. `runs`: one row per run with the columns the notebooks and
 * claim functions read (`summaryRows`: id, method, pruneRate, seed, final metrics…), the
 * backend, its threads, the tfjs version, training images and finish time, then every config
 * field (`configCells`), so a run can be recreated and a verdict recomputed from the CSV
 * alone. `cycles` and `epochs`: the per-cycle and per-epoch metrics (`cycleRows`, `epochRows`).
 */
export function runTables(list: readonly StoredRun[]): RunTables {
  // A run listed twice (one config serving two figures) is one row.
  const runs = list.filter((r, i) => list.findIndex((x) => x.id === r.id) === i);
  const summary = summaryRows(runs);
  return {
    runs: summary.map((row, i) => {
      const run = runs[i]!;
      return {
        ...plain([row])[0]!,
        backendThreads: String(run.backend.threads),
        tfjsVersion: run.backend.tfjsVersion,
        trainImages: run.trainImages ?? null,
        finishedAt: run.timings.finishedAt,
        ...configCells(run.config),
      };
    }),
    cycles: plain(cycleRows(runs)),
    epochs: plain(epochRows(runs)),
  };
}

/** Notes the runs a page rests on: their ids (staleness check) and their tables (`runTables`, published as CSV). */
export function recordRuns(runs: readonly StoredRun[], env: NodeJS.ProcessEnv = process.env): void {
  if (!recordFolder(env)) return;
  recordRunIds(
    runs.map((r) => r.id),
    env,
  );
  append({ kind: "run-tables", ...runTables(runs) }, env);
}

/** Notes verdicts for the claims index. */
export function recordVerdicts(verdicts: readonly Verdict[], context: VerdictContext, env: NodeJS.ProcessEnv = process.env): void {
  append({ kind: "verdicts", verdicts: [...verdicts], seeds: [...context.seeds], setting: context.setting }, env);
}

/** Reads a record folder (missing file = nothing recorded). */
export function readRecord(dir: string): RecordEntry[] {
  const file = path.join(dir, RECORD_FILE);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as RecordEntry);
}

// ---------------------------------------------------------------------------
// CSV.

type Cell = string | number | boolean | null | undefined;

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV of rows; the columns are the union of the rows' keys, in first-seen order. */
export function toCsv(rows: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const lines = [columns.map(csvCell).join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c] as Cell)).join(","));
  return `${lines.join("\n")}\n`;
}

/** A file name from a figure name: "DR vs prune rate" → "dr-vs-prune-rate.csv". */
export function csvFileName(name: string): string {
  const file = slugCsv(name);
  if (Object.values(RUN_TABLE_FILES).includes(file))
    throw new Error(`a figure's CSV cannot be named ${JSON.stringify(name)}: ${file} is the page's table of runs; pick another name`);
  return file;
}

function slugCsv(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!slug) throw new Error(`a CSV needs a name with letters or digits, got ${JSON.stringify(name)}`);
  return `${slug}.csv`;
}

/** Writes a figure's summarised data as CSV into the record folder (no-op outside the workbook runner); returns the file name. */
export function recordCsv(
  name: string,
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const file = csvFileName(name);
  const dir = recordFolder(env);
  if (!dir) return file;
  fs.mkdirSync(path.join(dir, CSV_FOLDER), { recursive: true });
  fs.writeFileSync(path.join(dir, CSV_FOLDER, file), toCsv(rows));
  append({ kind: "csv", name, file, rows: rows.length }, env);
  return file;
}
