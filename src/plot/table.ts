/**
 * Rows (plain objects or an arquero table) as a compact HTML table. Kept free
 * of arquero imports: anything with `objects()` is accepted structurally.
 */
import type { ObjectsSource } from "../stats/descriptive";
import { escapeAttr, escapeHtml, fileSlug } from "./plotly";

export interface TableHtmlOptions {
  /** Columns to show, in order; default: union of row keys in first-seen order. */
  columns?: readonly string[];
  /** At most this many rows are rendered (default 50); a footer counts the rest. */
  limit?: number;
  /** Significant digits for non-integer numbers (default 4). */
  digits?: number;
  /** Caption above the table. */
  caption?: string;
  /**
   * A "CSV" download link under the table with all its rows (not only the shown ones), named
   * after this (default: the caption, else "table"); false: no link.
   */
  csv?: string | false;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  const s = v instanceof Date ? v.toISOString() : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV of the rows over `columns`, numbers at full precision. */
export function rowsToCsv(rows: readonly Row[], columns: readonly string[]): string {
  const lines = [columns.map(csvCell).join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(","));
  return `${lines.join("\n")}\n`;
}

type Row = Readonly<Record<string, unknown>>;

function rowsOf(source: readonly object[] | ObjectsSource): readonly Row[] {
  const rows = Array.isArray(source) ? source : (source as ObjectsSource).objects();
  return rows as readonly Row[];
}

/** One cell's text: numbers rounded to `digits` significant digits, null/undefined empty. */
export function formatCell(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number(v.toPrecision(digits)));
  }
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v) ?? String(v);
}

/** HTML <table class="slt-table"> for the rows; numeric columns right-aligned. */
export function tableHtml(source: readonly object[] | ObjectsSource, options: TableHtmlOptions = {}): string {
  const rows = rowsOf(source);
  const limit = options.limit ?? 50;
  const digits = options.digits ?? 4;
  let columns = options.columns;
  if (!columns) {
    const seen = new Set<string>();
    for (const r of rows.slice(0, limit)) for (const k of Object.keys(r)) seen.add(k);
    columns = [...seen];
  }
  const shown = rows.slice(0, limit);
  const numeric = new Set(columns.filter((c) => shown.some((r) => typeof r[c] === "number")));
  const align = (c: string): string => (numeric.has(c) ? ' style="text-align:right"' : "");
  const head = columns.map((c) => `<th${align(c)}>${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map((r) => `<tr>${columns!.map((c) => `<td${align(c)}>${escapeHtml(formatCell(r[c], digits))}</td>`).join("")}</tr>`)
    .join("\n");
  const more = rows.length - shown.length;
  const footer =
    more > 0
      ? `\n<tfoot><tr><td colspan="${columns.length}">… ${more} more row${more === 1 ? "" : "s"} (${rows.length} in all)</td></tr></tfoot>`
      : "";
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>\n` : "";
  let link = "";
  if (options.csv !== false) {
    // Every row and column, unrounded, whatever the table shows.
    const all = [...columns];
    const seen = new Set(all);
    for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) seen.add(k) && all.push(k);
    const name = `${fileSlug(options.csv ?? options.caption, "table")}.csv`;
    const href = `data:text/csv;charset=utf-8,${encodeURIComponent(rowsToCsv(rows, options.columns ?? all))}`;
    link = `\n<div class="slt-csv" style="font-size:12px;margin:2px 0 8px 0"><a download="${escapeAttr(name)}" href="${escapeAttr(href)}">CSV</a> · ${rows.length} row${rows.length === 1 ? "" : "s"}</div>`;
  }
  return (
    `<table class="slt-table" style="border-collapse:collapse;font-variant-numeric:tabular-nums">\n` +
    `${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>${footer}\n</table>${link}`
  );
}
