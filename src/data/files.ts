/**
 * File access shared by the data loaders: read a file (gunzipping it when it starts
 * with the gzip magic), find the first of several candidate names, and verify the
 * SHA-256 of files whose exact content we know. Every failure is an SltError of kind
 * "data" that names the file and says how to get a good copy.
 */
import { promises as fsp, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { SltError } from "../errors";

const gunzip = promisify(zlib.gunzip);

export interface DataFile {
  /** The path as given. */
  file: string;
  /** Content after gunzip when the file was gzip-compressed, else the file's bytes. */
  bytes: Uint8Array;
  gzip: boolean;
  /** Size and modification time of the file on disk (the cache key of checksum checks). */
  size: number;
  mtimeMs: number;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads `file`, gunzipping by magic (not by extension, since names lie). `fix` says how to get a good copy. */
export async function readDataFile(file: string, fix: string): Promise<DataFile> {
  let raw: Buffer;
  let size: number;
  let mtimeMs: number;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new SltError("data", `${file}: not a regular file. ${fix}`, file);
    size = st.size;
    mtimeMs = st.mtimeMs;
    raw = await fsp.readFile(file);
  } catch (e) {
    if (e instanceof SltError) throw e;
    throw new SltError("data", `${file}: ${describeFsError(e)}. ${fix}`, file);
  }
  if (!isGzip(raw)) return { file, bytes: raw, gzip: false, size, mtimeMs };
  try {
    const bytes = await gunzip(raw);
    return { file, bytes, gzip: true, size, mtimeMs };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SltError("data", `${file}: corrupt or truncated gzip data (${why}). ${fix}`, file);
  }
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ENOENT") return "file not found";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a folder, not a file";
  return e instanceof Error ? e.message : String(e);
}

/** Whether `file` is a regular file. Synchronous (a stat): the loaders locate files before run ids are known. */
export function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `dir/name` that exists, trying every name in every folder in order. */
export function findFile(dirs: readonly string[], names: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const name of names) {
      const p = path.join(dir, name);
      if (exists(p)) return p;
    }
  }
  return undefined;
}

/** The exact content of a known public file: its length and SHA-256 after any gunzip. */
export interface KnownContent {
  /** What the file is, for messages, e.g. "MNIST training images". */
  what: string;
  size: number;
  sha256: string;
}

/**
 * SHA-256 of file contents (after any gunzip) by (absolute path, size, mtime): hashing 47 MB
 * costs ~0.1 s and 180 MB ~0.3 s, so a file is hashed once per process, and once per store
 * when a `DigestCache` keeps the digests between processes.
 */
const digests = new Map<string, string>();

/** The cache key of a file's digest: a changed size or mtime means the content must be hashed again. */
function digestKey(file: string, size: number, mtimeMs: number): string {
  return `${path.resolve(file)}\u0000${size}\u0000${mtimeMs}`;
}

/** Digests kept beyond this process (the run store keeps one), by the key `digestKey` makes. */
export interface DigestCache {
  get(key: string): string | undefined;
  set(key: string, sha256: string): void;
}

/**
 * Checks a file whose content has the standard length of `known` against its SHA-256,
 * so that a flipped byte anywhere is caught. Content of any other length is not a
 * candidate for that file (tests' small files, subsets) and is left to structural checks.
 */
export function verifyKnownContent(f: DataFile, known: KnownContent, fix: string): void {
  if (f.bytes.length !== known.size) return;
  const key = digestKey(f.file, f.size, f.mtimeMs);
  const digest = digests.get(key) ?? createHash("sha256").update(f.bytes).digest("hex");
  if (digest !== known.sha256) {
    throw new SltError(
      "data",
      `${f.file}: checksum mismatch: it has the length of the ${known.what} file (${known.size} bytes` +
        `${f.gzip ? " after gunzip" : ""}) but its SHA-256 is ${digest}, expected ${known.sha256}; ` +
        `the file is corrupt or not the standard one. ${fix}`,
      f.file,
    );
  }
  digests.set(key, digest);
}

/**
 * SHA-256 of a file's content (after gunzip when it is gzip-compressed, so a raw and a .gz
 * copy of the same data agree), hashed only when neither this process nor `cache` has it
 * for the file's current size and mtime. Synchronous: run ids are computed before any data
 * is loaded, where a caller may not await. Errors as `readDataFile`'s.
 */
export function contentDigest(file: string, fix: string, cache?: DigestCache): string {
  let raw: Buffer;
  let key: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new SltError("data", `${file}: not a regular file. ${fix}`, file);
    key = digestKey(file, st.size, st.mtimeMs);
    const inCache = cache?.get(key);
    const known = digests.get(key) ?? inCache;
    if (known) {
      digests.set(key, known);
      // Hashed earlier in this process (e.g. for another store): this store keeps it too.
      if (cache && inCache === undefined) cache.set(key, known);
      return known;
    }
    raw = readFileSync(file);
  } catch (e) {
    if (e instanceof SltError) throw e;
    throw new SltError("data", `${file}: ${describeFsError(e)}. ${fix}`, file);
  }
  let bytes: Uint8Array = raw;
  if (isGzip(raw)) {
    try {
      bytes = zlib.gunzipSync(raw);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new SltError("data", `${file}: corrupt or truncated gzip data (${why}). ${fix}`, file);
    }
  }
  const digest = createHash("sha256").update(bytes).digest("hex");
  digests.set(key, digest);
  cache?.set(key, digest);
  return digest;
}

/** Forgets the digests of this process (for tests that rewrite a file in place within one mtime tick). */
export function clearChecksumCache(): void {
  digests.clear();
}

/**
 * Where loaders without a system-wide copy (CIFAR, SVHN) look when no dataDir is
 * given: `data/` under the working folder, so the official archives can be unpacked
 * there as they are (e.g. `tar xzf cifar-10-binary.tar.gz -C data`).
 */
export const DEFAULT_DATA_DIR = "data";

export function resolveDataDir(dataDir: string | undefined): string {
  return path.resolve(dataDir ?? DEFAULT_DATA_DIR);
}
