/**
 * Waiting for runs that other processes hold (`slt sweep --wait`): poll their locks until
 * each one is released or goes stale, reporting who holds what meanwhile. What to do with
 * a released run (finished elsewhere, or left unfinished) is the sweep's business.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { LockHolder } from "./lock";
import type { RunStore } from "./store";

export interface HeldRun {
  id: string;
  label: string;
  holder: LockHolder;
}

export interface WaitOptions {
  staleLockMs: number;
  /** Time between two looks at the locks. */
  pollMs: number;
  /** Stops the wait early (the runs still held stay held). */
  signal?: AbortSignal;
  /** Called after every look with the runs still held and the seconds waited so far. */
  onPoll?(held: HeldRun[], seconds: number): void;
}

/** The runs of `runs` that a live process holds right now. */
export function heldRuns(store: RunStore, runs: readonly { id: string; label: string }[], staleLockMs: number): HeldRun[] {
  const held: HeldRun[] = [];
  for (const r of runs) {
    const holder = store.holder(r.id, staleLockMs);
    if (holder) held.push({ id: r.id, label: r.label, holder });
  }
  return held;
}

/** Wait until no run of `runs` is held by a live process (or the signal aborts); returns the runs still held. */
export async function waitForRelease(
  store: RunStore,
  runs: readonly { id: string; label: string }[],
  options: WaitOptions,
): Promise<HeldRun[]> {
  const started = Date.now();
  for (;;) {
    const held = heldRuns(store, runs, options.staleLockMs);
    options.onPoll?.(held, (Date.now() - started) / 1000);
    if (held.length === 0 || options.signal?.aborted) return held;
    try {
      await sleep(options.pollMs, undefined, { signal: options.signal });
    } catch {
      return heldRuns(store, runs, options.staleLockMs); // aborted
    }
  }
}

/** "pid 123 on host-a, heartbeat 4 s ago", for progress lines and summaries. */
export function describeHolder(h: LockHolder): string {
  const who = h.pid === undefined ? "a process (its lock is being written)" : `pid ${h.pid} on ${h.host}`;
  return `${who}, heartbeat ${h.heartbeatAgeSeconds.toFixed(0)} s ago`;
}
