/**
 * The GPU bench (`npm run bench -- --backend webgpu`). On SwiftShader, a real Vulkan device
 * on the CPU (Debian's chromium ships it), the quick mode's tiny Conv4 trains through WebGPU:
 * a positive images/s, the FLOPs per step its layer shapes give, a per-kernel breakdown in GPU
 * time (or the reason there is none), no FP32 peak for an adapter the table does not know, and
 * no line from Dawn. No timing is asserted; skipped with the reason where the ICD is missing.
 * (ResNet-18's shapes and FLOPs are checked on the cpu backend in flops.test.ts: its quick
 * step takes most of a minute on SwiftShader.) Where WebGPU cannot run: one clear error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { GpuBenchReport } from "../../bench/gpu";

const BENCH = path.resolve(__dirname, "..", "..", "bench", "bench.js");
const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** Conv4's dense/conv FLOPs per step at width ×1/16 (4, 4, 8, 8 channels, FC 16) on 32×32×3, written out by hand. */
function conv4QuickFlops(batch: number): number {
  const conv = (pixels: number, cin: number, cout: number) => 2 * batch * pixels * cout * 9 * cin;
  const dense = (fin: number, fout: number) => 2 * batch * fin * fout;
  const fwd = [
    conv(32 * 32, 3, 4),
    conv(32 * 32, 4, 4),
    conv(16 * 16, 4, 8),
    conv(16 * 16, 8, 8),
    dense(8 * 8 * 8, 16),
    dense(16, 16),
    dense(16, 10),
  ];
  return 3 * fwd.reduce((a, b) => a + b, 0) - fwd[0];
}

test("bench --backend webgpu --quick on SwiftShader: a tiny conv4 trains through WebGPU; img/s, FLOPs from the layer shapes, GPU kernel times, no assumed peak", (t) => {
  if (!fs.existsSync(SWIFTSHADER_ICD)) {
    t.skip(`no SwiftShader Vulkan ICD at ${SWIFTSHADER_ICD} (Debian's chromium package installs it)`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-gpu-bench-"));
  try {
    const out = path.join(dir, "gpu.json");
    const res = spawnSync(process.execPath, [BENCH, "--backend", "webgpu", "--quick", "--no-pytorch", "--models", "conv4", "--out", out], {
      encoding: "utf8",
      env: { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD, SLT_CACHE_DIR: dir },
      timeout: 240_000,
    });
    assert.equal(res.status, 0, `bench exited with ${res.status}: ${res.stderr}`);
    assert.doesNotMatch(res.stderr, /Warning: Vulkan|XDG_RUNTIME_DIR|PhysicalDeviceVk/, "no line from Dawn or a Vulkan driver");
    assert.match(res.stdout, /QUICK MODE/);
    assert.match(res.stdout, /FP32 peak assumed: unknown for this adapter/);
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as GpuBenchReport;
    assert.equal(report.kind, "webgpu");
    assert.equal(report.backend.name, "webgpu");
    assert.match(report.adapter, /swiftshader/i);
    assert.equal(report.peak, null);
    assert.ok(report.machine.loadAverageEnd, "the load at the end is recorded");
    assert.deepEqual(
      report.rows.map((r) => r.model),
      ["conv4"],
    );
    for (const row of report.rows) {
      assert.ok(row.imgPerS > 0 && row.stepMsMedian > 0, `${row.model}: ${row.imgPerS} img/s`);
      assert.equal(row.fractionOfPeak, null);
      assert.ok(row.flopsPerStep > 0);
      if (report.kernelTiming.startsWith("GPU time")) {
        assert.ok(row.kernels.length > 0, `${row.model}: the profiled step lists its kernels`);
        assert.ok(
          row.kernels.some((k) => k.name === "Conv2D"),
          `${row.model}: ${row.kernels.map((k) => k.name).join(", ")}`,
        );
        assert.ok(row.kernelMs > 0);
      } else assert.match(report.kernelTiming, /^none: /);
    }
    const conv4 = report.rows[0];
    assert.equal(conv4.flopsPerStep, conv4QuickFlops(conv4.plan.batch));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("bench --backend webgpu where WebGPU has no adapter: exit 2, one message with the reason, no report", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-gpu-bench-"));
  try {
    const out = path.join(dir, "gpu.json");
    const res = spawnSync(process.execPath, [BENCH, "--backend", "webgpu", "--quick", "--no-pytorch", "--out", out], {
      encoding: "utf8",
      env: { ...process.env, VK_DRIVER_FILES: path.join(dir, "none.json"), SLT_CACHE_DIR: dir },
      timeout: 120_000,
    });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /^bench: The GPU bench needs WebGPU\. .*not available: /);
    assert.equal(res.stderr.trim().split("\n").length, 1, res.stderr);
    assert.ok(!fs.existsSync(out));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
