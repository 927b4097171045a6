#!/usr/bin/env node
/**
 * `slt`: the workbench's command line. Every subcommand prints a clear one-paragraph error
 * for bad input (exit code 2) and keeps stack traces for real bugs (exit code 1).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { Command, CommanderError } from "commander";
import { autoBackend, availableBackends, initBackend, probeWebgpu, versions } from "../engine/backend";
import { SltError, isSltError } from "../errors";
import { datasets } from "../data/registry";
import { models } from "../models/registry";
import type { RunConfig } from "../config";
import { identifyRun } from "../experiments/identity";
import { executeRun } from "../experiments/run";
import { applyRunLimit } from "../experiments/limit";
import { parseRunConfig } from "../experiments/validate";
import { RunStore, type StoredRun, defaultStoreDir } from "../experiments/store";
import { writeExport } from "../analysis/export";
import { importRuns } from "../experiments/exchange";
import { addConfigOptions, configFromOptions } from "./options";
import { RunProgress, epochLine, formatPercent, keepText, table, trainText } from "./progress";
import { sweepCommand } from "./sweep";

/** --threads: a whole number ≥ 1, or a usage error naming the option. */
function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SltError("usage", `--threads must be a whole number ≥ 1, got "${value}".`, "threads");
  return n;
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new SltError("usage", `Cannot read the config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, file);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new SltError("usage", `The config file ${file} is not valid JSON: ${(e as Error).message}.`, file);
  }
}

export function summariseRun(run: StoredRun): string {
  const c = run.config;
  const f = run.result.final;
  const lines = [
    `run ${run.id}${c.label ? ` (${c.label})` : ""}: ${c.method} on ${c.model} / ${c.dataset}${run.trainImages === undefined ? "" : ` (${run.trainImages.toLocaleString("en-US")} training images)`}, ${keepText(c)}, seed ${c.seed}`,
    `backend ${run.backend.name} (threads ${run.backend.threads}, simd ${run.backend.simd ?? "n/a"}), tfjs ${run.backend.tfjsVersion}, ${run.timings.seconds.toFixed(1)} s (${run.timings.secondsPerEpoch.toFixed(1)} s/epoch)${run.timings.resumedFromEpoch ? `, resumed from epoch ${run.timings.resumedFromEpoch}` : ""}`,
    "",
    ...run.result.epochs.map((m) => epochLine(m, run.result.cycles.length)),
    "",
  ];
  if (run.result.cycles.length > 1) {
    lines.push(
      table(
        run.result.cycles.map((cy) => ({
          cycle: String(cy.cycle),
          keep: cy.keepFraction.toPrecision(4),
          reached: cy.reachedKeepFraction?.toPrecision(4) ?? "–",
          "cycle DR": cy.cycleDyingRatio?.toFixed(4) ?? "–",
          "cycle DR+removed": cy.cycleDyingRatioWithRemoved?.toFixed(4) ?? "–",
          "run DR": cy.dyingRatio?.toFixed(4) ?? "–",
          turnover: cy.turnover?.toFixed(4) ?? "–",
          "swapped in": cy.swappedIn?.toFixed(4) ?? "–",
          readmitted: cy.readmitted?.toFixed(4) ?? "–",
          "readmitted ever": cy.readmittedEver?.toFixed(4) ?? "–",
          test: formatPercent(cy.testAccuracy),
        })),
      ),
      "",
    );
  }
  lines.push(
    `test accuracy ${formatPercent(f.testAccuracy)}   dying ratio ${f.dyingRatio === null ? "– (weight training)" : f.dyingRatio.toFixed(4)}   turnover ${f.turnover?.toFixed(4) ?? "–"}${f.readmitted != null ? `   readmitted ${f.readmitted.toFixed(4)}` : ""}`,
  );
  if (f.layers.length) {
    // After hard pruning, removed edges count as dying, as in the run's dying ratio above.
    const anyRemoved = f.layers.some((l) => l.available < l.total);
    lines.push(
      "",
      table(
        f.layers.map((l) => ({
          layer: l.layer,
          edges: String(l.total),
          available: String(l.available),
          "ever selected": String(l.everSelected),
          dying: String(l.dying),
          ...(anyRemoved ? { removed: String(l.total - l.available) } : {}),
          DR: ((l.dying + l.total - l.available) / Math.max(1, l.total)).toFixed(4),
          turnover: (l.firstDropped / Math.max(1, l.firstKept)).toFixed(4),
        })),
      ),
    );
  }
  return lines.join("\n");
}

/** " (the folder does not exist yet)" for a store not made yet; a store path that is a file is an error. */
function missingNote(store: RunStore): string {
  return store.folderExists() ? "" : " (the folder does not exist yet)";
}

/** The store's folder for `slt info`, with what is there; never an error (info reports, it does not refuse). */
function storeState(store: RunStore): string {
  try {
    if (!store.folderExists()) return `${store.root} (the folder does not exist yet; the first run makes it)`;
    const n = store.ids().length;
    return `${store.root} (${n} run${n === 1 ? "" : "s"})`;
  } catch (e) {
    return `${store.root} (unusable: ${(e as Error).message})`;
  }
}

function findById(store: RunStore, idOrPrefix: string): string {
  const matches = store.ids().filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0];
  if (!matches.length)
    throw new SltError("usage", `No run ${idOrPrefix} in ${store.root}${missingNote(store)}. 'slt runs' lists the runs.`, idOrPrefix);
  throw new SltError(
    "usage",
    `"${idOrPrefix}" matches ${matches.length} runs (${matches.slice(0, 5).join(", ")}…): give more characters.`,
    idOrPrefix,
  );
}

/**
 * `slt --version`: the workbench's, tfjs's and Node's versions and the backend `auto` would
 * take, decided as initBackend decides it but without starting a backend (the WebGPU probe
 * runs in its own quiet process).
 */
export async function versionText(): Promise<string> {
  const backend = await autoBackend();
  const v = versions();
  return [
    `slt-workbench ${v["slt-workbench"]}`,
    `tfjs ${v["@tensorflow/tfjs"]}`,
    `backend ${backend} (what --backend auto takes on this machine; 'slt info' lists every backend and why)`,
    `node ${v.node}`,
  ].join("\n");
}

/** Thrown from the --version option to stop parsing; main() then prints versionText(). */
class VersionAsked extends CommanderError {
  constructor() {
    super(0, "slt.version", "");
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name("slt")
    .description("slt-workbench: Edge-Popup, iterative Edge-Popup and dying-ratio analysis of strong lottery tickets")
    .showHelpAfterError("(run with --help for usage)")
    // Throw instead of exiting, so that main() maps commander's own errors (unknown option,
    // bad choice) to exit code 2 like every other usage error. Set before the subcommands,
    // which inherit it.
    .exitOverride()
    .option("--store <dir>", "Run store folder (default: $SLT_STORE or ./runs)")
    .option("-V, --version", "Print the versions of the workbench, tfjs and Node, and the backend that would run")
    .on("option:version", () => {
      throw new VersionAsked();
    });

  const run = program
    .command("run")
    .description("Train one run (or fetch it from the store if it is finished; resume it if it was interrupted)")
    .option("--config <file>", "JSON file with config fields; command-line options override it")
    .option("--json", "Print the stored run as JSON on stdout")
    .option("--dry-run", "Validate the config and print it with its run id, without training");
  addConfigOptions(run);
  run.action(async (opts: Record<string, unknown>) => {
    const storeDir = (program.opts().store as string | undefined) ?? defaultStoreDir();
    // SLT_LIMIT (limit.ts) caps it here already, so that --dry-run and the progress show the run that trains.
    const config = applyRunLimit(parseRunConfig(configFromOptions(opts, readConfigFile(opts.config as string | undefined))));
    if (opts.dryRun) {
      // With dataDir the id is the data's content identity: the files are located and hashed (a clear error if they are missing).
      const { id, data } = identifyRun(config, new RunStore(storeDir));
      process.stdout.write(`${JSON.stringify({ id, config, ...(data ? { dataContent: data } : {}) }, null, 2)}\n`);
      return;
    }
    const progress = new RunProgress({ logEverySteps: 100 });
    const outcome = await executeRun(config, {
      store: storeDir,
      // A single run: every core unless the config's threads says otherwise.
      threads: os.cpus().length,
      onEvent: (e) => {
        if (e.type === "run-start")
          process.stderr.write(
            `run ${e.id}: ${config.method} ${config.model} on ${config.dataset}, ${keepText(config)}, backend ${e.backend} (${e.threads} thread${e.threads === 1 ? "" : "s"})${e.resumedFromEpoch ? `, resuming after epoch ${e.resumedFromEpoch}` : ""}\n`,
          );
        progress.handle(e);
      },
    }).finally(() => progress.stop());
    if (outcome.status === "busy")
      throw new SltError(
        "store",
        `Run ${outcome.id} is being trained by another process right now ('slt runs' shows it). Wait for it to finish.`,
        outcome.id,
      );
    if (outcome.status === "cached")
      process.stderr.write(
        outcome.run.id === outcome.id
          ? `run ${outcome.run.id} was already finished: shown from the store (${storeDir}), not recomputed.\n`
          : `run ${outcome.id} was already finished under its old path-based id ${outcome.run.id} (stored before run ids followed the data's content): shown from the store (${storeDir}), not recomputed.\n`,
      );
    if (opts.json) process.stdout.write(`${JSON.stringify(outcome.run)}\n`);
    else process.stdout.write(`${summariseRun(outcome.run)}\n\nstored in ${new RunStore(storeDir).runDir(outcome.run.id)}\n`);
  });

  program
    .command("show <id>")
    .description("Show a stored run (an id or a unique prefix of one)")
    .option("--json", "Print the stored run as JSON")
    .action((id: string, opts: { json?: boolean }) => {
      const store = new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir());
      const full = findById(store, id);
      const run = store.readFinished(full);
      if (!run) {
        const l = store.describe(full);
        const what = l.method === "?" ? "" : ` (${l.method} ${l.model} on ${l.dataset}, ${keepText(l)}, seed ${l.seed})`;
        const progress =
          l.epochsDone !== null ? ` after ${l.epochsDone} of ${l.epochs} epochs` : l.error ? "" : " before its first checkpoint";
        throw new SltError(
          "usage",
          `Run ${full}${what} is ${l.status}${progress}${l.error ? `: ${l.error}` : ""}. Rerun its config with 'slt run' to ${l.status !== "interrupted" ? "retry" : l.epochsDone !== null ? "resume" : "start"} it.`,
          full,
        );
      }
      process.stdout.write(opts.json ? `${JSON.stringify(run, null, 1)}\n` : `${summariseRun(run)}\n`);
    });

  program
    .command("runs")
    .description(
      "List the runs in the store: finished, running, interrupted, failed (with the error); each with its config, training images and epochs done",
    )
    .option("--json", "Print as JSON")
    .action((opts: { json?: boolean }) => {
      const store = new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir());
      const list = store.list();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 1)}\n`);
        return;
      }
      if (!list.length) {
        process.stdout.write(`No runs in ${store.root}${missingNote(store)}.\n`);
        return;
      }
      process.stdout.write(
        `${table(
          list.map((r) => ({
            id: r.id,
            status: r.status,
            method: r.method,
            model: r.model,
            dataset: r.dataset,
            train: trainText(r),
            // A weights run has no mask: its keepFraction means nothing.
            keep: Number.isNaN(r.keepFraction) ? "?" : r.method === "weights" ? "dense" : String(r.keepFraction),
            seed: Number.isNaN(r.seed) ? "?" : String(r.seed),
            epochs: `${r.epochsDone ?? 0}/${r.epochs ?? "?"}`,
            test: formatPercent(r.testAccuracy),
            DR: r.dyingRatio === null ? "–" : r.dyingRatio.toFixed(4),
            label: r.label,
            note: r.error
              ? r.error.split("\n")[0].slice(0, 100)
              : r.status !== "finished" && r.epochsDone === null
                ? "no checkpoint yet"
                : "",
          })),
        )}\n`,
      );
    });

  program
    .command("gc")
    .description("Remove the debris of failed runs (temporary files, stale locks, failed runs' folders); finished runs are never touched")
    .option("--checkpoints", "Also delete the checkpoints of interrupted runs (they will restart from epoch 1)")
    .action((opts: { checkpoints?: boolean }) => {
      const store = new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir());
      const removed = store.gc({ checkpoints: opts.checkpoints });
      process.stdout.write(
        removed.length
          ? `removed:\n${removed.map((r) => `  ${r}`).join("\n")}\n`
          : `nothing to remove in ${store.root}${missingNote(store)}\n`,
      );
    });

  program
    .command("export")
    .description("Write every finished run of the store to one file arquero and pandas read: .arrow (Feather v2), .csv or .json")
    .requiredOption("--out <file>", "Output file; its extension (.arrow, .feather, .csv, .json) picks the format")
    .action((opts: { out: string }) => {
      const store = new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir());
      const listing = store.list();
      const runs = listing.filter((l) => l.status === "finished").map((l) => store.readFinished(l.id)!);
      if (!runs.length) throw new SltError("usage", `No finished runs in ${store.root}${missingNote(store)} to export.`, store.root);
      const summary = writeExport(runs, opts.out);
      const unfinished = listing.length - runs.length;
      process.stdout.write(
        `exported ${summary.runs} run${summary.runs === 1 ? "" : "s"} from ${store.root} to ${opts.out} (${summary.format}, ${summary.bytes.toLocaleString("en-US")} bytes): ` +
          `${Object.entries(summary.rows)
            .map(([k, n]) => `${n} ${k} rows`)
            .join(", ")}${unfinished ? `; ${unfinished} unfinished run${unfinished === 1 ? "" : "s"} left out` : ""}\n`,
      );
    });

  program
    .command("import <source>")
    .description(
      "Merge the finished runs of an export file (slt export) or another store folder into the store; a conflicting run is an error and nothing is written",
    )
    .action((source: string) => {
      const store = new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir());
      const r = importRuns(store, source);
      process.stdout.write(
        `imported ${r.imported.length} run${r.imported.length === 1 ? "" : "s"} from ${source} into ${r.store}` +
          `${r.identical.length ? `; ${r.identical.length} already there (identical)` : ""}\n`,
      );
    });

  program.addCommand(sweepCommand(program));

  program
    .command("info")
    .description("Backends available and the one that will run (threads, SIMD); models; data sets")
    .option("--backend <name>", "Backend to try (default: auto)", "auto")
    .option("--threads <n>", "Threads of the wasm backend to try (default: all cores)", parseThreads)
    .action(async (opts: { backend: string; threads?: number }) => {
      // A fresh probe (in a child process; its answer replaces the cached one), so info is right after a driver change.
      const webgpu = await probeWebgpu({ refresh: true });
      const available = availableBackends();
      const info = await initBackend(opts.backend as RunConfig["backend"], { threads: opts.threads ?? os.cpus().length });
      const lines = [
        `backends available: ${available.join(", ")}`,
        `webgpu:             ${webgpu.available ? "available" : "not available"}: ${webgpu.reason}`,
        ...(webgpu.dawnOutput
          ? [
              "                    what Dawn printed (in the probe's own process):",
              ...webgpu.dawnOutput.split("\n").map((l) => `                      ${l}`),
            ]
          : []),
        ...(webgpu.driverFiles
          ? [
              `                    in this process Dawn gets only the Vulkan driver(s) giving that adapter: ${webgpu.driverFiles.join(", ")}`,
            ]
          : []),
        `backend that runs:  ${info.name} (tfjs ${info.tfjsVersion}, package ${info.backendVersion})${info.adapter ? ` on ${info.adapter}` : ""}`,
        `threads:            ${info.threads}`,
        `SIMD:               ${info.simd === null ? "n/a" : info.simd ? "yes" : "no"}`,
        `run store:          ${storeState(new RunStore((program.opts().store as string | undefined) ?? defaultStoreDir()))}`,
        "",
        "models:",
        ...Object.values(models).map((m) => `  ${m.name.padEnd(14)} ${m.description}`),
        "",
        "data sets:",
        ...Object.values(datasets).map((d) => `  ${d.name.padEnd(14)} ${d.description}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    });

  // Commands attached with addCommand (sweep) do not inherit exitOverride: set it on all.
  const overrideExit = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(overrideExit);
  };
  overrideExit(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command may end with a non-error outcome of its own (slt sweep: runs busy elsewhere).
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof VersionAsked) {
      process.stdout.write(`${await versionText()}\n`);
      return 0;
    }
    // Commander has already printed its message; --help is not an error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (isSltError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`internal error (please report it): ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
