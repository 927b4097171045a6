/**
 * One lock file per run, so that two processes sharing a run store (two terminals, the
 * shards of a cluster array job) never run the same configuration at once. A lock left
 * by a dead process is taken over: on the same host at once when its holder no longer
 * runs, from any host when its heartbeat is older than `staleMs`.
 *
 * "No longer runs", on Linux: no /proc entry, or a zombie (killed but not yet reaped by
 * its parent — a container's PID 1 often reaps late or never), or another process that
 * got the same pid (its start time differs from the one recorded in the lock). Elsewhere
 * a pid that exists counts as the holder.
 *
 * How the races are closed:
 * - The lock file appears with its full content at once: it is written to a temporary
 *   file and hard-linked to its name (link(2) fails if the name exists, atomically, on
 *   local file systems and on NFS). A reader never sees a half-written lock, which it
 *   would otherwise have to call stale.
 * - Heartbeats replace the file by rename, for the same reason.
 * - Taking over a stale lock happens under a second, short-lived lock (`lock.steal`), and
 *   the staleness is checked again under it, so two processes that both saw the same
 *   stale lock cannot both take it over.
 * - The holder checks at every heartbeat that the lock is still its own (a random
 *   token) and stops if another process has taken it over.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { TEMP_PREFIX, storeWriteError } from "./atomic";

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  heartbeatAt: string;
  /** Random per acquisition: tells this holder's lock from a later one with a reused pid. */
  token?: string;
  /**
   * Linux: when the holder started, "bootId:ticks" (field 22 of /proc/PID/stat, clock ticks
   * after boot): tells the holder from a later process that got the same pid.
   */
  processStart?: string;
  /** Linux: the holder's pid namespace (/proc/self/ns/pid); a pid of another namespace says nothing here. */
  pidNamespace?: string;
}

export const DEFAULT_STALE_MS = 10 * 60 * 1000;
/** An unreadable lock file younger than this may be mid-write by a non-atomic writer: not stale yet. */
const UNREADABLE_GRACE_MS = 5_000;
/** A take-over lock older than this belongs to a process that died while taking over. */
const STEAL_STALE_MS = 30_000;

/** What /proc/PID/stat says about a process: its state letter and start time (clock ticks after boot). */
interface ProcStat {
  state: string;
  startTicks: string;
}

/** The process's /proc entry; "gone" if it has none; null where /proc cannot tell (not Linux, not mounted). */
function procStat(pid: number): ProcStat | "gone" | null {
  if (!procReadable()) return null;
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ESRCH" ? "gone" : null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields 3… follow the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], startTicks: fields[19] };
}

let procOk: boolean | undefined;
/** Whether this system has a readable /proc with this process in it (Linux). */
function procReadable(): boolean {
  if (procOk === undefined) {
    try {
      procOk = process.platform === "linux" && fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").startsWith(`${process.pid} (`);
    } catch {
      procOk = false;
    }
  }
  return procOk;
}

let bootId: string | null | undefined;
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** "bootId:ticks" of process `pid`, or null where it cannot be known. */
function processStartOf(pid: number): string | null {
  const stat = procStat(pid);
  const boot = currentBootId();
  if (!stat || stat === "gone" || !boot) return null;
  return `${boot}:${stat.startTicks}`;
}

let ownNamespace: string | null | undefined;
function ownPidNamespace(): string | null {
  if (ownNamespace === undefined) {
    try {
      ownNamespace = fs.readlinkSync("/proc/self/ns/pid");
    } catch {
      ownNamespace = null;
    }
  }
  return ownNamespace;
}

/** How this process is told apart from a later one with the same pid, for the locks it writes. */
export function ownProcessIdentity(): Pick<LockInfo, "processStart" | "pidNamespace"> {
  const start = processStartOf(process.pid);
  const ns = ownPidNamespace();
  return { ...(start ? { processStart: start } : {}), ...(ns ? { pidNamespace: ns } : {}) };
}

/**
 * Whether a process with this pid runs on this host. On Linux a zombie (exited, not yet
 * reaped) does not run; elsewhere any process that exists counts (EPERM: it exists,
 * owned by another user).
 */
export function pidAlive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat === "gone") return false;
  if (stat) return stat.state !== "Z" && stat.state !== "X";
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the process that wrote a lock still runs: "dead" when it is gone, a zombie, or
 * its pid now belongs to a process started at another time (or before a reboot);
 * "unknown" when this host cannot tell (another host, another pid namespace), so that
 * only the heartbeat decides.
 */
export function holderState(info: Pick<LockInfo, "pid" | "host" | "processStart" | "pidNamespace">): "alive" | "dead" | "unknown" {
  if (info.host !== os.hostname()) return "unknown";
  const ns = ownPidNamespace();
  if (info.pidNamespace && ns && info.pidNamespace !== ns) return "unknown";
  if (!pidAlive(info.pid)) return "dead";
  if (info.processStart) {
    const now = processStartOf(info.pid);
    if (now !== null && now !== info.processStart) return "dead";
  }
  return "alive";
}

export function readLock(file: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    if (typeof info.pid !== "number" || typeof info.host !== "string" || typeof info.heartbeatAt !== "string") return null;
    return info;
  } catch {
    return null;
  }
}

function mtimeMs(file: string): number | null {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Whether a lock's holder is gone. `fileMtimeMs` (the lock file's modification time, set
 * by the file server on a shared file system) is used with the heartbeat so that a lock
 * looks stale only when both say so; this tolerates a host whose clock runs fast.
 */
export function lockIsStale(info: LockInfo | null, staleMs = DEFAULT_STALE_MS, fileMtimeMs: number | null = null): boolean {
  const now = Date.now();
  if (!info) return fileMtimeMs === null || now - fileMtimeMs > UNREADABLE_GRACE_MS;
  if (holderState(info) === "dead") return true;
  const beat = Math.max(Date.parse(info.heartbeatAt) || 0, fileMtimeMs ?? 0);
  return now - beat > staleMs;
}

/** Whether the lock file `file` exists and belongs to a live holder. */
export function lockFileHeld(file: string, staleMs = DEFAULT_STALE_MS): boolean {
  return lockHolder(file, staleMs) !== null;
}

/** Who holds a lock, as a sweep reports it. */
export interface LockHolder {
  /** Absent while the lock file is being written by a writer without atomic creation. */
  pid?: number;
  host?: string;
  /** Seconds since the holder's last sign of life (the newer of its heartbeat and the file's modification time). */
  heartbeatAgeSeconds: number;
}

/** The live holder of the lock file `file`, or null if there is none (no lock, or a stale one). */
export function lockHolder(file: string, staleMs = DEFAULT_STALE_MS): LockHolder | null {
  const m = mtimeMs(file);
  if (m === null) return null;
  const info = readLock(file);
  if (lockIsStale(info, staleMs, m)) return null;
  const beat = Math.max(info ? Date.parse(info.heartbeatAt) || 0 : 0, m);
  const heartbeatAgeSeconds = Math.max(0, Math.round((Date.now() - beat) / 100) / 10);
  return info ? { pid: info.pid, host: info.host, heartbeatAgeSeconds } : { heartbeatAgeSeconds };
}

/** Create `file` holding `content`, only if it does not exist. Returns false if it exists. */
function createExclusive(file: string, content: string): boolean {
  const tmp = path.join(path.dirname(file), `${TEMP_PREFIX}${path.basename(file)}-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    fs.writeFileSync(tmp, content);
  } catch (e) {
    fs.rmSync(tmp, { force: true }); // created, then the write failed (a full disk)
    throw storeWriteError(e, file);
  }
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS" && code !== "EMLINK")
      throw storeWriteError(e, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  // No hard links on this file system: O_EXCL create, then write (readers allow a grace period).
  try {
    fs.writeFileSync(file, content, { flag: "wx" });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw storeWriteError(e, file);
  }
}

/**
 * Remove a take-over lock whose writer died on this host (killed while taking over), so
 * that the run need not wait STEAL_STALE_MS. It is moved aside first and compared, so a
 * take-over lock that another process wrote in between is put back, not removed.
 */
function removeDeadSteal(steal: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(steal, "utf8");
  } catch {
    return true; // gone meanwhile
  }
  let info: LockInfo;
  try {
    info = JSON.parse(text) as LockInfo;
  } catch {
    return false; // half-written by a non-atomic writer: the age rule handles it
  }
  if (typeof info.pid !== "number" || typeof info.host !== "string" || holderState(info) !== "dead") return false;
  const aside = path.join(
    path.dirname(steal),
    `${TEMP_PREFIX}${path.basename(steal)}.stale-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
  try {
    fs.renameSync(steal, aside);
  } catch {
    return true;
  }
  let moved = "";
  try {
    moved = fs.readFileSync(aside, "utf8");
  } catch {
    /* compared as different: put back */
  }
  if (moved !== text) {
    try {
      fs.linkSync(aside, steal);
    } catch {
      /* the name is taken again; that writer keeps it */
    }
    fs.rmSync(aside, { force: true });
    return false;
  }
  fs.rmSync(aside, { force: true });
  return true;
}

function sameHolder(a: LockInfo | null, b: LockInfo | null): boolean {
  return !!a && !!b && a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt && a.token === b.token;
}

export class RunLock {
  readonly file: string;
  readonly token: string;
  private readonly heartbeatEveryMs: number;
  private lastBeat = Date.now();
  private released = false;

  private constructor(file: string, token: string, staleMs: number) {
    this.file = file;
    this.token = token;
    // Several heartbeats per stale period, so one slow step never makes a live lock look stale.
    this.heartbeatEveryMs = Math.max(1000, Math.min(30_000, staleMs / 4));
  }

  /** Take the lock, or return null if a live process holds it. */
  static acquire(file: string, staleMs = DEFAULT_STALE_MS): RunLock | null {
    for (let attempt = 0; attempt < 4; attempt++) {
      const now = new Date().toISOString();
      const token = randomBytes(8).toString("hex");
      const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: now, heartbeatAt: now, token, ...ownProcessIdentity() };
      if (createExclusive(file, JSON.stringify(info))) return new RunLock(file, token, staleMs);
      const seen = readLock(file);
      const seenMtime = mtimeMs(file);
      if (seenMtime === null) continue; // released meanwhile: try again
      if (!lockIsStale(seen, staleMs, seenMtime)) return null;
      if (!RunLock.takeOver(file, seen, staleMs)) return null;
    }
    return null;
  }

  /** Remove a stale lock under the take-over lock; false if another process is doing so or the lock came alive. */
  private static takeOver(file: string, seen: LockInfo | null, staleMs: number): boolean {
    const steal = `${file}.steal`;
    const stealInfo = JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString(), ...ownProcessIdentity() });
    if (!createExclusive(steal, stealInfo) && !(removeDeadSteal(steal) && createExclusive(steal, stealInfo))) {
      const m = mtimeMs(steal);
      if (m !== null && Date.now() - m > STEAL_STALE_MS) fs.rmSync(steal, { force: true });
      return false;
    }
    try {
      // Check again under the take-over lock: the holder may have released it and
      // another process may hold a fresh lock by now.
      const now = readLock(file);
      const nowMtime = mtimeMs(file);
      if (nowMtime === null) return true;
      if (!lockIsStale(now, staleMs, nowMtime)) return false;
      if (seen && !sameHolder(seen, now)) return false;
      const aside = path.join(
        path.dirname(file),
        `${TEMP_PREFIX}${path.basename(file)}.stale-${process.pid}-${randomBytes(4).toString("hex")}`,
      );
      try {
        fs.renameSync(file, aside);
      } catch {
        return true; // gone already
      }
      const moved = readLock(aside);
      if (now && !sameHolder(now, moved)) {
        // We moved a lock that appeared after our check (its holder is live): put it back.
        try {
          fs.linkSync(aside, file);
        } catch {
          /* the name is taken again; the newer holder keeps it */
        }
        fs.rmSync(aside, { force: true });
        return false;
      }
      fs.rmSync(aside, { force: true });
      return true;
    } finally {
      fs.rmSync(steal, { force: true });
    }
  }

  /** Whether this process still holds the lock (no other process has taken it over). */
  isHeld(): boolean {
    if (this.released) return false;
    return readLock(this.file)?.token === this.token;
  }

  /**
   * Refresh the heartbeat. Returns false if the lock is no longer ours (another process took
   * it over because this one looked dead); the caller must then stop working on the run.
   */
  heartbeat(): boolean {
    if (this.released) return false;
    const info = readLock(this.file);
    if (!info || info.token !== this.token) return false;
    info.heartbeatAt = new Date().toISOString();
    const tmp = path.join(
      path.dirname(this.file),
      `${TEMP_PREFIX}${path.basename(this.file)}-${process.pid}-${randomBytes(4).toString("hex")}`,
    );
    try {
      fs.writeFileSync(tmp, JSON.stringify(info));
      fs.renameSync(tmp, this.file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw storeWriteError(e, this.file);
    }
    this.lastBeat = Date.now();
    return true;
  }

  /** Heartbeat if the last one is older than the heartbeat interval; false if the lock was lost. */
  heartbeatIfDue(): boolean {
    if (Date.now() - this.lastBeat < this.heartbeatEveryMs) return !this.released;
    return this.heartbeat();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLock(this.file)?.token === this.token) fs.rmSync(this.file, { force: true });
  }
}
