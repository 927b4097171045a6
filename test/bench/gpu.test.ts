/**
 * The GPU bench (`npm run bench -- --backend webgpu`) where WebGPU cannot run: one clear
 * error naming the reason.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const BENCH = path.resolve(__dirname, "..", "..", "bench", "bench.js");

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
