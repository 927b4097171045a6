/**
 * A small reader for MATLAB level-5 MAT files (what `save -v7` and scipy's savemat
 * write): a 128-byte header, then data elements, each an 8-byte tag (type, byte count)
 * or a 4-byte "small data element" tag with up to 4 bytes of data packed beside it.
 * Top-level elements are miMATRIX (one variable) or miCOMPRESSED (zlib around a
 * miMATRIX). Numeric arrays are read; cell, struct, object and sparse variables are
 * listed by name and class but their content is skipped. v7.3 files are HDF5 and are
 * rejected with a message saying how to convert them.
 */
import * as zlib from "node:zlib";
import { SltError } from "../errors";
import { readDataFile } from "./files";

// Data types of elements.
const miINT8 = 1;
const miUINT8 = 2;
const miINT16 = 3;
const miUINT16 = 4;
const miINT32 = 5;
const miUINT32 = 6;
const miSINGLE = 7;
const miDOUBLE = 9;
const miINT64 = 12;
const miUINT64 = 13;
const miMATRIX = 14;
const miCOMPRESSED = 15;
const miUTF8 = 16;
const miUTF16 = 17;
const miUTF32 = 18;

export type MatClass =
  | "cell"
  | "struct"
  | "object"
  | "char"
  | "sparse"
  | "double"
  | "single"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "unknown";

const CLASS_NAMES: Record<number, MatClass> = {
  1: "cell",
  2: "struct",
  3: "object",
  4: "char",
  5: "sparse",
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
};

/** Stored values. Their type is the element's storage type, which may be narrower than the class (MATLAB stores a double array of small integers as bytes). */
export type MatValues =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export interface MatVariable {
  name: string;
  className: MatClass;
  /** MATLAB dimensions; the values are stored column-major (first index fastest). */
  dims: number[];
  complex: boolean;
  logical: boolean;
  /** Real part, present for numeric, logical and char arrays. */
  real?: MatValues;
  imag?: MatValues;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function hasHdf5Signature(b: Uint8Array, at: number): boolean {
  if (b.length < at + 8) return false;
  for (let i = 0; i < 8; i++) if (b[at + i] !== HDF5_SIGNATURE[i]) return false;
  return true;
}

class Reader {
  constructor(
    readonly file: string,
    readonly fix: string,
    readonly le: boolean,
  ) {}

  fail(what: string): never {
    throw new SltError("data", `${this.file}: ${what}. ${this.fix}`, this.file);
  }

  view(b: Uint8Array): DataView {
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /** Reads the element at `pos`: its type, its data (a view) and where the next element starts. */
  element(b: Uint8Array, pos: number, end: number, where: string): { type: number; data: Uint8Array; next: number } {
    if (pos + 8 > end) this.fail(`truncated: ${where}: element tag at byte ${pos} runs past the end`);
    const v = this.view(b);
    const first = v.getUint32(pos, this.le);
    if (first >>> 16 !== 0) {
      // Small data element: byte count in the upper half, type in the lower, data in the next 4 bytes.
      const nbytes = first >>> 16;
      if (nbytes > 4) this.fail(`corrupt: ${where}: small data element at byte ${pos} claims ${nbytes} bytes`);
      return { type: first & 0xffff, data: b.subarray(pos + 4, pos + 4 + nbytes), next: pos + 8 };
    }
    const type = first;
    const nbytes = v.getUint32(pos + 4, this.le);
    const start = pos + 8;
    if (start + nbytes > end) {
      this.fail(`truncated: ${where}: element at byte ${pos} needs ${nbytes} bytes, only ${end - start} left`);
    }
    // Elements are padded to 8 bytes, except compressed ones, which writers leave unpadded.
    const next = type === miCOMPRESSED ? start + nbytes : Math.min(end, start + Math.ceil(nbytes / 8) * 8);
    return { type, data: b.subarray(start, start + nbytes), next };
  }

  values(type: number, data: Uint8Array, where: string): MatValues {
    const copy = (bytesPer: number): ArrayBuffer => {
      if (data.length % bytesPer !== 0)
        this.fail(`corrupt: ${where}: ${data.length} bytes is not a whole number of ${bytesPer}-byte values`);
      // A copy: the data may be unaligned, and big-endian files need their bytes swapped.
      const out = new Uint8Array(data.length);
      out.set(data);
      if (!this.le && bytesPer > 1) {
        for (let i = 0; i < out.length; i += bytesPer) out.subarray(i, i + bytesPer).reverse();
      }
      return out.buffer;
    };
    switch (type) {
      case miINT8:
        return new Int8Array(data.buffer, data.byteOffset, data.length);
      case miUINT8:
      case miUTF8:
        // A plain view (not a Buffer, whose slice() shares memory instead of copying).
        return new Uint8Array(data.buffer, data.byteOffset, data.length);
      case miINT16:
        return new Int16Array(copy(2));
      case miUINT16:
      case miUTF16:
        return new Uint16Array(copy(2));
      case miINT32:
        return new Int32Array(copy(4));
      case miUINT32:
      case miUTF32:
        return new Uint32Array(copy(4));
      case miSINGLE:
        return new Float32Array(copy(4));
      case miDOUBLE:
        return new Float64Array(copy(8));
      case miINT64:
        return new BigInt64Array(copy(8));
      case miUINT64:
        return new BigUint64Array(copy(8));
      default:
        return this.fail(`unsupported: ${where}: data type ${type}`);
    }
  }

  /** Parses the content of a miMATRIX element. */
  matrix(b: Uint8Array, at: number): MatVariable | undefined {
    if (b.length === 0) return undefined; // An empty miMATRIX stands for an empty array with no name.
    const end = b.length;
    const where = `variable at byte ${at}`;
    const flags = this.element(b, 0, end, where);
    if (flags.type !== miUINT32 || flags.data.length < 8) this.fail(`corrupt: ${where}: bad array-flags subelement`);
    const flagWord = this.view(flags.data).getUint32(0, this.le);
    const classId = flagWord & 0xff;
    const flagBits = (flagWord >>> 8) & 0xff;
    const className: MatClass = CLASS_NAMES[classId] ?? "unknown";
    const dimsEl = this.element(b, flags.next, end, where);
    if (dimsEl.type !== miINT32 || dimsEl.data.length % 4 !== 0) this.fail(`corrupt: ${where}: bad dimensions subelement`);
    const dims = Array.from(this.values(miINT32, dimsEl.data, where) as Int32Array);
    if (dims.some((d) => d < 0)) this.fail(`corrupt: ${where}: negative dimension in ${dims.join("×")}`);
    const nameEl = this.element(b, dimsEl.next, end, where);
    if (nameEl.type !== miINT8 && nameEl.type !== miUINT8) this.fail(`corrupt: ${where}: bad name subelement`);
    const name = Buffer.from(nameEl.data).toString("latin1");
    const v: MatVariable = {
      name,
      className,
      dims,
      complex: (flagBits & 0x08) !== 0,
      logical: (flagBits & 0x02) !== 0,
    };
    const numeric = classId >= 4 && classId !== 5 && classId <= 15;
    if (!numeric) return v;
    const label = `variable "${name}"`;
    const count = dims.reduce((p, d) => p * d, 1);
    const realEl = this.element(b, nameEl.next, end, label);
    v.real = this.values(realEl.type, realEl.data, label);
    if (v.real.length !== count) {
      this.fail(`corrupt: ${label} holds ${v.real.length} values, its dimensions ${dims.join("×")} need ${count}`);
    }
    if (v.complex) {
      const imagEl = this.element(b, realEl.next, end, label);
      v.imag = this.values(imagEl.type, imagEl.data, label);
      if (v.imag.length !== count) this.fail(`corrupt: imaginary part of ${label} holds ${v.imag.length} values, expected ${count}`);
    }
    return v;
  }

  /** Parses a run of top-level elements into `out`. */
  elements(b: Uint8Array, start: number, out: Map<string, MatVariable>, offset: number, depth: number): void {
    let pos = start;
    while (pos + 8 <= b.length) {
      const el = this.element(b, pos, b.length, `data element at byte ${offset + pos}`);
      if (el.type === miCOMPRESSED) {
        if (depth > 0) this.fail(`corrupt: nested compressed element at byte ${offset + pos}`);
        let inflated: Buffer;
        try {
          inflated = zlib.inflateSync(el.data);
        } catch (e) {
          this.fail(`corrupt compressed element at byte ${offset + pos} (${e instanceof Error ? e.message : String(e)})`);
        }
        this.elements(inflated, 0, out, offset + pos, depth + 1);
      } else if (el.type === miMATRIX) {
        const v = this.matrix(el.data, offset + pos);
        if (v) out.set(v.name, v);
      }
      // Other top-level element types carry nothing we read; skip them.
      pos = el.next;
    }
  }
}

/**
 * Parses a level-5 MAT file already in memory into its variables by name. `file`
 * and `fix` (how to get a good copy) only feed error messages.
 */
export function readMat5(bytes: Uint8Array, file: string, fix: string): Map<string, MatVariable> {
  const head = Buffer.from(bytes.subarray(0, Math.min(128, bytes.length))).toString("latin1");
  if (hasHdf5Signature(bytes, 0) || hasHdf5Signature(bytes, 512) || head.startsWith("MATLAB 7.3")) {
    throw new SltError(
      "data",
      `${file}: a MATLAB v7.3 (HDF5) MAT file, which this reader does not handle. ` +
        `Re-save it as a level-5 file (MATLAB: \`save(f, '-v7', ...)\`; Python: scipy.io.savemat). ${fix}`,
      file,
    );
  }
  if (bytes.length < 128) {
    throw new SltError("data", `${file}: truncated: ${bytes.length} bytes, shorter than the 128-byte MAT header. ${fix}`, file);
  }
  const ind = String.fromCharCode(bytes[126], bytes[127]);
  if (ind !== "IM" && ind !== "MI") {
    throw new SltError(
      "data",
      `${file}: not a MATLAB level-5 MAT file (no "IM"/"MI" endian indicator at byte 126; header starts "${head.slice(0, 20).replace(/[^\x20-\x7e]/g, "?")}"). ${fix}`,
      file,
    );
  }
  // The writer stored 'M' 'I' as a 16-bit value; read back as "IM" it was little-endian.
  const r = new Reader(file, fix, ind === "IM");
  const version = new DataView(bytes.buffer, bytes.byteOffset, 128).getUint16(124, r.le);
  if (version !== 0x0100) r.fail(`unsupported MAT version 0x${version.toString(16)} (expected 0x0100, level 5)`);
  const out = new Map<string, MatVariable>();
  r.elements(bytes, 128, out, 0, 0);
  return out;
}

/** Reads a level-5 MAT file from disk (a gzipped copy is gunzipped first). */
export async function readMat5File(file: string, fix: string): Promise<Map<string, MatVariable>> {
  const f = await readDataFile(file, fix);
  return readMat5(f.bytes, file, fix);
}
