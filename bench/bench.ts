/**
 * `npm run bench`: how fast the workbench trains Edge-Popup, against PyTorch on the same
 * machine in the same run.
 *
 * Compares, for LeNet-300-100, Conv2 and Conv4 on MNIST (batch 128, keep 0.5, every layer a
 * supermask layer with signed-constant weights, SGD): the images/s of one training run of
 * the workbench (its real Trainer step) with bench/pytorch_ep.py's sort (EP reference
 * code) and kthvalue (efficient) masks; then the whole machine's images/s when one
 * independent run per core executes at once (a sweep), tfjs vs efficient PyTorch. It also
 * checks that the dying-ratio bookkeeping is cheap and that memory stays flat over a long run.
 *
 * Installs nothing. PyTorch columns are skipped when `/usr/bin/python3 -c 'import torch'` fails.
 *
 *   node dist/bench/bench.js [--quick] [--models lenet300,conv2,conv4] [--no-pytorch]
 *                            [--sweep lenet300,conv2|none] [--procs N] [--steps N]
 *                            [--out file.json] [--profile] [--threads N]
 * `--backend webgpu` runs the GPU bench instead (bench/gpu.ts: Conv4 and ResNet-18 on
 * CIFAR-shaped data through WebGPU, against PyTorch CUDA or the GPU's FP32 peak).
 * --quick: a few steps per model (a smoke check, not a measurement); --profile: every kernel
 * of the profiled step; --threads N: the wasm thread count of the extra threaded rows
 * (default: all cores; 1 = no threaded rows). Progress goes to stderr, the table to stdout.
 */
import { fork } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { type BackendInfo, type BackendPreference, initBackend } from "../src/engine/backend";
import { isSltError } from "../src/errors";
import { type GpuBenchOptions, parseGpuModels, renderGpu, runGpuBench } from "./gpu";
import { loadMnist } from "../src/data/mnist";
import type { DataSplits } from "../src/data/types";
import { BENCH_MODELS, type BenchModel, type BookkeepingCost, type StepProfile, StepSession, median } from "./session";
import { type PytorchVariant, pytorchUnavailable, runPytorch } from "./pytorch";

const BATCH = 128;
const KEEP = 0.5;

interface StepPlan {
  warmup: number;
  steps: number;
}

/** Timed steps per model: ≥100 for LeNet; the conv nets take fewer so the bench ends in minutes. */
const FULL_PLAN: Record<BenchModel, StepPlan> = {
  lenet300: { warmup: 10, steps: 100 },
  conv2: { warmup: 3, steps: 30 },
  conv4: { warmup: 2, steps: 15 },
};
const QUICK_PLAN: Record<BenchModel, StepPlan> = {
  lenet300: { warmup: 1, steps: 3 },
  conv2: { warmup: 1, steps: 2 },
  conv4: { warmup: 1, steps: 2 },
};
const LONG_RUN_STEPS = { full: 500, quick: 20 };

interface Options {
  /** The backend of the main rows (default auto; the threaded rows and sweeps use wasm / auto). */
  backend: BackendPreference;
  quick: boolean;
  models: BenchModel[];
  sweepModels: BenchModel[];
  pytorch: boolean;
  procs: number;
  steps: number | null;
  out: string | null;
  /** Print every kernel of the profiled step, not just the top 3. */
  profile: boolean;
  /** > 1: also time each model with the threaded wasm backend, this many threads. */
  wasmThreads: number;
}

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function parseModels(value: string | undefined, fallback: BenchModel[], flag: string): BenchModel[] {
  if (value === undefined) return fallback;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(BENCH_MODELS as readonly string[]).includes(n)) usage(`${flag}: unknown model "${n}"; choose from ${BENCH_MODELS.join(", ")}`);
  }
  return names as BenchModel[];
}

/** The GPU bench's options (--backend webgpu), or the CPU bench's. */
type ParsedOptions = Options | { gpu: GpuBenchOptions; out: string | null };

function parseOptions(argv: string[]): ParsedOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      models: { type: "string" },
      sweep: { type: "string" },
      "no-pytorch": { type: "boolean", default: false },
      procs: { type: "string" },
      steps: { type: "string" },
      out: { type: "string" },
      profile: { type: "boolean", default: false },
      threads: { type: "string" },
      "wasm-threads": { type: "string" }, // the old name of --threads
      backend: { type: "string", default: "auto" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: node dist/bench/bench.js [--quick] [--models lenet300,conv2,conv4] [--sweep lenet300,conv2|none]\n" +
        "                                [--no-pytorch] [--procs N] [--steps N] [--out bench.json] [--profile]\n" +
        "                                [--threads N   (wasm threads of the extra threaded rows; default: all cores; 1 = none)]\n" +
        "                                [--backend auto|wasm|cpu|webgpu   (webgpu: the GPU bench, conv4,resnet18 on CIFAR-shaped data; see bench/gpu.ts)]\n",
    );
    process.exit(0);
  }
  const backend = values.backend;
  if (!["auto", "wasm", "cpu", "tensorflow", "tensorflow-gpu", "webgpu"].includes(backend))
    usage(`--backend must be auto, wasm, cpu, tensorflow, tensorflow-gpu or webgpu, got ${backend}`);
  const steps = values.steps === undefined ? null : Number(values.steps);
  if (steps !== null && (!Number.isInteger(steps) || steps < 1)) usage(`--steps must be a whole number ≥ 1, got ${values.steps}`);
  if (backend === "webgpu") {
    const gpuModels = parseGpuModels(values.models);
    if (typeof gpuModels === "string") usage(gpuModels);
    return {
      gpu: { quick: values.quick, models: gpuModels, steps, pytorch: !values["no-pytorch"], profileAll: values.profile },
      out: values.out ?? null,
    };
  }
  const models = parseModels(values.models, [...BENCH_MODELS], "--models");
  const sweepDefault = models.filter((m) => m === "lenet300" || m === "conv2");
  const sweepModels = values.sweep === "none" ? [] : parseModels(values.sweep, sweepDefault, "--sweep");
  const procs = values.procs === undefined ? os.cpus().length : Number(values.procs);
  if (!Number.isInteger(procs) || procs < 1) usage(`--procs must be a whole number ≥ 1, got ${values.procs}`);
  const threadsArg = values.threads ?? values["wasm-threads"];
  const wasmThreads = threadsArg === undefined ? os.cpus().length : Number(threadsArg);
  if (!Number.isInteger(wasmThreads) || wasmThreads < 1) usage(`--threads must be a whole number ≥ 1, got ${threadsArg}`);
  return {
    backend: backend as BackendPreference,
    quick: values.quick,
    models,
    sweepModels,
    pytorch: !values["no-pytorch"],
    procs,
    steps,
    out: values.out ?? null,
    profile: values.profile,
    wasmThreads,
  };
}

function planFor(opts: Options, model: BenchModel): StepPlan {
  const base = (opts.quick ? QUICK_PLAN : FULL_PLAN)[model];
  return opts.steps === null ? base : { ...base, steps: opts.steps };
}

async function loadData(opts: Options): Promise<DataSplits> {
  // Quick mode needs only a few batches; a full bench cycles through all of MNIST.
  return loadMnist({ validationFraction: 0, seed: 0, limitTrain: opts.quick ? BATCH * 8 : 0, limitTest: 1 });
}

function engineName(b: BackendInfo): string {
  const simd = b.simd === null ? "" : b.simd ? ", SIMD" : ", no SIMD";
  return `tfjs ${b.tfjsVersion} ${b.name} (${b.threads} thread${b.threads === 1 ? "" : "s"}${simd})`;
}

/** The engine column: backend, threads, SIMD. */
function engineShort(b: BackendInfo): string {
  const simd = b.simd === null ? "" : b.simd ? " SIMD" : " no-SIMD";
  return `tfjs-${b.name} ${b.threads}T${simd}`;
}

// ---------------------------------------------------------------------------------------
// Sweep worker: a child process running the same step loop, started by the parent.
// ---------------------------------------------------------------------------------------

/** What a worker process runs: one session of `model`, timed like the parent's. */
interface WorkerSpec {
  model: BenchModel;
  steps: number;
  warmup: number;
  seed: number;
  quick: boolean;
  /** > 1: the threaded wasm backend with this many threads. */
  wasmThreads: number;
}
interface WorkerReady {
  kind: "ready";
  engine: string;
}
interface WorkerResult {
  kind: "result";
  imgPerS: number;
  start: number;
  end: number;
  images: number;
}
interface WorkerFailure {
  kind: "error";
  message: string;
}
type WorkerMessage = WorkerReady | WorkerResult | WorkerFailure;

async function workerMain(specJson: string): Promise<void> {
  const spec = JSON.parse(specJson) as WorkerSpec;
  const send = (m: WorkerMessage) => process.send?.(m);
  try {
    const backend = await initBackend(spec.wasmThreads > 1 ? "wasm" : "auto", { threads: Math.max(1, spec.wasmThreads) });
    const data = await loadMnist({ validationFraction: 0, seed: 0, limitTrain: spec.quick ? BATCH * 8 : 0, limitTest: 1 });
    const session = new StepSession(spec.model, data, { batch: BATCH, keep: KEEP, seed: spec.seed });
    for (let i = 0; i < spec.warmup; i++) await session.step();
    // Barrier: every worker warms up before any is timed, as pytorch_ep.py --procs does.
    const go = new Promise<void>((resolve) => process.once("message", () => resolve()));
    send({ kind: "ready", engine: engineShort(backend) });
    await go;
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < spec.steps; i++) times.push(await session.step());
    const end = Date.now();
    send({ kind: "result", imgPerS: BATCH / (median(times) / 1000), start, end, images: BATCH * times.length });
    session.dispose();
  } catch (e) {
    send({ kind: "error", message: (e as Error).stack ?? String(e) });
  }
}

export interface SweepResult {
  procs: number;
  steps: number;
  /** Engine of the workers, as they reported it. */
  engine: string;
  /** Sum over processes of each one's median-step images/s. */
  imgPerS: number;
  perProcess: number[];
  /** All images over the wall time from the first start to the last end. */
  wallImgPerS: number;
}

/** Run `procs` workers at once (warm-up, barrier, timed steps) and sum their images/s. */
async function runWorkers(procs: number, spec: Omit<WorkerSpec, "seed">): Promise<SweepResult> {
  const children = Array.from({ length: procs }, (_, i) =>
    fork(__filename, ["--worker", JSON.stringify({ ...spec, seed: 1 + i })], { stdio: ["ignore", "ignore", "inherit", "ipc"] }),
  );
  const firstMessage = (c: (typeof children)[number]) =>
    new Promise<WorkerMessage>((resolve, reject) => {
      c.once("message", (m) => resolve(m as WorkerMessage));
      c.once("exit", (code) => reject(new Error(`bench worker exited with code ${code} before reporting`)));
    });
  try {
    const ready = await Promise.all(children.map(firstMessage));
    const failed = ready.find((m) => m.kind === "error") as WorkerFailure | undefined;
    if (failed) throw new Error(`bench worker failed: ${failed.message}`);
    const results = children.map(firstMessage);
    for (const c of children) c.send("go");
    const done = await Promise.all(results);
    const bad = done.find((m) => m.kind !== "result") as WorkerFailure | undefined;
    if (bad) throw new Error(`bench worker failed: ${bad.message}`);
    const rs = done as WorkerResult[];
    const wall = (Math.max(...rs.map((r) => r.end)) - Math.min(...rs.map((r) => r.start))) / 1000;
    return {
      procs,
      steps: spec.steps,
      engine: (ready[0] as WorkerReady).engine,
      imgPerS: rs.reduce((s, r) => s + r.imgPerS, 0),
      perProcess: rs.map((r) => r.imgPerS),
      wallImgPerS: rs.reduce((s, r) => s + r.images, 0) / wall,
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
  }
}

// ---------------------------------------------------------------------------------------
// The bench itself.
// ---------------------------------------------------------------------------------------

export interface ModelRow {
  model: BenchModel;
  engine: string;
  warmup: number;
  steps: number;
  imgPerS: number;
  stepMsMedian: number;
  pytorch: Partial<Record<PytorchVariant, number>>;
  pytorchErrors: string[];
  profile: StepProfile;
  bookkeeping: BookkeepingCost;
  /** tf.memory().numTensors after each timed step: min and max. */
  tensorsMin: number;
  tensorsMax: number;
  /** The same model on the threaded wasm backend (--threads), in a child process. */
  threaded?: { engine: string; imgPerS: number } | { error: string };
}

export interface SweepRow {
  model: BenchModel;
  procs: number;
  steps: number;
  tfjs: SweepResult;
  pytorchKthvalue: number | null;
  pytorchError: string | null;
}

export interface MemoryCheck {
  model: BenchModel;
  steps: number;
  tensorsFirst: number;
  tensorsLast: number;
  tensorsMin: number;
  tensorsMax: number;
  rssFirstMB: number;
  rssLastMB: number;
  rssMaxMB: number;
}

export interface BenchReport {
  command: string;
  date: string;
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; loadAverageEnd?: number[] };
  engine: string;
  engineShort: string;
  backend: BackendInfo;
  quick: boolean;
  profileAll: boolean;
  pytorch: string;
  rows: ModelRow[];
  sweep: SweepRow[];
  memory: MemoryCheck | null;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

async function benchModel(
  model: BenchModel,
  data: DataSplits,
  plan: StepPlan,
): Promise<Omit<ModelRow, "pytorch" | "pytorchErrors" | "engine">> {
  const session = new StepSession(model, data, { batch: BATCH, keep: KEEP, seed: 0 });
  try {
    for (let i = 0; i < plan.warmup; i++) await session.step();
    const times: number[] = [];
    const tensors: number[] = [];
    for (let i = 0; i < plan.steps; i++) {
      times.push(await session.step());
      tensors.push(tf.memory().numTensors);
    }
    const stepMs = median(times);
    const bookkeeping = session.bookkeeping(Math.max(3, Math.min(20, plan.steps)));
    const profile = await session.profileStep();
    return {
      model,
      warmup: plan.warmup,
      steps: plan.steps,
      imgPerS: BATCH / (stepMs / 1000),
      stepMsMedian: stepMs,
      profile,
      bookkeeping,
      tensorsMin: Math.min(...tensors),
      tensorsMax: Math.max(...tensors),
    };
  } finally {
    session.dispose();
  }
}

async function memoryCheck(model: BenchModel, data: DataSplits, steps: number): Promise<MemoryCheck> {
  const session = new StepSession(model, data, { batch: BATCH, keep: KEEP, seed: 3 });
  try {
    for (let i = 0; i < 10; i++) await session.step();
    const tensors: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < steps; i++) {
      await session.step();
      tensors.push(tf.memory().numTensors);
      rss.push(process.memoryUsage().rss / 2 ** 20);
    }
    return {
      model,
      steps,
      tensorsFirst: tensors[0],
      tensorsLast: tensors[tensors.length - 1],
      tensorsMin: Math.min(...tensors),
      tensorsMax: Math.max(...tensors),
      rssFirstMB: rss[0],
      rssLastMB: rss[rss.length - 1],
      rssMaxMB: Math.max(...rss),
    };
  } finally {
    session.dispose();
  }
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
const ratio = (a: number, b: number | undefined | null) => (b ? `${(a / b).toFixed(2)}×` : "-");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function render(r: BenchReport): string {
  const out: string[] = [];
  out.push(
    `slt-workbench bench: Edge-Popup training speed on MNIST, batch ${BATCH}, keep ${KEEP}, signed-constant weights, SGD (momentum 0.9, wd 5e-4)`,
  );
  out.push(
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}; load average at start ${r.machine.loadAverage.map((x) => x.toFixed(2)).join(" ")}` +
      (r.machine.loadAverageEnd ? `, at end ${r.machine.loadAverageEnd.map((x) => x.toFixed(2)).join(" ")}` : ""),
  );
  out.push(`engine:  ${r.engine}`);
  out.push(`pytorch: ${r.pytorch}`);
  if (r.quick) out.push("QUICK MODE: a few steps only; the numbers are a smoke check, not a measurement.");
  out.push("");
  out.push(
    table(
      ["model", "engine", "steps", "img/s", "pt-sort img/s", "vs sort", "pt-kth img/s", "vs kth", "top-3 kernels of one step (ms)"],
      r.rows.flatMap((row) => {
        const main = [
          row.model,
          r.engineShort,
          `${row.steps}`,
          fmt(row.imgPerS),
          fmt(row.pytorch.sort ?? NaN),
          ratio(row.imgPerS, row.pytorch.sort),
          fmt(row.pytorch.kthvalue ?? NaN),
          ratio(row.imgPerS, row.pytorch.kthvalue),
          `${row.profile.kernels
            .slice(0, 3)
            .map((k) => `${k.name} ${fmt(k.ms, 1)}`)
            .join(", ")}; outside kernels ${fmt(row.profile.outsideKernelsMs, 1)}`,
        ];
        const t = row.threaded;
        if (!t || "error" in t) return [main];
        return [
          main,
          [
            row.model,
            t.engine,
            `${row.steps}`,
            fmt(t.imgPerS),
            fmt(row.pytorch.sort ?? NaN),
            ratio(t.imgPerS, row.pytorch.sort),
            fmt(row.pytorch.kthvalue ?? NaN),
            ratio(t.imgPerS, row.pytorch.kthvalue),
            "same step, threaded wasm backend (own process)",
          ],
        ];
      }),
    ),
  );
  const fewer = r.rows.filter((row) => row.steps < 100);
  if (fewer.length && !r.quick) {
    out.push(
      `(img/s = batch / median step time. ${fewer.map((x) => x.model).join(", ")}: ${fewer.map((x) => x.steps).join("/")} timed steps, not 100, so the bench ends in minutes; PyTorch ran the same counts.)`,
    );
  } else {
    out.push("(img/s = batch / median step time; PyTorch ran the same step counts.)");
  }
  const ptThreads = r.machine.cpus;
  out.push(
    `(vs sort, vs kth: the row's img/s ÷ PyTorch's img/s for the same model and steps, with EP's reference mask by full sort and with the efficient kthvalue mask. PyTorch single runs use ${ptThreads} thread${ptThreads === 1 ? "" : "s"}: a 1T row compares one tfjs thread against them, a ${ptThreads}T row equal thread counts.)`,
  );
  for (const row of r.rows) for (const e of row.pytorchErrors) out.push(`  ${row.model}: PyTorch failed: ${e}`);
  for (const row of r.rows)
    if (row.threaded && "error" in row.threaded) out.push(`  ${row.model}: threaded wasm backend failed: ${row.threaded.error}`);
  if (r.sweep.length) {
    out.push("");
    out.push(
      "sweep throughput: one independent 1-thread run per core at once (tfjs: forked node processes; PyTorch: pytorch_ep.py --procs), summed median img/s",
    );
    out.push(
      table(
        ["model", "procs", "steps", "tfjs img/s", "per process", "tfjs wall img/s", "pt-kth img/s", "vs kth"],
        r.sweep.map((s) => [
          s.model,
          `${s.procs}`,
          `${s.steps}`,
          fmt(s.tfjs.imgPerS),
          s.tfjs.perProcess.map((x) => fmt(x)).join(" + "),
          fmt(s.tfjs.wallImgPerS),
          fmt(s.pytorchKthvalue ?? NaN),
          ratio(s.tfjs.imgPerS, s.pytorchKthvalue),
        ]),
      ),
    );
    out.push("(vs kth: tfjs summed img/s ÷ PyTorch kthvalue summed img/s, both one 1-thread process per core.)");
    for (const s of r.sweep) if (s.pytorchError) out.push(`  ${s.model}: PyTorch sweep failed: ${s.pytorchError}`);
  }
  if (r.profileAll) {
    for (const row of r.rows) {
      out.push("");
      out.push(
        `profile of one ${row.model} step: ${fmt(row.profile.stepMs, 1)} ms wall, ${fmt(row.profile.outsideKernelsMs, 1)} ms outside tfjs kernels`,
      );
      out.push(
        table(
          ["kernel", "calls", "ms", "%"],
          row.profile.kernels.map((k) => [k.name, `${k.calls}`, fmt(k.ms, 2), fmt((100 * k.ms) / row.profile.stepMs, 1)]),
        ),
      );
    }
  }
  out.push("");
  out.push(
    "per-step bookkeeping: the dying-ratio record (SelectionTracker.record on the run and cycle trackers; the ≤ 5% target) and, for reference, EP's own mask refresh (read S, exact top-k, build and upload W⊙M and W⊙sign(S)), which every EP implementation pays:",
  );
  out.push(
    table(
      ["model", "step ms", "record ms", "record %", "record ≤ 5%", "refresh ms", "refresh %", "together %"],
      r.rows.map((row) => {
        const { recordMs, refreshMs } = row.bookkeeping;
        const together = (100 * (recordMs + refreshMs)) / row.stepMsMedian;
        return [
          row.model,
          fmt(row.stepMsMedian, 1),
          fmt(recordMs, 2),
          fmt((100 * recordMs) / row.stepMsMedian, 1),
          (100 * recordMs) / row.stepMsMedian <= 5 ? "yes" : "NO",
          fmt(refreshMs, 2),
          fmt((100 * refreshMs) / row.stepMsMedian, 1),
          fmt(together, 1),
        ];
      }),
    ),
  );
  out.push("");
  out.push("memory: tf.memory().numTensors after each timed step (min..max), and a long run:");
  for (const row of r.rows)
    out.push(
      `  ${row.model}: tensors ${row.tensorsMin}..${row.tensorsMax} over ${row.steps} steps (${row.tensorsMin === row.tensorsMax ? "flat" : "NOT FLAT"})`,
    );
  if (r.memory) {
    const m = r.memory;
    out.push(
      `  ${m.model} long run, ${m.steps} steps after 10 warm-up: tensors first ${m.tensorsFirst}, last ${m.tensorsLast} (${m.tensorsMin === m.tensorsMax ? "flat" : "NOT FLAT"}); ` +
        `RSS first ${fmt(m.rssFirstMB)} MB, last ${fmt(m.rssLastMB)} MB, max ${fmt(m.rssMaxMB)} MB`,
    );
  }
  return out.join("\n");
}

function writeReport(out: string | null, report: unknown): void {
  if (!out) return;
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`bench: wrote ${out}`);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--worker") return workerMain(argv[1]);
  const loadAverage = os.loadavg();
  const parsed = parseOptions(argv);
  const command = `node ${path.relative(process.cwd(), __filename)} ${argv.join(" ")}`.trim();
  if ("gpu" in parsed) {
    const report = await runGpuBench(parsed.gpu, command);
    report.machine.loadAverage = loadAverage;
    process.stdout.write(`${renderGpu(report, parsed.gpu.profileAll)}\n`);
    writeReport(parsed.out, report);
    return;
  }
  const opts = parsed;
  const backend = await initBackend(opts.backend);
  const engine = engineName(backend);
  const noTorch = opts.pytorch ? pytorchUnavailable() : "skipped (--no-pytorch)";
  const pytorchNote = noTorch
    ? `PyTorch columns skipped: ${noTorch}`
    : `bench/pytorch_ep.py, /usr/bin/python3, ${os.cpus().length} threads (single run), 1 thread × ${opts.procs} procs (sweep)`;
  log(`bench: ${engine}; ${pytorchNote}`);
  const data = await loadData(opts);
  const report: BenchReport = {
    command,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", loadAverage },
    engine,
    engineShort: engineShort(backend),
    backend,
    quick: opts.quick,
    profileAll: opts.profile,
    pytorch: pytorchNote,
    rows: [],
    sweep: [],
    memory: null,
  };

  for (const model of opts.models) {
    const plan = planFor(opts, model);
    log(`bench: ${model}: tfjs, ${plan.warmup} warm-up + ${plan.steps} timed steps`);
    const measured = await benchModel(model, data, plan);
    const row: ModelRow = { ...measured, engine, pytorch: {}, pytorchErrors: [] };
    if (!noTorch) {
      for (const variant of ["sort", "kthvalue"] as const) {
        log(`bench: ${model}: pytorch ${variant}`);
        try {
          const pt = runPytorch({
            model,
            variant,
            steps: plan.steps,
            warmup: plan.warmup,
            batch: BATCH,
            keep: KEEP,
            threads: os.cpus().length,
            procs: 1,
          });
          row.pytorch[variant] = pt.imgPerS;
        } catch (e) {
          row.pytorchErrors.push((e as Error).message);
        }
      }
    }
    if (opts.wasmThreads > 1) {
      log(`bench: ${model}: tfjs, threaded wasm backend, ${opts.wasmThreads} threads`);
      try {
        const t = await runWorkers(1, { model, steps: plan.steps, warmup: plan.warmup, quick: opts.quick, wasmThreads: opts.wasmThreads });
        row.threaded = { engine: t.engine, imgPerS: t.imgPerS };
      } catch (e) {
        row.threaded = { error: (e as Error).message };
      }
    }
    report.rows.push(row);
  }

  for (const model of opts.sweepModels) {
    const plan = planFor(opts, model);
    log(`bench: ${model}: sweep, ${opts.procs} tfjs processes`);
    const tfjsSweep = await runWorkers(opts.procs, { model, steps: plan.steps, warmup: plan.warmup, quick: opts.quick, wasmThreads: 0 });
    const row: SweepRow = { model, procs: opts.procs, steps: plan.steps, tfjs: tfjsSweep, pytorchKthvalue: null, pytorchError: null };
    if (!noTorch) {
      log(`bench: ${model}: sweep, ${opts.procs} pytorch kthvalue processes`);
      try {
        row.pytorchKthvalue = runPytorch({
          model,
          variant: "kthvalue",
          steps: plan.steps,
          warmup: plan.warmup,
          batch: BATCH,
          keep: KEEP,
          threads: 1,
          procs: opts.procs,
        }).imgPerS;
      } catch (e) {
        row.pytorchError = (e as Error).message;
      }
    }
    report.sweep.push(row);
  }

  if (opts.models.includes("lenet300")) {
    const steps = opts.quick ? LONG_RUN_STEPS.quick : LONG_RUN_STEPS.full;
    log(`bench: memory check, lenet300, ${steps} steps`);
    report.memory = await memoryCheck("lenet300", data, steps);
  }

  report.machine.loadAverageEnd = os.loadavg();
  process.stdout.write(`${render(report)}\n`);
  writeReport(opts.out, report);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => {
      if (process.argv[2] === "--worker") process.disconnect?.();
    },
    (e: unknown) => {
      if (isSltError(e)) {
        process.stderr.write(`bench: ${e.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
