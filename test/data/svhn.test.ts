import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { SltError } from "../../src/errors";
import { readMat5, readMat5File } from "../../src/data/mat5";
import { loadSvhn } from "../../src/data/svhn";
import { baseOptions, bytes, matBuffer, matHeader, mi, mx, rejectsData, svhnMat, tempDir } from "./fixtures";

const tmp = tempDir("svhn");
after(tmp.cleanup);

test("MAT v5: numeric variables round-trip, compressed or not, little- or big-endian", () => {
  for (const compress of [false, true]) {
    for (const le of [true, false]) {
      const buf = matBuffer(
        [
          // 2×3 double, column-major: A(1,1)=1 A(2,1)=2 A(1,2)=3 ...
          { name: "A", classId: mx.DOUBLE, dims: [2, 3], type: mi.DOUBLE, values: [1, 2, 3, 4.5, -5, 6e10] },
          // A double array stored as int16, as MATLAB does when the values fit.
          { name: "small", classId: mx.DOUBLE, dims: [1, 3], type: mi.INT16, values: [-300, 0, 300] },
          // One uint8 value: a small data element (4 bytes of tag + data).
          { name: "b", classId: mx.UINT8, dims: [1, 1], type: mi.UINT8, values: [200] },
          { name: "longer_name", classId: mx.SINGLE, dims: [1, 2], type: mi.SINGLE, values: [0.5, -2] },
          { name: "u32", classId: mx.UINT32, dims: [1, 1], type: mi.UINT32, values: [4000000000] },
          { name: "z", classId: mx.DOUBLE, dims: [1, 2], type: mi.DOUBLE, values: [1, 2], complexImag: [3, 4] },
        ],
        { compress, le },
      );
      const vars = readMat5(buf, "mem.mat", "fix");
      const what = `compress=${compress} le=${le}`;
      assert.deepEqual([...vars.keys()], ["A", "small", "b", "longer_name", "u32", "z"], what);
      const A = vars.get("A");
      assert.equal(A?.className, "double");
      assert.deepEqual(A?.dims, [2, 3]);
      assert.ok(A?.real instanceof Float64Array);
      assert.deepEqual(Array.from(A.real as Float64Array), [1, 2, 3, 4.5, -5, 6e10], what);
      const small = vars.get("small");
      assert.equal(small?.className, "double");
      assert.deepEqual(Array.from(small?.real as Int16Array), [-300, 0, 300], what);
      assert.deepEqual(Array.from(vars.get("b")?.real as Uint8Array), [200], what);
      assert.deepEqual(Array.from(vars.get("longer_name")?.real as Float32Array), [0.5, -2], what);
      assert.deepEqual(Array.from(vars.get("u32")?.real as Uint32Array), [4000000000], what);
      const z = vars.get("z");
      assert.equal(z?.complex, true);
      assert.deepEqual(Array.from(z?.imag as Float64Array), [3, 4], what);
    }
  }
});

test("MAT v5: v7.3 (HDF5), non-MAT and truncated files are rejected, naming the file", async () => {
  const h5 = path.join(tmp.dir, "v73.mat");
  const hdr = Buffer.alloc(1024);
  hdr.write("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 00:00:00 2024 HDF5 schema 1.00 .", 0, "latin1");
  Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]).copy(hdr, 512);
  writeFileSync(h5, hdr);
  await rejectsData(readMat5File(h5, "Get a good copy."), h5, /v7\.3 \(HDF5\).*-v7.*Get a good copy/);

  const text = path.join(tmp.dir, "notmat.mat");
  writeFileSync(text, Buffer.alloc(200, "x"));
  await rejectsData(readMat5File(text, "fix"), text, /not a MATLAB level-5 MAT file/);

  const full = matBuffer([{ name: "X", classId: mx.UINT8, dims: [4, 4], type: mi.UINT8, values: bytes(16, 1) }], { compress: false });
  const cut = path.join(tmp.dir, "cut.mat");
  writeFileSync(cut, full.subarray(0, full.length - 16));
  await rejectsData(readMat5File(cut, "fix"), cut, /truncated/);

  const fullZ = matBuffer([{ name: "X", classId: mx.UINT8, dims: [40, 40], type: mi.UINT8, values: bytes(1600, 1) }], { compress: true });
  const cutZ = path.join(tmp.dir, "cutz.mat");
  // Keep the tag's byte count but cut the stream: the element runs past the end.
  writeFileSync(cutZ, fullZ.subarray(0, fullZ.length - 50));
  await rejectsData(readMat5File(cutZ, "fix"), cutZ, /truncated/);
  // A corrupt stream of the right length.
  const bad = Buffer.from(fullZ);
  bad.fill(0xff, 128 + 8 + 10, 128 + 8 + 40);
  const badZ = path.join(tmp.dir, "badz.mat");
  writeFileSync(badZ, bad);
  await rejectsData(readMat5File(badZ, "fix"), badZ, /corrupt/);

  assert.throws(
    () => readMat5(matHeader(true).subarray(0, 100), "short.mat", "fix"),
    (e: unknown) => e instanceof SltError && /short\.mat: truncated/.test(e.message),
  );
});

function svhnFixture(n: number, seed: number): { pixels: Uint8Array; labels: Uint8Array } {
  const pixels = bytes(n * 3072, seed);
  const labels = Uint8Array.from({ length: n }, (_, i) => (i * 3 + seed) % 10);
  labels[n - 1] = 0; // the digit 0, written as 10 in the file
  return { pixels, labels };
}

test("SVHN: compressed and uncompressed .mat, double and uint8 y, column-major → NHWC, 10 → 0", async () => {
  const cases = [
    { compress: true, yType: "double" as const },
    { compress: false, yType: "uint8" as const },
    { compress: true, yType: "uint8" as const },
    { compress: false, yType: "double" as const },
  ];
  for (const [k, c] of cases.entries()) {
    const dir = path.join(tmp.dir, `svhn-${k}`);
    // Alternate the flat layout and the svhn/ subfolder.
    const filesDir = k % 2 === 0 ? dir : path.join(dir, "svhn");
    mkdirSync(filesDir, { recursive: true });
    const train = svhnFixture(5, 1 + k);
    const test = svhnFixture(3, 7 + k);
    assert.ok(train.labels.includes(0), "fixture should hold the digit 0 (stored as 10)");
    writeFileSync(path.join(filesDir, "train_32x32.mat"), svhnMat(train.pixels, train.labels, c));
    writeFileSync(path.join(filesDir, "test_32x32.mat"), svhnMat(test.pixels, test.labels, c));
    const s = await loadSvhn({ ...baseOptions, dataDir: dir });
    const what = JSON.stringify(c);
    assert.deepEqual([s.train.count, s.train.height, s.train.width, s.train.channels], [5, 32, 32, 3], what);
    assert.ok(Buffer.from(s.train.pixels).equals(Buffer.from(train.pixels)), what);
    assert.ok(Buffer.from(s.test.pixels).equals(Buffer.from(test.pixels)), what);
    assert.deepEqual(Array.from(s.train.labels), Array.from(train.labels), what);
    assert.deepEqual(Array.from(s.test.labels), Array.from(test.labels), what);
    assert.equal(s.source, filesDir);
  }
});

test("SVHN: a hand-placed pixel lands where MATLAB indexing says", async () => {
  // X(h=2, w=5, c=3, n=2) in MATLAB's 1-based terms = 200; everything else 0.
  const n = 2;
  const X = new Uint8Array(n * 3072);
  X[2 - 1 + 32 * (5 - 1 + 32 * (3 - 1 + 3 * (2 - 1)))] = 200;
  const buf = matBuffer(
    [
      { name: "X", classId: mx.UINT8, dims: [32, 32, 3, n], type: mi.UINT8, values: X },
      { name: "y", classId: mx.DOUBLE, dims: [n, 1], type: mi.DOUBLE, values: [10, 1] },
    ],
    { compress: true },
  );
  const dir = path.join(tmp.dir, "svhn-hand");
  mkdirSync(dir);
  writeFileSync(path.join(dir, "train_32x32.mat"), buf);
  writeFileSync(path.join(dir, "test_32x32.mat"), buf);
  const s = await loadSvhn({ ...baseOptions, dataDir: dir });
  const at = 1 * 3072 + (1 * 32 + 4) * 3 + 2; // image 1, row 1, column 4, blue (0-based)
  assert.equal(s.train.pixels[at], 200);
  assert.equal(
    s.train.pixels.reduce((a, v) => a + v, 0),
    200,
  );
  assert.deepEqual(Array.from(s.train.labels), [0, 1]);
});

test("SVHN errors: missing (with URL), wrong shape, bad label, HDF5, missing variable", async () => {
  const empty = path.join(tmp.dir, "svhn-empty");
  mkdirSync(empty);
  await rejectsData(
    loadSvhn({ ...baseOptions, dataDir: empty }),
    empty,
    /SVHN not found.*train_32x32\.mat.*http:\/\/ufldl\.stanford\.edu\/housenumbers\//,
  );

  const dir = path.join(tmp.dir, "svhn-bad");
  mkdirSync(dir);
  const good = svhnFixture(2, 3);
  writeFileSync(path.join(dir, "test_32x32.mat"), svhnMat(good.pixels, good.labels, { compress: true, yType: "double" }));
  const train = path.join(dir, "train_32x32.mat");

  writeFileSync(
    train,
    matBuffer(
      [
        { name: "X", classId: mx.UINT8, dims: [28, 28, 1, 2], type: mi.UINT8, values: new Uint8Array(28 * 28 * 2) },
        { name: "y", classId: mx.DOUBLE, dims: [2, 1], type: mi.DOUBLE, values: [1, 2] },
      ],
      { compress: true },
    ),
  );
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /wrong shape: X is 28×28×1×2, expected 32×32×3×N/);

  writeFileSync(
    train,
    matBuffer(
      [
        { name: "X", classId: mx.UINT8, dims: [32, 32, 3, 2], type: mi.UINT8, values: new Uint8Array(6144) },
        { name: "y", classId: mx.DOUBLE, dims: [3, 1], type: mi.DOUBLE, values: [1, 2, 3] },
      ],
      { compress: false },
    ),
  );
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /y holds 3 labels but X holds 2 images/);

  writeFileSync(
    train,
    matBuffer(
      [
        { name: "X", classId: mx.UINT8, dims: [32, 32, 3, 2], type: mi.UINT8, values: new Uint8Array(6144) },
        { name: "y", classId: mx.DOUBLE, dims: [2, 1], type: mi.DOUBLE, values: [4, 11] },
      ],
      { compress: true },
    ),
  );
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /bad label 11 at index 1 of y, expected 1\.\.10/);

  writeFileSync(
    train,
    matBuffer(
      [
        { name: "X", classId: mx.DOUBLE, dims: [32, 32, 3, 1], type: mi.UINT8, values: new Uint8Array(3072) },
        { name: "y", classId: mx.DOUBLE, dims: [1, 1], type: mi.DOUBLE, values: [4] },
      ],
      { compress: true },
    ),
  );
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /X is double, expected uint8/);

  writeFileSync(train, matBuffer([{ name: "images", classId: mx.UINT8, dims: [1, 1], type: mi.UINT8, values: [1] }], { compress: true }));
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /missing variable X \(found: images\)/);

  const h5 = Buffer.alloc(1024);
  h5.write("MATLAB 7.3 MAT-file", 0, "latin1");
  Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]).copy(h5, 512);
  writeFileSync(train, h5);
  await rejectsData(loadSvhn({ ...baseOptions, dataDir: dir }), train, /v7\.3 \(HDF5\).*ufldl/);

  // A gzipped .mat is read like the raw one (readDataFile gunzips by magic).
  writeFileSync(train, zlib.gzipSync(svhnMat(good.pixels, good.labels, { compress: false, yType: "uint8" })));
  const s = await loadSvhn({ ...baseOptions, dataDir: dir });
  assert.equal(s.train.count, 2);
});
