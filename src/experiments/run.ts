/**
 * Running one experiment: validate the config, return the stored result if the run is
 * already finished, else train it (resuming from its checkpoint if it was interrupted)
 * and store the result with its config, backend, versions and timings.
 */
import * as os from "node:os";
import { type BackendInfo, initBackend, versions } from "../engine/backend";
import { silenceCpuAdvice } from "../engine/cpu-advice";
import { SltError, isSltError } from "../errors";
import { loadDataset } from "../data/registry";
import type { DataSplits } from "../data/types";
import type { RunError, RunEvent } from "../train/events";
import { runProcedure } from "../train/procedure";
import { StoreWriteError } from "./atomic";
import { type DataContent, type RunConfig, type RunConfigInput, pathBasedRunId, totalEpochs } from "../config";
import { planCycles } from "../iep/schedule";
import type { RunLock } from "./lock";
import { type RunIdentity, identifyRun, readFinishedRun } from "./identity";
import { RunStore, type StoredRun } from "./store";
import { applyRunLimit } from "./limit";
import { parseRunConfig } from "./validate";

export interface RunOptions {
  /** The run store, or its folder. Default: $SLT_STORE or ./runs. */
  store?: RunStore | string;
  /**
   * The run's progress: run-start once training starts (data and backend ready), every step
   * and epoch, then exactly one of run-end, run-busy or run-failed (none if the config itself
   * is invalid: that throws before the run has an id).
   */
  onEvent?(e: RunEvent): void;
  /**
   * Threads of the wasm backend when the config's `threads` is null (default 1). Not part of the run's identity: threaded runs
   * give bit-identical metrics (test/engine/threads.test.ts); the count is stored in the
   * run's backend info.
   */
  threads?: number;
  /** Lock age after which another process's lock counts as abandoned. */
  staleLockMs?: number;
  /**
   * Polled between steps (training is synchronous, so a signal or an event cannot stop it);
   * returning true stops the run at once with RunStoppedError. The last checkpoint stays
   * and nothing is recorded as a failure: the run is interrupted and resumes later.
   */
  shouldStop?(): boolean;
}

/** A run stopped on request (shouldStop) before it finished; it is interrupted, not failed. */
export class RunStoppedError extends Error {
  constructor(id: string) {
    super(`run ${id} was stopped before it finished; it resumes from its last checkpoint when run again`);
    this.name = "RunStoppedError";
  }
}

/** An error as a RunEvent carries it (across a process boundary too). */
export function serializeError(e: unknown): RunError {
  if (e instanceof RunStoppedError) return { message: e.message, kind: "stopped" };
  if (isSltError(e))
    return { message: e.message, kind: e.kind, subject: e.subject, code: e instanceof StoreWriteError ? e.code : undefined };
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: `internal error (please report it): ${err.stack ?? err.message}`, kind: "bug" };
}

/** Another process took over this run's lock (this one looked dead to it); this attempt stops. */
class LockLostError extends Error {}

/**
 * Whether a failed attempt says something about the run itself (diverged, a bug), so that
 * it is recorded in failed.json. A full disk, an unwritable or damaged store, or a stop
 * request say nothing about the run: it stays resumable.
 */
function isRunFailure(e: unknown): boolean {
  if (e instanceof RunStoppedError || e instanceof LockLostError || e instanceof StoreWriteError) return false;
  if (e instanceof SltError && e.kind === "store") return false;
  return true;
}

export type RunOutcome =
  | { status: "trained"; run: StoredRun }
  /** `id` is the config's run id; the run's own id differs when it was found under its path-based id. */
  | { status: "cached"; run: StoredRun; id: string }
  /** Another live process holds this run's lock. */
  | { status: "busy"; id: string };

const dataCache = new Map<string, DataSplits>();

/**
 * Load a data set once per process (a sweep trains many runs on the same data). `content`, the
 * content identity of the files under dataDir, is part of the key, so changed files are read again.
 */
export async function loadDataFor(config: RunConfig, content: DataContent | null = null): Promise<DataSplits> {
  const key = JSON.stringify([
    config.dataset,
    config.dataDir,
    content?.sha256 ?? "",
    config.validationFraction,
    config.validationFraction > 0 ? config.seed : 0,
    config.limitTrain,
    config.limitTest,
  ]);
  const hit = dataCache.get(key);
  if (hit) return hit;
  const data = await loadDataset(config.dataset, {
    dataDir: config.dataDir || undefined,
    validationFraction: config.validationFraction,
    seed: config.seed,
    limitTrain: config.limitTrain,
    limitTest: config.limitTest,
  });
  dataCache.set(key, data);
  return data;
}

function resolveStore(store: RunStore | string | undefined): RunStore {
  return store instanceof RunStore ? store : new RunStore(store);
}

export async function executeRun(input: RunConfigInput | RunConfig, options: RunOptions = {}): Promise<RunOutcome> {
  const config = applyRunLimit(parseRunConfig(input));
  const store = resolveStore(options.store);
  const emit = (e: RunEvent) => options.onEvent?.(e);
  let identity: RunIdentity;
  try {
    // Writable first, so that the digests of data files hashed for the id are kept in it.
    store.ensureWritable();
    identity = identifyRun(config, store);
  } catch (e) {
    // The store or the data under dataDir cannot be used, so the run has no id yet: report it under the path-based one.
    emit({ type: "run-failed", id: pathBasedRunId(config), error: serializeError(e) });
    throw e;
  }
  const id = identity.id;
  let outcome: RunOutcome;
  try {
    outcome = await executeParsed(config, identity, store, options);
  } catch (e) {
    emit({ type: "run-failed", id, error: serializeError(e) });
    throw e;
  }
  if (outcome.status === "busy") emit({ type: "run-busy", id });
  else {
    const { final } = outcome.run.result;
    emit({
      type: "run-end",
      id,
      outcome: outcome.status,
      testAccuracy: final.testAccuracy,
      dyingRatio: final.dyingRatio,
      resumedFromEpoch: outcome.run.timings.resumedFromEpoch,
    });
  }
  return outcome;
}

async function executeParsed(config: RunConfig, identity: RunIdentity, store: RunStore, options: RunOptions): Promise<RunOutcome> {
  const { id } = identity;
  const cached = readFinishedRun(store, identity);
  if (cached) return { status: "cached", run: cached.run, id };

  const started = Date.now();
  const data = await loadDataFor(config, identity.data);
  const dataSeconds = (Date.now() - started) / 1000;
  if (identity.data && identifyRun(config, store).id !== id) {
    // A file under dataDir changed between hashing and reading: the run would record data it did not read.
    throw new SltError(
      "data",
      `The files under dataDir (${config.dataDir}) changed while the run was starting. Run it again once they stay as they are.`,
      config.dataDir,
    );
  }
  // The set's real size is known only now (validation split, a set smaller than limitTrain).
  parseRunConfig(config, { trainImages: data.train.count });
  const backend = await initBackend(config.backend, { threads: config.threads ?? options.threads });
  if (backend.name === "cpu") silenceCpuAdvice();

  const lock = store.lock(id, options.staleLockMs);
  if (!lock) return { status: "busy", id };
  try {
    return await trainLocked(config, identity, store, lock, data, { started, dataSeconds, backend }, options);
  } catch (e) {
    if (e instanceof LockLostError) return { status: "busy", id };
    throw e;
  } finally {
    lock.release();
  }
}

async function trainLocked(
  config: RunConfig,
  identity: RunIdentity,
  store: RunStore,
  lock: RunLock,
  data: DataSplits,
  ctx: { started: number; dataSeconds: number; backend: BackendInfo },
  options: RunOptions,
): Promise<RunOutcome> {
  const { id } = identity;
  // Another process may have finished it while we loaded data.
  const done = store.readFinished(id);
  if (done) return { status: "cached", run: done, id };
  if (options.shouldStop?.()) throw new RunStoppedError(id);
  const resume = store.readCheckpoint(id);
  const resumedFromEpoch = resume?.epochsDone ?? 0;
  store.writeStart(id, config, data.train.count);
  options.onEvent?.({
    type: "run-start",
    id,
    resumedFromEpoch,
    stepsPerEpoch: Math.ceil(data.train.count / config.batchSize),
    epochs: totalEpochs(config),
    cycles: planCycles(config).length,
    backend: ctx.backend.name,
    threads: ctx.backend.threads,
  });
  const trainStarted = Date.now();
  let result: Awaited<ReturnType<typeof runProcedure>>;
  try {
    result = await runProcedure(config, data, {
      onEvent: (e) => {
        if (e.type === "step") {
          if (options.shouldStop?.()) throw new RunStoppedError(id);
          // Steps, not epochs, keep the heartbeat going: one epoch may outlast the stale time.
          if (!lock.heartbeatIfDue()) throw new LockLostError();
        }
        options.onEvent?.({ ...e, id });
      },
      resumeFrom: resume,
      saveCheckpoint: (c) => {
        if (!lock.isHeld()) throw new LockLostError();
        store.writeCheckpoint(id, config, c);
        lock.heartbeat();
      },
    });
  } catch (e) {
    if (isRunFailure(e)) {
      try {
        store.writeFailure(id, config, e as Error);
      } catch {
        /* the store may be what failed; the training error is the one to report */
      }
    }
    throw e;
  }
  if (!lock.isHeld()) throw new LockLostError();
  const epochSeconds = result.epochs
    .slice(resumedFromEpoch)
    .map((e) => e.seconds)
    .sort((a, b) => a - b);
  const run = store.writeFinished({
    id,
    status: "finished",
    config,
    backend: ctx.backend,
    versions: versions(),
    host: os.hostname(),
    dataSource: data.source,
    // The folder stays in the config (where the data was read from); the content is what the id counts.
    ...(config.dataDir !== "" ? { dataContent: identity.data } : {}),
    trainImages: data.train.count,
    timings: {
      startedAt: new Date(trainStarted).toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: (Date.now() - ctx.started) / 1000,
      dataSeconds: ctx.dataSeconds,
      secondsPerEpoch: epochSeconds.length ? epochSeconds[Math.floor(epochSeconds.length / 2)] : 0,
      resumedFromEpoch,
    },
    result,
  });
  return { status: "trained", run };
}

/** Train (or fetch) one run; a run locked by another process is an error here. */
export async function runExperiment(input: RunConfigInput | RunConfig, options: RunOptions = {}): Promise<StoredRun> {
  const outcome = await executeRun(input, options);
  if (outcome.status === "busy") {
    throw new SltError(
      "store",
      `Run ${outcome.id} is being trained by another process right now (see 'slt runs'). Wait for it, or run a different config.`,
      outcome.id,
    );
  }
  return outcome.run;
}

/**
 * The stored result of a config, or null: lets a notebook find a run instead of recomputing it.
 * A config with dataDir needs its data to be readable (the id is the data's content identity).
 */
export function findRun(input: RunConfigInput | RunConfig, store?: RunStore | string): StoredRun | null {
  const config = applyRunLimit(parseRunConfig(input));
  const runStore = resolveStore(store);
  return readFinishedRun(runStore, identifyRun(config, runStore))?.run ?? null;
}
