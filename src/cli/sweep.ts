/**
 * `slt sweep <spec.json>`: run a sweep (or one shard of it) with a progress display of
 * all workers at once, or list its runs (--dry-run). Registered in main.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import cliProgress from "cli-progress";
import { Command, Option } from "commander";
import { SltError } from "../errors";
import { RunStore, defaultStoreDir } from "../experiments/store";
import {
  type RunEndStatus,
  type SweepEvent,
  type SweepPlan,
  type SweepSummary,
  parseShard,
  planSweep,
  runSweep,
  sweepFailureError,
} from "../experiments/sweep";
import { describeHolder } from "../experiments/wait";
import { epochLine, formatLoss, formatPercent, table } from "./progress";
import type { RunEvent } from "../train/events";

/** The example of --help, as a user would write it (a test checks that it expands to 13 runs). */
export const SWEEP_EXAMPLE_TEXT = `{
  "name": "keep-vs-seed",
  "base": { "method": "ep", "model": "lenet300", "dataset": "mnist", "epochs": 10, "lr": 0.1 },
  "grid": { "keepFraction": [0.05, 0.1, 0.3, 0.5], "seed": [0, 1, 2] },
  "runs": [ { "method": "iep", "keepFraction": 0.05, "iep": { "cycles": 4, "pruning": "hard" } } ]
}`;

/** Exit code of a sweep that failed nothing but left runs held by other processes (busy). */
export const EXIT_BUSY = 3;

export const SWEEP_HELP = `
Spec format (JSON):
  name   string, required      shown in progress; runs without a label get "name: field=value …"
  base   object                run config fields shared by every run (see 'slt run --help')
  grid   { field: [values] }   every combination of the values becomes a run; dotted field
                               names reach nested fields ("iep.pruning"); the first field
                               varies slowest
  runs   [ object ]            explicit extra runs, each merged over base (not combined with
                               the grid); with runs and no grid, base alone is not a run

Example:
${SWEEP_EXAMPLE_TEXT.split("\n")
  .map((l) => `  ${l}`)
  .join("\n")}
  (4 × 3 grid runs + 1 explicit run = 13 runs)

Every run is validated before any starts; a bad value is one error naming the grid field.
Finished runs are skipped, interrupted ones resume from their last checkpoint, runs that
another process is training are skipped and reported (pid, host, heartbeat age), a failed
run (e.g. diverged) is recorded and the others go on. With --wait the sweep waits for the
runs held elsewhere and then reports them (finished there, or resumed here if their holder
left them unfinished).

Exit codes: 0 every run of this share is finished; 2 a run failed or the input is bad;
${EXIT_BUSY} no run failed but some are held by other processes and not finished yet (0 with
--allow-busy; none with --wait); 130 / 143 stopped by Ctrl-C / SIGTERM: the workers stop and
the summary lists the runs finished, interrupted (they resume) and not started (rerun to continue).

Several processes (terminals, cluster tasks) may share one store: each run is trained
once. Split a sweep across machines with --shard i/n (see docs/cluster.md for Slurm and
Kubernetes examples).
`;

function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SltError(
      "usage",
      `Cannot read the sweep spec ${file}: ${code === "ENOENT" ? "file not found" : (code ?? (e as Error).message)}.`,
      file,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SltError("usage", `The sweep spec ${file} is not valid JSON: ${(e as Error).message}.`, file);
  }
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return os.availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new SltError("usage", `--jobs expects a whole number ≥ 1, got "${text}".`, "jobs");
  return n;
}

/** The shell's exit code for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + os.constants.signals[signal];
}

function short(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}

export function formatPlan(plan: SweepPlan, storeDir: string): string {
  const counts = new Map<string, number>();
  for (const r of plan.runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const head =
    `sweep "${plan.name}": ${plan.total} runs` +
    (plan.shard ? `, ${plan.runs.length} in shard ${plan.shard.index}/${plan.shard.count}` : "") +
    (plan.duplicates ? ` (${plan.duplicates} duplicate config${plan.duplicates > 1 ? "s" : ""} dropped)` : "") +
    ` — store ${storeDir}${new RunStore(storeDir).folderExists() ? "" : " (the folder does not exist yet)"}\n` +
    [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
  const rows = plan.runs.map((r) => ({
    "#": String(r.index),
    id: r.id,
    ...(plan.shard ? { shard: String(r.shard) } : {}),
    status: r.status,
    epochs: `${r.epochsDone ?? 0}/${r.epochs}`,
    label: r.label,
    error: r.error ? r.error.split("\n")[0].slice(0, 80) : "",
  }));
  return `${head}\n\n${table(rows)}\n`;
}

export function formatSummary(s: SweepSummary): string {
  // A stopped run either had started (interrupted: it resumes from its last checkpoint) or had not.
  const interrupted = s.stopped.filter((r) => r.started !== false);
  const notStarted = s.stopped.filter((r) => r.started === false);
  const lines = [
    `sweep "${s.name}"${s.shard ? ` shard ${s.shard.index}/${s.shard.count}` : ""}: ${s.total} runs in ${s.seconds.toFixed(1)} s — ` +
      `${s.trained.length} trained, ${s.cached.length} already finished, ${s.busy.length} busy elsewhere, ${s.failed.length} failed` +
      `${interrupted.length ? `, ${interrupted.length} interrupted` : ""}${notStarted.length ? `, ${notStarted.length} not started` : ""}`,
  ];
  for (const r of s.trained)
    lines.push(
      `  trained  ${r.id}  test ${formatPercent(r.testAccuracy)}  DR ${r.dyingRatio == null ? "–" : r.dyingRatio.toFixed(4)}${r.resumedFromEpoch ? `  (resumed after epoch ${r.resumedFromEpoch})` : ""}  ${r.label}`,
    );
  for (const r of s.busy)
    lines.push(`  busy     ${r.id}  held by ${r.holder ? describeHolder(r.holder) : "another process"}; not run here  ${r.label}`);
  for (const r of interrupted) lines.push(`  interrupted  ${r.id}  ${r.error ?? ""}  ${r.label}`);
  for (const r of notStarted) lines.push(`  not started  ${r.id}  ${r.error ?? ""}  ${r.label}`);
  for (const r of s.failed) lines.push(`  failed   ${r.id}  ${(r.error ?? "").split("\n")[0]}  ${r.label}`);
  return `${lines.join("\n")}\n`;
}

/** How often --wait repeats an unchanged "waiting for …" line. */
const WAIT_REPORT_MS = 30_000;

/** Progress of all workers: a cli-progress MultiBar on a TTY, plain lines otherwise. */
export class SweepProgress {
  private readonly tty: boolean;
  private multibar: cliProgress.MultiBar | null = null;
  private total: cliProgress.SingleBar | null = null;
  private readonly bars = new Map<number, cliProgress.SingleBar>();
  private readonly dr = new Map<number, number | null>();
  private readonly labels = new Map<number, string>();
  /** Each planned run's label, by its index in the plan. */
  private readonly planLabels = new Map<number, string>();
  private readonly cycles = new Map<number, number>();
  /** Each run's latest outcome: a busy run waited for (--wait) ends a second time. */
  private readonly outcomes = new Map<string, RunEndStatus>();
  private lastWait: { ids: string; at: number } | null = null;
  private readonly write: (line: string) => void;

  constructor(options: { tty?: boolean; write?: (line: string) => void } = {}) {
    this.tty = options.tty ?? Boolean(process.stderr.isTTY);
    this.write = options.write ?? ((l) => process.stderr.write(`${l}\n`));
  }

  private log(line: string): void {
    if (this.multibar) this.multibar.log(`${line}\n`);
    else this.write(line);
  }

  private countsText(): string {
    const c = { trained: 0, cached: 0, busy: 0, failed: 0, stopped: 0 };
    for (const status of this.outcomes.values()) c[status]++;
    return `${c.trained} trained, ${c.cached} cached, ${c.busy} busy, ${c.failed} failed${c.stopped ? `, ${c.stopped} stopped` : ""}`;
  }

  handle(e: SweepEvent): void {
    switch (e.type) {
      case "plan": {
        for (const r of e.plan.runs) this.planLabels.set(r.index, r.label);
        const settled = e.plan.runs.length;
        this.log(
          `sweep "${e.plan.name}": ${settled} runs${e.plan.shard ? ` (shard ${e.plan.shard.index}/${e.plan.shard.count} of ${e.plan.total})` : ""}, ${e.jobs} ${e.inProcess ? "in this process" : `worker process${e.jobs > 1 ? "es" : ""}`}`,
        );
        if (this.tty) {
          this.multibar = new cliProgress.MultiBar(
            {
              format: "{name} |{bar}| {value}/{total} runs  {counts}",
              barsize: 24,
              hideCursor: true,
              fps: 5,
              stream: process.stderr,
              gracefulExit: false,
              clearOnComplete: false,
            },
            cliProgress.Presets.shades_classic,
          );
          this.total = this.multibar.create(settled, 0, { name: short(`sweep ${e.plan.name}`, 34), counts: "" });
        }
        return;
      }
      case "run":
        this.handleRun(e.worker, e.index, e.event);
        return;
      case "run-end": {
        const r = e.result;
        this.outcomes.set(r.id, r.status);
        const done = [...this.outcomes.values()].filter((s) => s !== "busy").length;
        this.total?.update(done, { counts: this.countsText() });
        const what =
          r.status === "trained"
            ? `finished: test ${formatPercent(r.testAccuracy)}, DR ${r.dyingRatio == null ? "–" : r.dyingRatio.toFixed(4)}`
            : r.status === "failed"
              ? `FAILED: ${(r.error ?? "").split("\n")[0]}`
              : r.status === "busy"
                ? `busy: held by ${r.holder ? describeHolder(r.holder) : "another process"}`
                : r.status === "stopped"
                  ? `stopped: ${r.error ?? ""}`
                  : r.storedAs
                    ? `already finished (stored under its old path-based id ${r.storedAs})`
                    : "already finished";
        this.log(`${e.worker >= 0 ? `[w${e.worker}] ` : ""}run ${r.id} ${what}`);
        return;
      }
      case "log":
        this.log(`[w${e.worker}] ${e.line}`);
        return;
      case "worker-exit":
        if (e.signal || (e.code !== 0 && e.code !== null))
          this.log(`[w${e.worker}] worker ${e.pid} exited (${e.signal ?? `code ${e.code}`})`);
        this.bars.get(e.worker)?.stop();
        return;
      case "worker-start":
        return;
      case "waiting": {
        // A line when the set of held runs changes, and every 30 s while it does not.
        const ids = e.runs.map((r) => r.id).join(",");
        const now = Date.now();
        if (this.lastWait && this.lastWait.ids === ids && now - this.lastWait.at < WAIT_REPORT_MS) return;
        this.lastWait = { ids, at: now };
        if (e.runs.length === 0) {
          this.log(`no run is held elsewhere any more (waited ${e.seconds.toFixed(0)} s)`);
          return;
        }
        this.log(
          `waiting for ${e.runs.length} run${e.runs.length > 1 ? "s" : ""} held by other processes (${e.seconds.toFixed(0)} s so far): ` +
            e.runs.map((r) => `${r.id} ${describeHolder(r.holder)}`).join("; "),
        );
        return;
      }
    }
  }

  /** A run's own event, on the bar of the worker training it. */
  private handleRun(worker: number, index: number, e: RunEvent): void {
    switch (e.type) {
      case "run-start": {
        const label = this.planLabels.get(index) ?? "";
        this.labels.set(worker, label);
        this.dr.set(worker, null);
        this.cycles.set(worker, e.cycles);
        if (!this.multibar) {
          this.log(
            `[w${worker}] run ${e.id} ${label}${e.resumedFromEpoch ? `: resuming after epoch ${e.resumedFromEpoch}` : ""} (${e.backend})`,
          );
          return;
        }
        const payload = {
          name: short(`w${worker} ${label}`, 34),
          epoch: e.resumedFromEpoch,
          epochs: e.epochs,
          step: 0,
          spe: e.stepsPerEpoch,
          loss: "–",
          acc: "–",
          dr: "–",
        };
        const total = e.epochs * e.stepsPerEpoch;
        const bar = this.bars.get(worker);
        if (bar) bar.start(total, e.resumedFromEpoch * e.stepsPerEpoch, payload);
        else {
          this.bars.set(
            worker,
            this.multibar.create(total, e.resumedFromEpoch * e.stepsPerEpoch, payload, {
              format: "{name} |{bar}| epoch {epoch}/{epochs} step {step}/{spe}  loss {loss}  acc {acc}  DR {dr}  left {eta_formatted}",
            }),
          );
        }
        return;
      }
      case "step": {
        this.cycles.set(worker, e.cycles);
        const bar = this.bars.get(worker);
        if (!bar) return;
        const dr = this.dr.get(worker);
        bar.update((e.epoch - 1) * e.stepsPerEpoch + e.step, {
          epoch: e.epoch,
          epochs: e.epochs,
          step: e.step,
          spe: e.stepsPerEpoch,
          loss: formatLoss(e.loss),
          acc: formatPercent(e.accuracy, 1),
          dr: dr == null ? "–" : dr.toFixed(3),
        });
        return;
      }
      case "epoch":
        this.dr.set(worker, e.metrics.dyingRatio);
        this.log(
          `[w${worker}] ${short(this.labels.get(worker) ?? e.id, 30).trimEnd()}  ${epochLine(e.metrics, this.cycles.get(worker) ?? 1)}`,
        );
        return;
      default:
        return; // the run's end is shown from the sweep's result (run-end), which settled runs have too
    }
  }

  stop(): void {
    this.multibar?.stop();
    this.multibar = null;
  }
}

/** The `sweep` subcommand of `parent` (whose --store option it honours and whose settings it inherits). */
export function sweepCommand(parent: Command): Command {
  const globalStore = () => parent.opts().store as string | undefined;
  const cmd = new Command("sweep")
    .copyInheritedSettings(parent)
    .description(
      "Run a sweep of runs from a spec file (grid × base + explicit runs) in parallel worker processes; skips finished runs, resumes interrupted ones",
    )
    .argument("<spec.json>", "the sweep spec (format below)")
    .option("--jobs <n>", "parallel runs (worker processes); default: one per core")
    .option("--shard <i/n>", "run only shard i of n (0-based), chosen by run id: for cluster array jobs")
    .option("--dry-run", "list the runs with their ids and status in the store; train nothing")
    .option(
      "--wait",
      "wait for runs held by other processes (polling their locks, with progress), then report them; resume those left unfinished",
    )
    .option("--allow-busy", `exit 0 even if runs are held by other processes (default: exit code ${EXIT_BUSY})`)
    .option("--json", "print the plan (--dry-run) or the summary as JSON on stdout")
    .option("--store <dir>", "run store folder (default: $SLT_STORE or ./runs)")
    .addOption(
      new Option("--stale-lock-minutes <m>", "a lock whose heartbeat is older than this is taken over (default 10)").default(undefined),
    )
    .addHelpText("after", SWEEP_HELP);
  cmd.action(
    async (
      file: string,
      opts: {
        jobs?: string;
        shard?: string;
        dryRun?: boolean;
        json?: boolean;
        store?: string;
        staleLockMinutes?: string;
        wait?: boolean;
        allowBusy?: boolean;
      },
    ) => {
      const storeDir = opts.store ?? globalStore() ?? defaultStoreDir();
      const spec = readSpecFile(file);
      const shard = opts.shard !== undefined ? parseShard(opts.shard) : undefined;
      const jobs = parseJobs(opts.jobs);
      let staleLockMs: number | undefined;
      if (opts.staleLockMinutes !== undefined) {
        const m = Number(opts.staleLockMinutes);
        if (!Number.isFinite(m) || m <= 0)
          throw new SltError("usage", `--stale-lock-minutes expects a number > 0, got "${opts.staleLockMinutes}".`, "stale-lock-minutes");
        staleLockMs = m * 60_000;
      }
      if (opts.dryRun) {
        const plan = planSweep(spec, { store: storeDir, shard, source: file });
        process.stdout.write(opts.json ? `${JSON.stringify(plan, null, 1)}\n` : formatPlan(plan, storeDir));
        return;
      }

      const progress = new SweepProgress();
      const controller = new AbortController();
      let stopSignal: NodeJS.Signals | null = null;
      const onSignal = (sig: NodeJS.Signals) => {
        if (stopSignal) return;
        stopSignal = sig;
        controller.abort();
      };
      // Runs train in worker processes, --jobs 1 too: training blocks the event loop of the
      // process it runs in, so only a process that does not train can answer a signal, stop
      // its workers and report what it finished.
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      let summary: SweepSummary;
      try {
        summary = await runSweep(spec, {
          store: storeDir,
          jobs,
          shard,
          inProcess: false,
          staleLockMs,
          wait: opts.wait ?? false,
          signal: controller.signal,
          source: file,
          onEvent: (e) => progress.handle(e),
        });
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 1)}\n` : formatSummary(summary));
      if (stopSignal) {
        process.stderr.write(`sweep stopped by ${stopSignal}; run the same command again to continue.\n`);
        process.exit(signalExitCode(stopSignal));
      }
      const failure = sweepFailureError(summary);
      if (failure) throw failure;
      if (summary.busy.length > 0 && !opts.allowBusy) {
        const n = summary.busy.length;
        process.stderr.write(
          `${n} run${n > 1 ? "s are" : " is"} held by other processes and not finished:\n` +
            summary.busy.map((r) => `  - run ${r.id} (${r.label}): ${r.holder ? describeHolder(r.holder) : "held elsewhere"}\n`).join("") +
            `Exit code ${EXIT_BUSY}. Run again with --wait to wait for them, or --allow-busy to exit 0 (see docs/cluster.md).\n`,
        );
        process.exitCode = EXIT_BUSY;
      }
    },
  );
  return cmd;
}
