/**
 * The workbook runner behind `npm run workbook`: executes notebooks headless
 * with `jupyter nbconvert --execute` on the repo's own tslab kernel, renders an
 * HTML page per notebook (light: one plotly.min.js shared beside them; or
 * --self-contained) and an index page, and fails (non-zero exit, real cell
 * error printed) when any cell fails.
 *
 *   npm run workbook -- [--scale quick|standard|full] [--timeout SECONDS] [--out DIR] [NOTEBOOK ...]
 *
 * Jupyter-side details live next to this file in workbook_nbconvert.py (live
 * progress, readable tslab errors) and in notebooks/nbconvert/templates/
 * slt-workbook (offline HTML). Both the kernelspec and the template are found
 * through JUPYTER_PATH=<repo>/notebooks, so nothing is installed globally.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { RUN_LIMIT_ENV, runLimitFromEnv } from "../src/experiments/limit";
import { plotlyBundlePath, plotlyBundleScript } from "../src/plot/plotly";
import { RECORD_ENV } from "../src/workbook/record";
import { claimsOverviewHtml } from "../src/workbook/claims-index";
import { claimsTableHtml, clearPageResults, publishedClaims, readPublished, writePageResults } from "../src/workbook/published";

export type Scale = "quick" | "standard" | "full";
export type Status = "ok" | "failed" | "not run";

/** What workbook_nbconvert.py writes to SLT_WORKBOOK_REPORT. */
export interface RunReport {
  status: "ok" | "failed" | "running";
  scale: string;
  started: string;
  finished: string;
  seconds: number;
  codeCells: number;
  executed: number;
  title?: string;
  cellSeconds?: Array<{ cell: number; seconds: number }>;
  error?: RunError;
}

export interface RunError {
  kind: "cell-error" | "timeout" | "dead-kernel" | "runner-error" | "render-error";
  message: string;
  /** 1-based index among all cells, when a cell was running. */
  cell?: number;
  /** 1-based index among code cells. */
  codeCell?: number;
  cells?: number;
  source?: string;
}

/** One notebook's line in workbook/index.json and index.html. */
export interface IndexEntry {
  name: string;
  title: string;
  status: Status;
  scale?: string;
  seconds?: number;
  finished?: string;
  html?: string;
  ipynb?: string;
  error?: RunError;
}

export interface RunnerOptions {
  root: string;
  outDir: string;
  scale: Scale;
  /** Per-cell timeout in seconds; 0 = none. */
  timeout: number;
  jupyter: string;
  failFast: boolean;
  /** Keep each page single-file (Plotly inlined, ~5 MB) instead of sharing plotly.min.js beside the pages. */
  selfContained: boolean;
  /**
   * The pages' provenance, taken once before the runner writes anything: rendering into a tracked
   * folder (docs/workbook) changes tracked files, which must not make the next page say "dirty".
   */
  provenance?: PageProvenance;
}

const KERNEL_NAME = "tslab";
const TEMPLATE_NAME = "slt-workbook";
const SUMMARY_LINES = 12;
const DEFAULT_TIMEOUT: Record<Scale, number> = { quick: 3600, standard: 4 * 3600, full: 48 * 3600 };

// ---------------------------------------------------------------------------
// Notebook files.

interface NotebookJson {
  cells?: Array<{ cell_type?: string; source?: string | string[] }>;
  metadata?: { kernelspec?: { name?: string }; title?: string };
}

function readNotebook(file: string): NotebookJson {
  return JSON.parse(fs.readFileSync(file, "utf8")) as NotebookJson;
}

/** Title: metadata.title, else the first Markdown heading, else the file name. */
export function notebookTitle(nb: NotebookJson, fallback: string): string {
  if (nb.metadata?.title) return nb.metadata.title;
  for (const cell of nb.cells ?? []) {
    if (cell.cell_type !== "markdown") continue;
    const src = Array.isArray(cell.source) ? cell.source.join("") : (cell.source ?? "");
    const m = /^\s*#{1,6}\s+(.+?)\s*#*\s*$/m.exec(src);
    if (m) return m[1]!;
  }
  return fallback;
}

function notebookName(file: string): string {
  return path.basename(file, ".ipynb");
}

/** All notebooks/*.ipynb, sorted (the numeric prefixes give the reading order). */
export function listNotebooks(root: string): string[] {
  const dir = path.join(root, "notebooks");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Resolves a command-line name: a path, a file in notebooks/, or a name without ".ipynb". */
export function resolveNotebook(root: string, arg: string, from: string = process.cwd()): string {
  const candidates = [path.resolve(from, arg), path.join(root, "notebooks", arg), path.join(root, "notebooks", `${arg}.ipynb`)];
  for (const c of candidates) if (c.endsWith(".ipynb") && fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  // A unique prefix ("00", "01-dr") is handy on the command line.
  const matches = listNotebooks(root).filter((f) => path.basename(f).startsWith(arg));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`"${arg}" matches several notebooks: ${matches.map((m) => path.basename(m)).join(", ")}`);
  throw new Error(`no notebook "${arg}" (looked for a path, notebooks/${arg} and notebooks/${arg}.ipynb)`);
}

// ---------------------------------------------------------------------------
// Environment.

/**
 * The folder the user started the command in. `npm run` starts a script in the package root
 * and passes the folder it was started from as INIT_CWD; a relative SLT_STORE, --out or path
 * means that folder, as it does for ./slt. Only when npm started this very script: an
 * INIT_CWD inherited from another one (npm test spawning this file) says nothing about it.
 */
export function invocationDir(script: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return env.npm_lifecycle_event === script && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/**
 * $SLT_STORE as an absolute path resolved against `from` (undefined when unset or blank). The
 * notebook kernels run in notebooks/, where a relative store would name another folder, so
 * the runners pass this one down.
 */
export function absoluteStore(env: NodeJS.ProcessEnv, from: string): string | undefined {
  const store = env.SLT_STORE;
  return store && store.trim() !== "" ? path.resolve(from, store) : undefined;
}

/** The jupyter executable: $SLT_JUPYTER, else /usr/bin/jupyter (Debian), else jupyter on PATH. */
export function findJupyter(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SLT_JUPYTER) return env.SLT_JUPYTER;
  // A pyenv/virtualenv `jupyter` shim on PATH may lack nbconvert; Debian's is known good.
  if (fs.existsSync("/usr/bin/jupyter")) return "/usr/bin/jupyter";
  return "jupyter";
}

/** Checks that `jupyter nbconvert` runs; returns its version or an explanation. */
export function checkNbconvert(jupyter: string): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync(jupyter, ["nbconvert", "--version"], { encoding: "utf8", env: childEnv(process.env, {}) });
  if (r.error) return { ok: false, reason: `cannot run ${jupyter}: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `${jupyter} nbconvert --version failed: ${(r.stderr || r.stdout).trim()}` };
  return { ok: true, version: r.stdout.trim() };
}

function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...base,
    // debugpy (pulled in by ipykernel) warns about frozen modules on every start.
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    PYTHONUNBUFFERED: "1",
    ...extra,
  };
}

function jupyterPath(root: string, base: NodeJS.ProcessEnv): string {
  const own = path.join(root, "notebooks");
  return base.JUPYTER_PATH ? `${own}${path.delimiter}${base.JUPYTER_PATH}` : own;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    // stdio inherited: the nbconvert config streams progress straight to the terminal.
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (e) => {
      console.error(`  cannot start ${cmd}: ${e.message}`);
      resolve(127);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
}

// ---------------------------------------------------------------------------
// Provenance and light pages.

/** What every rendered page states about how it was made (the charts add their run ids). */
export interface PageProvenance {
  /** Commit of the checkout, or null outside a git checkout. */
  commit: string | null;
  /** Whether tracked files differed from the commit. */
  dirty: boolean | null;
  /** @tensorflow/tfjs version installed. */
  tfjs: string;
  scale: string;
  /** SLT_LIMIT's cap on every run (src/experiments/limit.ts), or null for runs as configured. */
  limit: string | null;
  /** The run store (or export file) the notebooks read, relative to the repo when inside it. */
  store: string;
  /** When the page was made (ISO). */
  date: string;
}

function git(root: string, args: string[]): string | null {
  const r = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
  return r.status === 0 ? r.stdout : null;
}

/** What the pages say of SLT_LIMIT: its name and what it caps, or null when unset. */
function limitNote(env: NodeJS.ProcessEnv): string | null {
  const found = runLimitFromEnv(env);
  return found ? `${RUN_LIMIT_ENV}=${found.name}: ${found.limit.description}` : null;
}

/** Commit, dirty flag, tfjs version, scale, store and date for the pages of one run of the runner. */
export function pageProvenance(root: string, scale: string, env: NodeJS.ProcessEnv = process.env): PageProvenance {
  const commit = git(root, ["rev-parse", "HEAD"])?.trim() || null;
  const status = commit ? git(root, ["status", "--porcelain", "--untracked-files=no"]) : null;
  const storeAbs = path.resolve(env.SLT_STORE?.trim() ? env.SLT_STORE : path.join(root, "runs"));
  const rel = path.relative(root, storeAbs);
  let tfjs = "unknown";
  try {
    tfjs = (JSON.parse(fs.readFileSync(require.resolve("@tensorflow/tfjs/package.json", { paths: [root] }), "utf8")) as { version: string })
      .version;
  } catch {
    // not installed: the page says so
  }
  return {
    commit,
    dirty: status === null ? null : status.trim() !== "",
    tfjs,
    scale,
    limit: limitNote(env),
    store: rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : storeAbs,
    date: new Date().toISOString(),
  };
}

/** The file light pages load Plotly from, beside them. */
export const SHARED_PLOTLY = "plotly.min.js";

/**
 * Replaces the Plotly bundle inlined in a rendered page by `<script src="plotly.min.js">`
 * and writes that file beside the page (once). Returns the page's size afterwards.
 */
export function lightenPage(htmlFile: string): number {
  const html = fs.readFileSync(htmlFile, "utf8");
  const bundle = plotlyBundleScript();
  if (html.includes(bundle)) {
    const shared = path.join(path.dirname(htmlFile), SHARED_PLOTLY);
    if (!fs.existsSync(shared) || fs.statSync(shared).size !== fs.statSync(plotlyBundlePath()).size)
      fs.copyFileSync(plotlyBundlePath(), shared);
    fs.writeFileSync(htmlFile, html.split(bundle).join(`<script type="text/javascript" src="${SHARED_PLOTLY}"></script>`));
  }
  return fs.statSync(htmlFile).size;
}

/**
 * The executed notebook beside a light page: its first chart's output carries the same ~5 MB
 * bundle; it gets the same `<script src>` so a published folder holds Plotly once. Returns
 * the notebook's size afterwards.
 */
export function lightenNotebook(ipynbFile: string): number {
  const text = fs.readFileSync(ipynbFile, "utf8");
  const bundle = plotlyBundleScript();
  const nb = JSON.parse(text) as { cells: { outputs?: { data?: Record<string, string | string[]> }[] }[] };
  let changed = false;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const html = out.data?.["text/html"];
      if (html === undefined) continue;
      const joined = Array.isArray(html) ? html.join("") : html;
      if (!joined.includes(bundle)) continue;
      out.data!["text/html"] = joined.split(bundle).join(`<script type="text/javascript" src="${SHARED_PLOTLY}"></script>`);
      changed = true;
    }
  }
  if (changed) fs.writeFileSync(ipynbFile, `${JSON.stringify(nb, null, 1)}\n`);
  return fs.statSync(ipynbFile).size;
}

// ---------------------------------------------------------------------------
// One notebook.

function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function readReport(file: string): RunReport | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as RunReport;
  } catch {
    return undefined;
  }
}

export async function runNotebook(file: string, opts: RunnerOptions): Promise<IndexEntry> {
  const name = notebookName(file);
  const nb = readNotebook(file);
  const title = notebookTitle(nb, name);
  const ipynbOut = path.join(opts.outDir, `${name}.ipynb`);
  const htmlOut = path.join(opts.outDir, `${name}.html`);
  // No stale results: a notebook that fails early must not keep last week's page.
  fs.rmSync(ipynbOut, { force: true });
  fs.rmSync(htmlOut, { force: true });
  const entry: IndexEntry = { name, title, status: "failed", scale: opts.scale };

  const kernel = nb.metadata?.kernelspec?.name;
  if (kernel !== KERNEL_NAME) {
    entry.error = {
      kind: "runner-error",
      message: `notebook kernelspec is ${JSON.stringify(kernel)}; the workbook needs "${KERNEL_NAME}"`,
    };
    console.error(`  ✖ ${entry.error.message}`);
    return entry;
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "slt-workbook-"));
  const reportFile = path.join(tmp, "report.json");
  const partialFile = path.join(tmp, "partial.ipynb");
  // The notebook records its run ids, verdicts and CSVs here (src/workbook/record.ts).
  const recordDir = path.join(tmp, "record");
  clearPageResults(opts.outDir, name);
  const env = childEnv(process.env, {
    [RECORD_ENV]: recordDir,
    JUPYTER_PATH: jupyterPath(opts.root, process.env),
    SLT_SCALE: opts.scale,
    SLT_WORKBOOK_REPORT: reportFile,
    SLT_WORKBOOK_PARTIAL: partialFile,
    SLT_WORKBOOK_TITLE: title,
    SLT_WORKBOOK_PROVENANCE: JSON.stringify(opts.provenance ?? pageProvenance(opts.root, opts.scale)),
  });
  try {
    const code = await run(
      opts.jupyter,
      [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--config",
        path.join(opts.root, "scripts", "workbook_nbconvert.py"),
        // nbclient treats a non-positive timeout as "no limit".
        `--ExecutePreprocessor.timeout=${opts.timeout > 0 ? Math.ceil(opts.timeout) : -1}`,
        "--ExecutePreprocessor.startup_timeout=180",
        "--log-level=WARN",
        "--output-dir",
        opts.outDir,
        "--output",
        `${name}.ipynb`,
        file,
      ],
      env,
      opts.root,
    );
    const report = readReport(reportFile);
    if (code === 0 && report?.status === "ok") {
      entry.status = "ok";
    } else {
      entry.error = report?.error ?? { kind: "runner-error", message: `jupyter nbconvert exited with status ${code} before reporting` };
      if (fs.existsSync(partialFile)) fs.copyFileSync(partialFile, ipynbOut);
    }
    if (report) {
      entry.seconds = report.seconds;
      entry.finished = report.finished;
    }
    if (fs.existsSync(ipynbOut)) {
      entry.ipynb = path.basename(ipynbOut);
      const renderCode = await run(
        opts.jupyter,
        [
          "nbconvert",
          "--to",
          "html",
          "--template",
          TEMPLATE_NAME,
          "--log-level=WARN",
          "--output-dir",
          opts.outDir,
          "--output",
          `${name}.html`,
          ipynbOut,
        ],
        env,
        opts.root,
      );
      if (renderCode === 0 && fs.existsSync(htmlOut)) {
        entry.html = path.basename(htmlOut);
        if (!opts.selfContained) {
          lightenPage(htmlOut);
          lightenNotebook(ipynbOut);
        }
        // Verdicts, run ids and CSVs are published only beside a page that ran through.
        if (entry.status === "ok") writePageResults(opts.outDir, name, opts.scale, recordDir);
      } else if (entry.status === "ok") {
        entry.status = "failed";
        entry.error = { kind: "render-error", message: `HTML export failed (jupyter nbconvert --to html exited with ${renderCode})` };
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return entry;
}

// ---------------------------------------------------------------------------
// Index.

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function loadIndex(outDir: string): Map<string, IndexEntry> {
  const file = path.join(outDir, "index.json");
  const map = new Map<string, IndexEntry>();
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { notebooks?: IndexEntry[] };
    for (const e of parsed.notebooks ?? []) map.set(e.name, e);
  } catch {
    // First run, or an unreadable index: start afresh.
  }
  return map;
}

/** "2026-01-02T03:04:05+00:00" → "2026-01-02 03:04:05 UTC" (ISO text stays as is otherwise). */
function fmtWhen(iso: string | undefined): string {
  if (!iso) return "";
  return iso
    .replace("T", " ")
    .replace(/(\+00:00|Z)$/, " UTC")
    .replace(/\.\d+ UTC$/, " UTC");
}

/** What the index shows of the verdicts: the chart and summary that open it, the claims table that ends it. */
export interface IndexClaims {
  /** The claims chart and summary (`claimsOverviewHtml`); needs Plotly on the page. */
  overview: string;
  /** The claims table (`claimsTableHtml`). */
  table: string;
  /** What loads Plotly in the page's head: `<script src="plotly.min.js">`, or the inlined bundle. */
  plotlyScript: string;
}

/** HTML of the index page (exported for tests). */
export function indexHtml(entries: readonly IndexEntry[], generated: string, claims: Partial<IndexClaims> = {}): string {
  const rows = entries
    .map((e) => {
      const links = [e.html ? `<a href="${escapeHtml(e.html)}">html</a>` : "", e.ipynb ? `<a href="${escapeHtml(e.ipynb)}">ipynb</a>` : ""]
        .filter(Boolean)
        .join(" · ");
      const titleCell = e.html ? `<a href="${escapeHtml(e.html)}">${escapeHtml(e.title)}</a>` : escapeHtml(e.title);
      const err = e.error
        ? `<div class="err">${escapeHtml(e.error.kind)}${e.error.cell ? ` in cell ${e.error.cell}` : ""}: ${escapeHtml(e.error.message.split("\n")[0] ?? "")}</div>`
        : "";
      const cls = e.status === "ok" ? "ok" : e.status === "failed" ? "failed" : "none";
      return (
        `<tr class="${cls}"><td>${titleCell}<div class="file">${escapeHtml(e.name)}.ipynb</div>${err}</td>` +
        `<td class="status">${escapeHtml(e.status)}</td><td>${escapeHtml(e.scale ?? "")}</td>` +
        `<td class="num">${e.seconds !== undefined ? fmtSeconds(e.seconds) : ""}</td>` +
        `<td class="when">${escapeHtml(fmtWhen(e.finished))}</td><td>${links}</td></tr>`
      );
    })
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>slt-workbench workbook</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #ddd; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.status, td.when { white-space: nowrap; }
tr.ok td.status { color: #1b5e20; font-weight: 600; }
tr.failed td.status { color: #b71c1c; font-weight: 600; }
tr.none td.status { color: #777; }
.file { color: #777; font-size: 12px; }
.err { color: #b71c1c; font-size: 12px; font-family: ui-monospace, monospace; white-space: pre-wrap; }
.def { color: #555; font-size: 12px; }
.nums { color: #555; font-size: 12px; font-family: ui-monospace, monospace; white-space: pre-wrap; }
details summary { color: #555; font-size: 12px; cursor: pointer; }
h2 { margin-top: 2rem; }
</style>
${claims.overview ? (claims.plotlyScript ?? "") : ""}
</head>
<body>
<h1>slt-workbench workbook</h1>
<p>Generated ${escapeHtml(fmtWhen(generated))}. Each notebook was executed headless by <code>npm run workbook</code>.</p>
${claims.overview ?? ""}
<h2>Notebooks</h2>
<table>
<thead><tr><th>notebook</th><th>status</th><th>scale</th><th>time</th><th>finished</th><th>files</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${claims.table ?? ""}
</body>
</html>
`;
}

function writeIndex(root: string, outDir: string, results: Map<string, IndexEntry>, selfContained: boolean): void {
  // Every notebook in notebooks/ is listed, run or not; results from earlier runs are kept.
  const merged = loadIndex(outDir);
  for (const [k, v] of results) merged.set(k, v);
  for (const file of listNotebooks(root)) {
    const name = notebookName(file);
    if (!merged.has(name)) merged.set(name, { name, title: notebookTitle(readNotebook(file), name), status: "not run" });
  }
  const entries = [...merged.values()].sort((a, b) => a.name.localeCompare(b.name));
  fs.writeFileSync(path.join(outDir, "index.json"), `${JSON.stringify({ notebooks: entries }, null, 2)}\n`);
  // The claims table lists the verdicts of every page that ran through (a failed page has no results file).
  const ok = new Map(entries.filter((e) => e.status === "ok").map((e) => [e.name, e]));
  const pages = readPublished(outDir)
    .filter((p) => ok.has(p.name))
    .map((p) => ({ ...p, html: ok.get(p.name)?.html }));
  const overview = claimsOverviewHtml(publishedClaims(pages));
  let plotlyScript = "";
  if (overview) {
    if (selfContained) plotlyScript = plotlyBundleScript();
    else {
      const shared = path.join(outDir, SHARED_PLOTLY);
      if (!fs.existsSync(shared) || fs.statSync(shared).size !== fs.statSync(plotlyBundlePath()).size)
        fs.copyFileSync(plotlyBundlePath(), shared);
      plotlyScript = `<script type="text/javascript" src="${SHARED_PLOTLY}"></script>`;
    }
  }
  fs.writeFileSync(
    path.join(outDir, "index.html"),
    indexHtml(entries, new Date().toISOString(), { overview, table: claimsTableHtml(pages), plotlyScript }),
  );
}

// ---------------------------------------------------------------------------
// CLI.

const USAGE = `usage: npm run workbook -- [options] [NOTEBOOK ...]

Executes notebooks (default: all notebooks/*.ipynb) headless and writes the
executed notebook, an HTML page per notebook and index.html.

  NOTEBOOK            a path, a file in notebooks/, a name without .ipynb, or a unique prefix ("00")
  --scale quick|standard|full  experiment size passed to notebooks as SLT_SCALE (default: $SLT_SCALE or quick)
  --timeout SECONDS   per-cell timeout, 0 = none (default: $SLT_CELL_TIMEOUT, else 3600 quick / 172800 full)
  --out DIR           output folder (default: workbook/ of the repo)
  --fail-fast         stop after the first failing notebook
  --self-contained    single-file pages (Plotly inlined in each, ~5 MB) to send by e-mail; default: light
                      pages that share one plotly.min.js beside them (publish the whole folder)
  --list              list the notebooks and exit
  -h, --help          this text

A relative --out, NOTEBOOK path or $SLT_STORE means the folder npm run was started from.
$SLT_LIMIT=smoke caps every run to seconds of training (README: "Trying commands quickly").

Exit status: 0 all notebooks ran cleanly, 1 a notebook failed, 2 usage or setup error.`;

function parseScale(v: string | undefined): Scale {
  const s = (v ?? "quick").trim().toLowerCase() || "quick";
  if (s !== "quick" && s !== "standard" && s !== "full") throw new Error(`scale must be "quick", "standard" or "full", got "${v}"`);
  return s;
}

function parseTimeout(v: string | undefined, scale: Scale): number {
  if (v === undefined || v.trim() === "") return DEFAULT_TIMEOUT[scale];
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`timeout must be a number of seconds ≥ 0, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const root = path.resolve(__dirname, "..", "..");
  let args: ReturnType<typeof parse>;
  function parse(a: string[]) {
    return parseArgs({
      args: a,
      allowPositionals: true,
      options: {
        scale: { type: "string" },
        timeout: { type: "string" },
        out: { type: "string" },
        "fail-fast": { type: "boolean", default: false },
        "self-contained": { type: "boolean", default: false },
        list: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  }
  let opts: RunnerOptions;
  let files: string[];
  try {
    args = parse(argv);
    if (args.values.help) {
      console.log(USAGE);
      return 0;
    }
    runLimitFromEnv(); // a bad SLT_LIMIT is a usage error before any notebook starts
    const from = invocationDir("workbook");
    const store = absoluteStore(process.env, from);
    if (store) process.env.SLT_STORE = store;
    const scale = parseScale(args.values.scale ?? process.env.SLT_SCALE);
    opts = {
      root,
      outDir: path.resolve(from, args.values.out ?? path.join(root, "workbook")),
      scale,
      timeout: parseTimeout(args.values.timeout ?? process.env.SLT_CELL_TIMEOUT, scale),
      jupyter: findJupyter(),
      failFast: args.values["fail-fast"] ?? false,
      selfContained: args.values["self-contained"] ?? false,
    };
    files = args.positionals.length ? args.positionals.map((a) => resolveNotebook(root, a, from)) : listNotebooks(root);
  } catch (e) {
    console.error(`workbook: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (args.values.list) {
    for (const f of files) console.log(`${path.relative(root, f)}  ${notebookTitle(readNotebook(f), notebookName(f))}`);
    return 0;
  }
  if (files.length === 0) {
    console.error("workbook: no notebooks found in notebooks/");
    return 2;
  }

  // Setup problems get one clear message instead of a failure per notebook.
  const problems: string[] = [];
  const nbc = checkNbconvert(opts.jupyter);
  if (!nbc.ok)
    problems.push(
      `${nbc.reason}\n  install the Debian packages jupyter-nbconvert jupyter-client python3-ipykernel, or point SLT_JUPYTER at a jupyter with nbconvert`,
    );
  if (!fs.existsSync(path.join(root, "node_modules", ".bin", "tslab")))
    problems.push("node_modules/.bin/tslab is missing: run npm install");
  if (!fs.existsSync(path.join(root, "dist", "src", "plot", "index.js")))
    problems.push("dist/ is not built (notebooks import ../dist/src): run npm run build");
  if (problems.length) {
    for (const p of problems) console.error(`workbook: ${p}`);
    return 2;
  }

  opts.provenance = pageProvenance(opts.root, opts.scale);
  fs.mkdirSync(opts.outDir, { recursive: true });
  console.log(
    `workbook: ${files.length} notebook${files.length === 1 ? "" : "s"} · scale ${opts.scale} · cell timeout ${opts.timeout > 0 ? `${opts.timeout}s` : "none"} · nbconvert ${nbc.ok ? nbc.version : "?"} · store ${process.env.SLT_STORE ?? path.join(root, "runs")} → ${path.relative(process.cwd(), opts.outDir) || "."}/`,
  );
  const results = new Map<string, IndexEntry>();
  const started = Date.now();
  for (const [i, file] of files.entries()) {
    console.log(`\n▶ [${i + 1}/${files.length}] ${notebookName(file)} — ${notebookTitle(readNotebook(file), notebookName(file))}`);
    const t0 = Date.now();
    const entry = await runNotebook(file, opts);
    entry.seconds ??= (Date.now() - t0) / 1000;
    results.set(entry.name, entry);
    writeIndex(root, opts.outDir, results, opts.selfContained);
    const where = entry.html ? path.relative(process.cwd(), path.join(opts.outDir, entry.html)) : "no HTML";
    const total = fmtSeconds((Date.now() - t0) / 1000);
    if (entry.status === "ok") console.log(`✔ ${entry.name} ok in ${total} → ${where}`);
    else console.log(`✖ ${entry.name} FAILED in ${total} (${entry.error?.kind ?? "error"}) → ${where}`);
    if (entry.status !== "ok" && opts.failFast) break;
  }

  const failed = [...results.values()].filter((e) => e.status !== "ok");
  console.log(
    `\nworkbook: ${results.size - failed.length}/${results.size} ok in ${fmtSeconds((Date.now() - started) / 1000)} · index: ${path.relative(process.cwd(), path.join(opts.outDir, "index.html"))}`,
  );
  for (const e of failed) {
    const where = e.error?.cell ? ` cell ${e.error.cell}${e.error.codeCell ? ` (code cell ${e.error.codeCell})` : ""}` : "";
    console.error(`\n✖ ${e.name}${where}: ${e.error?.kind ?? "error"}`);
    if (e.error?.source) for (const line of e.error.source.split("\n")) console.error(`  > ${line}`);
    // The full message was printed as the cell failed; repeat enough to identify it.
    const lines = (e.error?.message ?? "").split("\n");
    for (const line of lines.slice(0, SUMMARY_LINES)) console.error(`  ${line}`);
    if (lines.length > SUMMARY_LINES)
      console.error(`  … ${lines.length - SUMMARY_LINES} more lines above and in ${e.html ?? "the notebook"}`);
  }
  return failed.length ? 1 : 0;
}

/** Run a script's main on the command line's arguments: its result is the exit code; a throw prints and exits 2. */
export function runScript(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) runScript(main);
