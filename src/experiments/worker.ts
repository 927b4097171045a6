/**
 * A sweep worker process, forked by runSweep (src/experiments/sweep.ts). It trains the
 * runs it is sent, one at a time, with its own compute backend, and streams progress
 * back over IPC. It exits when told to, when the IPC channel closes, or when the parent
 * process is gone: training is synchronous, so that last check runs between steps and
 * stops the run at once (its lock is released, its last checkpoint kept).
 */
import type { RunConfig } from "../config";
import type { RunEvent } from "../train/events";
import { executeRun, serializeError } from "./run";
import { pidAlive } from "./lock";

export type ParentMessage = { type: "run"; index: number; config: RunConfig; store: string; staleLockMs: number } | { type: "exit" };

/** A worker's messages: it is ready, or an event of the run it was sent as `index`, unchanged. */
export type WorkerMessage = { type: "ready"; pid: number } | { type: "event"; index: number; event: RunEvent };

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
    let ended = false;
    const forward = (event: RunEvent) => {
      if (event.type === "step") {
        const now = Date.now();
        if (now - lastStep < STEP_MESSAGE_MS && event.step !== event.stepsPerEpoch) return;
        lastStep = now;
      }
      if (event.type === "run-end" || event.type === "run-busy" || event.type === "run-failed") ended = true;
      send({ type: "event", index: m.index, event });
    };
    try {
      await executeRun(m.config, { store: m.store, staleLockMs: m.staleLockMs, shouldStop: isParentGone, onEvent: forward });
    } catch (e) {
      // A config the sweep validated fails here only if this process differs (a bug): still end the run.
      if (!ended) forward({ type: "run-failed", id: "", error: serializeError(e) });
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
