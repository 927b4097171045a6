/**
 * A signal to `slt sweep --jobs 1` (a scheduler's SIGTERM, Ctrl-C's SIGINT), as a real child
 * process gets it: the sweep stops its worker, prints the runs finished, interrupted and not
 * started, and exits with the code docs/cluster.md gives (143 / 130). Rerun, it finishes.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planRuns } from "../../src/experiments/sweep";
import { RunStore } from "../../src/experiments/store";
import { waitFor } from "./helpers";

// This file compiles to <out>/test/cli/; the CLI to <out>/src/cli/main.js.
const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-sweep-signal-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const small = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTest: 100, batchSize: 50 };

async function stopMidSweep(signal: "SIGTERM" | "SIGINT", seed: number) {
  // Run 0 is done in a moment; run 1 trains long enough to be stopped; run 2 waits behind it.
  const spec = {
    name: `signal-${signal}`,
    base: { ...small, seed },
    runs: [
      { limitTrain: 100, epochs: 1 },
      { limitTrain: 1200, batchSize: 20, epochs: 40 },
      { limitTrain: 100, epochs: 2 },
    ],
  };
  const file = path.join(scratch, `spec-${signal}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  const store = path.join(scratch, `store-${signal}`);
  const ids = planRuns(spec).runs.map((r) => r.id);
  const child = spawn(process.execPath, [CLI, "sweep", file, "--jobs", "1", "--store", store], {
    cwd: scratch,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const rs = new RunStore(store);
  // The long run has written a checkpoint: stopping now interrupts it.
  const going = await waitFor(() => fs.existsSync(path.join(rs.runDir(ids[1]), "checkpoint.bin")), 120_000);
  assert.ok(going, `the long run got going:\n${stderr}`);
  child.kill(signal);
  const code = await done;
  return { code, stdout, stderr, ids, rs, file, store };
}

for (const [signal, code, seed] of [
  ["SIGTERM", 143, 1],
  ["SIGINT", 130, 2],
] as const) {
  test(`${signal} to slt sweep --jobs 1: prints finished / interrupted / not started, exits ${code}, locks released; rerun finishes`, async () => {
    const r = await stopMidSweep(signal, seed);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`sweep stopped by ${signal}; run the same command again to continue`));
    assert.match(
      r.stdout,
      /: 3 runs in [\d.]+ s — 1 trained, 0 already finished, 0 busy elsewhere, 0 failed, 1 interrupted, 1 not started$/m,
    );
    assert.match(r.stdout, new RegExp(`^  trained  ${r.ids[0]}  test `, "m"));
    assert.match(r.stdout, new RegExp(`^  interrupted  ${r.ids[1]}  .*resumes from its last checkpoint`, "m"));
    assert.match(r.stdout, new RegExp(`^  not started  ${r.ids[2]}  `, "m"));
    assert.equal(r.rs.describe(r.ids[1]).status, "interrupted");
    for (const id of r.ids) assert.equal(fs.existsSync(path.join(r.rs.runDir(id), "lock")), false, `lock of ${id} released`);

    // The same command again resumes the interrupted run and trains the one not started.
    const again = spawn(process.execPath, [CLI, "sweep", r.file, "--jobs", "1", "--store", r.store, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    again.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const againCode = await new Promise<number | null>((resolve) => again.on("close", resolve));
    assert.equal(againCode, 0);
    const s = JSON.parse(out) as { cached: { id: string }[]; trained: { id: string; resumedFromEpoch: number }[] };
    assert.deepEqual(
      s.cached.map((x) => x.id),
      [r.ids[0]],
    );
    const resumed = s.trained.find((x) => x.id === r.ids[1]);
    assert.ok(resumed && resumed.resumedFromEpoch >= 1, out);
  });
}
