/**
 * Run ids as the store uses them: the config's hash with the data's content identity
 * (src/config/identity.ts), the digests of data files kept in the store between processes,
 * and the lookup that still finds runs stored under the path-based ids of older versions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { type DataContent, type RunConfig, pathBasedRunId, runId } from "../config";
import { dataContent } from "../data/content";
import { isSltError } from "../errors";
import type { DigestCache } from "../data/files";
import { TEMP_PREFIX } from "./atomic";
import type { RunStore, StoredRun } from "./store";

export interface RunIdentity {
  id: string;
  /**
   * The id versions before content identities gave the config (its dataDir as a path), when
   * it differs from `id`: older stores and exports hold the run under it.
   */
  pathBasedId: string | null;
  /** What the config read under dataDir; null when it sets none or the data set reads no files. */
  data: DataContent | null;
}

/** File in the store's root that keeps data files' digests by (path, size, mtime). */
export const DIGESTS_FILE = "data-digests.json";

/**
 * The store's digest cache. Only a cache: an unreadable file counts as empty, a failed write
 * is ignored, and two writers at once lose an entry at worst (hashed again later).
 */
export function storeDigestCache(store: RunStore): DigestCache {
  const file = path.join(store.root, DIGESTS_FILE);
  let entries: Record<string, string> | null = null;
  const read = (): Record<string, string> => {
    try {
      const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
      return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  return {
    get(key) {
      entries ??= read();
      const v = entries[key];
      return typeof v === "string" && /^[0-9a-f]{64}$/.test(v) ? v : undefined;
    },
    set(key, sha256) {
      // Merged with what other processes wrote since; the store folder is not created for a cache.
      entries = { ...read(), [key]: sha256 };
      if (!fs.statSync(store.root, { throwIfNoEntry: false })?.isDirectory()) return;
      const tmp = path.join(store.root, `${TEMP_PREFIX}${DIGESTS_FILE}-${process.pid}-${randomBytes(4).toString("hex")}`);
      try {
        fs.writeFileSync(tmp, JSON.stringify(entries, null, 1));
        fs.renameSync(tmp, file);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    },
  };
}

/**
 * The config's run id. When it sets dataDir, the files there are located and hashed (once
 * per path, size and mtime; `store` keeps the digests for later processes): missing or
 * unreadable data is the loader's clear "data" error.
 */
export function identifyRun(config: RunConfig, store?: RunStore): RunIdentity {
  if (config.dataDir === "") return { id: runId(config), pathBasedId: null, data: null };
  const data = dataContent(config.dataset, config.dataDir, store ? storeDigestCache(store) : undefined);
  const id = runId(config, data);
  const pathBasedId = pathBasedRunId(config);
  return { id, pathBasedId: pathBasedId === id ? null : pathBasedId, data };
}

/**
 * `identifyRun`, or for a config whose data cannot be read, its path-based id: callers that
 * report failures run by run (sweeps, ensureRuns) let the run fail with the data error then.
 */
export function identifyRunOrPathBased(config: RunConfig, store?: RunStore): RunIdentity {
  try {
    return identifyRun(config, store);
  } catch (e) {
    if (isSltError(e) && e.kind === "data") return { id: pathBasedRunId(config), pathBasedId: null, data: null };
    throw e;
  }
}

/**
 * The id a stored run has by its own record: its config with the data content it recorded,
 * or the path-based id for a run with a dataDir made before runs recorded their content.
 */
export function storedRunId(run: Pick<StoredRun, "config" | "dataContent">): string {
  if (run.config.dataDir === "") return runId(run.config);
  return run.dataContent !== undefined ? runId(run.config, run.dataContent) : pathBasedRunId(run.config);
}

/** The finished run of `identity`: under its id, else under its path-based id (`pathBased` says which). */
export function readFinishedRun(
  store: RunStore,
  identity: Pick<RunIdentity, "id" | "pathBasedId">,
): { run: StoredRun; pathBased: boolean } | null {
  const run = store.readFinished(identity.id);
  if (run) return { run, pathBased: false };
  const old = identity.pathBasedId ? store.readFinished(identity.pathBasedId) : null;
  return old ? { run: old, pathBased: true } : null;
}
