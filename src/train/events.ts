/**
 * RunEvent: the one shape of a run's progress, from the training loop to every display
 * (the `slt run` bar, sweep workers and their bars, ensureRuns' lines, notebook progress).
 * The loop emits `step` and `epoch` (without the id, which it does not know: `LoopEvent`);
 * executeRun adds the run's id and emits the run's start and end. Whatever carries an event
 * further wraps it (a worker's `{index, event}`, a sweep's `worker`, ensureRuns' `{index, of}`)
 * and never rewrites it.
 */
import type { EpochMetrics } from "./procedure";

/** An error as it crosses a process boundary. `kind` is SltError's, "bug" or "stopped" (interrupted, resumable). */
export interface RunError {
  message: string;
  kind: string;
  subject?: string;
  /** StoreWriteError's errno code (ENOSPC, EACCES, …). */
  code?: string;
}

export type RunEvent =
  /** Training starts (data and backend ready, lock held); a run found finished has no start. */
  | {
      type: "run-start";
      id: string;
      resumedFromEpoch: number;
      stepsPerEpoch: number;
      epochs: number;
      cycles: number;
      backend: string;
      threads: number | "native";
    }
  /**
   * A training step finished; `epoch` counts from 1 over the whole run, `step` from 1 within
   * the epoch. `loss` and `accuracy` are the step's (its batch's); on the device path (GPU
   * backends, deviceMasks "on") the last ones read back, at most once a second, null before
   * the run's first read.
   */
  | {
      type: "step";
      id: string;
      cycle: number;
      cycles: number;
      epoch: number;
      epochs: number;
      step: number;
      stepsPerEpoch: number;
      loss: number | null;
      accuracy: number | null;
      lr: number;
    }
  /** An epoch finished and was evaluated. */
  | { type: "epoch"; id: string; metrics: EpochMetrics }
  /** The run is stored: trained now, or found finished. */
  | {
      type: "run-end";
      id: string;
      outcome: "trained" | "cached";
      testAccuracy: number | null;
      dyingRatio: number | null;
      resumedFromEpoch: number;
    }
  /** Another live process holds the run's lock: not run here. */
  | { type: "run-busy"; id: string }
  /** The run failed or was stopped (`error.kind` "stopped"); its last checkpoint is kept. */
  | { type: "run-failed"; id: string; error: RunError };

/** What the training loop itself emits: step and epoch events, before executeRun adds the id. */
export type LoopEvent = DistributiveOmit<Extract<RunEvent, { type: "step" | "epoch" }>, "id">;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
