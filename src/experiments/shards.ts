/**
 * Shards: one sweep split across the tasks of a cluster array job by run id alone, so the
 * tasks need no coordination beyond the shared store and its locks.
 */
import { createHash } from "node:crypto";
import { SltError } from "../errors";

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/**
 * The shard (0 … count−1) a run belongs to: a function of its id alone, so it does not
 * change when the spec is reordered or extended, and every process agrees on it.
 */
export function shardOf(id: string, count: number): number {
  if (!Number.isInteger(count) || count < 1)
    throw new SltError("usage", `The shard count must be a whole number ≥ 1, got ${count}.`, "shard");
  // Run ids are already hex hashes of the config; anything else is hashed first.
  const hex = /^[0-9a-f]{1,32}$/i.test(id) ? id : createHash("sha256").update(id).digest("hex").slice(0, 16);
  return Number(BigInt(`0x${hex}`) % BigInt(count));
}

/** Parse "i/n" (0 ≤ i < n), as in `--shard $SLURM_ARRAY_TASK_ID/16`. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new SltError("usage", `--shard expects "i/n" (shard i of n, 0-based, e.g. 3/16), got "${text}".`, "shard");
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count)
    throw new SltError(
      "usage",
      `--shard ${text}: the index must be between 0 and n−1 = ${count - 1} (0-based; Slurm's SLURM_ARRAY_TASK_ID is 0-based with --array=0-${count - 1}).`,
      "shard",
    );
  return { index, count };
}
