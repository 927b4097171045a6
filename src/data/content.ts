/**
 * A data set's content identity: SHA-256 of each file it reads from a folder, by the file's
 * standard name, so the same files give the same identity in any folder, raw or gzipped,
 * in the tarball's subfolder or not. Run ids use it instead of the folder's path.
 */
import { createHash } from "node:crypto";
import { type DataContent, canonicalJson } from "../config";
import { contentDigest, type DigestCache } from "./files";
import { getDataset } from "./registry";

/**
 * The content identity of `dataset`'s files in `dataDir`, or null when the data set reads
 * no files (synthetic). Missing or unreadable files are the loader's own clear error. Each
 * file is hashed once per (path, size, mtime): in this process, and in `cache` if given.
 */
export function dataContent(dataset: string, dataDir: string, cache?: DigestCache): DataContent | null {
  const spec = getDataset(dataset);
  if (!spec.dataFiles) return null;
  const set = spec.dataFiles(dataDir);
  const names = Object.keys(set.files).sort();
  const files = Object.fromEntries(names.map((name) => [name, contentDigest(set.files[name], set.fix, cache)]));
  const standard = set.standard !== undefined && Object.entries(set.standard).every(([name, sha256]) => files[name] === sha256);
  return { sha256: createHash("sha256").update(canonicalJson(files)).digest("hex"), standard, files };
}
