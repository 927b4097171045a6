/**
 * The runs of a sweep, trained: in this process one after another, or in a pool of worker
 * processes (./worker.ts), one run each at a time. Every run's outcome is recorded, a
 * failure included; a store that stops taking writes stops the pool; a dead worker's run
 * is failed (or stopped) and a new worker takes the rest.
 */
import { type ChildProcess, fork } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SltError } from "../errors";
import type { RunError } from "../train/events";
import { executeRun, serializeError } from "./run";
import type { RunStore } from "./store";
import type { SweepEvent, SweepOptions, SweepRunResult } from "./sweep";
import type { PlannedRun } from "./sweep-status";
import type { ParentMessage, WorkerMessage } from "./worker";

/** Store errors after which no other run can succeed either: stop starting runs. */
const FATAL_STORE_CODES = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "ENOTDIR"]);

export interface Pending {
  plan: PlannedRun;
}

/** The compiled worker entry point next to this file (dist/src/experiments/worker.js). */
export function workerScript(): string {
  return path.join(__dirname, "worker.js");
}

export function errorFields(e: unknown): { error: string; kind: string } {
  const s = serializeError(e);
  return { error: s.message, kind: s.kind };
}

function fatalForStore(err: RunError): boolean {
  return err.code !== undefined && FATAL_STORE_CODES.has(err.code);
}

export type Recorder = (worker: number, r: SweepRunResult) => void;

export async function runInProcess(
  queue: Pending[],
  store: RunStore,
  staleLockMs: number,
  options: SweepOptions,
  emit: (e: SweepEvent) => void,
  record: Recorder,
): Promise<void> {
  let halt: string | null = null;
  for (const { plan: p } of queue) {
    const base = { index: p.index, id: p.id, label: p.label };
    if (halt !== null || options.signal?.aborted) {
      record(0, { ...base, status: "stopped", started: false, error: halt ?? "the sweep was stopped before this run started" });
      continue;
    }
    const t0 = Date.now();
    try {
      const outcome = await executeRun(p.config, {
        store,
        staleLockMs,
        shouldStop: () => options.signal?.aborted ?? false,
        onEvent: (event) => emit({ type: "run", worker: 0, index: p.index, event }),
      });
      const seconds = (Date.now() - t0) / 1000;
      if (outcome.status === "busy") record(0, { ...base, status: "busy", error: "another process is training it", seconds });
      else
        record(0, {
          ...base,
          status: outcome.status,
          testAccuracy: outcome.run.result.final.testAccuracy,
          dyingRatio: outcome.run.result.final.dyingRatio,
          resumedFromEpoch: outcome.run.timings.resumedFromEpoch,
          seconds,
        });
    } catch (e) {
      const err = serializeError(e);
      if (err.kind === "stopped") record(0, { ...base, status: "stopped", started: true, error: err.message });
      else {
        record(0, { ...base, status: "failed", error: err.message, kind: err.kind, seconds: (Date.now() - t0) / 1000 });
        if (fatalForStore(err)) halt = `not started: ${err.message}`;
      }
    }
  }
}

interface WorkerSlot {
  id: number;
  child: ChildProcess;
  current: PlannedRun | null;
  currentStarted: number;
  ready: boolean;
  exited: boolean;
}

export function runInWorkers(
  queue: Pending[],
  store: RunStore,
  staleLockMs: number,
  jobs: number,
  options: SweepOptions,
  emit: (e: SweepEvent) => void,
  record: Recorder,
): Promise<void> {
  const script = workerScript();
  if (!fs.existsSync(script)) {
    throw new SltError(
      "usage",
      `The sweep worker ${script} is missing: build the workbench (npm run build), or train in this process (runSweep's inProcess option).`,
      script,
    );
  }
  return new Promise<void>((resolve) => {
    const pending = [...queue];
    const slots: WorkerSlot[] = [];
    let nextWorkerId = 0;
    let halt: string | null = null;
    let startupFailures = 0;
    let finished = false;

    const stopAll = (reason: string) => {
      if (halt === null) halt = reason;
      for (const p of pending.splice(0))
        record(-1, { index: p.plan.index, id: p.plan.id, label: p.plan.label, status: "stopped", started: false, error: halt });
      for (const s of slots) if (!s.exited) s.child.kill("SIGTERM");
    };
    const onAbort = () => stopAll("the sweep was stopped (signal) before this run started; the sweep trains it when it runs again");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) halt = "the sweep was stopped before this run started";

    const maybeDone = () => {
      if (finished) return;
      if (slots.every((s) => s.exited) && (pending.length === 0 || halt !== null)) {
        finished = true;
        for (const p of pending.splice(0))
          record(-1, {
            index: p.plan.index,
            id: p.plan.id,
            label: p.plan.label,
            status: "stopped",
            started: false,
            error: halt ?? "not started",
          });
        options.signal?.removeEventListener("abort", onAbort);
        resolve();
      }
    };

    const dispatch = (slot: WorkerSlot) => {
      const next = halt === null ? pending.shift() : undefined;
      if (!next) {
        slot.current = null;
        send(slot, { type: "exit" });
        return;
      }
      slot.current = next.plan;
      slot.currentStarted = Date.now();
      send(slot, { type: "run", index: next.plan.index, config: next.plan.config, store: store.root, staleLockMs });
    };

    const send = (slot: WorkerSlot, msg: ParentMessage) => {
      if (slot.exited || !slot.child.connected) return;
      slot.child.send(msg, (err) => {
        if (err && !slot.exited) slot.child.kill("SIGKILL");
      });
    };

    const startWorker = () => {
      // Node flags pass on (e.g. --max-old-space-size), but not those that would make the
      // worker a test runner, a debuggee on a taken port, or a watcher.
      const execArgv = process.execArgv.filter((a) => !/^--(test|inspect|debug|watch)/.test(a));
      const child = fork(script, [], { stdio: ["ignore", "pipe", "pipe", "ipc"], serialization: "json", execArgv });
      const slot: WorkerSlot = { id: nextWorkerId++, child, current: null, currentStarted: 0, ready: false, exited: false };
      slots.push(slot);
      const forward = (stream: NodeJS.ReadableStream | null) => {
        let buffered = "";
        stream?.setEncoding("utf8");
        stream?.on("data", (chunk: string) => {
          buffered += chunk;
          let nl: number;
          while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            if (line.trim()) emit({ type: "log", worker: slot.id, line });
          }
        });
      };
      forward(child.stdout);
      forward(child.stderr);
      child.on("message", (raw: WorkerMessage) => onMessage(slot, raw));
      child.on("error", () => {
        /* reported through 'exit' */
      });
      child.on("exit", (code, signal) => onExit(slot, code, signal));
    };

    const onMessage = (slot: WorkerSlot, m: WorkerMessage) => {
      switch (m.type) {
        case "ready":
          slot.ready = true;
          emit({ type: "worker-start", worker: slot.id, pid: m.pid });
          dispatch(slot);
          return;
        case "event": {
          emit({ type: "run", worker: slot.id, index: m.index, event: m.event });
          const e = m.event;
          const p = slot.current;
          if (!p || p.index !== m.index || (e.type !== "run-end" && e.type !== "run-busy" && e.type !== "run-failed")) return;
          const base = { index: p.index, id: p.id, label: p.label, seconds: (Date.now() - slot.currentStarted) / 1000 };
          slot.current = null;
          if (e.type === "run-failed") {
            if (e.error.kind === "stopped") record(slot.id, { ...base, status: "stopped", started: true, error: e.error.message });
            else {
              record(slot.id, { ...base, status: "failed", error: e.error.message, kind: e.error.kind });
              if (fatalForStore(e.error)) stopAll(`not started: ${e.error.message}`);
            }
          } else if (e.type === "run-busy") record(slot.id, { ...base, status: "busy", error: "another process is training it" });
          else
            record(slot.id, {
              ...base,
              status: e.outcome,
              testAccuracy: e.testAccuracy,
              dyingRatio: e.dyingRatio,
              resumedFromEpoch: e.resumedFromEpoch,
            });
          dispatch(slot);
          return;
        }
      }
    };

    const onExit = (slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null) => {
      slot.exited = true;
      emit({ type: "worker-exit", worker: slot.id, pid: slot.child.pid ?? -1, code, signal });
      const p = slot.current;
      slot.current = null;
      if (p) {
        // The worker cannot have released its lock: do it here, or other hosts wait for it to go stale.
        if (slot.child.pid !== undefined) {
          try {
            store.releaseLockOf(p.id, slot.child.pid);
          } catch {
            /* it goes stale in time */
          }
        }
        const base = { index: p.index, id: p.id, label: p.label, seconds: (Date.now() - slot.currentStarted) / 1000 };
        if (halt !== null || signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGHUP") {
          record(slot.id, {
            ...base,
            status: "stopped",
            started: true,
            error: `its worker was stopped (${signal ?? `exit code ${code}`}); the run resumes from its last checkpoint`,
          });
          if (halt === null) stopAll(`the sweep was stopped (a worker got ${signal})`);
        } else {
          // Killed from outside (out of memory: SIGKILL) or crashed: the run failed, the sweep goes on.
          const error = new SltError(
            "training",
            `The worker process training run ${p.id} died (${signal ? `signal ${signal}` : `exit code ${code}`}) — out of memory? ` +
              `Try a smaller batchSize/evalBatchSize or fewer --jobs. Its last checkpoint is kept; rerun the sweep to retry it.`,
            p.id,
          );
          try {
            store.writeFailure(p.id, p.config, error);
          } catch {
            /* reported in the summary all the same */
          }
          record(slot.id, { ...base, status: "failed", error: error.message, kind: "training" });
        }
      } else if (!slot.ready && halt === null) {
        // Died before it could take work: a broken installation. Do not loop forever.
        startupFailures++;
        if (startupFailures >= 2)
          stopAll(`the sweep's worker processes fail to start (${signal ?? `exit code ${code}`}); their output is above`);
      }
      if (halt === null && pending.length > 0 && slots.filter((s) => !s.exited).length < jobs) startWorker();
      maybeDone();
    };

    for (let i = 0; i < jobs; i++) startWorker();
  });
}
