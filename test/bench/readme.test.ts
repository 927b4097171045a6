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
import { BEGIN, END, performanceSection, replaceSection } from "../../bench/readme";

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
