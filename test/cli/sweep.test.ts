/**
 * `slt sweep` as a user (or a cluster) runs it: bad input, dry runs, SIGKILL at random
 * points and resuming, two processes over one store, shards, damaged files, and what
 * `slt runs` / `slt show` / `slt gc` make of the store afterwards.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SWEEP_EXAMPLE_TEXT } from "../../src/cli/sweep";
import { type RunConfigInput, parseRunConfig, runId } from "../../src/experiments/config";
import { RunLock, pidAlive } from "../../src/experiments/lock";
import { RunStoppedError, executeRun } from "../../src/experiments/run";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { type SweepSummary, planRuns, runSweep, shardOf } from "../../src/experiments/sweep";
import { writeIdxDataset } from "../data/fixtures";
import { mountSmallDisk, tmpfsUnavailable } from "../experiments/disk";
import { sleep, waitFor } from "./helpers";

// This file compiles to <out>/test/cli/; the CLI to <out>/src/cli/main.js (dist/ in CI, .build/<name>/ locally).
const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-sweep-cli-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `slt …` from the scratch folder; `detached` makes it a process group leader (so the group can be killed). */
function start(args: string[], detached = false): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: scratch,
    detached,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SLT_STORE: path.join(scratch, "default-store") },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const slt = (...args: string[]) => start(args).done;
let specCount = 0;
function specFile(spec: unknown): string {
  const f = path.join(scratch, `spec-${specCount++}.json`);
  fs.writeFileSync(f, JSON.stringify(spec, null, 1));
  return f;
}

/** Exit code 2, a message mentioning every string, no stack trace. */
function assertCleanError(r: CliResult, mention: string[]): void {
  assert.equal(r.code, 2, `exit code ${r.code}; stderr:\n${r.stderr}`);
  assert.match(r.stderr, /error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]\d/, `no stack trace:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/);
  for (const m of mention) assert.ok(r.stderr.includes(m), `stderr should mention ${m}:\n${r.stderr}`);
}

function metricsOf(run: StoredRun): unknown {
  return { epochs: run.result.epochs.map(({ seconds: _s, ...m }) => m), cycles: run.result.cycles, final: run.result.final };
}

function idsOf(spec: unknown): string[] {
  return planRuns(spec).runs.map((r) => r.id);
}

const small = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTrain: 300, limitTest: 100, batchSize: 50, epochs: 2 };

test("sweep --help documents the spec format; its example is a valid 13-run sweep", async () => {
  const r = await slt("sweep", "--help");
  assert.equal(r.code, 0, r.stderr);
  for (const s of ["--jobs", "--shard", "--dry-run", "Spec format", "grid", "runs", "base", '"iep.pruning"', "docs/cluster.md"])
    assert.ok(r.stdout.includes(s), `help mentions ${s}`);
  assert.ok(r.stdout.includes('"keepFraction": [0.05, 0.1, 0.3, 0.5]'));
  assert.equal(planRuns(JSON.parse(SWEEP_EXAMPLE_TEXT)).runs.length, 13);
});

test("bad input through the CLI: exit code 2, one clear message, no stack trace, no result file", async () => {
  const mnistDir = (damage: (dir: string) => void): string => {
    const dir = fs.mkdtempSync(path.join(scratch, "mnist-"));
    writeIdxDataset(dir, { train: 60, test: 20 });
    damage(dir);
    return dir;
  };
  const mnist = { dataset: "mnist", model: "lenet300", widthMultiplier: 0.1, batchSize: 20, epochs: 1 };
  const notADir = path.join(scratch, "plain-file");
  fs.writeFileSync(notADir, "");
  const cases: { name: string; spec?: unknown; args?: string[]; mention: string[] }[] = [
    {
      name: "unknown config key",
      spec: { name: "b", base: { ...small, learningRate: 0.1 } },
      mention: ['unknown field "learningRate"', "lr"],
    },
    {
      name: "wrong type",
      spec: { name: "b", base: small, grid: { epochs: ["two"] } },
      mention: ['grid "epochs" value "two"', "expected number"],
    },
    {
      name: "keepFraction 0 and 1.5",
      spec: { name: "b", base: small, grid: { keepFraction: [0, 1.5] } },
      mention: ['"keepFraction" = 0', '"keepFraction" = 1.5', "(0, 1]"],
    },
    { name: "epochs 0 and -1", spec: { name: "b", base: small, grid: { epochs: [0, -1] } }, mention: ['"epochs" = 0', '"epochs" = -1'] },
    {
      name: "batch larger than the data set",
      spec: { name: "b", base: { ...small, limitTrain: 0, batchSize: 6000 } },
      mention: ['"batchSize" = 6000', "5000 images", "at most 5000"],
    },
    { name: "unknown model", spec: { name: "b", base: { ...small, model: "vgg16" } }, mention: ['"vgg16"', "lenet300"] },
    {
      name: "a layer of 0 units",
      spec: { name: "b", base: small, grid: { widthMultiplier: [0.1, 0.001] } },
      mention: ['grid "widthMultiplier" value 0.001', "0 units", "≥ 0.005"],
    },
    { name: "unknown data set", spec: { name: "b", base: { ...small, dataset: "imagenet" } }, mention: ['"imagenet"', "synthetic"] },
    {
      name: "data file missing",
      spec: { name: "b", base: { ...mnist, dataDir: mnistDir((d) => fs.rmSync(path.join(d, "train-labels-idx1-ubyte"))) } },
      mention: ["MNIST incomplete", "train-labels-idx1-ubyte"],
    },
    {
      name: "data file truncated",
      spec: { name: "b", base: { ...mnist, dataDir: mnistDir((d) => fs.truncateSync(path.join(d, "t10k-images-idx3-ubyte"), 1000)) } },
      mention: ["t10k-images-idx3-ubyte", "truncated"],
    },
    {
      name: "data file wrong magic",
      spec: {
        name: "b",
        base: {
          ...mnist,
          dataDir: mnistDir((d) =>
            fs.writeFileSync(path.join(d, "train-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 3, 0, 0, 0, 60, ...new Array(60).fill(1)])),
          ),
        },
      },
      mention: ["train-labels-idx1-ubyte", "wrong magic number"],
    },
    {
      name: "store not writable (below a regular file)",
      spec: { name: "b", base: small },
      args: ["--store", path.join(notADir, "runs")],
      mention: ["is not a folder", "is a file", "--store"],
    },
    {
      name: "diverging run",
      spec: { name: "b", base: { ...small, method: "weights", weightInit: "kaiming-normal", lr: 1e30 } },
      mention: ["1 of 1 runs", "diverged", '"lr"'],
    },
    {
      name: "missing spec file",
      args: [path.join(scratch, "no-such-spec.json")],
      mention: ["Cannot read the sweep spec", "file not found"],
    },
    {
      name: "spec not JSON",
      args: [
        (() => {
          const f = path.join(scratch, "broken.json");
          fs.writeFileSync(f, "{ name: ");
          return f;
        })(),
      ],
      mention: ["not valid JSON"],
    },
    { name: "bad --shard", spec: { name: "b", base: small }, args: ["--shard", "4/4"], mention: ["--shard 4/4", "between 0 and n−1 = 3"] },
    { name: "bad --jobs", spec: { name: "b", base: small }, args: ["--jobs", "0"], mention: ["--jobs", "whole number"] },
  ];
  const run = async (c: (typeof cases)[number]) => {
    const store = path.join(scratch, `bad-${c.name.replace(/\W+/g, "-")}`);
    const args = ["sweep", ...(c.spec ? [specFile(c.spec)] : []), "--jobs", "1", "--store", store, ...(c.args ?? [])];
    const r = await slt(...args);
    assertCleanError(r, c.mention);
    if (fs.existsSync(store)) {
      const rs = new RunStore(store);
      for (const id of rs.ids()) assert.equal(fs.existsSync(path.join(rs.runDir(id), "run.json")), false, `${c.name}: run.json appeared`);
      if (c.name !== "diverging run") assert.deepEqual(rs.ids(), [], `${c.name}: no run folder`);
    }
  };
  // Two at a time: the machine has two cores.
  for (let i = 0; i < cases.length; i += 2) await Promise.all(cases.slice(i, i + 2).map(run));
});

test("--dry-run lists every run with its id and status, trains nothing", async () => {
  const store = path.join(scratch, "dry");
  const spec = { name: "dry", base: small, grid: { keepFraction: [0.3, 0.5], seed: [0, 1] } };
  const ids = idsOf(spec);
  const r = await slt("sweep", specFile(spec), "--dry-run", "--store", store);
  assert.equal(r.code, 0, r.stderr);
  for (const id of ids) assert.ok(r.stdout.includes(id));
  assert.match(r.stdout, /4 runs/);
  assert.match(r.stdout, /4 new/);
  assert.ok(r.stdout.includes("dry: keepFraction=0.3 seed=1"));
  assert.equal(fs.existsSync(store) && new RunStore(store).ids().length > 0, false, "nothing trained");
  const json = await slt("sweep", specFile(spec), "--dry-run", "--json", "--shard", "0/2", "--store", store);
  const plan = JSON.parse(json.stdout) as { runs: { id: string; shard: number; status: string }[] };
  assert.deepEqual(
    plan.runs.map((p) => p.id),
    ids.filter((id) => shardOf(id, 2) === 0),
  );
});

/** Pids of the live processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Whether the process still runs: a killed one that init has not reaped yet (a zombie) does not. */
const alive = pidAlive;

/** A run folder with a checkpoint written after `since` and no result yet: killing now interrupts a run in progress. */
function freshCheckpoint(store: string, since: number): boolean {
  if (!fs.existsSync(store)) return false;
  return new RunStore(store).ids().some((id) => {
    const dir = path.join(store, id);
    try {
      return fs.statSync(path.join(dir, "checkpoint.bin")).mtimeMs > since && !fs.existsSync(path.join(dir, "run.json"));
    } catch {
      return false;
    }
  });
}

test("SIGKILL at random points, rerun to completion: every result intact, interrupted runs resumed, numbers equal an uninterrupted sweep", async () => {
  // ~60 steps per epoch so that a kill lands mid-run.
  const spec = { name: "crash", base: { ...small, limitTrain: 1200, batchSize: 20, epochs: 3 }, grid: { seed: [0, 1, 2, 3] } };
  const file = specFile(spec);
  const ids = idsOf(spec);
  const store = path.join(scratch, "crash");
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;

  let kills = 0;
  for (let round = 0; round < 3; round++) {
    const since = Date.now();
    const { child, done } = start(["sweep", file, "--jobs", "2", "--store", store], true);
    const pid = child.pid!;
    let exited = false;
    void done.then(() => (exited = true));
    await waitFor(() => exited || freshCheckpoint(store, since), 60_000);
    if (process.env.SLT_TEST_TRACE) process.stderr.write(`round ${round}: checkpoint after ${Date.now() - since} ms\n`);
    if (exited) break; // finished before we got to kill it
    await sleep(random() * 300);
    const workers = childrenOf(pid);
    // Alternate: the whole process group (a node going down), or the parent alone (its workers must notice and exit).
    const wholeGroup = round % 2 === 0;
    try {
      process.kill(wholeGroup ? -pid : pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    const r = await done;
    if (r.signal !== "SIGKILL") break; // it finished just before the kill
    kills++;
    if (!wholeGroup) {
      assert.ok(workers.length > 0, "the sweep had worker processes");
      assert.ok(
        await waitFor(() => workers.every((w) => !alive(w)), 10_000),
        `orphaned workers ${workers.filter(alive).join(", ")} still running`,
      );
    }
  }
  assert.ok(kills >= 1, "at least one kill landed mid-sweep");

  // An orphaned worker may still be on its way out: --wait waits for its lock, then resumes the run.
  const r = await slt("sweep", file, "--jobs", "2", "--store", store, "--json", "--wait");
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as SweepSummary;
  assert.equal(summary.failed.length, 0);
  assert.equal(summary.busy.length, 0);

  const rs = new RunStore(store);
  const reference = path.join(scratch, "crash-reference");
  const uninterrupted = await runSweep(spec, { store: reference, jobs: 1 });
  assert.equal(uninterrupted.trained.length, 4);
  const ref = new RunStore(reference);
  let resumed = 0;
  for (const id of ids) {
    const run = rs.readFinished(id); // verifies the checksum
    assert.ok(run, `run ${id} finished`);
    if (run.timings.resumedFromEpoch > 0) resumed++;
    assert.deepEqual(metricsOf(run), metricsOf(ref.readFinished(id)!), `run ${id} equals the uninterrupted run`);
  }
  assert.ok(resumed >= 1, "at least one run resumed from a checkpoint");
  // Crash debris (temporary files, stale locks) goes with gc; finished runs stay.
  const gc = await slt("gc", "--store", store);
  assert.equal(gc.code, 0, gc.stderr);
  for (const id of ids) assert.ok(rs.readFinished(id));
  for (const id of ids) assert.deepEqual(fs.readdirSync(rs.runDir(id)), ["run.json"]);
});

test("a worker whose parent is SIGKILLed stops within seconds, releases its lock, keeps its checkpoint", async () => {
  // One long run (40 epochs): left alone, the orphan would train for many seconds more.
  const spec = { name: "orphan", base: { ...small, limitTrain: 1200, batchSize: 20, epochs: 40 } };
  const store = path.join(scratch, "orphan");
  const since = Date.now();
  const { child, done } = start(["sweep", specFile(spec), "--jobs", "2", "--store", store]);
  assert.ok(await waitFor(() => freshCheckpoint(store, since), 60_000), "the run got going");
  const workers = childrenOf(child.pid!);
  assert.equal(workers.length, 1);
  child.kill("SIGKILL");
  await done;
  const killedAt = Date.now();
  assert.ok(await waitFor(() => !alive(workers[0]), 5_000), "the orphaned worker exits");
  const id = idsOf(spec)[0];
  const rs = new RunStore(store);
  assert.ok(Date.now() - killedAt < 5_000);
  assert.equal(fs.existsSync(path.join(rs.runDir(id), "lock")), false, "lock released on the way out");
  assert.equal(fs.existsSync(path.join(rs.runDir(id), "run.json")), false);
  assert.equal(fs.existsSync(path.join(rs.runDir(id), "failed.json")), false, "stopping is not failing");
  const listing = rs.describe(id);
  assert.equal(listing.status, "interrupted");
  assert.ok((listing.epochsDone ?? 0) >= 1 && (listing.epochsDone ?? 0) < 40);
});

test("SIGTERM (a scheduler's time limit): the sweep stops its workers, releases their locks, reports, exits 143", async () => {
  const spec = { name: "term", base: { ...small, limitTrain: 1200, batchSize: 20, epochs: 40 }, grid: { seed: [60, 61] } };
  const store = path.join(scratch, "term");
  const since = Date.now();
  const { child, done } = start(["sweep", specFile(spec), "--jobs", "2", "--store", store, "--json"]);
  assert.ok(await waitFor(() => freshCheckpoint(store, since), 60_000), "the runs got going");
  const workers = childrenOf(child.pid!);
  child.kill("SIGTERM");
  const r = await done;
  assert.equal(r.code, 143, r.stderr);
  assert.match(r.stderr, /stopped by SIGTERM; run the same command again to continue/);
  const s = JSON.parse(r.stdout) as SweepSummary;
  assert.equal(s.stopped.length, 2, r.stdout);
  assert.equal(s.failed.length, 0);
  for (const w of workers) assert.equal(alive(w), false, `worker ${w} stopped`);
  const rs = new RunStore(store);
  for (const id of idsOf(spec)) {
    assert.equal(fs.existsSync(path.join(rs.runDir(id), "lock")), false, "locks released");
    assert.notEqual(rs.describe(id).status, "failed");
  }
});

test("two processes running the same sweep over one store: every run trained exactly once, no damaged file", async () => {
  const spec = { name: "twice", base: small, grid: { seed: [30, 31, 32, 33, 34, 35] } };
  const file = specFile(spec);
  const store = path.join(scratch, "shared");
  // One plain, one with --wait (what a cluster job that needs every result uses).
  const [a, b] = await Promise.all([
    slt("sweep", file, "--jobs", "2", "--store", store, "--json"),
    slt("sweep", file, "--jobs", "1", "--store", store, "--json", "--wait"),
  ]);
  const sa = JSON.parse(a.stdout) as SweepSummary;
  const sb = JSON.parse(b.stdout) as SweepSummary;
  // Busy is not done: a sweep that left runs to another process says who holds them and exits 3.
  assert.equal(a.code, sa.busy.length > 0 ? 3 : 0, a.stderr);
  for (const r of sa.busy) {
    assert.equal(r.holder?.host, os.hostname());
    assert.equal(typeof r.holder?.pid, "number");
    assert.ok(a.stderr.includes(`run ${r.id}`) && a.stderr.includes(`pid ${r.holder?.pid} on ${os.hostname()}`), a.stderr);
  }
  assert.equal(b.code, 0, b.stderr);
  assert.deepEqual(sb.busy, [], "--wait leaves nothing busy");
  const trained = [...sa.trained, ...sb.trained].map((r) => r.id).sort();
  const ids = idsOf(spec);
  assert.deepEqual(trained, [...ids].sort(), "each run trained by exactly one of the two");
  for (const s of [sa, sb]) assert.equal(s.trained.length + s.cached.length + s.busy.length, 6, JSON.stringify(s));
  assert.equal(sb.trained.length + sb.cached.length, 6, "the waiting sweep reports every run finished");
  const rs = new RunStore(store);
  for (const id of ids) {
    assert.ok(rs.readFinished(id));
    assert.deepEqual(fs.readdirSync(rs.runDir(id)), ["run.json"]);
  }
});

test("shards: n processes with --shard i/n over one store run every run exactly once; the union is the unsharded sweep", async () => {
  const spec = { name: "sharded", base: small, grid: { seed: [40, 41, 42, 43, 44, 45, 46] } };
  const file = specFile(spec);
  const store = path.join(scratch, "shards");
  const results = await Promise.all(
    [0, 1, 2].map((i) => slt("sweep", file, "--shard", `${i}/3`, "--jobs", "1", "--store", store, "--json")),
  );
  const ids = idsOf(spec);
  const seen: string[] = [];
  results.forEach((r, i) => {
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as SweepSummary;
    assert.deepEqual(s.shard, { index: i, count: 3 });
    assert.equal(s.cached.length + s.busy.length + s.failed.length, 0);
    for (const t of s.trained) {
      assert.equal(shardOf(t.id, 3), i);
      seen.push(t.id);
    }
  });
  assert.deepEqual(seen.sort(), [...ids].sort());
  const whole = await slt("sweep", file, "--store", store, "--json", "--jobs", "1");
  const s = JSON.parse(whole.stdout) as SweepSummary;
  assert.equal(s.cached.length, ids.length, "nothing left to train");
});

test("slt runs / show / gc on a store with finished, interrupted, failed and damaged runs", async () => {
  const store = path.join(scratch, "mixed");
  const rs = new RunStore(store);
  const finishedCfg: RunConfigInput = { ...small, seed: 50 };
  const finished = (await executeRun(finishedCfg, { store })).status === "trained" ? runId(parseRunConfig(finishedCfg)) : "";
  const damaged = runId(parseRunConfig({ ...small, seed: 51 }));
  await executeRun({ ...small, seed: 51 }, { store });
  const runJson = path.join(rs.runDir(damaged), "run.json");
  const text = fs.readFileSync(runJson, "utf8");
  const at = text.indexOf('"trainLoss": ') + '"trainLoss": '.length + 2;
  fs.writeFileSync(runJson, text.slice(0, at) + (text[at] === "3" ? "4" : "3") + text.slice(at + 1));

  const stopAfter = async (config: RunConfigInput) => {
    let seen = 0;
    await assert.rejects(
      executeRun(config, { store, onEvent: (e) => e.type === "epoch" && seen++, shouldStop: () => seen >= 1 }),
      (e: unknown) => e instanceof RunStoppedError,
    );
    return runId(parseRunConfig(config));
  };
  const interrupted = await stopAfter({ ...small, seed: 52 });
  const badCkptCfg: RunConfigInput = { ...small, seed: 53 };
  const badCkpt = await stopAfter(badCkptCfg);
  const ck = path.join(rs.runDir(badCkpt), "checkpoint.bin");
  const bytes = fs.readFileSync(ck);
  bytes[Math.floor(bytes.length / 2)] ^= 0xff;
  fs.writeFileSync(ck, bytes);
  const failedCfg: RunConfigInput = { ...small, method: "weights", weightInit: "kaiming-normal", lr: 1e30, seed: 54 };
  await assert.rejects(executeRun(failedCfg, { store }));
  const failed = runId(parseRunConfig(failedCfg));

  const list = await slt("runs", "--store", store);
  assert.equal(list.code, 0, list.stderr);
  const line = (id: string) => list.stdout.split("\n").find((l) => l.startsWith(id)) ?? "";
  assert.match(line(finished), /finished/);
  assert.match(line(interrupted), /interrupted/);
  assert.match(line(damaged), /failed .*run\.json damaged \(checksum mismatch\)/);
  assert.match(line(badCkpt), /failed .*checkpoint\.bin damaged \(checksum mismatch/);
  assert.match(line(failed), /failed .*diverged/);

  assertCleanError(await slt("show", damaged, "--store", store), [damaged, "damaged (checksum mismatch)", "Delete the folder"]);
  assertCleanError(await slt("show", badCkpt.slice(0, 8), "--store", store), [badCkpt, "failed", "damaged"]);

  // A sweep over these runs: the damaged ones are failures (never resumed, never overwritten), the rest go on.
  const spec = { name: "mixed", base: small, grid: { seed: [50, 51, 52, 53] } };
  const file = specFile(spec);
  const r = await slt("sweep", file, "--store", store, "--jobs", "1", "--json");
  assertCleanError(r, ["2 of 4 runs", damaged, badCkpt]);
  const s = JSON.parse(r.stdout) as SweepSummary;
  assert.deepEqual(
    s.cached.map((x) => x.id),
    [finished],
  );
  assert.deepEqual(
    s.trained.map((x) => [x.id, x.resumedFromEpoch]),
    [[interrupted, 1]],
  );
  assert.equal(fs.existsSync(path.join(rs.runDir(badCkpt), "run.json")), false, "not resumed from a damaged checkpoint");

  const finishedBytes = fs.readFileSync(path.join(rs.runDir(finished), "run.json"));
  const gc = await slt("gc", "--store", store);
  assert.equal(gc.code, 0, gc.stderr);
  assert.ok(gc.stdout.includes(rs.runDir(badCkpt)) && gc.stdout.includes(rs.runDir(failed)));
  assert.ok(fs.readFileSync(path.join(rs.runDir(finished), "run.json")).equals(finishedBytes), "gc never touches a finished run");
  assert.ok(fs.existsSync(runJson), "a damaged result is left for the user to delete");

  // After gc the run with the damaged checkpoint starts over and ends like an uninterrupted run.
  fs.rmSync(rs.runDir(damaged), { recursive: true });
  const again = await slt("sweep", file, "--store", store, "--jobs", "1", "--json");
  assert.equal(again.code, 0, again.stderr);
  const s2 = JSON.parse(again.stdout) as SweepSummary;
  assert.deepEqual(
    s2.trained.map((x) => [x.id, x.resumedFromEpoch]).sort(),
    [
      [badCkpt, 0],
      [damaged, 0],
    ].sort(),
  );
  const reference = await executeRun(badCkptCfg, { store: path.join(scratch, "mixed-reference") });
  assert.ok(reference.status === "trained");
  assert.deepEqual(metricsOf(rs.readFinished(badCkpt)!), metricsOf(reference.run));
});

test(
  "a real full disk under a sweep's workers (a small tmpfs filled mid-run): exit 2 with the clear error, no other run started, no partial file; with space again the sweep finishes",
  { skip: tmpfsUnavailable() ?? false },
  async () => {
    const spec = { name: "full", base: { ...small, limitTrain: 1200, batchSize: 20, epochs: 3 }, grid: { seed: [70, 71, 72, 73] } };
    const file = specFile(spec);
    const mnt = path.join(scratch, "small-disk");
    fs.mkdirSync(mnt);
    const disk = mountSmallDisk(mnt, 32 << 20);
    if (typeof disk === "string") throw new Error(disk);
    try {
      const store = path.join(mnt, "runs");
      const since = Date.now();
      const { done } = start(["sweep", file, "--jobs", "2", "--store", store, "--json"]);
      let exited = false;
      void done.then(() => (exited = true));
      assert.ok(await waitFor(() => exited || freshCheckpoint(store, since), 60_000), "the runs got going");
      assert.equal(exited, false, "the sweep was still running when the disk filled up");
      disk.fill();
      const r = await done;
      assertCleanError(r, ["disk is full", "Free some space"]);
      const s = JSON.parse(r.stdout) as SweepSummary;
      assert.ok(s.failed.length >= 1 && s.failed.every((f) => /disk is full/.test(f.error ?? "")), r.stdout);
      assert.equal(s.trained.length, 0, r.stdout);
      assert.ok(
        s.stopped.some((x) => /not started: The disk is full/.test(x.error ?? "")),
        `the runs not yet started are not started: ${r.stdout}`,
      );
      const rs = new RunStore(store);
      for (const id of rs.ids()) {
        const names = fs.readdirSync(rs.runDir(id));
        assert.ok(
          // config.json: the run's start record, written whole by a rename.
          names.every((n) => n === "checkpoint.bin" || n === "config.json"),
          `run ${id} holds only a whole checkpoint and its start record, if anything: ${names.join(", ")}`,
        );
        if (names.includes("checkpoint.bin")) assert.ok(rs.readCheckpoint(id), "the checkpoint verifies");
      }

      disk.free();
      const again = await slt("sweep", file, "--jobs", "2", "--store", store, "--json");
      assert.equal(again.code, 0, again.stderr);
      const s2 = JSON.parse(again.stdout) as SweepSummary;
      assert.equal(s2.trained.length, 4, again.stdout);
      assert.ok(
        s2.trained.some((t) => (t.resumedFromEpoch ?? 0) > 0),
        "an interrupted run resumed from its checkpoint",
      );
      for (const id of idsOf(spec)) assert.ok(rs.readFinished(id), `run ${id} finished`);
    } finally {
      disk.unmount();
    }
  },
);

test("busy is not done: runs held by another process are reported with pid, host and heartbeat age, exit code 3 (0 with --allow-busy)", async () => {
  const spec = { name: "held", base: small, grid: { seed: [80, 81] } };
  const file = specFile(spec);
  const store = path.join(scratch, "held");
  const [heldId, freeId] = idsOf(spec);
  const rs = new RunStore(store);
  fs.mkdirSync(rs.runDir(heldId), { recursive: true });
  const lock = RunLock.acquire(path.join(rs.runDir(heldId), "lock"));
  assert.ok(lock, "this test process holds one run");
  try {
    const r = await slt("sweep", file, "--jobs", "1", "--store", store, "--json");
    assert.equal(r.code, 3, r.stderr);
    const s = JSON.parse(r.stdout) as SweepSummary;
    assert.deepEqual(
      s.trained.map((x) => x.id),
      [freeId],
    );
    assert.deepEqual(
      s.busy.map((x) => x.id),
      [heldId],
    );
    assert.equal(s.busy[0].holder?.pid, process.pid);
    assert.equal(s.busy[0].holder?.host, os.hostname());
    assert.ok((s.busy[0].holder?.heartbeatAgeSeconds ?? -1) >= 0);
    for (const m of [
      `run ${heldId}`,
      `pid ${process.pid} on ${os.hostname()}`,
      "heartbeat",
      "s ago",
      "Exit code 3",
      "--wait",
      "--allow-busy",
    ])
      assert.ok(r.stderr.includes(m), `stderr mentions ${m}:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /error:/, "busy is not an error");
    const text = await slt("sweep", file, "--jobs", "1", "--store", store);
    assert.equal(text.code, 3);
    assert.match(text.stdout, new RegExp(`busy +${heldId} +held by pid ${process.pid} on `));

    const allowed = await slt("sweep", file, "--jobs", "1", "--store", store, "--json", "--allow-busy");
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as SweepSummary).busy.length, 1);
  } finally {
    lock.release();
  }
});

test("--wait: waits for runs held elsewhere with progress, then reports them: finished by their holder (cached) or left unfinished (resumed here)", async () => {
  const spec = { name: "waits", base: { ...small, limitTrain: 1200, batchSize: 20, epochs: 3 }, grid: { seed: [90, 91] } };
  const file = specFile(spec);
  const store = path.join(scratch, "waits");
  const [byOther, leftOver] = idsOf(spec);
  const rs = new RunStore(store);

  // Another process trains run 0 (slt run), and this test holds run 1's lock without training it.
  const configFile = path.join(scratch, "waits-config.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...spec.base, seed: 90, label: "waits: seed=90" }));
  const other = start(["--store", store, "run", "--config", configFile]);
  assert.ok(await waitFor(() => fs.existsSync(path.join(rs.runDir(byOther), "lock")), 60_000), "the other process took its run");
  fs.mkdirSync(rs.runDir(leftOver), { recursive: true });
  const lock = RunLock.acquire(path.join(rs.runDir(leftOver), "lock"));
  assert.ok(lock);

  const sweep = start(["sweep", file, "--jobs", "1", "--store", store, "--json", "--wait"]);
  let stderr = "";
  sweep.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  try {
    assert.ok(await waitFor(() => /waiting for \d runs? held by other processes/.test(stderr), 60_000), stderr);
    assert.ok(stderr.includes(`${leftOver} pid ${process.pid} on ${os.hostname()}, heartbeat`), stderr);
  } finally {
    lock.release(); // run 1 is left unfinished: the waiting sweep must train it
  }
  const o = await other.done;
  assert.equal(o.code, 0, o.stderr);
  const r = await sweep.done;
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as SweepSummary;
  assert.deepEqual(s.busy, []);
  assert.deepEqual(
    s.cached.map((x) => x.id),
    [byOther],
    "finished by the other process",
  );
  assert.deepEqual(
    s.trained.map((x) => x.id),
    [leftOver],
    "released unfinished: trained here",
  );
  assert.equal(s.total, 2);
  assert.match(r.stderr, /no run is held elsewhere any more/);
  for (const id of [byOther, leftOver]) assert.ok(rs.readFinished(id));
});
