/**
 * The store's building blocks under faults: atomic writes on a full disk or with short
 * writes, the checksummed binary container, run locks (stale, lost, raced by several
 * processes), damaged run.json / checkpoint.bin, and what `gc` may and may not remove.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SltError } from "../../src/errors";
import { atomicFs, resetAtomicFs, writeFileAtomic } from "../../src/experiments/atomic";
import { decodeBinary, encodeBinary } from "../../src/experiments/binary";
import { parseRunConfig, runId } from "../../src/experiments/config";
import { RunLock, lockIsStale, readLock } from "../../src/experiments/lock";
import { RunStoppedError, executeRun } from "../../src/experiments/run";
import { RunStore } from "../../src/experiments/store";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-store-test-"));
after(() => {
  resetAtomicFs();
  fs.rmSync(scratch, { recursive: true, force: true });
});
let dirCount = 0;
const freshDir = () => {
  const d = path.join(scratch, `d${dirCount++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

const tiny = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTrain: 300, limitTest: 100, batchSize: 50, epochs: 3 };

/** A pid that certainly belongs to no process: one that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

function flipByte(file: string, at: number): void {
  const b = fs.readFileSync(file);
  const i = at < 0 ? b.length + at : at;
  b[i] ^= 0x5a;
  fs.writeFileSync(file, b);
}

test("writeFileAtomic: on ENOSPC the old file stays whole, no temp file is left, the error says what to do", () => {
  const dir = freshDir();
  const target = path.join(dir, "run.json");
  writeFileAtomic(target, "old content");
  let calls = 0;
  // The disk fills up after the first 10 bytes of the new file.
  atomicFs.writeSync = (fd, data, offset, length) => {
    if (calls++ === 0) return fs.writeSync(fd, data, offset, Math.min(length, 10));
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  try {
    assert.throws(
      () => writeFileAtomic(target, "new content that does not fit"),
      (e: unknown) =>
        e instanceof SltError &&
        e.kind === "store" &&
        /disk is full/.test(e.message) &&
        e.message.includes(target) &&
        /Free some space/.test(e.message),
    );
  } finally {
    resetAtomicFs();
  }
  assert.equal(fs.readFileSync(target, "utf8"), "old content");
  assert.deepEqual(fs.readdirSync(dir), ["run.json"]);
});

test("writeFileAtomic: short writes are completed, not truncated", () => {
  const dir = freshDir();
  const target = path.join(dir, "big.bin");
  const data = Buffer.alloc(100_000, 7);
  atomicFs.writeSync = (fd, buf, offset, length) => fs.writeSync(fd, buf, offset, Math.min(length, 4096));
  try {
    writeFileAtomic(target, data);
  } finally {
    resetAtomicFs();
  }
  assert.ok(fs.readFileSync(target).equals(data));
});

test("binary container: round trip keeps typed arrays, NaN and ±Infinity; any flipped byte or truncation is caught", () => {
  const value = {
    a: Float32Array.from([1, -2.5, 3e-8]),
    m: Uint8Array.from([0, 1, 1]),
    x: { nan: NaN, inf: Infinity, ninf: -Infinity, n: null },
    s: "text",
  };
  const buf = encodeBinary(value);
  const back = decodeBinary<typeof value>(buf);
  assert.deepEqual(Array.from(back.a), Array.from(value.a));
  assert.ok(back.a instanceof Float32Array && back.m instanceof Uint8Array);
  assert.ok(Number.isNaN(back.x.nan));
  assert.equal(back.x.inf, Infinity);
  assert.equal(back.x.ninf, -Infinity);
  assert.equal(back.x.n, null);
  for (const at of [0, 9, 20, Math.floor(buf.length / 2), buf.length - 40, buf.length - 1]) {
    const bad = Buffer.from(buf);
    bad[at] ^= 1;
    assert.throws(() => decodeBinary(bad), /bad magic|checksum mismatch/, `flip at ${at}`);
  }
  assert.throws(() => decodeBinary(buf.subarray(0, buf.length - 5)), /checksum mismatch|truncated/);
  assert.throws(() => decodeBinary(Buffer.alloc(0)), /empty/);
  assert.throws(() => encodeBinary({ v: new Int32Array(3) }), /unsupported array type Int32Array/);
});

test("lock: one holder at a time; a dead holder's lock is taken over; a live one on another host is respected until its heartbeat is stale", () => {
  const dir = freshDir();
  const file = path.join(dir, "lock");
  const a = RunLock.acquire(file);
  assert.ok(a);
  assert.equal(RunLock.acquire(file), null, "held by a live process (this one)");
  a.release();
  assert.equal(fs.existsSync(file), false);

  const now = new Date().toISOString();
  fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: now, heartbeatAt: now, token: "dead" }));
  const b = RunLock.acquire(file);
  assert.ok(b, "a lock of a dead pid on this host is stale");
  assert.notEqual(readLock(file)?.token, "dead");
  b.release();

  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "other-host", startedAt: now, heartbeatAt: now, token: "live" }));
  assert.equal(RunLock.acquire(file), null, "fresh heartbeat from another host");
  const old = new Date(Date.now() - 60_000).toISOString();
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "other-host", startedAt: old, heartbeatAt: old, token: "old" }));
  // The file's mtime is fresh too (just written): both must be old before the lock is stale.
  assert.equal(RunLock.acquire(file, 30_000), null);
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(file, past, past);
  const c = RunLock.acquire(file, 30_000);
  assert.ok(c, "heartbeat and mtime both older than staleMs");
  c.release();

  // An unreadable lock is given a grace period (a non-atomic writer may be mid-write), then taken over.
  fs.writeFileSync(file, "{ half a lo");
  assert.equal(RunLock.acquire(file), null);
  fs.utimesSync(file, past, past);
  const d = RunLock.acquire(file);
  assert.ok(d);
  d.release();
  assert.equal(lockIsStale(null, 1000, null), true);
});

test("lock: a holder whose lock was taken over notices at its heartbeat and does not remove the new holder's lock", () => {
  const dir = freshDir();
  const file = path.join(dir, "lock");
  const mine = RunLock.acquire(file);
  assert.ok(mine);
  assert.equal(mine.heartbeat(), true);
  const now = new Date().toISOString();
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "other-host", startedAt: now, heartbeatAt: now, token: "theirs" }));
  assert.equal(mine.isHeld(), false);
  assert.equal(mine.heartbeat(), false);
  mine.release();
  assert.equal(readLock(file)?.token, "theirs", "the other holder's lock is left alone");
});

test("lock: many processes racing for one stale lock: exactly one wins", async () => {
  const dir = freshDir();
  const file = path.join(dir, "lock");
  const old = new Date(Date.now() - 3_600_000).toISOString();
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: "gone-host", startedAt: old, heartbeatAt: old, token: "stale" }));
  const past = new Date(Date.now() - 3_600_000);
  fs.utimesSync(file, past, past);
  const lockModule = require.resolve("../../src/experiments/lock");
  const tried = path.join(dir, "tried");
  fs.mkdirSync(tried);
  // Each contender waits for a common start time, tries once, says so, and holds what it got
  // until every contender has tried (a late starter on a loaded machine must not find the
  // lock released and count as a second winner).
  const startAt = Date.now() + 600;
  const script = `
    const fs = require("node:fs");
    const { RunLock } = require(${JSON.stringify(lockModule)});
    while (Date.now() < ${startAt}) {}
    const l = RunLock.acquire(${JSON.stringify(file)}, 60000);
    process.stdout.write(l ? "won" : "lost");
    fs.writeFileSync(${JSON.stringify(tried)} + "/" + process.pid, "");
    const t0 = Date.now();
    const wait = () => {
      if (fs.readdirSync(${JSON.stringify(tried)}).length >= 6 || Date.now() - t0 > 60000) { if (l) l.release(); }
      else setTimeout(wait, 20);
    };
    wait();`;
  const results = await Promise.all(
    Array.from({ length: 6 }, () => {
      return new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        p.stdout.on("data", (c: Buffer) => (out += c.toString()));
        p.on("error", reject);
        p.on("exit", () => resolve(out));
      });
    }),
  );
  assert.equal(results.filter((r) => r === "won").length, 1, results.join(","));
  assert.equal(results.filter((r) => r === "lost").length, 5, results.join(","));
});

/** A run stopped after `epochs` epochs: its folder holds a checkpoint and no result. */
async function interruptedRun(store: string, config: Record<string, unknown>, epochs: number): Promise<string> {
  let seen = 0;
  await assert.rejects(
    executeRun(config, { store, onEvent: (e) => e.type === "epoch" && seen++, shouldStop: () => seen >= epochs }),
    (e: unknown) => e instanceof RunStoppedError,
  );
  return runId(parseRunConfig(config));
}

test("store: a flipped byte in run.json or checkpoint.bin is reported, listed as failed, never used", async () => {
  const store = path.join(freshDir(), "runs");
  const rs = new RunStore(store);
  const finishedCfg = { ...tiny, seed: 1 };
  const out = await executeRun(finishedCfg, { store });
  assert.equal(out.status, "trained");
  const id = out.run.id;
  const runJson = path.join(rs.runDir(id), "run.json");
  const text = fs.readFileSync(runJson, "utf8");
  // Change one digit of a stored metric: still valid JSON, but the checksum no longer matches.
  const at = text.indexOf('"testAccuracy": ') + '"testAccuracy": '.length + 3;
  fs.writeFileSync(runJson, text.slice(0, at) + (text[at] === "1" ? "2" : "1") + text.slice(at + 1));
  assert.throws(
    () => rs.readFinished(id),
    (e: unknown) =>
      e instanceof SltError && /checksum mismatch/.test(e.message) && e.message.includes(`Delete the folder ${rs.runDir(id)}`),
  );
  const listed = rs.describe(id);
  assert.equal(listed.status, "failed");
  assert.match(listed.error ?? "", /damaged \(checksum mismatch\)/);
  // A damaged result is an error for executeRun too, never silently recomputed over.
  await assert.rejects(executeRun(finishedCfg, { store }), /damaged/);
  fs.writeFileSync(runJson, text.slice(0, 100)); // truncated
  assert.match(rs.describe(id).error ?? "", /not valid JSON/);

  const ckId = await interruptedRun(store, { ...tiny, seed: 2 }, 1);
  assert.equal(rs.describe(ckId).status, "interrupted");
  assert.equal(rs.describe(ckId).epochsDone, 1);
  flipByte(path.join(rs.runDir(ckId), "checkpoint.bin"), 200);
  assert.equal(rs.describe(ckId).status, "failed");
  assert.match(rs.describe(ckId).error ?? "", /checkpoint\.bin damaged \(checksum mismatch/);
  await assert.rejects(
    executeRun({ ...tiny, seed: 2 }, { store }),
    (e: unknown) => e instanceof SltError && /damaged/.test(e.message) && /not resumed from/.test(e.message) && /slt gc/.test(e.message),
  );
  assert.equal(fs.existsSync(path.join(rs.runDir(ckId), "run.json")), false, "never resumed from a damaged checkpoint");

  // A checkpoint copied into another run's folder is refused too.
  const otherId = await interruptedRun(store, { ...tiny, seed: 3 }, 1);
  const thirdId = await interruptedRun(store, { ...tiny, seed: 4 }, 1);
  fs.copyFileSync(path.join(rs.runDir(otherId), "checkpoint.bin"), path.join(rs.runDir(thirdId), "checkpoint.bin"));
  assert.throws(() => rs.readCheckpoint(thirdId), new RegExp(`belongs to run ${otherId}`));
});

test("gc: removes temp files, stale locks, failed runs and empty folders; never a finished run, a damaged result or a held run", async () => {
  const store = path.join(freshDir(), "runs");
  const rs = new RunStore(store);
  const finished =
    (await executeRun({ ...tiny, seed: 5 }, { store })).status === "trained" ? runId(parseRunConfig({ ...tiny, seed: 5 })) : "";
  const finishedBytes = fs.readFileSync(path.join(rs.runDir(finished), "run.json"));
  fs.writeFileSync(path.join(rs.runDir(finished), ".tmp-checkpoint.bin-1-abcd"), "debris");
  fs.writeFileSync(path.join(rs.runDir(finished), "checkpoint.bin"), "leftover of a crash between run.json and cleanup");

  const interrupted = await interruptedRun(store, { ...tiny, seed: 6 }, 1);
  const now = new Date().toISOString();
  fs.writeFileSync(
    path.join(rs.runDir(interrupted), "lock"),
    JSON.stringify({ pid: deadPid(), host: os.hostname(), startedAt: now, heartbeatAt: now }),
  );

  const failedOut = await executeRun({ ...tiny, method: "weights", weightInit: "kaiming-normal", lr: 1e30, seed: 7 }, { store }).catch(
    (e: unknown) => e,
  );
  assert.ok(failedOut instanceof SltError && failedOut.kind === "training");
  const failed = runId(parseRunConfig({ ...tiny, method: "weights", weightInit: "kaiming-normal", lr: 1e30, seed: 7 }));
  assert.equal(rs.describe(failed).status, "failed");

  const damaged =
    (await executeRun({ ...tiny, seed: 8 }, { store })).status === "trained" ? runId(parseRunConfig({ ...tiny, seed: 8 })) : "";
  flipByte(path.join(rs.runDir(damaged), "run.json"), 50);

  const held = await interruptedRun(store, { ...tiny, seed: 9 }, 1);
  const lock = rs.lock(held);
  assert.ok(lock);
  fs.writeFileSync(path.join(rs.runDir(held), ".tmp-checkpoint.bin-x"), "being written right now");

  const empty = "0123456789abcdef";
  fs.mkdirSync(rs.runDir(empty));
  fs.writeFileSync(path.join(store, ".tmp-probe-1"), "");

  const removed = rs.gc();
  const has = (p: string) => removed.includes(p);
  assert.ok(has(path.join(rs.runDir(finished), ".tmp-checkpoint.bin-1-abcd")));
  assert.ok(has(path.join(rs.runDir(finished), "checkpoint.bin")));
  assert.ok(fs.readFileSync(path.join(rs.runDir(finished), "run.json")).equals(finishedBytes), "finished run untouched");
  assert.equal(rs.readFinished(finished)?.id, finished);
  assert.ok(fs.existsSync(path.join(rs.runDir(interrupted), "checkpoint.bin")), "interrupted runs keep their checkpoint");
  assert.equal(fs.existsSync(path.join(rs.runDir(interrupted), "lock")), false, "stale lock removed");
  assert.ok(has(rs.runDir(failed)) && !fs.existsSync(rs.runDir(failed)));
  assert.ok(fs.existsSync(path.join(rs.runDir(damaged), "run.json")), "a damaged result is left for the user");
  assert.ok(fs.existsSync(path.join(rs.runDir(held), ".tmp-checkpoint.bin-x")), "a held run is not touched");
  assert.ok(has(rs.runDir(empty)));
  assert.ok(has(path.join(store, ".tmp-probe-1")));
  lock.release();

  const again = rs.gc({ checkpoints: true });
  assert.ok(again.includes(path.join(rs.runDir(interrupted), "checkpoint.bin")));
  assert.equal(rs.readFinished(finished)?.id, finished);
});
