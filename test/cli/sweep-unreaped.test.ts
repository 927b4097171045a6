/**
 * The crash of issue 13, as a container without a reaping init produces it: `kill -9` of a
 * sweep's whole process group, then the same `slt sweep` command at once, while the killed
 * workers are still zombies. The rerun must resume every interrupted run at once (a zombie
 * holds no lock) and end with the numbers of an uninterrupted sweep.
 *
 * The zombies are made for real: a small Python parent declares itself a child sub-reaper
 * (prctl PR_SET_CHILD_SUBREAPER, Linux), starts the sweep in a new session and never waits on
 * anything, so the orphaned workers are re-parented to it and stay unreaped — like PID 1 of a
 * container that reaps late or never. Skipped, with the reason, where that cannot be set up.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { type SweepSummary, planRuns, runSweep } from "../../src/experiments/sweep";

const CLI = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-sweep-unreaped-"));
const holders: ChildProcess[] = [];
after(() => {
  for (const h of holders) h.stdin?.end(); // the sub-reaper exits; init reaps what it held
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Starts `argv` in a new session under a parent that never reaps; prints the session leader's pid. */
const SUBREAPER = `
import ctypes, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())
p = subprocess.Popen(sys.argv[1:], start_new_session=True, stdout=subprocess.DEVNULL, stderr=sys.stderr)
print(p.pid, flush=True)
sys.stdin.read()  # until the test closes stdin; nothing is ever waited on
`;
import { waitFor } from "./helpers";

function subreaperUnavailable(): string | null {
  if (process.platform !== "linux") return "needs Linux (/proc, prctl)";
  const r = spawnSync("python3", ["-c", "import ctypes,sys; sys.exit(ctypes.CDLL(None).prctl(36,1,0,0,0))"], { encoding: "utf8" });
  if (r.error) return `python3 is not available (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `prctl(PR_SET_CHILD_SUBREAPER) is not allowed here (${r.stderr.trim() || `exit ${r.status}`})`;
  return null;
}

/** The process's state letter and parent pid from /proc/PID/stat, or null if it is gone. */
function procState(pid: number): { state: string; ppid: number } | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
    .filter((p) => procState(p)?.ppid === pid);
}

function metricsOf(run: StoredRun): unknown {
  return { epochs: run.result.epochs.map(({ seconds: _s, ...m }) => m), cycles: run.result.cycles, final: run.result.final };
}

function slt(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const unavailable = subreaperUnavailable();

test(
  "kill -9 of a sweep's process group, the same command at once, workers still unreaped: every interrupted run resumes at once, metrics equal an uninterrupted sweep",
  { skip: unavailable ?? false },
  async () => {
    // ~60 steps per epoch, so that the kill lands inside runs.
    const spec = {
      name: "unreaped",
      base: { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTrain: 1200, limitTest: 100, batchSize: 20, epochs: 3 },
      grid: { seed: [0, 1, 2, 3] },
    };
    const file = path.join(scratch, "spec.json");
    fs.writeFileSync(file, JSON.stringify(spec));
    const store = path.join(scratch, "store");
    const rs = new RunStore(store);
    const ids = planRuns(spec).runs.map((r) => r.id);
    const args = ["sweep", file, "--jobs", "2", "--store", store, "--json"];

    const holder = spawn("python3", ["-c", SUBREAPER, process.execPath, CLI, ...args], { cwd: scratch, stdio: ["pipe", "pipe", "pipe"] });
    holders.push(holder);
    let holderOut = "";
    let holderErr = "";
    holder.stdout!.on("data", (c: Buffer) => (holderOut += c.toString()));
    holder.stderr!.on("data", (c: Buffer) => (holderErr += c.toString()));
    assert.ok(await waitFor(() => /^\d+\n/.test(holderOut), 10_000), `the sub-reaper started the sweep: ${holderErr}`);
    const sweepPid = Number(holderOut.trim());

    // Kill once two runs are under way and at least one of them has a checkpoint.
    const has = (id: string, name: string) => fs.existsSync(path.join(rs.runDir(id), name));
    const started = await waitFor(
      () => ids.filter((id) => has(id, "lock")).length >= 2 && ids.some((id) => has(id, "checkpoint.bin") && !has(id, "run.json")),
      90_000,
    );
    assert.ok(started, `the sweep got going: ${holderErr}`);
    const workers = childrenOf(sweepPid);
    assert.equal(workers.length, 2, "two worker processes");
    process.kill(-sweepPid, "SIGKILL");

    // The killed workers are zombies, re-parented (once the sweep process is gone too) to the
    // sub-reaper, which never reaps them.
    const unreaped = (w: number) => procState(w)?.state === "Z" && procState(w)?.ppid === holder.pid;
    assert.ok(
      await waitFor(() => workers.every(unreaped), 10_000),
      `workers are unreaped zombies of the sub-reaper ${holder.pid}: ${workers.map((w) => JSON.stringify(procState(w))).join(", ")}`,
    );
    const interrupted = ids
      .filter((id) => has(id, "lock") && !has(id, "run.json"))
      .map((id) => ({ id, epochsDone: rs.readCheckpoint(id)?.epochsDone ?? 0 }));
    assert.ok(interrupted.length >= 1, "the kill interrupted runs that held their locks");
    assert.ok(
      interrupted.some((r) => r.epochsDone > 0),
      "at least one interrupted run has a checkpoint",
    );

    // The same command at once: no waiting for a heartbeat to go stale, no "busy".
    const r = await slt(args);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as SweepSummary;
    assert.deepEqual(summary.busy, [], "no run is held by a dead worker");
    assert.deepEqual(summary.failed, []);
    for (const run of interrupted) {
      const trained = summary.trained.find((t) => t.id === run.id);
      assert.ok(trained, `interrupted run ${run.id} trained by the rerun`);
      assert.equal(trained.resumedFromEpoch ?? 0, run.epochsDone, `run ${run.id} resumed from its checkpoint`);
    }
    for (const w of workers) assert.ok(unreaped(w), `worker ${w} still unreaped after the rerun`);

    const reference = path.join(scratch, "reference");
    const uninterrupted = await runSweep(spec, { store: reference, jobs: 1 });
    assert.equal(uninterrupted.trained.length, ids.length);
    const ref = new RunStore(reference);
    for (const id of ids) {
      const run = rs.readFinished(id);
      assert.ok(run, `run ${id} finished`);
      assert.deepEqual(metricsOf(run), metricsOf(ref.readFinished(id)!), `run ${id} equals the uninterrupted run`);
    }
  },
);
