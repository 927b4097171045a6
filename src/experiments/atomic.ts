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

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const dir = path.dirname(target);
  const tmp = path.join(dir, `${TEMP_PREFIX}${path.basename(target)}-${process.pid}-${randomBytes(4).toString("hex")}`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, "w");
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
    syncDir(dir);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOSPC") throw new SltError("store", `The disk is full: could not write ${target}. Free some space (slt gc removes debris of failed runs) and run again; finished runs are intact.`, target);
    if (err.code === "EACCES" || err.code === "EROFS" || err.code === "EPERM") throw new SltError("store", `The run store is not writable: could not write ${target} (${err.code}). Choose a writable folder with --store or SLT_STORE.`, target);
    throw e;
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
