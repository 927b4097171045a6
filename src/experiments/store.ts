/**
 * The run store: one folder per run, named by the hash of its config.
 *   run.json         the finished run: config, field descriptions, backend, versions,
 *                    timings and results, with a checksum over its contents
 *   checkpoint.bin   the latest end-of-epoch checkpoint of an unfinished run
 *   failed.json      why the last attempt failed (removed when a later attempt finishes)
 *   lock             held while a process trains the run
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BackendInfo } from "../engine/backend";
import { SltError } from "../errors";
import { Checkpoint, ProcedureResult } from "../train/procedure";
import { TEMP_PREFIX, sha256, writeFileAtomic } from "./atomic";
import { decodeBinary, encodeBinary } from "./binary";
import { RunConfig, canonicalJson, describeConfigFields } from "./config";
import { DEFAULT_STALE_MS, RunLock, lockIsStale, readLock } from "./lock";

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
  epochsDone: number | null;
  testAccuracy: number | null;
  dyingRatio: number | null;
  error: string | null;
  updatedAt: string;
}

export interface FailureRecord {
  id: string;
  config: RunConfig;
  error: string;
  kind: string;
  at: string;
}

export function defaultStoreDir(): string {
  return process.env.SLT_STORE ?? path.resolve("runs");
}

export class RunStore {
  readonly root: string;

  constructor(root: string = defaultStoreDir()) {
    this.root = path.resolve(root);
  }

  /** Create the store folder and check that it is writable, with one clear error if not. */
  ensureWritable(): void {
    try {
      fs.mkdirSync(this.root, { recursive: true });
      fs.accessSync(this.root, fs.constants.W_OK);
    } catch (e) {
      throw new SltError("store", `The run store ${this.root} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Point --store (or SLT_STORE) at a writable folder.`, this.root);
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
    if (!fs.existsSync(f)) return null;
    let run: StoredRun;
    try {
      run = JSON.parse(fs.readFileSync(f, "utf8")) as StoredRun;
    } catch {
      throw new SltError("store", `The stored result ${f} is damaged (not valid JSON). Delete the folder ${this.runDir(id)} to recompute the run.`, f);
    }
    const { checksum, ...rest } = run;
    if (checksum !== sha256(canonicalJson(rest))) {
      throw new SltError("store", `The stored result ${f} is damaged (checksum mismatch). Delete the folder ${this.runDir(id)} to recompute the run.`, f);
    }
    return run;
  }

  writeFinished(run: Omit<StoredRun, "checksum" | "fields">): StoredRun {
    const fields = Object.fromEntries(describeConfigFields().map((f) => [f.field, f.description]));
    const body = { ...run, fields };
    // Round-trip through JSON first so the checksum covers exactly what a reader sees.
    const plain = JSON.parse(JSON.stringify(body)) as Omit<StoredRun, "checksum">;
    const stored: StoredRun = { ...plain, checksum: sha256(canonicalJson(plain)) };
    fs.mkdirSync(this.runDir(run.id), { recursive: true });
    writeFileAtomic(this.file(run.id, "run.json"), JSON.stringify(stored, null, 1));
    fs.rmSync(this.file(run.id, "checkpoint.bin"), { force: true });
    fs.rmSync(this.file(run.id, "failed.json"), { force: true });
    return stored;
  }

  writeCheckpoint(id: string, config: RunConfig, checkpoint: Checkpoint): void {
    fs.mkdirSync(this.runDir(id), { recursive: true });
    writeFileAtomic(this.file(id, "checkpoint.bin"), encodeBinary({ id, config, checkpoint }));
  }

  /** The latest checkpoint, or null. A damaged checkpoint is reported, never resumed from. */
  readCheckpoint(id: string): Checkpoint | null {
    const f = this.file(id, "checkpoint.bin");
    if (!fs.existsSync(f)) return null;
    try {
      return decodeBinary<{ checkpoint: Checkpoint }>(fs.readFileSync(f)).checkpoint;
    } catch (e) {
      throw new SltError("store", `The checkpoint ${f} is damaged (${(e as Error).message}). Delete it to restart the run from the beginning (slt gc --checkpoints does this).`, f);
    }
  }

  writeFailure(id: string, config: RunConfig, error: Error): void {
    const record: FailureRecord = { id, config, error: error.message, kind: (error as { kind?: string }).kind ?? "bug", at: new Date().toISOString() };
    fs.mkdirSync(this.runDir(id), { recursive: true });
    writeFileAtomic(this.file(id, "failed.json"), JSON.stringify(record, null, 1));
  }

  lock(id: string, staleMs = DEFAULT_STALE_MS): RunLock | null {
    fs.mkdirSync(this.runDir(id), { recursive: true });
    return RunLock.acquire(this.file(id, "lock"), staleMs);
  }

  ids(): string[] {
    if (!fs.existsSync(this.root)) return [];
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
    const dir = this.runDir(id);
    const mtime = (name: string) => {
      try {
        return fs.statSync(path.join(dir, name)).mtime.toISOString();
      } catch {
        return "";
      }
    };
    const base = { id, label: "", method: "?", model: "?", dataset: "?", keepFraction: NaN, seed: NaN, epochsDone: null, testAccuracy: null, dyingRatio: null, error: null };
    const fromConfig = (c: RunConfig) => ({ label: c.label, method: c.method, model: c.model, dataset: c.dataset, keepFraction: c.keepFraction, seed: c.seed });
    try {
      const run = this.readFinished(id);
      if (run) {
        return { ...base, ...fromConfig(run.config), status: "finished", epochsDone: run.result.epochs.length, testAccuracy: run.result.final.testAccuracy, dyingRatio: run.result.final.dyingRatio, updatedAt: mtime("run.json") };
      }
    } catch (e) {
      return { ...base, status: "failed", error: (e as Error).message, updatedAt: mtime("run.json") };
    }
    const lock = readLock(path.join(dir, "lock"));
    const running = fs.existsSync(path.join(dir, "lock")) && !lockIsStale(lock);
    let ckpt: { config: RunConfig; checkpoint: Checkpoint } | null = null;
    let ckptError: string | null = null;
    if (fs.existsSync(path.join(dir, "checkpoint.bin"))) {
      try {
        ckpt = decodeBinary(fs.readFileSync(path.join(dir, "checkpoint.bin")));
      } catch (e) {
        ckptError = `damaged checkpoint: ${(e as Error).message}`;
      }
    }
    let failure: FailureRecord | null = null;
    try {
      failure = JSON.parse(fs.readFileSync(path.join(dir, "failed.json"), "utf8")) as FailureRecord;
    } catch {
      /* none */
    }
    const cfg = ckpt?.config ?? failure?.config;
    const info = { ...base, ...(cfg ? fromConfig(cfg) : {}), epochsDone: ckpt ? ckpt.checkpoint.epochsDone : null };
    const last = ckpt?.checkpoint.epochs[ckpt.checkpoint.epochs.length - 1];
    if (last) Object.assign(info, { testAccuracy: last.testAccuracy, dyingRatio: last.dyingRatio });
    if (running) return { ...info, status: "running", updatedAt: mtime("lock") };
    if (failure || ckptError) return { ...info, status: "failed", error: ckptError ?? failure!.error, updatedAt: mtime(failure ? "failed.json" : "checkpoint.bin") };
    return { ...info, status: "interrupted", updatedAt: mtime("checkpoint.bin") };
  }

  /**
   * Remove debris: temporary files, stale locks, and the folders of failed runs (their
   * checkpoints too). Finished runs are never touched; interrupted runs keep their
   * checkpoint unless `checkpoints` is set. Returns what was removed.
   */
  gc(options: { checkpoints?: boolean } = {}): string[] {
    const removed: string[] = [];
    for (const id of this.ids()) {
      const dir = this.runDir(id);
      const listing = this.describe(id);
      for (const name of fs.readdirSync(dir)) {
        const p = path.join(dir, name);
        if (name.startsWith(TEMP_PREFIX) || name.includes(".stale-")) {
          fs.rmSync(p, { force: true });
          removed.push(p);
        }
      }
      if (listing.status === "finished" || listing.status === "running") continue;
      const lockFile = path.join(dir, "lock");
      if (fs.existsSync(lockFile)) {
        fs.rmSync(lockFile, { force: true });
        removed.push(lockFile);
      }
      if (listing.status === "failed" && !fs.existsSync(path.join(dir, "run.json"))) {
        fs.rmSync(dir, { recursive: true, force: true });
        removed.push(dir);
      } else if (options.checkpoints && fs.existsSync(path.join(dir, "checkpoint.bin"))) {
        fs.rmSync(path.join(dir, "checkpoint.bin"), { force: true });
        removed.push(path.join(dir, "checkpoint.bin"));
      }
    }
    for (const name of fs.existsSync(this.root) ? fs.readdirSync(this.root) : []) {
      if (name.startsWith(TEMP_PREFIX)) {
        fs.rmSync(path.join(this.root, name), { force: true });
        removed.push(path.join(this.root, name));
      }
    }
    return removed;
  }
}
