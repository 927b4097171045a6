/**
 * `npm run bench -- --backend webgpu`: how fast the workbench trains Edge-Popup on a GPU
 * through WebGPU (Dawn), for Conv4 and ResNet-18 on CIFAR-shaped synthetic data (32×32×3, 10
 * classes), batch 128, keep 0.5, signed-constant weights, SGD; the real Trainer step, as in
 * the CPU bench.
 *
 * Per model: median step time and images/s; the step broken down by kernel, from one step
 * under tf.profile, whose per-kernel times on WebGPU are GPU times from timestamp queries
 * (tfjs-backend-webgpu's `time()`: each kernel in its own compute pass between two timestamp
 * writes; without the `timestamp-query` feature there is no breakdown, and the report says
 * so); FLOPs per step from the model's layer shapes (bench/flops.ts) and the achieved
 * TFLOP/s. Then, on the same machine, PyTorch on CUDA with the same models and step counts
 * (bench/pytorch_ep.py --device cuda) where `import torch` works and CUDA is available;
 * otherwise the fraction of the GPU's FP32 peak, naming the peak assumed (an adapter not in
 * the table gets no fraction, and the report says so).
 *
 * --quick: tiny shapes (batch 4, every width × 1/16, 2 timed steps), a smoke check that runs
 * in seconds even on SwiftShader, not a measurement.
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs";
import { makeSynthetic } from "../src/data/synthetic";
import type { DataSplits } from "../src/data/types";
import { type BackendInfo, initBackend } from "../src/engine/backend";
import { SltError } from "../src/errors";
import { type GpuPeak, gpuPeakFor, type LayerRun, stepFlops } from "./flops";
import { type PytorchVariant, pytorchCudaUnavailable, runPytorch } from "./pytorch";
import { GPU_BENCH_MODELS, type GpuBenchModel, type KernelTime, median, StepSession } from "./session";

const KEEP = 0.5;
const INPUT = { height: 32, width: 32, channels: 3, classes: 10 };

export interface GpuPlan {
  batch: number;
  widthMultiplier: number;
  warmup: number;
  steps: number;
}

const FULL: Record<GpuBenchModel, GpuPlan> = {
  conv4: { batch: 128, widthMultiplier: 1, warmup: 5, steps: 50 },
  resnet18: { batch: 128, widthMultiplier: 1, warmup: 5, steps: 30 },
};
const QUICK: GpuPlan = { batch: 4, widthMultiplier: 0.0625, warmup: 1, steps: 2 };

export interface GpuBenchOptions {
  quick: boolean;
  models: GpuBenchModel[];
  steps: number | null;
  pytorch: boolean;
  /** Every kernel of the profiled step in the printed table, not just the top 5. */
  profileAll: boolean;
}

export interface GpuModelRow {
  model: GpuBenchModel;
  plan: GpuPlan;
  stepMsMedian: number;
  imgPerS: number;
  /** Dense/conv layers as they ran (output sizes recorded from a forward pass). */
  layers: LayerRun[];
  flopsPerStep: number;
  achievedTflops: number;
  /** Kernel times of one profiled step (GPU time), largest first; empty without timestamp queries. */
  kernels: KernelTime[];
  /** Sum of the kernel times, ms. */
  kernelMs: number;
  /** Wall time of the profiled step (slower: every kernel is its own pass), ms. */
  profiledStepMs: number;
  pytorch: Partial<Record<PytorchVariant, { imgPerS: number; stepMsMedian: number; device: string }>>;
  pytorchErrors: string[];
  /** Achieved TFLOP/s ÷ the assumed peak; null when the peak is unknown. */
  fractionOfPeak: number | null;
}

export interface GpuBenchReport {
  kind: "webgpu";
  command: string;
  date: string;
  machine: { cpus: number; cpuModel: string; loadAverage: number[]; loadAverageEnd?: number[] };
  backend: BackendInfo;
  adapter: string;
  /** How the per-kernel times were taken, or why there are none. */
  kernelTiming: string;
  peak: GpuPeak | null;
  quick: boolean;
  /** What ran as the PyTorch reference, or why it did not. */
  pytorch: string;
  rows: GpuModelRow[];
}

const log = (s: string) => process.stderr.write(`${s}\n`);

export function gpuPlan(opts: GpuBenchOptions, model: GpuBenchModel): GpuPlan {
  const base = opts.quick ? QUICK : FULL[model];
  return opts.steps === null ? base : { ...base, steps: opts.steps };
}

/** CIFAR-shaped synthetic images (the content does not matter for speed), enough for a few distinct batches. */
function cifarShapedData(batch: number): DataSplits {
  const { train, test } = makeSynthetic({
    height: INPUT.height,
    width: INPUT.width,
    channels: INPUT.channels,
    numClasses: INPUT.classes,
    trainCount: batch * 4,
    testCount: 1,
  });
  return {
    name: "synthetic",
    source: "bench: makeSynthetic 32×32×3",
    numClasses: INPUT.classes,
    train,
    test,
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
  };
}

interface WebgpuBackendTimer {
  supportTimestampQuery?: boolean;
}

/** How tf.profile times kernels on the running backend, or null when it cannot. */
function kernelTimingOf(): string | null {
  const b = tf.backend() as unknown as WebgpuBackendTimer;
  return b.supportTimestampQuery
    ? "GPU time per kernel from WebGPU timestamp queries (tf.profile → tfjs-backend-webgpu time(); one compute pass per kernel)"
    : null;
}

async function benchModel(model: GpuBenchModel, plan: GpuPlan, timing: boolean, peak: GpuPeak | null): Promise<GpuModelRow> {
  const data = cifarShapedData(plan.batch);
  const session = new StepSession(model, data, { batch: plan.batch, keep: KEEP, seed: 0, widthMultiplier: plan.widthMultiplier });
  try {
    for (let i = 0; i < plan.warmup; i++) await session.step();
    const times: number[] = [];
    for (let i = 0; i < plan.steps; i++) times.push(await session.step());
    const stepMs = median(times);
    const layers = session.layerRuns();
    const flops = stepFlops(layers, plan.batch).step;
    const achievedTflops = flops / (stepMs / 1000) / 1e12;
    let kernels: KernelTime[] = [];
    let profiledStepMs = Number.NaN;
    if (timing) {
      const p = await session.profileStep();
      kernels = p.kernels;
      profiledStepMs = p.stepMs;
    }
    return {
      model,
      plan,
      stepMsMedian: stepMs,
      imgPerS: plan.batch / (stepMs / 1000),
      layers,
      flopsPerStep: flops,
      achievedTflops,
      kernels,
      kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
      profiledStepMs,
      pytorch: {},
      pytorchErrors: [],
      fractionOfPeak: peak ? achievedTflops / peak.fp32Tflops : null,
    };
  } finally {
    session.dispose();
  }
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : "-");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function renderGpu(r: GpuBenchReport, profileAll = false): string {
  const out: string[] = [];
  out.push(
    `slt-workbench GPU bench: Edge-Popup training speed on WebGPU, CIFAR-shaped synthetic data (${INPUT.height}×${INPUT.width}×${INPUT.channels}, ${INPUT.classes} classes), keep ${KEEP}, signed-constant weights, SGD (momentum 0.9, wd 5e-4)`,
  );
  out.push(`adapter: ${r.adapter} (tfjs ${r.backend.tfjsVersion} webgpu ${r.backend.backendVersion})`);
  out.push(
    `machine: ${r.machine.cpus} × ${r.machine.cpuModel}; load average at start ${r.machine.loadAverage.map((x) => x.toFixed(2)).join(" ")}` +
      (r.machine.loadAverageEnd ? `, at end ${r.machine.loadAverageEnd.map((x) => x.toFixed(2)).join(" ")}` : ""),
  );
  out.push(`kernel times: ${r.kernelTiming}`);
  out.push(
    `FP32 peak assumed: ${r.peak ? `${r.peak.fp32Tflops} TFLOP/s (${r.peak.name}, ${r.peak.source})` : "unknown for this adapter (not in bench/flops.ts's table): no fraction of peak"}`,
  );
  out.push(`pytorch: ${r.pytorch}`);
  if (r.quick) out.push("QUICK MODE: tiny shapes and a few steps; the numbers are a smoke check, not a measurement.");
  out.push("");
  out.push(
    table(
      [
        "model",
        "batch",
        "width",
        "steps",
        "step ms",
        "img/s",
        "GFLOP/step",
        "TFLOP/s",
        "% of peak",
        "pt-sort img/s",
        "pt-kth img/s",
        "vs kth",
      ],
      r.rows.map((row) => [
        row.model,
        `${row.plan.batch}`,
        `×${row.plan.widthMultiplier}`,
        `${row.plan.steps}`,
        fmt(row.stepMsMedian, 1),
        fmt(row.imgPerS),
        fmt(row.flopsPerStep / 1e9, 2),
        Number.isFinite(row.achievedTflops) ? row.achievedTflops.toPrecision(3) : "-",
        row.fractionOfPeak === null ? "-" : fmt(100 * row.fractionOfPeak, 1),
        fmt(row.pytorch.sort?.imgPerS ?? Number.NaN),
        fmt(row.pytorch.kthvalue?.imgPerS ?? Number.NaN),
        row.pytorch.kthvalue ? `${(row.imgPerS / row.pytorch.kthvalue.imgPerS).toFixed(2)}×` : "-",
      ]),
    ),
  );
  out.push(
    "(img/s = batch / median step time. GFLOP/step: dense/conv multiply-adds of forward, dW and dX (no dX for the input), from the layer shapes; TFLOP/s = that / median step time.)",
  );
  for (const row of r.rows) for (const e of row.pytorchErrors) out.push(`  ${row.model}: PyTorch failed: ${e}`);
  for (const row of r.rows) {
    if (!row.kernels.length) continue;
    out.push("");
    out.push(
      `kernels of one ${row.model} step: ${fmt(row.kernelMs, 2)} ms of GPU time in kernels; median step ${fmt(row.stepMsMedian, 2)} ms (the rest: JavaScript, dispatch, waits, transfers); the profiled step took ${fmt(row.profiledStepMs, 1)} ms wall`,
    );
    const shown = profileAll ? row.kernels : row.kernels.slice(0, 5);
    out.push(
      table(
        ["kernel", "calls", "GPU ms", "% of kernel time"],
        shown.map((k) => [k.name, `${k.calls}`, fmt(k.ms, 3), fmt((100 * k.ms) / row.kernelMs, 1)]),
      ),
    );
    if (shown.length < row.kernels.length) out.push(`  … ${row.kernels.length - shown.length} more kernels (--profile lists them all)`);
  }
  return out.join("\n");
}

/** The GPU bench (see the file comment); throws an SltError when WebGPU cannot run here. */
export async function runGpuBench(opts: GpuBenchOptions, command: string): Promise<GpuBenchReport> {
  const loadAverage = os.loadavg();
  let backend: BackendInfo;
  try {
    backend = await initBackend("webgpu");
  } catch (e) {
    throw new SltError(
      "usage",
      `The GPU bench needs WebGPU. ${(e as Error).message} (\`./slt info\` says why; on Linux Dawn needs libvulkan1 and a GPU's Vulkan driver.)`,
      "backend",
    );
  }
  const adapter = backend.adapter ?? "unknown adapter";
  const peak = gpuPeakFor(adapter);
  const timing = kernelTimingOf();
  const noCuda = opts.pytorch ? pytorchCudaUnavailable() : "skipped (--no-pytorch)";
  const report: GpuBenchReport = {
    kind: "webgpu",
    command,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "unknown", loadAverage },
    backend,
    adapter,
    kernelTiming: timing ?? "none: the adapter lacks the WebGPU timestamp-query feature, so tf.profile cannot time kernels here",
    peak,
    quick: opts.quick,
    pytorch: noCuda
      ? `PyTorch CUDA columns skipped: ${noCuda}`
      : "bench/pytorch_ep.py --device cuda (same models, batch and step counts; CIFAR-shaped random input on the GPU)",
    rows: [],
  };
  log(`bench: webgpu on ${adapter}; ${report.pytorch}`);
  for (const model of opts.models) {
    const plan = gpuPlan(opts, model);
    log(`bench: ${model}: webgpu, batch ${plan.batch}, width ×${plan.widthMultiplier}, ${plan.warmup} warm-up + ${plan.steps} timed steps`);
    const row = await benchModel(model, plan, timing !== null, peak);
    if (!noCuda) {
      for (const variant of ["sort", "kthvalue"] as const) {
        log(`bench: ${model}: pytorch cuda ${variant}`);
        try {
          const pt = runPytorch({
            model,
            variant,
            steps: plan.steps,
            warmup: plan.warmup,
            batch: plan.batch,
            keep: KEEP,
            threads: os.cpus().length,
            procs: 1,
            input: "cifar",
            device: "cuda",
            widthMultiplier: plan.widthMultiplier,
          });
          row.pytorch[variant] = { imgPerS: pt.imgPerS, stepMsMedian: plan.batch / pt.imgPerS / 1e-3, device: pt.device };
        } catch (e) {
          row.pytorchErrors.push((e as Error).message);
        }
      }
    }
    report.rows.push(row);
  }
  report.machine.loadAverageEnd = os.loadavg();
  return report;
}

export function parseGpuModels(value: string | undefined): GpuBenchModel[] | string {
  if (value === undefined) return [...GPU_BENCH_MODELS];
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.find((n) => !(GPU_BENCH_MODELS as readonly string[]).includes(n));
  return bad
    ? `--models: unknown model "${bad}" for --backend webgpu; choose from ${GPU_BENCH_MODELS.join(", ")}`
    : (names as GpuBenchModel[]);
}
