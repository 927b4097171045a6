import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CIFAR10, loadCifar, parseCifarBinary } from "../../src/data/cifar";
import { loadDataset } from "../../src/data/registry";
import { baseOptions, bytes, cifarBuffer, rejectsData, tempDir } from "./fixtures";

const tmp = tempDir("cifar");
after(tmp.cleanup);

test("CIFAR record: channel-major planes become HWC", () => {
  // One hand-made record: R plane = pixel index, G = 2×index, B = 255 − index (mod 256).
  const rec = new Uint8Array(1 + 3072);
  rec[0] = 7;
  for (let p = 0; p < 1024; p++) {
    rec[1 + p] = p & 255;
    rec[1 + 1024 + p] = (2 * p) & 255;
    rec[1 + 2048 + p] = (255 - p) & 255;
  }
  const set = parseCifarBinary(rec, CIFAR10, "mem.bin", "fix");
  assert.equal(set.count, 1);
  assert.deepEqual(Array.from(set.labels), [7]);
  for (const [y, x] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [31, 31],
    [5, 17],
  ]) {
    const p = y * 32 + x;
    const o = p * 3;
    assert.deepEqual(Array.from(set.pixels.subarray(o, o + 3)), [p & 255, (2 * p) & 255, (255 - p) & 255], `pixel (${y},${x})`);
  }
});

/** Writes a small CIFAR-10 tree; returns the HWC pixels and labels of train (all batches in order) and test. */
function writeCifar10(
  dir: string,
  perBatch: number,
): { train: Uint8Array; trainLabels: Uint8Array; test: Uint8Array; testLabels: Uint8Array } {
  mkdirSync(dir, { recursive: true });
  const n = perBatch * 5;
  const train = bytes(n * 3072, 11);
  const trainLabels = bytes(n, 12).map((v) => v % 10);
  for (let b = 0; b < 5; b++) {
    const s = b * perBatch;
    writeFileSync(
      path.join(dir, `data_batch_${b + 1}.bin`),
      cifarBuffer(train.subarray(s * 3072, (s + perBatch) * 3072), trainLabels.subarray(s, s + perBatch)),
    );
  }
  const test = bytes(3 * 3072, 13);
  const testLabels = Uint8Array.from([9, 0, 4]);
  writeFileSync(path.join(dir, "test_batch.bin"), cifarBuffer(test, testLabels));
  return { train, trainLabels, test, testLabels };
}

test("CIFAR-10 loads from dataDir or its cifar-10-batches-bin/ subfolder, values exact", async () => {
  for (const sub of ["", "cifar-10-batches-bin"]) {
    const root = path.join(tmp.dir, `c10-${sub || "flat"}`);
    const w = writeCifar10(path.join(root, sub), 2);
    const s = await loadDataset("cifar10", { ...baseOptions, dataDir: root });
    assert.equal(s.numClasses, 10);
    assert.equal(s.train.count, 10);
    assert.equal(s.test.count, 3);
    assert.deepEqual([s.train.height, s.train.width, s.train.channels], [32, 32, 3]);
    assert.ok(Buffer.from(s.train.pixels).equals(Buffer.from(w.train)));
    assert.ok(Buffer.from(s.test.pixels).equals(Buffer.from(w.test)));
    assert.deepEqual(Array.from(s.train.labels), Array.from(w.trainLabels));
    assert.deepEqual(Array.from(s.test.labels), [9, 0, 4]);
    assert.equal(s.source, path.join(root, sub));
    assert.equal(s.mean.length, 3);
  }
});

test("CIFAR-100 uses the fine label (100 classes)", async () => {
  const root = path.join(tmp.dir, "c100");
  const dir = path.join(root, "cifar-100-binary");
  mkdirSync(dir, { recursive: true });
  const px = bytes(4 * 3072, 21);
  writeFileSync(path.join(dir, "train.bin"), cifarBuffer(px, Uint8Array.from([99, 0, 42, 57]), Uint8Array.from([19, 4, 0, 3])));
  writeFileSync(path.join(dir, "test.bin"), cifarBuffer(px.subarray(0, 3072), Uint8Array.from([73]), Uint8Array.from([1])));
  const s = await loadDataset("cifar100", { ...baseOptions, dataDir: root });
  assert.equal(s.numClasses, 100);
  assert.deepEqual(Array.from(s.train.labels), [99, 0, 42, 57]);
  assert.deepEqual(Array.from(s.test.labels), [73]);
  assert.ok(Buffer.from(s.train.pixels).equals(Buffer.from(px)));

  // A fine label of 100 is out of range; so is a coarse label of 20.
  writeFileSync(path.join(dir, "test.bin"), cifarBuffer(px.subarray(0, 3072), Uint8Array.from([100]), Uint8Array.from([1])));
  await rejectsData(
    loadDataset("cifar100", { ...baseOptions, dataDir: root }),
    path.join(dir, "test.bin"),
    /bad label byte 100 in record 0.*expected 0\.\.99/,
  );
  writeFileSync(path.join(dir, "test.bin"), cifarBuffer(px.subarray(0, 3072), Uint8Array.from([5]), Uint8Array.from([20])));
  await rejectsData(loadDataset("cifar100", { ...baseOptions, dataDir: root }), path.join(dir, "test.bin"), /bad coarse label byte 20/);
});

test("CIFAR errors: missing (with URL), incomplete, truncated, bad label byte", async () => {
  const empty = path.join(tmp.dir, "c10-empty");
  mkdirSync(empty);
  await rejectsData(
    loadCifar(CIFAR10, { ...baseOptions, dataDir: empty }),
    empty,
    /CIFAR-10 not found.*https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html.*tar xzf cifar-10-binary\.tar\.gz/,
  );

  const root = path.join(tmp.dir, "c10-bad");
  writeCifar10(root, 2);
  rmSync(path.join(root, "data_batch_4.bin"));
  await rejectsData(
    loadCifar(CIFAR10, { ...baseOptions, dataDir: root }),
    path.join(root, "data_batch_4.bin"),
    /CIFAR-10 incomplete: missing .*data_batch_4\.bin/,
  );

  writeCifar10(root, 2);
  const b3 = path.join(root, "data_batch_3.bin");
  writeFileSync(b3, cifarBuffer(bytes(2 * 3072, 1), Uint8Array.from([1, 2])).subarray(0, 3073 + 100));
  await rejectsData(
    loadCifar(CIFAR10, { ...baseOptions, dataDir: root }),
    b3,
    /length 3173 is not a whole number of CIFAR-10 records of 3073 bytes/,
  );

  const bad = cifarBuffer(bytes(2 * 3072, 1), Uint8Array.from([1, 2]));
  bad[3073] = 10;
  writeFileSync(b3, bad);
  await rejectsData(
    loadCifar(CIFAR10, { ...baseOptions, dataDir: root }),
    b3,
    /bad label byte 10 in record 1 \(byte 3073\), expected 0\.\.9/,
  );
});
