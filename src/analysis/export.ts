/**
 * `slt export`: every run of a store as one long table (format: src/experiments/exchange.ts)
 * in Arrow IPC, CSV or JSON, the formats arquero and pandas read.
 */
import * as aq from "arquero";
import { SltError } from "../errors";
import { writeFileAtomic } from "../experiments/atomic";
import { RUN_COLUMN, TABLE_COLUMN, exportFormat } from "../experiments/exchange";
import type { StoredRun } from "../experiments/store";
import { cycleRows, epochRows, finalLayerRows, layerRows, summaryRows } from "./runs";

type Cell = string | number | boolean | null;

/** The export's rows: per run (with its stored JSON), then per epoch, cycle, layer × epoch and final layer. */
export function exportRows(runs: readonly StoredRun[]): Array<Record<string, Cell>> {
  const kinds: Array<[string, Array<Record<string, unknown>>]> = [
    [
      "run",
      summaryRows(runs).map((row, i) => ({
        ...row,
        tfjsVersion: runs[i]!.backend.tfjsVersion,
        backendThreads: String(runs[i]!.backend.threads),
        finishedAt: runs[i]!.timings.finishedAt,
        [RUN_COLUMN]: JSON.stringify(runs[i]),
      })),
    ],
    ["epoch", epochRows(runs)],
    ["cycle", cycleRows(runs)],
    ["layer", layerRows(runs)],
    ["final-layer", finalLayerRows(runs)],
  ];
  return kinds.flatMap(([kind, rows]) =>
    rows.map((r) => {
      const out: Record<string, Cell> = { [TABLE_COLUMN]: kind };
      for (const [k, v] of Object.entries(r)) out[k] = v === undefined ? null : (v as Cell);
      return out;
    }),
  );
}

/** The rows as an arquero table: the union of all columns (first-seen order), null where a kind lacks one. */
export function exportTable(runs: readonly StoredRun[]): aq.ColumnTable {
  const rows = exportRows(runs);
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k) && names.push(k);
  const columns: Record<string, Cell[]> = {};
  for (const name of names) columns[name] = rows.map((r) => r[name] ?? null);
  return aq.table(columns);
}

export interface ExportSummary {
  file: string;
  format: string;
  runs: number;
  rows: Record<string, number>;
  bytes: number;
}

/** Writes every run to `file` (format from its extension), whole or not at all. */
export function writeExport(runs: readonly StoredRun[], file: string): ExportSummary {
  const format = exportFormat(file);
  if (!format) throw new SltError("usage", `--out ${file}: the file must end in .arrow (or .feather), .csv or .json.`, file);
  const table = exportTable(runs);
  const data =
    format === "arrow" ? aq.toArrowIPC(table, { format: "file" }) : format === "csv" ? aq.toCSV(table) : aq.toJSON(table, { type: "rows" });
  writeFileAtomic(file, data);
  const kinds = table.array(TABLE_COLUMN) as ArrayLike<string>;
  const rows: Record<string, number> = {};
  for (let i = 0; i < kinds.length; i++) rows[kinds[i]!] = (rows[kinds[i]!] ?? 0) + 1;
  return { file, format, runs: runs.length, rows, bytes: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength };
}
