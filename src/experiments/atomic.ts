/**
 * Files written whole or not at all: write a temporary file beside the target, fsync it,
 * rename it over the target, fsync the folder. A crash leaves either the old file or the
 * new one, plus at most a stray `.tmp-*` file that `slt gc` removes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { SltError } from "../errors";

export const TEMP_PREFIX = ".tmp-";

/**
 * The file-system calls writeFileAtomic makes. Tests replace members to simulate faults
 * that cannot be produced for real without privileges (a full disk: ENOSPC); restore
 * them with `resetAtomicFs()`.
 */
export interface AtomicFs {
  openSync: typeof fs.openSync;
  writeSync: (fd: number, data: Uint8Array, offset: number, length: number) => number;
  fsyncSync: typeof fs.fsyncSync;
  closeSync: typeof fs.closeSync;
  renameSync: typeof fs.renameSync;
}

const realFs: AtomicFs = {
  openSync: fs.openSync,
  writeSync: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
};

export const atomicFs: AtomicFs = { ...realFs };

export function resetAtomicFs(): void {
  Object.assign(atomicFs, realFs);
}

/** Error codes that mean "the store cannot take writes", not "this run is bad". */
export const STORE_WRITE_CODES = ["ENOSPC", "EDQUOT", "EACCES", "EPERM", "EROFS", "ENOTDIR", "ENOENT"] as const;

/** A write to the run store failed for a reason outside the run (disk full, read-only, …). */
export class StoreWriteError extends SltError {
  readonly code: string;
  constructor(message: string, file: string, code: string) {
    super("store", message, file);
    this.code = code;
  }
}

/** Turns a failed file-system call on `target` into a StoreWriteError naming the file and the fix; other errors pass through. */
export function storeWriteError(e: unknown, target: string): unknown {
  if (e instanceof SltError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "";
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new StoreWriteError(
      `The disk is full${code === "EDQUOT" ? " (disk quota exceeded)" : ""}: could not write ${target}. Free some space (slt gc removes the debris of failed runs) and run again; finished runs are intact and interrupted ones resume from their last checkpoint.`,
      target,
      code,
    );
  }
  if (code === "EACCES" || code === "EROFS" || code === "EPERM" || code === "ENOTDIR" || code === "ENOENT") {
    return new StoreWriteError(
      `The run store is not writable: could not write ${target} (${code}). Choose a writable folder with --store or SLT_STORE.`,
      target,
      code,
    );
  }
  return e;
}

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${process.pid}-${randomBytes(4).toString("hex")}`);
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  let fd: number | null = null;
  try {
    fd = atomicFs.openSync(tmp, "w");
    // write(2) may write less than asked (large buffers, network file systems): loop.
    let off = 0;
    while (off < bytes.byteLength) {
      const n = atomicFs.writeSync(fd, bytes, off, bytes.byteLength - off);
      if (n <= 0) throw Object.assign(new Error(`short write to ${tmp}`), { code: "EIO" });
      off += n;
    }
    atomicFs.fsyncSync(fd);
    atomicFs.closeSync(fd);
    fd = null;
    atomicFs.renameSync(tmp, target);
    syncDir(dir);
  } catch (e) {
    if (fd !== null) {
      try {
        atomicFs.closeSync(fd);
      } catch {
        /* the write error is the one to report */
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* nothing was created (e.g. the folder is not a folder) */
    }
    throw storeWriteError(e, target);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some file systems cannot fsync a folder; the rename is still atomic */
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
