/**
 * A sweep worker process, forked by runSweep (src/experiments/sweep.ts). It trains the
 * runs it is sent, one at a time, with its own compute backend, and streams progress
 * back over IPC. It exits when told to, when the IPC channel closes, or when the parent
 * process is gone: training is synchronous, so that last check runs between steps and
 * stops the run at once (its lock is released, its last checkpoint kept).
 */
import { isSltError } from "../errors";
import { StoreWriteError } from "./atomic";
import type { RunConfig } from "../config";
import type { EpochMetrics } from "../train/procedure";
import { RunStoppedError, executeRun } from "./run";
import { pidAlive } from "./lock";

export type ParentMessage = { type: "run"; index: number; config: RunConfig; store: string; staleLockMs: number } | { type: "exit" };

/** An error as it crosses the process boundary. `kind` is SltError's, "bug" or "stopped". */
export interface SerializedError {
  message: string;
  kind: string;
  subject?: string;
  /** StoreWriteError's errno code (ENOSPC, EACCES, …). */
  code?: string;
}

export type WorkerMessage =
  | { type: "ready"; pid: number }
  | { type: "run-start"; index: number; id: string; resumedFromEpoch: number; stepsPerEpoch: number; backend: string }
  | {
      type: "step";
      index: number;
      id: string;
      epoch: number;
      epochs: number;
      cycle: number;
      cycles: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      accuracy: number;
      lr: number;
    }
  | { type: "epoch"; index: number; id: string; metrics: EpochMetrics }
  | {
      type: "run-end";
      index: number;
      id: string;
      outcome?: "trained" | "cached" | "busy";
      error?: SerializedError;
      testAccuracy?: number | null;
      dyingRatio?: number | null;
      resumedFromEpoch?: number;
    };

export function serializeError(e: unknown): SerializedError {
  if (e instanceof RunStoppedError) return { message: e.message, kind: "stopped" };
  if (isSltError(e))
    return { message: e.message, kind: e.kind, subject: e.subject, code: e instanceof StoreWriteError ? e.code : undefined };
  const err = e instanceof Error ? e : new Error(String(e));
  return { message: `internal error (please report it): ${err.stack ?? err.message}`, kind: "bug" };
}

/** Progress messages at most this often (the last step of an epoch is always sent). */
const STEP_MESSAGE_MS = 100;
/** How often, at most, training checks that the parent is alive. */
const PARENT_CHECK_MS = 250;

export function startWorker(): void {
  const parentPid = process.ppid;
  let parentGone = false;
  let lastCheck = 0;
  let busy = false;

  const isParentGone = (): boolean => {
    if (parentGone) return true;
    const now = Date.now();
    if (now - lastCheck < PARENT_CHECK_MS) return false;
    lastCheck = now;
    // Orphans are re-parented (to init or a sub-reaper), so a changed ppid means the parent died.
    if (process.ppid !== parentPid || !pidAlive(parentPid)) parentGone = true;
    return parentGone;
  };

  const send = (msg: WorkerMessage) => {
    if (!process.connected || !process.send) return;
    process.send(msg, (err: Error | null) => {
      if (err) parentGone = true;
    });
  };

  const quit = (code: number) => {
    if (process.connected) process.disconnect();
    process.exitCode = code;
    // Something (a backend's thread pool) might keep the event loop alive: do not linger.
    setTimeout(() => process.exit(code), 2000).unref();
  };

  const train = async (m: Extract<ParentMessage, { type: "run" }>) => {
    busy = true;
    let lastStep = 0;
    let id = "";
    try {
      const outcome = await executeRun(m.config, {
        store: m.store,
        staleLockMs: m.staleLockMs,
        shouldStop: isParentGone,
        onStart: (info) => {
          id = info.id;
          send({
            type: "run-start",
            index: m.index,
            id: info.id,
            resumedFromEpoch: info.resumedFromEpoch,
            stepsPerEpoch: info.stepsPerEpoch,
            backend: info.backend.name,
          });
        },
        onStep: (e) => {
          const now = Date.now();
          if (now - lastStep < STEP_MESSAGE_MS && e.step !== e.stepsPerEpoch) return;
          lastStep = now;
          send({
            type: "step",
            index: m.index,
            id,
            epoch: e.epoch,
            epochs: e.epochs,
            cycle: e.cycle,
            cycles: e.cycles,
            step: e.step,
            stepsPerEpoch: e.stepsPerEpoch,
            loss: e.loss,
            accuracy: e.accuracy,
            lr: e.lr,
          });
        },
        onEpoch: (metrics) => send({ type: "epoch", index: m.index, id, metrics }),
      });
      if (outcome.status === "busy") send({ type: "run-end", index: m.index, id: outcome.id, outcome: "busy" });
      else {
        const f = outcome.run.result.final;
        send({
          type: "run-end",
          index: m.index,
          id: outcome.run.id,
          outcome: outcome.status,
          testAccuracy: f.testAccuracy,
          dyingRatio: f.dyingRatio,
          resumedFromEpoch: outcome.run.timings.resumedFromEpoch,
        });
      }
    } catch (e) {
      send({ type: "run-end", index: m.index, id, error: serializeError(e) });
    } finally {
      busy = false;
    }
    if (isParentGone()) quit(0);
  };

  process.on("message", (m: ParentMessage) => {
    if (m.type === "exit") quit(0);
    else if (m.type === "run" && !busy) void train(m);
  });
  process.on("disconnect", () => {
    parentGone = true;
    if (!busy) quit(0);
  });
  process.on("uncaughtException", (e) => {
    process.stderr.write(`sweep worker ${process.pid}: ${serializeError(e).message}\n`);
    quit(1);
  });
  send({ type: "ready", pid: process.pid });
}

if (require.main === module) startWorker();
