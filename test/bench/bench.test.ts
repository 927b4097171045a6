/**
 * Smoke test of `npm run bench`: the quick mode without PyTorch runs end to end and prints
 * its table with a positive images/s for each model (no timing is asserted).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const BENCH = path.resolve(__dirname, "..", "..", "bench", "bench.js");

test("bench --quick --no-pytorch prints a table with positive img/s per model and writes the same as JSON", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slt-bench-"));
  const out = path.join(dir, "bench.json");
  try {
    const res = spawnSync(
      process.execPath,
      [
        BENCH,
        "--quick",
        "--no-pytorch",
        "--models",
        "lenet300,conv2",
        "--sweep",
        "lenet300",
        "--procs",
        "2",
        "--threads",
        "2",
        "--out",
        out,
      ],
      {
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    assert.equal(res.status, 0, `bench exited with ${res.status}: ${res.stderr}`);
    const stdout = res.stdout;
    assert.match(stdout, /PyTorch columns skipped/);
    for (const model of ["lenet300", "conv2"]) {
      const row = stdout.split("\n").find((l) => l.startsWith(`${model} `) && l.includes("tfjs-"));
      assert.ok(row, `no table row for ${model} in:\n${stdout}`);
      // Columns: model, engine (two words, maybe three), steps, img/s, ...
      const imgPerS = Number(row.split(/\s{2,}/)[3]);
      assert.ok(imgPerS > 0, `${model}: img/s "${row}"`);
    }
    assert.match(stdout, /sweep throughput/);
    assert.match(stdout, /tfjs-wasm 2T/, "the 2-thread rows are in the table");
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as {
      rows: {
        model: string;
        imgPerS: number;
        tensorsMin: number;
        tensorsMax: number;
        profile: { kernels: unknown[] };
        threaded?: { engine: string; imgPerS: number } | { error: string };
      }[];
      sweep: { tfjs: { imgPerS: number; perProcess: number[] } }[];
      memory: { tensorsMin: number; tensorsMax: number } | null;
    };
    assert.deepEqual(
      report.rows.map((r) => r.model),
      ["lenet300", "conv2"],
    );
    for (const r of report.rows) {
      assert.ok(r.imgPerS > 0);
      assert.ok(r.profile.kernels.length > 0, `${r.model}: the profiled step lists its kernels`);
      assert.equal(r.tensorsMin, r.tensorsMax, `${r.model}: tensor count changed between steps`);
      const t = r.threaded;
      assert.ok(t && "imgPerS" in t, `${r.model}: a threaded row (${JSON.stringify(t)})`);
      assert.ok(t.imgPerS > 0 && t.engine.includes("2T"), `${r.model}: threaded row ${JSON.stringify(t)}`);
    }
    assert.equal(report.sweep.length, 1);
    assert.equal(report.sweep[0].tfjs.perProcess.length, 2);
    assert.ok(report.sweep[0].tfjs.perProcess.every((x) => x > 0));
    assert.ok(report.memory && report.memory.tensorsMin === report.memory.tensorsMax, "memory check: tensor count flat");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
