/**
 * The threaded wasm backend (src/engine/wasm-threads.ts) in Node: it starts, it really has
 * the thread count asked for, and a run trained with 2 threads has the same run id and
 * bit-identical metrics as with 1 (which is why the thread count is stored with the run's
 * backend, not in its identity). Each count needs its own process: the pool is fixed once
 * the backend starts.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { threadedWasmUnavailable } from "../../src/engine/wasm-threads";

const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-threads-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface StoredRunJson {
  id: string;
  backend: { name: string; threads: number | "native" };
  result: { epochs: Array<Record<string, unknown>> } & Record<string, unknown>;
}

function runWith(threads: number, args: string[]): StoredRunJson {
  const store = path.join(scratch, `runs-${threads}-${args.join("_").replace(/[^a-z0-9]/gi, "")}`);
  const r = spawnSync(
    process.execPath,
    [CLI, "--store", store, "run", "--json", "--backend", "wasm", "--threads", String(threads), "--epochs", "1", ...args],
    { cwd: scratch, encoding: "utf8", timeout: 300_000 },
  );
  assert.equal(r.status, 0, `slt run --threads ${threads} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as StoredRunJson;
}

/** Metrics without wall times, which differ between any two runs. */
function withoutTimes(m: unknown): unknown {
  return JSON.parse(JSON.stringify(m, (k, v) => (k === "seconds" || k.endsWith("Seconds") ? undefined : v)));
}

test("the threaded wasm build is present in the installed package", () => {
  assert.equal(threadedWasmUnavailable(), null);
});

for (const [name, args] of [
  ["LeNet-300-100", ["--model", "lenet300", "--limit-train", "512", "--limit-test", "256", "--batch-size", "64"]],
  ["Conv2", ["--model", "conv2", "--limit-train", "64", "--limit-test", "32", "--batch-size", "32"]],
] as const) {
  test(`${name}: 2 wasm threads give the run id and bit-identical metrics of 1 thread, and the count is stored`, () => {
    const one = runWith(1, [...args]);
    const two = runWith(2, [...args]);
    assert.equal(one.backend.threads, 1);
    assert.equal(two.backend.threads, 2);
    assert.equal(two.id, one.id);
    assert.deepEqual(withoutTimes(two.result), withoutTimes(one.result));
  });
}

test("the wasm thread count is fixed once the backend started: asking another one is a clear error naming threads", async () => {
  const { initBackend } = await import("../../src/engine/backend");
  const { SltError } = await import("../../src/errors");
  const info = await initBackend("wasm", { threads: 1 });
  assert.equal(info.threads, 1);
  await assert.rejects(
    initBackend("wasm", { threads: 2 }),
    (e: unknown) => e instanceof SltError && e.subject === "threads" && /new process/.test(e.message),
  );
  await assert.rejects(initBackend("wasm", { threads: 0 }), (e: unknown) => e instanceof SltError && e.subject === "threads");
  assert.equal((await initBackend("wasm")).threads, 1, "no count asked: the running one");
});
