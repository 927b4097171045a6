/**
 * Runs a collaborator can take away and bring back: the files `slt export` writes and
 * `slt import` / `loadRuns` / `ensureRuns` read.
 *
 * An export is one long table, one row per record, its `table` column naming the kind:
 *   "run"          one per run: config columns, backend, versions, final metrics, and `run`,
 *                  the whole stored run as JSON under its checksum (what is read back);
 *   "epoch", "cycle", "layer" (per epoch), "final-layer"   the notebooks' row helpers' rows.
 * As Arrow IPC file (= Feather v2: `aq.fromArrow`, `pandas.read_feather`), CSV (`aq.fromCSV`,
 * `pandas.read_csv`) or JSON rows (`aq.fromJSON`, `pandas.read_json`). The writer
 * lives in src/analysis/export.ts (it uses the row helpers); reading needs only `run`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as aq from "arquero";
import { SltError } from "../errors";
import { TEMP_PREFIX, sha256 } from "./atomic";
import { canonicalJson, parseRunConfig } from "./config";
import { DIGESTS_FILE, storedRunId } from "./identity";
import { noteRunsInUse } from "./provenance";
import { RunStore, type StoredRun } from "./store";

export type ExportFormat = "arrow" | "csv" | "json";

/** File extensions of each export format. */
export const EXPORT_EXTENSIONS: Readonly<Record<string, ExportFormat>> = {
  ".arrow": "arrow",
  ".feather": "arrow",
  ".csv": "csv",
  ".json": "json",
};

/** The export format a file name asks for, or null (e.g. a store folder). */
export function exportFormat(file: string): ExportFormat | null {
  return EXPORT_EXTENSIONS[path.extname(file).toLowerCase()] ?? null;
}

/** Column of an export that holds each run's stored JSON. */
export const RUN_COLUMN = "run";
/** Column naming the kind of each row. */
export const TABLE_COLUMN = "table";

/**
 * The `table` and `run` columns of an export. A file with both columns and no rows is an
 * empty export; a file without them, or with rows but none of kind "run", is not an export.
 */
function columnsOf(file: string, format: ExportFormat): { table: unknown[]; run: unknown[] } {
  const fail = (why: string) =>
    new SltError("usage", `${file} is not a run export (${why}). Make one with 'slt export --out FILE.arrow|.csv|.json'.`, file);
  const noColumns = `no "${TABLE_COLUMN}" and "${RUN_COLUMN}" columns`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SltError("usage", `Cannot read ${file} (${code === "ENOENT" ? "no such file" : (code ?? (e as Error).message)}).`, file);
  }
  let columns: { table: unknown[]; run: unknown[] };
  try {
    if (format === "json") {
      const parsed = JSON.parse(bytes.toString("utf8")) as unknown;
      // Row objects (what `slt export` writes; pandas orient="records") or column arrays (arquero type "columns").
      if (Array.isArray(parsed)) {
        const bad = parsed.findIndex(
          (r) => !r || typeof r !== "object" || typeof (r as Record<string, unknown>)[TABLE_COLUMN] !== "string",
        );
        if (bad >= 0) throw fail(`row ${bad + 1} has no "${TABLE_COLUMN}" field naming its kind`);
        const rows = parsed as Array<Record<string, unknown>>;
        columns = { table: rows.map((r) => r[TABLE_COLUMN]), run: rows.map((r) => r[RUN_COLUMN]) };
      } else {
        const cols = parsed as Record<string, unknown> | null;
        if (!cols || typeof cols !== "object" || !Array.isArray(cols[TABLE_COLUMN]) || !Array.isArray(cols[RUN_COLUMN]))
          throw fail(noColumns);
        columns = { table: cols[TABLE_COLUMN] as unknown[], run: cols[RUN_COLUMN] as unknown[] };
      }
    } else {
      // No type guessing for CSV: the JSON column must stay text.
      const t = format === "arrow" ? aq.fromArrow(new Uint8Array(bytes)) : aq.fromCSV(bytes.toString("utf8"), { autoType: false });
      if (!t.columnNames().includes(TABLE_COLUMN) || !t.columnNames().includes(RUN_COLUMN)) throw fail(noColumns);
      columns = {
        table: Array.from(t.array(TABLE_COLUMN) as ArrayLike<unknown>),
        run: Array.from(t.array(RUN_COLUMN) as ArrayLike<unknown>),
      };
    }
  } catch (e) {
    if (e instanceof SltError) throw e;
    throw fail(`it cannot be parsed as ${format}: ${(e as Error).message}`);
  }
  // Every run of an export has a "run" row: rows without one are a table of something else.
  if (columns.table.length > 0 && !columns.table.includes("run"))
    throw fail(`no "run" row among its ${columns.table.length} rows: that row carries each run`);
  return columns;
}

/**
 * Checks that a run read from elsewhere is whole and would be found by `ensureRuns`: its
 * checksum holds and its config, validated today, still hashes to its id (with the data content
 * it recorded, or its dataDir as a path for a run made before runs recorded it).
 */
export function checkImportedRun(run: StoredRun, where: string): StoredRun {
  if (!run || typeof run !== "object" || typeof run.checksum !== "string" || typeof run.id !== "string")
    throw new SltError("store", `${where} is not a stored run (no id or checksum).`, where);
  const { checksum, ...rest } = run;
  if (checksum !== sha256(canonicalJson(rest)))
    throw new SltError("store", `Run ${run.id} in ${where} is damaged (checksum mismatch): ask for a fresh export.`, where);
  if (run.status !== "finished" || !run.result?.final)
    throw new SltError("store", `Run ${run.id} in ${where} is not finished; only finished runs are exported.`, where);
  let id: string;
  try {
    id = storedRunId({ config: parseRunConfig(run.config), dataContent: run.dataContent });
  } catch (e) {
    throw new SltError("store", `Run ${run.id} in ${where} has a config this version rejects: ${(e as Error).message}`, where);
  }
  if (id !== run.id)
    throw new SltError(
      "store",
      `Run ${run.id} in ${where} was made with another version of the config (its config now hashes to ${id}), so notebooks would not find it. Re-export it with this version, or retrain.`,
      where,
    );
  return run;
}

/** Every run in an export file, checked. */
export function readExportFile(file: string): StoredRun[] {
  const format = exportFormat(file);
  if (!format) throw new SltError("usage", `${file}: an export ends in ${Object.keys(EXPORT_EXTENSIONS).join(", ")}.`, file);
  const { table, run } = columnsOf(file, format);
  const runs: StoredRun[] = [];
  table.forEach((kind, i) => {
    if (kind !== "run") return;
    const where = `${file} (row ${i + 1})`;
    let parsed: StoredRun;
    try {
      parsed = JSON.parse(String(run[i])) as StoredRun;
    } catch {
      throw new SltError("store", `${where}: the "${RUN_COLUMN}" column is not the JSON of a run; the file is damaged.`, file);
    }
    runs.push(checkImportedRun(parsed, where));
  });
  return runs;
}

/**
 * Every finished run in a store folder; damaged ones are an error naming the file. An empty
 * folder is an empty store; a folder of other things and no run folder is not a store.
 */
function readStoreFolder(dir: string): StoredRun[] {
  const neither = `${dir} is neither a run export (${Object.keys(EXPORT_EXTENSIONS).join(", ")}) nor a run store folder`;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new SltError("usage", `${neither}.`, dir);
  const store = new RunStore(dir);
  const others = fs.readdirSync(dir).filter((name) => !name.startsWith(TEMP_PREFIX) && name !== DIGESTS_FILE);
  if (store.ids().length === 0 && others.length > 0)
    throw new SltError(
      "usage",
      `${neither}: it holds no run folder (a folder named by a 16-hex-digit run id), but ${others.length} other entr${others.length === 1 ? "y" : "ies"} (${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}). Import a file written by 'slt export', or a folder used as --store.`,
      dir,
    );
  const runs: StoredRun[] = [];
  for (const id of store.ids()) {
    const run = store.readFinished(id);
    if (run) runs.push(checkImportedRun(run, store.runDir(id)));
  }
  return runs;
}

/**
 * The finished runs of an export file or a store folder: what a notebook reads to redraw a
 * figure from published runs, e.g. `summaryRows(loadRuns("published.arrow"))`.
 */
export function loadRuns(source: string): StoredRun[] {
  const runs = readRuns(source);
  noteRunsInUse(runs, path.resolve(source));
  return runs;
}

function readRuns(source: string): StoredRun[] {
  return exportFormat(source) && !fs.statSync(source, { throwIfNoEntry: false })?.isDirectory()
    ? readExportFile(source)
    : readStoreFolder(source);
}

/**
 * The runs with the given ids from an export, in that order; a run the export lacks is one
 * error listing all missing runs (an export cannot train them).
 */
export function pickRuns(runs: readonly StoredRun[], ids: readonly string[], source: string, describe: (i: number) => string): StoredRun[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const missing = ids.map((id, i) => (byId.has(id) ? "" : `  - ${id} ${describe(i)}`)).filter(Boolean);
  if (missing.length)
    throw new SltError(
      "usage",
      `${missing.length} of the runs asked for are not in ${source}:\n${[...new Set(missing)].join("\n")}\n` +
        `An export cannot train runs: import it into a store ('slt import ${source} --store DIR') and use that store to train the missing ones.`,
      source,
    );
  return ids.map((id) => byId.get(id)!);
}

export interface ImportSummary {
  source: string;
  store: string;
  /** Runs written into the store. */
  imported: string[];
  /** Runs the store already held, identical (same checksum): left as they were. */
  identical: string[];
}

/**
 * Merges the finished runs of an export file or another store into `store`. A run id the
 * store already holds with different content, or one being trained or interrupted there,
 * is a conflict: one error lists them all and nothing is written.
 */
export function importRuns(store: RunStore, source: string): ImportSummary {
  if (!exportFormat(source) && path.resolve(source) === store.root)
    throw new SltError("usage", `Cannot import the store ${store.root} into itself.`, source);
  store.folderExists();
  const runs = readRuns(source);
  const conflicts: string[] = [];
  const identical: string[] = [];
  const toWrite: StoredRun[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.id)) continue;
    seen.add(run.id);
    const existing = store.readFinished(run.id);
    if (existing) {
      if (existing.checksum === run.checksum) identical.push(run.id);
      else
        conflicts.push(
          `  - ${run.id}: the store holds a different result for the same config (test accuracy ${existing.result.final.testAccuracy} on ${existing.backend.name} here, ${run.result.final.testAccuracy} on ${run.backend.name} in the import)`,
        );
      continue;
    }
    const state = store.describe(run.id).status;
    if (fs.existsSync(store.runDir(run.id)) && (state === "running" || state === "interrupted"))
      conflicts.push(`  - ${run.id}: ${state} in this store (finish it, or remove its checkpoint with 'slt gc --checkpoints')`);
    else toWrite.push(run);
  }
  if (conflicts.length)
    throw new SltError(
      "store",
      `Import of ${source} into ${store.root} stopped, nothing was written: ${conflicts.length} run${conflicts.length === 1 ? "" : "s"} conflict:\n${conflicts.join("\n")}\nImport into another store (--store DIR) to keep both.`,
      source,
    );
  if (toWrite.length) store.ensureWritable();
  for (const run of toWrite) store.writeImported(run);
  return { source, store: store.root, imported: toWrite.map((r) => r.id), identical };
}
