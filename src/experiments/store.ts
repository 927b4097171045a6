/**
 * The run store: one folder per run, named by the hash of its config.
 *   run.json         the finished run: config, field descriptions, backend, versions,
 *                    timings and results, with a checksum over its contents
 *   checkpoint.bin   the latest end-of-epoch checkpoint of an unfinished run
 *   failed.json      why the last attempt failed (removed when a later attempt finishes)
 *   config.json      the config and training-set size of a run that started and is not
 *                    finished yet, so that listings can show it before its first checkpoint
 *   lock             held while a process trains the run
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BackendInfo } from "../engine/backend";
import { SltError } from "../errors";
import type { Checkpoint, ProcedureResult } from "../train/procedure";
import { StoreWriteError, TEMP_PREFIX, sha256, storeWriteError, writeFileAtomic } from "./atomic";
import { decodeBinary, encodeBinary } from "./binary";
import { type DataContent, type RunConfig, canonicalJson, totalEpochs } from "../config";
import { describeConfigFields } from "./validate";
import { DEFAULT_STALE_MS, type LockHolder, RunLock, lockFileHeld, lockHolder, readLock } from "./lock";

export interface RunTimings {
  startedAt: string;
  finishedAt: string;
  /** Wall-clock seconds of this process's work on the run (excludes earlier, interrupted attempts). */
  seconds: number;
  /** Seconds spent loading data. */
  dataSeconds: number;
  /** Median seconds per epoch over all epochs. */
  secondsPerEpoch: number;
  resumedFromEpoch: number;
}

export interface StoredRun {
  id: string;
  status: "finished";
  config: RunConfig;
  /** Each config field's description, as it was when the run was made. */
  fields: Record<string, string>;
  backend: BackendInfo;
  versions: Record<string, string>;
  host: string;
  dataSource: string;
  /**
   * Present when the config sets dataDir: the content identity of what was read there (the
   * folder stays in the config as provenance; this is what the id counts), or null for a data
   * set that reads no files. Absent in runs made before ids followed the data's content.
   */
  dataContent?: DataContent | null;
  /** Training images the run used (after limitTrain and the validation split); absent in runs stored before it was recorded. */
  trainImages?: number;
  timings: RunTimings;
  result: ProcedureResult;
  /** SHA-256 of the canonical JSON of everything above. */
  checksum: string;
}

export type RunStatus = "finished" | "running" | "interrupted" | "failed";

export interface RunListing {
  id: string;
  status: RunStatus;
  label: string;
  method: string;
  model: string;
  dataset: string;
  keepFraction: number;
  seed: number;
  /** Training images the run uses, when recorded (finished, or started by this version). */
  trainImages: number | null;
  /** The config's limitTrain (0 = all), or null when the config is unknown. */
  limitTrain: number | null;
  /** Epochs the run trains in all (iEP: every cycle's), or null when the config is unknown. */
  epochs: number | null;
  epochsDone: number | null;
  testAccuracy: number | null;
  dyingRatio: number | null;
  error: string | null;
  updatedAt: string;
}

/** config.json: what a run started with, written when a process starts (or resumes) training it. */
export interface StartRecord {
  id: string;
  config: RunConfig;
  trainImages: number;
  at: string;
}

export interface FailureRecord {
  id: string;
  config: RunConfig;
  error: string;
  kind: string;
  at: string;
}

/** A store file that fails its checks; `summary` is the one-line form for listings. */
export class DamagedFileError extends SltError {
  readonly summary: string;
  constructor(message: string, file: string, summary: string) {
    super("store", message, file);
    this.summary = summary;
  }
}

const listingError = (e: unknown) => (e instanceof DamagedFileError ? e.summary : (e as Error).message);

export function defaultStoreDir(): string {
  return process.env.SLT_STORE ?? path.resolve("runs");
}

export class RunStore {
  readonly root: string;

  constructor(root: string = defaultStoreDir()) {
    this.root = path.resolve(root);
  }

  /**
   * Whether the store folder exists yet (a missing one is made by the first run written to
   * it). A path that is a file, or lies below one, is one clear error naming that file and
   * the fix: every command that reads or writes the store checks this first.
   */
  folderExists(): boolean {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(this.root, { throwIfNoEntry: false });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") throw this.notAFolderError();
      throw new SltError(
        "store",
        `The run store ${this.root} cannot be read (${code ?? (e as Error).message}). Check its permissions, or point --store (or SLT_STORE) at another folder.`,
        this.root,
      );
    }
    if (!stat) return false;
    if (!stat.isDirectory()) throw this.notAFolderError();
    return true;
  }

  private notAFolderError(): StoreWriteError {
    // The first part of the path that exists is the file in the way.
    let file = this.root;
    while (!fs.existsSync(file) && path.dirname(file) !== file) file = path.dirname(file);
    return new StoreWriteError(
      `The run store ${this.root} is not a folder: ${file} is a file. Point --store (or SLT_STORE) at a folder ` +
        "(a missing one is made by the first run); an export file (slt export) is read with 'slt import FILE'.",
      this.root,
      "ENOTDIR",
    );
  }

  /**
   * Create the store folder and check that it is writable, with one clear error if not.
   * A probe file is written because permission bits say nothing for root or for a
   * read-only mount.
   */
  ensureWritable(): void {
    const fix = "Point --store (or SLT_STORE) at a writable folder.";
    this.folderExists();
    try {
      fs.mkdirSync(this.root, { recursive: true });
      const probe = path.join(this.root, `${TEMP_PREFIX}probe-${process.pid}`);
      fs.writeFileSync(probe, "");
      fs.rmSync(probe, { force: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOTDIR" || code === "EEXIST"
          ? "a part of the path is a file, not a folder"
          : code === "EACCES" || code === "EPERM"
            ? "permission denied"
            : code === "EROFS"
              ? "read-only file system"
              : code === "ENOSPC" || code === "EDQUOT"
                ? "the disk is full"
                : (code ?? (e as Error).message);
      throw new StoreWriteError(
        `The run store ${this.root} is not writable (${why}${code && why !== code ? `, ${code}` : ""}). ${fix}`,
        this.root,
        code ?? "EIO",
      );
    }
  }

  runDir(id: string): string {
    return path.join(this.root, id);
  }

  private file(id: string, name: string): string {
    return path.join(this.runDir(id), name);
  }

  /** The finished run, or null. A damaged run.json is an error, never read as a result. */
  readFinished(id: string): StoredRun | null {
    const f = this.file(id, "run.json");
    let text: string;
    try {
      text = fs.readFileSync(f, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw new SltError(
        "store",
        `The stored result ${f} cannot be read (${code ?? (e as Error).message}). Check the permissions of the run store ${this.root}.`,
        f,
      );
    }
    const damaged = (why: string) =>
      new DamagedFileError(
        `The stored result ${f} is damaged (${why}). Delete the folder ${this.runDir(id)} to recompute the run.`,
        f,
        `run.json damaged (${why}): delete the run folder to recompute`,
      );
    let run: StoredRun;
    try {
      run = JSON.parse(text) as StoredRun;
    } catch {
      throw damaged(text.length === 0 ? "empty file" : "not valid JSON");
    }
    if (!run || typeof run !== "object" || typeof run.checksum !== "string") throw damaged("no checksum");
    const { checksum, ...rest } = run;
    if (checksum !== sha256(canonicalJson(rest))) throw damaged("checksum mismatch");
    if (run.id !== id) throw damaged(`it holds run ${String(run.id)}, not ${id}`);
    return run;
  }

  writeFinished(run: Omit<StoredRun, "checksum" | "fields">): StoredRun {
    const fields = Object.fromEntries(describeConfigFields().map((f) => [f.field, f.description]));
    const body = { ...run, fields };
    // Round-trip through JSON first so the checksum covers exactly what a reader sees.
    const plain = JSON.parse(JSON.stringify(body)) as Omit<StoredRun, "checksum">;
    const stored: StoredRun = { ...plain, checksum: sha256(canonicalJson(plain)) };
    this.makeRunDir(run.id);
    writeFileAtomic(this.file(run.id, "run.json"), JSON.stringify(stored, null, 1));
    for (const name of ["checkpoint.bin", "failed.json", "config.json"]) fs.rmSync(this.file(run.id, name), { force: true });
    return stored;
  }

  /**
   * Stores a finished run made elsewhere exactly as it is (its checksum and field
   * descriptions kept), after checking its checksum. `importRuns` decides what may be written.
   */
  writeImported(run: StoredRun): void {
    const { checksum, ...rest } = run;
    if (checksum !== sha256(canonicalJson(rest)))
      throw new SltError("store", `Run ${run.id} to import fails its checksum: the file it came from is damaged.`, run.id);
    this.makeRunDir(run.id);
    writeFileAtomic(this.file(run.id, "run.json"), JSON.stringify(run, null, 1));
    fs.rmSync(this.file(run.id, "failed.json"), { force: true });
  }

  writeCheckpoint(id: string, config: RunConfig, checkpoint: Checkpoint): void {
    this.makeRunDir(id);
    writeFileAtomic(this.file(id, "checkpoint.bin"), encodeBinary({ id, config, checkpoint }));
  }

  /** The latest checkpoint, or null. A damaged checkpoint is reported, never resumed from. */
  readCheckpoint(id: string): Checkpoint | null {
    return this.readCheckpointFile(id)?.checkpoint ?? null;
  }

  private readCheckpointFile(id: string): { config: RunConfig; checkpoint: Checkpoint } | null {
    const f = this.file(id, "checkpoint.bin");
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SltError(
        "store",
        `The checkpoint ${f} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Check the permissions of the run store ${this.root}.`,
        f,
      );
    }
    const damaged = (why: string) =>
      new DamagedFileError(
        `The checkpoint ${f} is damaged (${why}); it is not resumed from. Run 'slt gc' (or delete the file) to restart the run from the beginning.`,
        f,
        `checkpoint.bin damaged (${why}): slt gc removes it`,
      );
    let stored: { id?: unknown; config?: RunConfig; checkpoint?: Checkpoint };
    try {
      stored = decodeBinary<{ id?: unknown; config?: RunConfig; checkpoint?: Checkpoint }>(bytes);
    } catch (e) {
      throw damaged((e as Error).message);
    }
    if (stored.id !== id) throw damaged(`it belongs to run ${String(stored.id)}`);
    if (!stored.config || !stored.checkpoint || typeof stored.checkpoint.epochsDone !== "number") throw damaged("no training state in it");
    return { config: stored.config, checkpoint: stored.checkpoint };
  }

  /**
   * Records what the run starts with (config.json), for listings until its first checkpoint.
   * Best effort: it informs listings only, so a store that cannot take it (a full disk) is
   * left to the checkpoint's write to report. Written whole by a rename, or not at all.
   */
  writeStart(id: string, config: RunConfig, trainImages: number): void {
    const record: StartRecord = { id, config, trainImages, at: new Date().toISOString() };
    const tmp = this.file(id, `${TEMP_PREFIX}config-${process.pid}`);
    try {
      fs.writeFileSync(tmp, JSON.stringify(record, null, 1));
      fs.renameSync(tmp, this.file(id, "config.json"));
    } catch {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        /* slt gc removes a temporary file left behind */
      }
    }
  }

  /** The start record of an unfinished run, or null; only listings use it, never training. */
  readStart(id: string): StartRecord | null {
    try {
      const record = JSON.parse(fs.readFileSync(this.file(id, "config.json"), "utf8")) as StartRecord;
      return record && record.id === id && record.config && typeof record.config === "object" ? record : null;
    } catch {
      return null;
    }
  }

  writeFailure(id: string, config: RunConfig, error: Error): void {
    const record: FailureRecord = {
      id,
      config,
      error: error.message,
      kind: (error as { kind?: string }).kind ?? "bug",
      at: new Date().toISOString(),
    };
    this.makeRunDir(id);
    writeFileAtomic(this.file(id, "failed.json"), JSON.stringify(record, null, 1));
  }

  /** The failure record of the last failed attempt, or null. */
  readFailure(id: string): FailureRecord | null {
    try {
      return JSON.parse(fs.readFileSync(this.file(id, "failed.json"), "utf8")) as FailureRecord;
    } catch {
      return null;
    }
  }

  private makeRunDir(id: string): void {
    try {
      fs.mkdirSync(this.runDir(id), { recursive: true });
    } catch (e) {
      throw storeWriteError(e, this.runDir(id));
    }
  }

  /** Take the run's lock, or null if a live process holds it. */
  lock(id: string, staleMs = DEFAULT_STALE_MS): RunLock | null {
    for (let attempt = 0; ; attempt++) {
      this.makeRunDir(id);
      try {
        return RunLock.acquire(this.file(id, "lock"), staleMs);
      } catch (e) {
        // `slt gc` may remove an empty run folder between mkdir and the lock: make it again.
        if (attempt < 2 && e instanceof StoreWriteError && e.code === "ENOENT") continue;
        throw e;
      }
    }
  }

  /**
   * Remove the run's lock if process `pid` of this host holds it: a sweep cleans up after a
   * worker that died, so that other hosts need not wait for the lock to go stale.
   */
  releaseLockOf(id: string, pid: number): void {
    const file = this.file(id, "lock");
    const info = readLock(file);
    if (info && info.pid === pid && info.host === os.hostname()) fs.rmSync(file, { force: true });
  }

  /** Whether a live process holds the run's lock right now. */
  isLocked(id: string, staleMs = DEFAULT_STALE_MS): boolean {
    return lockFileHeld(this.file(id, "lock"), staleMs);
  }

  /** The live process that holds the run's lock (pid, host, heartbeat age), or null. */
  holder(id: string, staleMs = DEFAULT_STALE_MS): LockHolder | null {
    return lockHolder(this.file(id, "lock"), staleMs);
  }

  /** The run ids in the store; none while its folder does not exist yet. */
  ids(): string[] {
    if (!this.folderExists()) return [];
    return fs
      .readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[0-9a-f]{16}$/.test(d.name))
      .map((d) => d.name)
      .sort();
  }

  /** Every run in the store with its state; damaged files are listed as failed, not skipped. */
  list(): RunListing[] {
    return this.ids().map((id) => this.describe(id));
  }

  describe(id: string): RunListing {
    const mtime = (name: string) => {
      try {
        return fs.statSync(this.file(id, name)).mtime.toISOString();
      } catch {
        return "";
      }
    };
    const base = {
      id,
      label: "",
      method: "?",
      model: "?",
      dataset: "?",
      keepFraction: NaN,
      seed: NaN,
      trainImages: null,
      limitTrain: null,
      epochs: null,
      epochsDone: null,
      testAccuracy: null,
      dyingRatio: null,
      error: null,
    };
    const fromConfig = (c: RunConfig) => ({
      label: c.label,
      method: c.method,
      model: c.model,
      dataset: c.dataset,
      keepFraction: c.keepFraction,
      seed: c.seed,
      limitTrain: c.limitTrain,
      epochs: totalEpochs(c),
    });
    const state = this.inspect(id);
    if (state.finished) {
      const run = state.finished;
      return {
        ...base,
        ...fromConfig(run.config),
        status: "finished",
        trainImages: run.trainImages ?? null,
        epochsDone: run.result.epochs.length,
        testAccuracy: run.result.final.testAccuracy,
        dyingRatio: run.result.final.dyingRatio,
        updatedAt: mtime("run.json"),
      };
    }
    const start = this.readStart(id);
    const cfg = state.checkpoint?.config ?? state.failure?.config ?? start?.config ?? state.untrustedConfig;
    const info = {
      ...base,
      ...(cfg ? fromConfig(cfg) : {}),
      // The start record is the same config's (same id), so its image count holds for either.
      trainImages: start?.trainImages ?? null,
      epochsDone: state.checkpoint ? state.checkpoint.checkpoint.epochsDone : null,
    };
    if (state.finishedError) return { ...info, status: "failed", error: state.finishedError, updatedAt: mtime("run.json") };
    const last = state.checkpoint?.checkpoint.epochs[state.checkpoint.checkpoint.epochs.length - 1];
    if (last) Object.assign(info, { testAccuracy: last.testAccuracy, dyingRatio: last.dyingRatio });
    if (this.isLocked(id)) return { ...info, status: "running", updatedAt: mtime("lock") };
    if (state.failure || state.checkpointError) {
      return {
        ...info,
        status: "failed",
        error: state.checkpointError ?? state.failure!.error,
        updatedAt: mtime(state.checkpointError ? "checkpoint.bin" : "failed.json"),
      };
    }
    return { ...info, status: "interrupted", updatedAt: mtime("checkpoint.bin") };
  }

  /** What a run folder holds, with damage reported rather than thrown. */
  private inspect(id: string): {
    finished: StoredRun | null;
    finishedError: string | null;
    checkpoint: { config: RunConfig; checkpoint: Checkpoint } | null;
    checkpointError: string | null;
    failure: FailureRecord | null;
    untrustedConfig?: RunConfig | null;
  } {
    const out = {
      untrustedConfig: null as RunConfig | null,
      finished: null as StoredRun | null,
      finishedError: null as string | null,
      checkpoint: null as { config: RunConfig; checkpoint: Checkpoint } | null,
      checkpointError: null as string | null,
      failure: this.readFailure(id),
    };
    try {
      out.finished = this.readFinished(id);
    } catch (e) {
      out.finishedError = listingError(e);
      // Shown in listings only, so the user can tell which run it was; never used as a result.
      try {
        out.untrustedConfig = (JSON.parse(fs.readFileSync(this.file(id, "run.json"), "utf8")) as { config?: RunConfig }).config ?? null;
      } catch {
        /* unreadable */
      }
    }
    if (out.finished) return out;
    try {
      out.checkpoint = this.readCheckpointFile(id);
    } catch (e) {
      out.checkpointError = listingError(e);
    }
    return out;
  }

  /**
   * Remove debris: temporary files, stale locks, leftovers beside finished results, the
   * folders of failed runs (their checkpoints too) and empty run folders. A finished
   * run's run.json is never touched, nor a damaged one (the user decides about those),
   * nor anything of a run that a live process holds. Interrupted runs keep their
   * checkpoint unless `checkpoints` is set. Returns what was removed.
   */
  gc(options: { checkpoints?: boolean; staleLockMs?: number } = {}): string[] {
    const removed: string[] = [];
    const remove = (p: string, recursive = false) => {
      fs.rmSync(p, { force: true, recursive });
      removed.push(p);
    };
    for (const id of this.ids()) {
      const dir = this.runDir(id);
      // Work under the run's lock: a run being trained is left alone, and no process can
      // start it while its folder is cleaned. Taking the lock also clears a stale one.
      const lock = this.lock(id, options.staleLockMs);
      if (!lock) continue;
      let dirRemoved = false;
      try {
        for (const name of fs.readdirSync(dir)) {
          if (name.startsWith(TEMP_PREFIX) || name.includes(".stale-")) remove(path.join(dir, name));
          else if (name === "lock.steal") {
            const age = Date.now() - fs.statSync(path.join(dir, name)).mtimeMs;
            if (age > 30_000) remove(path.join(dir, name));
          }
        }
        const state = this.inspect(id);
        if (state.finished) {
          for (const name of ["checkpoint.bin", "failed.json", "config.json"])
            if (fs.existsSync(path.join(dir, name))) remove(path.join(dir, name));
        } else if (state.finishedError) {
          /* damaged result: kept for the user to look at; `slt runs` reports it */
        } else if (state.failure || state.checkpointError || (!state.checkpoint && !fs.existsSync(path.join(dir, "run.json")))) {
          remove(dir, true);
          dirRemoved = true;
        } else if (options.checkpoints && state.checkpoint) {
          remove(path.join(dir, "checkpoint.bin"));
        }
      } finally {
        if (!dirRemoved) lock.release();
      }
    }
    for (const name of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) {
      if (name.startsWith(TEMP_PREFIX)) remove(path.join(this.root, name));
    }
    return removed;
  }
}
