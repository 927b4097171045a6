/**
 * A small container for objects holding typed arrays (checkpoints): a JSON header with the
 * arrays replaced by references, the arrays' bytes, then a SHA-256 of all that, so a
 * flipped byte anywhere is caught on reading.
 */
import { createHash } from "node:crypto";

const MAGIC = Buffer.from("SLTBIN01");

type Ref = { $array: number; type: "f32" | "u8" };
/** JSON has no NaN or ±Infinity; they travel as `{ $num: "NaN" }` so a value never silently becomes null. */
type NumRef = { $num: "NaN" | "Infinity" | "-Infinity" };

export function encodeBinary(value: unknown): Buffer {
  const arrays: Buffer[] = [];
  const header = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Float32Array || v instanceof Uint8Array) {
      arrays.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
      const ref: Ref = { $array: arrays.length - 1, type: v instanceof Float32Array ? "f32" : "u8" };
      return ref;
    }
    // Any other typed array would be written as a plain object and read back as one.
    if (ArrayBuffer.isView(v))
      throw new Error(`encodeBinary: unsupported array type ${v.constructor.name}; use Float32Array or Uint8Array`);
    if (typeof v === "number" && !Number.isFinite(v)) {
      const ref: NumRef = { $num: String(v) as NumRef["$num"] };
      return ref;
    }
    return v;
  });
  const headerBuf = Buffer.from(header);
  const lengths = Buffer.alloc(4 + 8 * arrays.length);
  lengths.writeUInt32LE(arrays.length, 0);
  arrays.forEach((a, i) => lengths.writeDoubleLE(a.byteLength, 4 + 8 * i));
  const headLen = Buffer.alloc(4);
  headLen.writeUInt32LE(headerBuf.byteLength, 0);
  const body = Buffer.concat([MAGIC, headLen, headerBuf, lengths, ...arrays]);
  const digest = createHash("sha256").update(body).digest();
  return Buffer.concat([body, digest]);
}

/** Decode; throws Error("…") describing the damage if the bytes are not intact. */
export function decodeBinary<T>(buf: Buffer): T {
  if (buf.byteLength < MAGIC.byteLength + 4 + 32 || !buf.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw new Error(buf.byteLength === 0 ? "the file is empty" : "not a workbench binary file (bad magic or truncated)");
  }
  const body = buf.subarray(0, buf.byteLength - 32);
  const digest = buf.subarray(buf.byteLength - 32);
  if (!createHash("sha256").update(body).digest().equals(digest)) throw new Error("checksum mismatch: the file is damaged or truncated");
  // The checksum matched, so the layout below was written by encodeBinary; the bounds
  // checks only guard against a file from an incompatible writer.
  const malformed = () => new Error("malformed layout (written by an incompatible version?)");
  let off = MAGIC.byteLength;
  const headerLen = body.readUInt32LE(off);
  off += 4;
  if (off + headerLen + 4 > body.byteLength) throw malformed();
  const header = body.subarray(off, off + headerLen).toString();
  off += headerLen;
  const n = body.readUInt32LE(off);
  off += 4;
  if (off + 8 * n > body.byteLength) throw malformed();
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) lengths.push(body.readDoubleLE(off + 8 * i));
  off += 8 * n;
  const arrays: Buffer[] = [];
  for (const len of lengths) {
    if (!Number.isInteger(len) || len < 0 || off + len > body.byteLength) throw malformed();
    arrays.push(body.subarray(off, off + len));
    off += len;
  }
  return JSON.parse(header, (_k, v: unknown) => {
    if (v && typeof v === "object" && "$array" in (v as Record<string, unknown>)) {
      const ref = v as Ref;
      const source = arrays[ref.$array];
      if (!source) throw malformed();
      // Copy into a fresh ArrayBuffer: aligned for Float32Array, independent of `buf`.
      const bytes = new Uint8Array(source.byteLength);
      bytes.set(source);
      if (ref.type === "f32") {
        if (bytes.byteLength % 4 !== 0) throw malformed();
        return new Float32Array(bytes.buffer);
      }
      return bytes;
    }
    if (v && typeof v === "object" && "$num" in (v as Record<string, unknown>) && Object.keys(v).length === 1) {
      return Number((v as NumRef).$num);
    }
    return v;
  }) as T;
}
