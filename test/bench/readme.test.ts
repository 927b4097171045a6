/**
 * README's performance table comes from a bench report: the numbers in the section are the
 * report's, the ratios are computed from them, and only the marked block is replaced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BenchReport } from "../../bench/bench";
import type { GpuBenchReport } from "../../bench/gpu";
import { BEGIN, END, GPU_BEGIN, GPU_END, gpuSection, loadRefusal, performanceSection, replaceSection } from "../../bench/readme";

const README_CLI = path.resolve(__dirname, "..", "..", "bench", "readme.js");

const kernels = [{ name: "BatchMatMul", ms: 3.25, calls: 7 }];
const row = (model: "lenet300" | "conv2", imgPerS: number, threaded: number) => ({
  model,
  engine: "e",
  warmup: 1,
  steps: 100,
  imgPerS,
  stepMsMedian: 128_000 / imgPerS,
  pytorch: { sort: 5000, kthvalue: 20_000 },
  pytorchErrors: [],
  profile: { stepMs: 6, kernels, outsideKernelsMs: 1.5 },
  bookkeeping: { refreshMs: 0.5, recordMs: 0.25 },
  tensorsMin: 15,
  tensorsMax: 15,
  threaded: { engine: "tfjs-wasm 2T SIMD", imgPerS: threaded },
});

const report = {
  command: "node dist/bench/bench.js --out x.json",
  date: "2026-12-01T22:55:00.000Z",
  machine: { cpus: 2, cpuModel: "Test CPU", loadAverage: [2.5, 2, 1.5], loadAverageEnd: [3, 2, 1] },
  engine: "tfjs 4.22.0 wasm (1 thread, SIMD)",
  engineShort: "tfjs-wasm 1T SIMD",
  quick: false,
  profileAll: false,
  pytorch: "bench/pytorch_ep.py",
  rows: [row("lenet300", 21_000, 26_000)],
  sweep: [
    {
      model: "lenet300",
      procs: 2,
      steps: 100,
      tfjs: { procs: 2, steps: 100, engine: "e", imgPerS: 30_000, perProcess: [15_000, 15_000], wallImgPerS: 29_000 },
      pytorchKthvalue: 40_000,
      pytorchError: null,
    },
  ],
  memory: null,
} as unknown as BenchReport;

test("the performance section carries the report's numbers and the ratios computed from them", () => {
  const s = performanceSection(report);
  assert.match(s, /\| lenet300 \| tfjs-wasm 1T SIMD \| 100 \| 21,000 \| 5,000 \| 4\.20× \| 20,000 \| 1\.05× \|/);
  assert.match(s, /\| lenet300 \| tfjs-wasm 2T SIMD \| 100 \| 26,000 \| 5,000 \| 5\.20× \| 20,000 \| 1\.30× \|/);
  assert.match(s, /\| lenet300 \| 2 \| 100 \| 30,000 \| 15,000 \+ 15,000 \| 40,000 \| 0\.75× \|/);
  assert.match(s, /BatchMatMul 3\.3/);
  assert.match(s, /2\.50 \/ 2\.00 \/ 1\.50 at the start, 3\.00 \/ 2\.00 \/ 1\.00 at the end/);
  assert.match(s, /`node dist\/bench\/bench\.js --out x\.json`/);
});

test("only the marked block of the README is replaced, and a README without it is an error", () => {
  const readme = `# T\n\nbefore\n${BEGIN}\nold table\n${END}\nafter\n`;
  const once = replaceSection(readme, "NEW");
  assert.equal(once, `# T\n\nbefore\n${BEGIN}\nNEW\n${END}\nafter\n`);
  assert.equal(replaceSection(once, "NEW"), once);
  assert.throws(() => replaceSection("# no markers\n", "x"), /no/);
});

test("readme.js without the report: one clear error naming the file and how to make it, exit 2, README untouched", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-readme-"));
  try {
    const readme = path.join(dir, "README.md");
    const text = `# x\n${BEGIN}\nold\n${END}\n`;
    fs.writeFileSync(readme, text);
    const missing = path.join(dir, "bench.json");
    const script = path.join(__dirname, "..", "..", "bench", "readme.js");
    const r = spawnSync(process.execPath, [script, missing, readme], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(
      r.stderr,
      `error: Cannot read the bench report ${missing} (no such file). Make one with 'npm run bench -- --out ${missing}' ('npm run bench -- --quick --no-pytorch --out ${missing}' is a smoke check, not a measurement).\n`,
    );
    fs.writeFileSync(missing, "{ truncated");
    const bad = spawnSync(process.execPath, [script, missing, readme], { encoding: "utf8" });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^error: The bench report .* is not valid JSON .*npm run bench -- --out/);
    assert.equal(fs.readFileSync(readme, "utf8"), text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const withLoad = (start: number[] | undefined, end: number[] | undefined): BenchReport =>
  ({ ...report, machine: { ...report.machine, loadAverage: start, loadAverageEnd: end } }) as unknown as BenchReport;

test("a report from a loaded machine (1-minute load above the core count at the start or the end) is refused, naming the figures", () => {
  assert.equal(loadRefusal(withLoad([2, 9, 9], [1.5, 9, 9])), null, "at most the 2 cores at both ends: accepted");
  const atStart = loadRefusal(withLoad([12.02, 15.56, 17.51], [1.2, 2, 2]));
  assert.match(atStart ?? "", /12\.02 at the bench's start and 1\.20 at its end, above the 2 cores/);
  assert.match(loadRefusal(withLoad([0.5, 1, 1], [2.01, 1, 1])) ?? "", /0\.50 at the bench's start and 2\.01 at its end/);
  assert.match(loadRefusal(withLoad([0.5, 1, 1], undefined)) ?? "", /does not record the load average/);
});

test("readme.js refuses a loaded report: exit 2, one message with the figures, README untouched; a quiet one is written", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-readme-"));
  try {
    const readme = path.join(dir, "README.md");
    const original = `# T\n${BEGIN}\nold table\n${END}\n`;
    fs.writeFileSync(readme, original);
    const loaded = path.join(dir, "loaded.json");
    fs.writeFileSync(loaded, JSON.stringify(withLoad([12.02, 15.56, 17.51], [10.14, 13.92, 16.75])));
    const refused = spawnSync(process.execPath, [README_CLI, loaded, readme], { encoding: "utf8" });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /12\.02 at the bench's start and 10\.14 at its end, above the 2 cores/);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.equal(fs.readFileSync(readme, "utf8"), original);
    const quiet = path.join(dir, "quiet.json");
    fs.writeFileSync(quiet, JSON.stringify(withLoad([1.1, 1, 1], [1.3, 1, 1])));
    const written = spawnSync(process.execPath, [README_CLI, quiet, readme], { encoding: "utf8" });
    assert.equal(written.status, 0, written.stderr);
    assert.match(fs.readFileSync(readme, "utf8"), /\| lenet300 \| tfjs-wasm 1T SIMD \| 100 \| 21,000 \|/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const gpuReport = {
  kind: "webgpu",
  command: "node dist/bench/bench.js --backend webgpu --out gpu.json",
  date: "2026-12-06T08:00:00.000Z",
  machine: { cpus: 16, cpuModel: "Host CPU", loadAverage: [1, 1, 1], loadAverageEnd: [2, 1, 1] },
  backend: { name: "webgpu", tfjsVersion: "4.22.0", backendVersion: "4.22.0" },
  adapter: "nvidia hopper NVIDIA H100 80GB HBM3",
  kernelTiming: "GPU time per kernel from WebGPU timestamp queries",
  peak: { name: "NVIDIA H100 SXM", fp32Tflops: 67, source: "NVIDIA H100 datasheet" },
  quick: false,
  pytorch: "bench/pytorch_ep.py --device cuda",
  rows: [
    {
      model: "resnet18",
      plan: { batch: 128, widthMultiplier: 1, warmup: 5, steps: 30 },
      stepMsMedian: 64,
      imgPerS: 2000,
      layers: [],
      flopsPerStep: 0.4288e12,
      achievedTflops: 6.7,
      kernels: [{ name: "Conv2D", ms: 40.125, calls: 59 }],
      kernelMs: 50,
      profiledStepMs: 90,
      pytorch: {
        sort: { imgPerS: 5000, stepMsMedian: 25.6, device: "cuda: H100" },
        kthvalue: { imgPerS: 8000, stepMsMedian: 16, device: "cuda: H100" },
      },
      pytorchErrors: [],
      fractionOfPeak: 0.1,
    },
  ],
};

test("a GPU report goes into its own README block: the adapter, the peak assumed, img/s, TFLOP/s, % of peak and the PyTorch CUDA ratio; a quick or loaded one is refused", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-readme-"));
  try {
    const readme = path.join(dir, "README.md");
    const original = `# T\n${BEGIN}\ncpu table\n${END}\n${GPU_BEGIN}\nno GPU figures\n${GPU_END}\n`;
    fs.writeFileSync(readme, original);
    const write = (report: unknown) => {
      const file = path.join(dir, "gpu.json");
      fs.writeFileSync(file, JSON.stringify(report));
      return spawnSync(process.execPath, [README_CLI, file, readme], { encoding: "utf8" });
    };
    const quick = write({ ...gpuReport, quick: true });
    assert.equal(quick.status, 2);
    assert.match(quick.stderr, /quick report/);
    const loaded = write({ ...gpuReport, machine: { ...gpuReport.machine, loadAverageEnd: [17.5, 9, 9] } });
    assert.equal(loaded.status, 2);
    assert.match(loaded.stderr, /17\.50 at its end, above the 16 cores.*--backend webgpu/);
    assert.equal(fs.readFileSync(readme, "utf8"), original);
    const ok = write(gpuReport);
    assert.equal(ok.status, 0, ok.stderr);
    const text = fs.readFileSync(readme, "utf8");
    assert.match(text, /cpu table/, "the CPU block is untouched");
    assert.doesNotMatch(text, /no GPU figures/);
    assert.match(text, /on nvidia hopper NVIDIA H100 80GB HBM3 /);
    assert.match(text, /FP32 peak assumed: 67 TFLOP\/s \(NVIDIA H100 SXM, NVIDIA H100 datasheet\)/);
    assert.match(
      text,
      /\| resnet18 \| 128 \| 30 \| 64\.0 \| 2,000 \| 428\.80 \| 6\.70 \| 10\.0 % \| 5,000 \| 8,000 \| 0\.25× \| Conv2D 40\.13 \|/,
    );
    assert.equal(
      gpuSection(gpuReport as unknown as GpuBenchReport).split("\n")[0],
      text.split("\n")[text.split("\n").indexOf(GPU_BEGIN) + 1],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
