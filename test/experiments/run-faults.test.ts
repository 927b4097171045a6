/**
 * One run under faults, in this process: interrupted and resumed runs end with exactly
 * the metrics of uninterrupted ones; bad input (config, data files, store) is one clear
 * SltError and leaves no result behind; a full disk mid-run loses nothing finished.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathBasedRunId, runConfigSchema } from "../../src/config";
import { SltError } from "../../src/errors";
import { clearChecksumCache } from "../../src/data/files";
import { MNIST, mnistPackageDir } from "../../src/data/mnist";
import { atomicFs, resetAtomicFs } from "../../src/experiments/atomic";
import { type RunConfigInput, parseRunConfig, runId } from "../../src/experiments/config";
import { identifyRun } from "../../src/experiments/identity";
import { RunStoppedError, executeRun } from "../../src/experiments/run";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { writeIdxDataset } from "../data/fixtures";
import { mountSmallDisk, tmpfsUnavailable } from "./disk";
import type { RunEvent } from "../../src/train/events";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-run-faults-"));
after(() => {
  resetAtomicFs();
  fs.rmSync(scratch, { recursive: true, force: true });
});
let n = 0;
const freshStore = () => path.join(scratch, `store-${n++}`);

const tiny = { dataset: "synthetic", model: "lenet300", widthMultiplier: 0.1, limitTrain: 300, limitTest: 100, batchSize: 50, epochs: 3 };

/** Everything a run computes, without wall-clock times. */
function metricsOf(run: StoredRun): unknown {
  return {
    epochs: run.result.epochs.map(({ seconds: _s, ...m }) => m),
    cycles: run.result.cycles,
    final: run.result.final,
    finalMask: run.result.finalMask,
  };
}

async function trained(config: unknown, store: string): Promise<StoredRun> {
  const out = await executeRun(config as RunConfigInput, { store });
  assert.equal(out.status, "trained");
  if (out.status !== "trained") throw new Error("unreachable");
  return out.run;
}

/** Asserts `p` rejects with an SltError of `kind` whose message includes every string in `mention`. */
async function rejectsWith(p: Promise<unknown>, kind: string, mention: string[]): Promise<SltError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SltError, `expected an SltError, got ${caught instanceof Error ? caught.stack : String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  for (const m of mention) assert.ok(caught.message.includes(m), `message should mention ${m}:\n${caught.message}`);
  return caught;
}

/** No result for `config` in the store, and no run folder for it either (under its id or its path-based id). */
function assertNoResult(store: string, config: unknown): void {
  if (!fs.existsSync(store)) return;
  // The schema alone: the config may be valid in shape but refused by the registries or the batch-size check.
  const parsed = runConfigSchema.parse(config);
  const ids = [pathBasedRunId(parsed)];
  try {
    ids.push(identifyRun(parsed).id);
  } catch {
    /* its data cannot be read: it has no content id */
  }
  for (const id of ids) {
    const dir = new RunStore(store).runDir(id);
    assert.equal(fs.existsSync(path.join(dir, "run.json")), false, `run.json in ${dir}`);
    assert.equal(fs.existsSync(dir), false, `run folder ${dir}`);
  }
}

test("resume: a run stopped after epoch k and resumed ends with exactly the metrics of an uninterrupted run; same config twice, same metrics", async () => {
  const configs: RunConfigInput[] = [
    { ...tiny, seed: 3 },
    // iEP: the stop falls inside a cycle (k = 1) and on a cycle boundary (k = 2), with hard pruning and score rewinding.
    { ...tiny, method: "iep", keepFraction: 0.2, iep: { cycles: 2, epochsPerCycle: 2, pruning: "hard", rewind: "scores" }, seed: 4 },
    // Soft pruning: cycle 2's re-admission (> 0) needs cycle 1's final mask from the checkpoint when resumed inside cycle 2.
    { ...tiny, method: "iep", lr: 5, keepFraction: 0.2, iep: { cycles: 2, epochsPerCycle: 2, pruning: "soft" }, seed: 4 },
  ];
  for (const config of configs) {
    const reference = await trained(config, freshStore());
    if (config.method === "iep" && config.iep?.pruning === "soft") assert.ok(reference.result.cycles[1].readmitted! > 0);
    assert.deepEqual(metricsOf(await trained(config, freshStore())), metricsOf(reference), "same config and seed, same numbers");
    const epochs = reference.result.epochs.length;
    for (let k = 1; k < epochs; k++) {
      const store = freshStore();
      let seen = 0;
      await assert.rejects(
        executeRun(config, { store, onEvent: (e) => e.type === "epoch" && seen++, shouldStop: () => seen >= k }),
        (e: unknown) => e instanceof RunStoppedError,
      );
      const rs = new RunStore(store);
      const id = reference.id;
      assert.equal(rs.describe(id).status, "interrupted");
      assert.equal(rs.describe(id).epochsDone, k);
      assert.equal(fs.existsSync(path.join(rs.runDir(id), "failed.json")), false, "a stop is not a failure");
      assert.equal(fs.existsSync(path.join(rs.runDir(id), "lock")), false, "the lock is released");
      const resumed = await trained(config, store);
      assert.equal(resumed.timings.resumedFromEpoch, k);
      assert.deepEqual(metricsOf(resumed), metricsOf(reference), `${config.method ?? "ep"} resumed after epoch ${k}`);
    }
  }
});

test("bad config: one clear error each (field, value, fix), before anything is written", async () => {
  const store = freshStore();
  const cases: { config: Record<string, unknown>; mention: string[] }[] = [
    { config: { ...tiny, keepFracton: 0.5 }, mention: ['unknown field "keepFracton"', "keepFraction"] },
    { config: { ...tiny, lr: "0.1" }, mention: ['"lr" = "0.1"', "expected number"] },
    { config: { ...tiny, keepFraction: 0 }, mention: ['"keepFraction" = 0', "(0, 1]"] },
    { config: { ...tiny, keepFraction: 1.5 }, mention: ['"keepFraction" = 1.5', "(0, 1]"] },
    { config: { ...tiny, epochs: 0 }, mention: ['"epochs" = 0', ">=1"] },
    { config: { ...tiny, epochs: -1 }, mention: ['"epochs" = -1', ">=1"] },
    { config: { ...tiny, model: "lenet5" }, mention: ['"lenet5"', "lenet300", "conv2"] },
    // A layer of round(100 × 0.001) = 0 units: the network would output a constant (loss ln 10, silently).
    { config: { ...tiny, widthMultiplier: 0.001 }, mention: ['"widthMultiplier" = 0.001', "0 units", "Use widthMultiplier ≥ 0.005"] },
    { config: { ...tiny, dataset: "imagenet" }, mention: ['"imagenet"', "mnist", "synthetic"] },
    {
      config: { ...tiny, limitTrain: 0, batchSize: 6000 },
      mention: ['"batchSize" = 6000', "larger than the training set (5000 images)", "at most 5000"],
    },
    { config: { ...tiny, limitTrain: 100, batchSize: 200 }, mention: ['"batchSize" = 200', "limitTrain = 100", "at most 100"] },
  ];
  for (const c of cases) {
    await rejectsWith(executeRun(c.config as RunConfigInput, { store }), "config", c.mention);
    assertNoResult(store, c.config);
  }
});

test("diverging training (huge lr): SltError 'training' naming lr and the fix; failed.json, no run.json", async () => {
  const store = freshStore();
  const config: RunConfigInput = { ...tiny, method: "weights", weightInit: "kaiming-normal", lr: 1e30 };
  await rejectsWith(executeRun(config, { store }), "training", ["diverged", '"lr"', "NaN", "Lower"]);
  const rs = new RunStore(store);
  const id = runId(parseRunConfig(config));
  assert.equal(fs.existsSync(path.join(rs.runDir(id), "run.json")), false);
  assert.equal(rs.describe(id).status, "failed");
  assert.match(rs.describe(id).error ?? "", /diverged/);
  assert.equal(fs.existsSync(path.join(rs.runDir(id), "lock")), false);
});

test("data files: missing, truncated, wrong magic, flipped byte in a known MNIST file: one clear 'data' error each, no run folder", async () => {
  const store = freshStore();
  const dir = path.join(scratch, "mnist-small");
  fs.mkdirSync(dir);
  writeIdxDataset(dir, { train: 120, test: 40 });
  const config: RunConfigInput = {
    model: "lenet300",
    widthMultiplier: 0.1,
    dataset: "mnist",
    dataDir: dir,
    batchSize: 40,
    epochs: 1,
    limitTest: 40,
  };
  // The small files are valid: the run works.
  await trained(config, store);
  // Each attempt below differs in limitTrain, which is part of the per-process data cache's
  // key, so the files are read again every time.
  const attempt = (limitTrain: number): RunConfigInput => ({ ...config, limitTrain });
  const images = path.join(dir, "train-images-idx3-ubyte");
  const good = fs.readFileSync(images);

  fs.rmSync(path.join(dir, "t10k-labels-idx1-ubyte"));
  await rejectsWith(executeRun(attempt(101), { store }), "data", ["MNIST incomplete", path.join(dir, "t10k-labels-idx1-ubyte"), "dataDir"]);
  assertNoResult(store, attempt(101));
  writeIdxDataset(dir, { train: 120, test: 40 });

  fs.writeFileSync(images, good.subarray(0, good.length - 100));
  await rejectsWith(executeRun(attempt(102), { store }), "data", [images, "truncated", "good copy"]);
  assertNoResult(store, attempt(102));

  const wrong = Buffer.from(good);
  wrong.writeUInt32BE(2049, 0); // a labels file's magic
  fs.writeFileSync(images, wrong);
  await rejectsWith(executeRun(attempt(103), { store }), "data", [images, "wrong magic number", "swapped"]);
  assertNoResult(store, attempt(103));
  fs.writeFileSync(images, good);

  // The real MNIST test labels with one label changed: structurally valid, caught by SHA-256.
  const real = mnistPackageDir();
  const flipped = path.join(scratch, "mnist-flipped");
  fs.mkdirSync(flipped);
  for (const f of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"])
    fs.symlinkSync(path.join(real, f), path.join(flipped, f));
  const labels = fs.readFileSync(path.join(real, "t10k-labels-idx1-ubyte"));
  assert.equal(labels.length, MNIST.known.testLabels.size);
  labels[500] = (labels[500] + 1) % 10;
  fs.writeFileSync(path.join(flipped, "t10k-labels-idx1-ubyte"), labels);
  clearChecksumCache();
  const bad: RunConfigInput = { ...config, dataDir: flipped, limitTrain: 100 };
  await rejectsWith(executeRun(bad, { store }), "data", [
    path.join(flipped, "t10k-labels-idx1-ubyte"),
    "checksum mismatch",
    "MNIST test labels",
  ]);
  assertNoResult(store, bad);
});

test("a run store that is not writable: one clear 'store' error, nothing written", async () => {
  // Tests may run as root, which ignores permission bits: a store path below a regular
  // file fails for everyone (ENOTDIR). The permission case is checked when not root.
  const file = path.join(scratch, "a-file");
  fs.writeFileSync(file, "");
  const store = path.join(file, "runs");
  await rejectsWith(executeRun(tiny, { store }), "store", [store, "is not a folder", `${file} is a file`, "--store"]);
  if (process.getuid && process.getuid() !== 0) {
    const ro = path.join(scratch, "read-only");
    fs.mkdirSync(ro, { mode: 0o555 });
    try {
      await rejectsWith(executeRun(tiny, { store: ro }), "store", [ro, "not writable", "permission denied"]);
    } finally {
      fs.chmodSync(ro, 0o755);
    }
    assert.deepEqual(fs.readdirSync(ro), []);
  }
});

test("a full disk mid-run: clear 'store' error, the last checkpoint intact, no result; with space again the run resumes to the same numbers", async () => {
  const config = { ...tiny, seed: 11 };
  const reference = await trained(config, freshStore());
  const store = freshStore();
  let writes = 0;
  const realWrite = atomicFs.writeSync;
  // The first checkpoint goes through; the disk is full from the second write on.
  atomicFs.writeSync = (fd, data, offset, length) => {
    if (writes++ >= 1) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    return realWrite(fd, data, offset, length);
  };
  try {
    await rejectsWith(executeRun(config, { store }), "store", ["disk is full", "checkpoint.bin", "Free some space"]);
  } finally {
    resetAtomicFs();
  }
  const rs = new RunStore(store);
  const id = reference.id;
  // config.json: what the run started with (written whole by a rename), for listings.
  assert.deepEqual(
    fs.readdirSync(rs.runDir(id)).sort(),
    ["checkpoint.bin", "config.json"],
    "no temp file, no failed.json, no result, lock released",
  );
  assert.equal(rs.describe(id).status, "interrupted");
  assert.equal(rs.readCheckpoint(id)?.epochsDone, 1);
  const resumed = await trained(config, store);
  assert.equal(resumed.timings.resumedFromEpoch, 1);
  assert.deepEqual(metricsOf(resumed), metricsOf(reference));
});

test(
  "a real full disk (a small tmpfs): a checkpoint or run.json that does not fit ends the run with the clear error; the store stays intact; with space again the run resumes to the same numbers",
  { skip: tmpfsUnavailable() ?? false },
  async () => {
    const config = { ...tiny, seed: 12 };
    const reference = await trained(config, freshStore());
    const mnt = path.join(scratch, "small-disk");
    fs.mkdirSync(mnt);
    const disk = mountSmallDisk(mnt, 16 << 20);
    if (typeof disk === "string") throw new Error(disk);
    try {
      const store = path.join(mnt, "runs");
      const rs = new RunStore(store);
      const id = reference.id;
      const files = () => fs.readdirSync(rs.runDir(id)).sort();

      // The disk fills up during epoch 2: its checkpoint cannot be written.
      let epochs = 0;
      const onEvent = (e: RunEvent) => {
        if (e.type === "epoch" && ++epochs === 2) disk.fill();
      };
      await rejectsWith(executeRun(config, { store, onEvent }), "store", [
        "disk is full",
        path.join(rs.runDir(id), "checkpoint.bin"),
        "Free some space",
      ]);
      assert.deepEqual(files(), ["checkpoint.bin", "config.json"], "no temp file, no failed.json, no result, lock released");
      assert.equal(rs.readCheckpoint(id)?.epochsDone, 1, "the last checkpoint is whole");
      assert.equal(rs.describe(id).status, "interrupted");
      // The failed write's space was given back; on a disk that is full again no other run can
      // start either: the same clear error, at its lock.
      disk.fill();
      const other = { ...tiny, seed: 13 };
      await rejectsWith(executeRun(other, { store }), "store", ["disk is full", "lock"]);
      assert.equal(fs.existsSync(path.join(rs.runDir(runId(parseRunConfig(other))), "run.json")), false);

      // Space again, but the disk fills up just as the result is written: no partial run.json.
      disk.free();
      atomicFs.openSync = ((file: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
        if (path.basename(String(file)).startsWith(".tmp-run.json")) disk.fill();
        return fs.openSync(file, flags, mode);
      }) as typeof fs.openSync;
      try {
        await rejectsWith(executeRun(config, { store }), "store", ["disk is full", path.join(rs.runDir(id), "run.json")]);
      } finally {
        resetAtomicFs();
      }
      assert.deepEqual(files(), ["checkpoint.bin", "config.json"], "no run.json, whole or partial; no temp file");
      assert.equal(rs.readFinished(id), null);
      assert.equal(rs.readCheckpoint(id)?.epochsDone, reference.result.epochs.length, "every epoch's checkpoint made it");

      disk.free();
      const resumed = await trained(config, store);
      assert.equal(resumed.timings.resumedFromEpoch, reference.result.epochs.length);
      assert.deepEqual(metricsOf(resumed), metricsOf(reference));
      assert.deepEqual(files(), ["run.json"]);
    } finally {
      resetAtomicFs();
      disk.unmount();
    }
  },
);

test("a data file that disappears between two epochs: the run that loaded it is unaffected; resuming without it is one clear 'data' error that leaves the checkpoint; with the file back the run resumes to the same numbers", async () => {
  // Each case has its own copy of the files (one content, so one run id, in separate stores;
  // but each its own dataDir): the per-process data cache can then not stand in for a read of the files.
  const copy = (name: string) => {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir);
    writeIdxDataset(dir, { train: 120, test: 40 });
    return dir;
  };
  const base = { model: "lenet300", widthMultiplier: 0.1, dataset: "mnist", batchSize: 40, epochs: 3, limitTest: 40, seed: 21 };
  const reference = await trained({ ...base, dataDir: copy("vanish-reference") }, freshStore());

  // Loaded at the start, gone after epoch 1: the run goes on from memory to the same numbers.
  const loaded = copy("vanish-loaded");
  let epochs = 0;
  const out = await executeRun(
    { ...base, dataDir: loaded },
    {
      store: freshStore(),
      onEvent: (e) => e.type === "epoch" && ++epochs === 1 && fs.rmSync(path.join(loaded, "train-images-idx3-ubyte")),
    },
  );
  assert.equal(epochs, 3);
  assert.equal(fs.existsSync(path.join(loaded, "train-images-idx3-ubyte")), false);
  assert.ok(out.status === "trained");
  assert.deepEqual(metricsOf(out.run), metricsOf(reference));

  // Stopped after epoch 1, the file vanishes, the run is resumed by a new process (`slt run`).
  const resumed = copy("vanish-resumed");
  const config = { ...base, dataDir: resumed };
  const store = freshStore();
  let seen = 0;
  await assert.rejects(
    executeRun(config, { store, onEvent: (e) => e.type === "epoch" && seen++, shouldStop: () => seen >= 1 }),
    RunStoppedError,
  );
  const images = path.join(resumed, "train-images-idx3-ubyte");
  const id = identifyRun(parseRunConfig(config)).id;
  const kept = fs.readFileSync(images);
  fs.rmSync(images);
  const configFile = path.join(scratch, "vanish-config.json");
  fs.writeFileSync(configFile, JSON.stringify(config));
  const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
  const slt = () => spawnSync(process.execPath, [cli, "--store", store, "run", "--config", configFile, "--json"], { encoding: "utf8" });
  const r = slt();
  assert.equal(r.status, 2, r.stderr);
  for (const m of ["MNIST incomplete", images, "dataDir"]) assert.ok(r.stderr.includes(m), `stderr mentions ${m}:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]\d/, "no stack trace");
  const rs = new RunStore(store);
  assert.deepEqual(
    fs.readdirSync(rs.runDir(id)).sort(),
    ["checkpoint.bin", "config.json"],
    "checkpoint kept; no failed.json, no lock, no result",
  );
  assert.equal(rs.describe(id).status, "interrupted");

  fs.writeFileSync(images, kept);
  const again = slt();
  assert.equal(again.status, 0, again.stderr);
  const run = JSON.parse(again.stdout) as StoredRun;
  assert.equal(run.timings.resumedFromEpoch, 1);
  assert.deepEqual(metricsOf(run), metricsOf(reference));
});
