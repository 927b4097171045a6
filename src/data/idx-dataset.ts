/**
 * The loader shared by data sets shipped as the four standard IDX files
 * (MNIST, Fashion-MNIST): find them in one folder, raw or gzip, read, verify, split.
 */
import * as path from "node:path";
import { SltError } from "../errors";
import type { DataFileSet, DataSplits, LoadOptions } from "./types";
import { findFile, type KnownContent } from "./files";
import { readIdxImageSet } from "./idx";
import { checkLoadOptions, finishSplits } from "./splits";

export type IdxRole = "trainImages" | "trainLabels" | "testImages" | "testLabels";

export const IDX_FILE_NAMES: Record<IdxRole, string> = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
};

/** Accepted spellings of a standard name: as is, gzipped, and the "train-images.idx3-ubyte" variant some mirrors use. */
export function idxCandidates(base: string): string[] {
  const dotted = base.replace(/-idx(\d)-ubyte$/, ".idx$1-ubyte");
  return [base, `${base}.gz`, dotted, `${dotted}.gz`];
}

export interface IdxFolder {
  dir: string;
  /** Where the data came from, stored with each run. */
  source: string;
  /** How to get a good copy of a file in this folder; ends corrupt-file messages. */
  fix: string;
  /** How to get the files when some are missing. */
  howToGet: string;
}

export interface IdxDatasetDef {
  name: string;
  /** Display name, e.g. "MNIST". */
  title: string;
  numClasses: number;
  shape: [number, number];
  known: Record<IdxRole, KnownContent>;
}

const ROLES: readonly IdxRole[] = ["trainImages", "trainLabels", "testImages", "testLabels"];

/** The four files in `folder` (raw or .gz, any accepted spelling); one clear error naming those missing. */
export function locateIdxFiles(def: IdxDatasetDef, folder: IdxFolder): Record<IdxRole, string> {
  const found = ROLES.map((r) => findFile([folder.dir], idxCandidates(IDX_FILE_NAMES[r])));
  const missing = ROLES.filter((_, i) => found[i] === undefined).map((r) => IDX_FILE_NAMES[r]);
  if (missing.length > 0) {
    const where = path.join(folder.dir, missing[0]);
    throw new SltError(
      "data",
      (missing.length === ROLES.length
        ? `${def.title} not found: none of the four IDX files (raw or .gz) in ${folder.dir}. `
        : `${def.title} incomplete: missing ${missing.map((m) => path.join(folder.dir, m)).join(", ")} (raw or .gz). `) + folder.howToGet,
      where,
    );
  }
  return Object.fromEntries(ROLES.map((r, i) => [r, found[i] as string])) as Record<IdxRole, string>;
}

/** The four files as a content identity sees them: by standard name, with the published files' SHA-256. */
export function idxDataFiles(def: IdxDatasetDef, folder: IdxFolder): DataFileSet {
  const files = locateIdxFiles(def, folder);
  return {
    files: Object.fromEntries(ROLES.map((r) => [IDX_FILE_NAMES[r], files[r]])),
    standard: Object.fromEntries(ROLES.map((r) => [IDX_FILE_NAMES[r], def.known[r].sha256])),
    fix: folder.fix,
  };
}

export async function loadIdxDataset(def: IdxDatasetDef, folder: IdxFolder, options: LoadOptions): Promise<DataSplits> {
  checkLoadOptions(options);
  const { trainImages, trainLabels, testImages, testLabels } = locateIdxFiles(def, folder);
  const common = { fix: folder.fix, numClasses: def.numClasses, shape: def.shape };
  const [train, test] = await Promise.all([
    readIdxImageSet(trainImages, trainLabels, { ...common, knownImages: def.known.trainImages, knownLabels: def.known.trainLabels }),
    readIdxImageSet(testImages, testLabels, { ...common, knownImages: def.known.testImages, knownLabels: def.known.testLabels }),
  ]);
  return finishSplits({ name: def.name, source: folder.source, numClasses: def.numClasses, train, test }, options);
}
