/**
 * One lock file per run, so that two processes sharing a run store (two terminals, the
 * shards of a cluster array job) never run the same configuration at once. A lock left
 * by a dead process is taken over: on the same host when its pid no longer exists,
 * from any host when its heartbeat is older than `staleMs`.
 */
import * as fs from "node:fs";
import * as os from "node:os";

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
}

export const DEFAULT_STALE_MS = 10 * 60 * 1000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return null;
  }
}

export function lockIsStale(info: LockInfo | null, staleMs = DEFAULT_STALE_MS): boolean {
  if (!info) return true; // unreadable: half-written by a process that died at once
  if (info.host === os.hostname() && !pidAlive(info.pid)) return true;
  return Date.now() - Date.parse(info.heartbeatAt) > staleMs;
}

export class RunLock {
  readonly file: string;
  private released = false;

  private constructor(file: string) {
    this.file = file;
  }

  /** Take the lock, or return null if a live process holds it. */
  static acquire(file: string, staleMs = DEFAULT_STALE_MS): RunLock | null {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date().toISOString();
      const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: now, heartbeatAt: now };
      try {
        // O_EXCL: exactly one process creates the file.
        fs.writeFileSync(file, JSON.stringify(info), { flag: "wx" });
        return new RunLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const holder = readLock(file);
      if (!lockIsStale(holder, staleMs)) return null;
      // Steal a stale lock by renaming it away: only one contender's rename succeeds.
      const aside = `${file}.stale-${process.pid}`;
      try {
        fs.renameSync(file, aside);
        fs.rmSync(aside, { force: true });
      } catch {
        /* someone else took it over first; try again */
      }
    }
    return null;
  }

  heartbeat(): void {
    if (this.released) return;
    const info = readLock(this.file);
    if (!info || info.pid !== process.pid) return;
    info.heartbeatAt = new Date().toISOString();
    fs.writeFileSync(this.file, JSON.stringify(info));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const info = readLock(this.file);
    if (info && info.pid === process.pid && info.host === os.hostname()) fs.rmSync(this.file, { force: true });
  }
}
