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
import type { Verdict } from "../analysis/verdict";

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

export type RecordEntry =
  | { kind: "runs"; ids: string[] }
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
