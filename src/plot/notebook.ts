/**
 * Notebook-side helpers: display charts and tables in a tslab kernel, print
 * progress, and read the workbook's scale setting.
 *
 * tslab is looked up lazily and only if this process *is* a tslab kernel, so
 * the library loads (and `show` degrades to a text line) in plain Node.
 */
import * as path from "node:path";
import type { ObjectsSource } from "../stats/descriptive";
import { type RunsInUse, runsInUse } from "../experiments/provenance";
import type { StoredRun } from "../experiments/store";
import { type Figure, escapeAttr, escapeHtml, figureToHtml } from "./plotly";
import { type TableHtmlOptions, tableHtml } from "./table";

/** The part of tslab's `display` used here. */
export interface HtmlDisplay {
  html(s: string): void;
}

let injectedDisplay: HtmlDisplay | undefined;

/** Route `show`/`showTable` output somewhere else (tests, custom front ends); `undefined` restores the default. */
export function setDisplay(display: HtmlDisplay | undefined): void {
  injectedDisplay = display;
}

/**
 * tslab's display, taken from the tslab instance that runs this kernel.
 * Requiring "tslab" by name could load a second copy (e.g. a global kernel
 * with a local library) whose display is never connected ("Not ready").
 */
function kernelDisplay(): HtmlDisplay | undefined {
  if (injectedDisplay) return injectedDisplay;
  const jupyterModule = Object.keys(require.cache).find((p) => /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(p));
  if (!jupyterModule) return undefined;
  const pub = require(path.join(path.dirname(jupyterModule), "public.js")) as { display: HtmlDisplay };
  return pub.display;
}

/** True when running inside a tslab kernel (or a display was injected). */
export function inNotebook(): boolean {
  return kernelDisplay() !== undefined;
}

/** Displays raw HTML in the notebook; outside one, prints a one-line note. */
export function showHtml(html: string, fallbackText = "[html output]"): void {
  const d = kernelDisplay();
  if (d) d.html(html);
  else console.log(fallbackText);
}

export interface ShowOptions {
  /**
   * The runs behind the figure, listed under it. Default: the runs of the latest
   * `ensureRuns`/`getRuns`/`loadRuns` call in this kernel; `null`: list none.
   */
  runs?: readonly StoredRun[] | null;
}

/**
 * The line under a chart naming the runs it was drawn from (ids, backends, tfjs versions),
 * or "" when there are none. The ids sit in a <details> so hundreds of runs stay one line.
 */
export function provenanceHtml(runs: RunsInUse | undefined): string {
  if (!runs || runs.ids.length === 0) return "";
  const n = runs.ids.length;
  return (
    `<details class="slt-provenance" data-slt-runs="${escapeAttr(runs.ids.join(" "))}" data-slt-backends="${escapeAttr(runs.backends.join(" "))}" data-slt-tfjs="${escapeAttr(runs.tfjsVersions.join(" "))}" style="font-size:12px;color:#555;margin:2px 0 8px 0">` +
    `<summary>drawn from ${n} run${n === 1 ? "" : "s"} · backend ${escapeHtml(runs.backends.join(", "))} · tfjs ${escapeHtml(runs.tfjsVersions.join(", "))}</summary>` +
    `<code style="font-size:11px;word-break:break-all">${escapeHtml(runs.ids.join(" "))}</code></details>`
  );
}

function runsFor(options: ShowOptions): RunsInUse | undefined {
  if (options.runs === null) return undefined;
  if (options.runs === undefined) return runsInUse();
  return {
    ids: [...new Set(options.runs.map((r) => r.id))],
    backends: [...new Set(options.runs.map((r) => r.backend.name))],
    tfjsVersions: [...new Set(options.runs.map((r) => r.backend.tfjsVersion))],
    source: "",
  };
}

/**
 * Displays a Plotly figure (bundle inlined with the first chart of the session), with
 * buttons to download it as PNG and SVG and a line naming the runs behind it.
 */
export function show(figure: Figure, options: ShowOptions = {}): void {
  const d = kernelDisplay();
  if (!d) {
    // No page to draw on: say what would have been shown rather than dumping ~5 MB of HTML.
    const title = figure.layout?.title?.text ?? "untitled";
    console.log(`[chart] ${title} (${figure.data.length} trace${figure.data.length === 1 ? "" : "s"}; not in a notebook)`);
    return;
  }
  d.html(figureToHtml(figure) + provenanceHtml(runsFor(options)));
}

/** Displays rows (array of objects or an arquero table) as an HTML table. */
export function showTable(rows: readonly object[] | ObjectsSource, options: TableHtmlOptions = {}): void {
  const d = kernelDisplay();
  if (d) {
    d.html(tableHtml(rows, options));
    return;
  }
  const list = Array.isArray(rows) ? rows : (rows as ObjectsSource).objects();
  console.table(list.slice(0, options.limit ?? 50));
}

// ---------------------------------------------------------------------------
// Scale.

export type Scale = "quick" | "standard" | "full";
export const scales: readonly Scale[] = ["quick", "standard", "full"];

/**
 * The workbook scale from SLT_SCALE (default "quick"). An unknown value throws
 * so a typo never silently runs the wrong experiment size.
 */
export function scale(env: NodeJS.ProcessEnv = process.env): Scale {
  const raw = (env.SLT_SCALE ?? "").trim().toLowerCase();
  if (raw === "") return "quick";
  if ((scales as readonly string[]).includes(raw)) return raw as Scale;
  throw new Error(`SLT_SCALE must be one of ${scales.join(", ")}, got ${JSON.stringify(env.SLT_SCALE)}`);
}

/**
 * Picks the value for the current scale, e.g. `byScale({ quick: 2, standard: 8, full: 30 })` epochs.
 * A setting without a `standard` value cannot run at that scale: it throws rather than guess.
 */
export function byScale<T>(choices: { quick: T; standard?: T; full: T }, env: NodeJS.ProcessEnv = process.env): T {
  const s = scale(env);
  const value = choices[s];
  if (value === undefined) throw new Error(`this setting has no value for SLT_SCALE=${s}; add a "${s}" entry to its byScale({...})`);
  return value;
}

// ---------------------------------------------------------------------------
// Progress.

/**
 * Marks a line as transient progress (ANSI "dim" … "reset"): shown live in the terminal and a
 * live notebook, dropped from the saved page by the workbook runner, so a rendered page keeps
 * only summary lines. See scripts/workbook_nbconvert.py.
 */
export const TRANSIENT_START = "\x1b[2m";
export const TRANSIENT_END = "\x1b[0m";

export function transient(line: string): string {
  return `${TRANSIENT_START}${line}${TRANSIENT_END}`;
}

export type Metrics = Readonly<Record<string, number | string>>;

export interface ProgressOptions {
  /** Total number of steps, if known (enables % and ETA). */
  total?: number;
  /** Prefix of every line, e.g. "train" or "seed 3". */
  label?: string;
  /** Print every n-th step only (the last step always prints); default 1. */
  every?: number;
  /** Significant digits for metric values (default 4). */
  digits?: number;
  /** Where lines go; default console.log (tslab streams it live). */
  write?: (line: string) => void;
  /** Clock in ms, injectable for tests; default Date.now. */
  now?: () => number;
}

export interface Progress {
  /** Advance one step and maybe print a line with the metrics. */
  tick(metrics?: Metrics): void;
  /** Set the step number explicitly and maybe print. */
  update(step: number, metrics?: Metrics): void;
  /** Print a closing line with the total time. */
  done(metrics?: Metrics): void;
}

function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h${String(m - h * 60).padStart(2, "0")}m`;
}

function formatMetrics(metrics: Metrics | undefined, digits: number): string {
  if (!metrics) return "";
  return Object.entries(metrics)
    .map(([k, v]) => {
      const text = typeof v === "number" && !Number.isInteger(v) && Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v);
      return ` ${k}=${text}`;
    })
    .join("");
}

/**
 * One compact line per (n-th) step, e.g.
 * `[train] 3/10 30% loss=0.231 acc=0.91 · 12.4s, eta 28.9s`.
 * Plain lines (no carriage returns) so they read well both live in the
 * terminal (the workbook runner streams cell output) and in the saved HTML.
 */
export function progress(options: ProgressOptions = {}): Progress {
  const now = options.now ?? Date.now;
  const write = options.write ?? ((line: string) => console.log(line));
  const every = Math.max(1, Math.floor(options.every ?? 1));
  const digits = options.digits ?? 4;
  const prefix = options.label ? `[${options.label}] ` : "";
  const start = now();
  let step = 0;

  const line = (metrics: Metrics | undefined): string => {
    const elapsed = now() - start;
    const total = options.total;
    let pos = total !== undefined ? `${step}/${total}` : `${step}`;
    let eta = "";
    if (total !== undefined && total > 0) {
      pos += ` ${Math.round((100 * step) / total)}%`;
      if (step > 0 && step < total) eta = `, eta ${formatDuration((elapsed / step) * (total - step))}`;
    }
    return `${prefix}${pos}${formatMetrics(metrics, digits)} · ${formatDuration(elapsed)}${eta}`;
  };

  const update = (s: number, metrics?: Metrics): void => {
    step = s;
    const last = options.total !== undefined && step >= options.total;
    if (step % every === 0 || last) write(line(metrics));
  };

  return {
    tick: (metrics) => update(step + 1, metrics),
    update,
    done: (metrics) => write(`${prefix}done${formatMetrics(metrics, digits)} · ${formatDuration(now() - start)}`),
  };
}
