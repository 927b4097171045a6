/**
 * Writers for small files in the exact on-disk formats the loaders read (IDX, CIFAR
 * binary, MAT level 5), written independently of the readers so that a shared
 * misunderstanding cannot make a round trip pass. Not a test file itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import assert from "node:assert/strict";
import { SltError } from "../../src/errors";
import type { LoadOptions } from "../../src/data/types";

export function tempDir(label: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `slt-data-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const baseOptions: LoadOptions = { validationFraction: 0, seed: 0, limitTrain: 0, limitTest: 0 };

/** Deterministic pseudo-random bytes (a simple LCG, independent of the workbench's Rng). */
export function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Asserts that `p` rejects with an SltError of kind "data" whose message names `file` and matches `re`. */
export async function rejectsData(p: Promise<unknown>, file: string, re: RegExp): Promise<SltError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SltError, `expected an SltError, got ${String(caught)}`);
  assert.equal(caught.kind, "data");
  assert.ok(caught.message.includes(file), `message should name ${file}: ${caught.message}`);
  assert.match(caught.message, re);
  return caught;
}

// ---------- IDX ----------

export function idxBuffer(magic: number, dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

export function writeIdx(file: string, magic: number, dims: number[], data: Uint8Array, gzip = false): void {
  const buf = idxBuffer(magic, dims, data);
  writeFileSync(file, gzip ? zlib.gzipSync(buf) : buf);
}

/** Writes the four standard MNIST-style files into `dir`; returns what they hold (NHW pixels). */
export function writeIdxDataset(
  dir: string,
  opts: { train: number; test: number; side?: number; gzip?: boolean; seed?: number },
): { trainPixels: Uint8Array; trainLabels: Uint8Array; testPixels: Uint8Array; testLabels: Uint8Array } {
  const side = opts.side ?? 28;
  const seed = opts.seed ?? 1;
  const gz = opts.gzip ? ".gz" : "";
  const trainPixels = bytes(opts.train * side * side, seed);
  const testPixels = bytes(opts.test * side * side, seed + 1);
  const trainLabels = bytes(opts.train, seed + 2).map((v) => v % 10);
  const testLabels = bytes(opts.test, seed + 3).map((v) => v % 10);
  writeIdx(path.join(dir, `train-images-idx3-ubyte${gz}`), 2051, [opts.train, side, side], trainPixels, opts.gzip);
  writeIdx(path.join(dir, `train-labels-idx1-ubyte${gz}`), 2049, [opts.train], trainLabels, opts.gzip);
  writeIdx(path.join(dir, `t10k-images-idx3-ubyte${gz}`), 2051, [opts.test, side, side], testPixels, opts.gzip);
  writeIdx(path.join(dir, `t10k-labels-idx1-ubyte${gz}`), 2049, [opts.test], testLabels, opts.gzip);
  return { trainPixels, trainLabels, testPixels, testLabels };
}

// ---------- CIFAR binary ----------

/** HWC images (32×32×3 each) and labels → CIFAR records (label byte(s), then R, G, B planes). */
export function cifarBuffer(hwc: Uint8Array, labels: Uint8Array, coarse?: Uint8Array): Buffer {
  const n = labels.length;
  const rec = (coarse ? 2 : 1) + 3072;
  const out = Buffer.alloc(n * rec);
  for (let i = 0; i < n; i++) {
    let o = i * rec;
    if (coarse) out[o++] = coarse[i];
    out[o++] = labels[i];
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[o + c * 1024 + y * 32 + x] = hwc[i * 3072 + (y * 32 + x) * 3 + c];
    }
  }
  return out;
}

// ---------- MAT level 5 ----------

export const mi = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  MATRIX: 14,
  COMPRESSED: 15,
} as const;
export const mx = { CELL: 1, CHAR: 4, DOUBLE: 6, SINGLE: 7, INT8: 8, UINT8: 9, INT16: 10, UINT16: 11, INT32: 12, UINT32: 13 } as const;

export interface MatVar {
  name: string;
  classId: number;
  dims: number[];
  /** Storage type and values (column-major). */
  type: number;
  values: ArrayLike<number>;
  complexImag?: ArrayLike<number>;
}

const BYTES_PER: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8 };

function encode(type: number, values: ArrayLike<number>, le: boolean): Buffer {
  const k = BYTES_PER[type];
  const b = Buffer.alloc(values.length * k);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = i * k;
    switch (type) {
      case mi.INT8:
        b.writeInt8(v, o);
        break;
      case mi.UINT8:
        b.writeUInt8(v, o);
        break;
      case mi.INT16:
        le ? b.writeInt16LE(v, o) : b.writeInt16BE(v, o);
        break;
      case mi.UINT16:
        le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o);
        break;
      case mi.INT32:
        le ? b.writeInt32LE(v, o) : b.writeInt32BE(v, o);
        break;
      case mi.UINT32:
        le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o);
        break;
      case mi.SINGLE:
        le ? b.writeFloatLE(v, o) : b.writeFloatBE(v, o);
        break;
      case mi.DOUBLE:
        le ? b.writeDoubleLE(v, o) : b.writeDoubleBE(v, o);
        break;
      default:
        throw new Error(`fixture: type ${type}`);
    }
  }
  return b;
}

/** A data element; payloads of 1..4 bytes use the small-data-element format, as MATLAB writes them. */
function element(type: number, payload: Buffer, le: boolean, allowSmall = true): Buffer {
  if (allowSmall && payload.length > 0 && payload.length <= 4) {
    const out = Buffer.alloc(8);
    const word = ((payload.length << 16) | type) >>> 0;
    le ? out.writeUInt32LE(word, 0) : out.writeUInt32BE(word, 0);
    payload.copy(out, 4);
    return out;
  }
  const padded = Math.ceil(payload.length / 8) * 8;
  const out = Buffer.alloc(8 + padded);
  le ? out.writeUInt32LE(type, 0) : out.writeUInt32BE(type, 0);
  le ? out.writeUInt32LE(payload.length, 4) : out.writeUInt32BE(payload.length, 4);
  payload.copy(out, 8);
  return out;
}

function matrixElement(v: MatVar, le: boolean): Buffer {
  const flags = Buffer.alloc(8);
  const word = (v.classId | (v.complexImag ? 0x08 << 8 : 0)) >>> 0;
  le ? flags.writeUInt32LE(word, 0) : flags.writeUInt32BE(word, 0);
  const parts = [
    element(mi.UINT32, flags, le, false),
    element(mi.INT32, encode(mi.INT32, v.dims, le), le),
    element(mi.INT8, Buffer.from(v.name, "latin1"), le),
    element(v.type, encode(v.type, v.values, le), le),
  ];
  if (v.complexImag) parts.push(element(v.type, encode(v.type, v.complexImag, le), le));
  return element(mi.MATRIX, Buffer.concat(parts), le, false);
}

export function matHeader(le: boolean, text = "MATLAB 5.0 MAT-file, Platform: test, Created by: slt-workbench fixtures"): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write(text, 0, "latin1");
  h.fill(0, 116, 124); // no subsystem data
  le ? h.writeUInt16LE(0x0100, 124) : h.writeUInt16BE(0x0100, 124);
  h.write(le ? "IM" : "MI", 126, "latin1");
  return h;
}

export function matBuffer(vars: MatVar[], opts: { compress: boolean; le?: boolean }): Buffer {
  const le = opts.le ?? true;
  const parts: Buffer[] = [matHeader(le)];
  for (const v of vars) {
    const m = matrixElement(v, le);
    if (!opts.compress) {
      parts.push(m);
      continue;
    }
    const z = zlib.deflateSync(m);
    const tag = Buffer.alloc(8);
    le ? tag.writeUInt32LE(mi.COMPRESSED, 0) : tag.writeUInt32BE(mi.COMPRESSED, 0);
    le ? tag.writeUInt32LE(z.length, 4) : tag.writeUInt32BE(z.length, 4);
    parts.push(tag, z); // compressed elements are not padded
  }
  return Buffer.concat(parts);
}

/**
 * An SVHN-style file: X 32×32×3×N uint8 (column-major) built from NHWC `pixels`, and
 * y N×1 holding `labels` with the digit 0 written as 10, stored as double or uint8.
 */
export function svhnMat(pixels: Uint8Array, labels: Uint8Array, opts: { compress: boolean; yType: "double" | "uint8" }): Buffer {
  const n = labels.length;
  const X = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++)
    for (let h = 0; h < 32; h++)
      for (let w = 0; w < 32; w++) for (let c = 0; c < 3; c++) X[h + 32 * (w + 32 * (c + 3 * i))] = pixels[i * 3072 + (h * 32 + w) * 3 + c];
  const y = Array.from(labels, (l) => (l === 0 ? 10 : l));
  return matBuffer(
    [
      { name: "X", classId: mx.UINT8, dims: [32, 32, 3, n], type: mi.UINT8, values: X },
      opts.yType === "double"
        ? { name: "y", classId: mx.DOUBLE, dims: [n, 1], type: mi.DOUBLE, values: y }
        : { name: "y", classId: mx.UINT8, dims: [n, 1], type: mi.UINT8, values: y },
    ],
    { compress: opts.compress },
  );
}
