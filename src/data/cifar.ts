/**
 * CIFAR-10 and CIFAR-100, binary version. Each record is the label byte(s) followed
 * by 3072 pixel bytes stored channel-major (the 32×32 red plane, then green, then
 * blue); we convert to HWC. CIFAR-100 records carry a coarse then a fine label; we
 * use the fine one (100 classes).
 */
import * as path from "node:path";
import { SltError } from "../errors";
import type { DataFileSet, DataSplits, DatasetSpec, ImageSet, LoadOptions } from "./types";
import { exists, readDataFile, resolveDataDir } from "./files";
import { checkLoadOptions, finishSplits } from "./splits";

export const CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html";
const SIDE = 32;
const PLANE = SIDE * SIDE;
const IMAGE_BYTES = 3 * PLANE;

export interface CifarDef {
  name: string;
  title: string;
  numClasses: number;
  /** Label bytes before the pixels: 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine). */
  labelBytes: 1 | 2;
  /** Range of the coarse label byte when labelBytes is 2. */
  coarseClasses?: number;
  /** Folder the official tarball unpacks to, also searched under dataDir. */
  subfolder: string;
  archive: string;
  trainFiles: string[];
  testFiles: string[];
}

export const CIFAR10: CifarDef = {
  name: "cifar10",
  title: "CIFAR-10",
  numClasses: 10,
  labelBytes: 1,
  subfolder: "cifar-10-batches-bin",
  archive: "cifar-10-binary.tar.gz",
  trainFiles: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  testFiles: ["test_batch.bin"],
};

export const CIFAR100: CifarDef = {
  name: "cifar100",
  title: "CIFAR-100",
  numClasses: 100,
  labelBytes: 2,
  coarseClasses: 20,
  subfolder: "cifar-100-binary",
  archive: "cifar-100-binary.tar.gz",
  trainFiles: ["train.bin"],
  testFiles: ["test.bin"],
};

function howToGet(def: CifarDef, dir = "<dataDir>"): string {
  return (
    `Download the binary version (${def.archive}) from ${CIFAR_URL} and unpack it with ` +
    `\`tar xzf ${def.archive} -C ${dir}\` (it creates ${def.subfolder}/; the files may also sit directly in ${dir}).`
  );
}

/** Parses one CIFAR binary file's content into an HWC ImageSet. */
export function parseCifarBinary(bytes: Uint8Array, def: CifarDef, file: string, fix: string): ImageSet {
  const record = def.labelBytes + IMAGE_BYTES;
  if (bytes.length === 0) {
    throw new SltError("data", `${file}: empty file; expected ${def.title} records of ${record} bytes. ${fix}`, file);
  }
  if (bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    throw new SltError(
      "data",
      `${file}: length ${bytes.length} is not a whole number of ${def.title} records of ${record} bytes ` +
        `(${whole} whole records, ${bytes.length - whole * record} bytes left over); truncated or not a ${def.title} binary file. ${fix}`,
      file,
    );
  }
  const count = bytes.length / record;
  const pixels = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const base = n * record;
    if (def.labelBytes === 2) {
      const coarse = bytes[base];
      if (coarse >= (def.coarseClasses ?? 256)) {
        throw new SltError(
          "data",
          `${file}: bad coarse label byte ${coarse} in record ${n} (byte ${base}), expected 0..${(def.coarseClasses ?? 256) - 1}; ` +
            `the file is corrupt or not a ${def.title} binary file. ${fix}`,
          file,
        );
      }
    }
    const label = bytes[base + def.labelBytes - 1];
    if (label >= def.numClasses) {
      throw new SltError(
        "data",
        `${file}: bad label byte ${label} in record ${n} (byte ${base + def.labelBytes - 1}), expected 0..${def.numClasses - 1}; ` +
          `the file is corrupt or not a ${def.title} binary file. ${fix}`,
        file,
      );
    }
    labels[n] = label;
    const src = base + def.labelBytes;
    const dst = n * IMAGE_BYTES;
    for (let p = 0; p < PLANE; p++) {
      const o = dst + 3 * p;
      pixels[o] = bytes[src + p];
      pixels[o + 1] = bytes[src + PLANE + p];
      pixels[o + 2] = bytes[src + 2 * PLANE + p];
    }
  }
  return { pixels, labels, count, height: SIDE, width: SIDE, channels: 3 };
}

/** Concatenates sets of one image shape. */
export function concatImageSets(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0];
  const first = sets[0];
  const size = first.height * first.width * first.channels;
  const count = sets.reduce((s, x) => s + x.count, 0);
  const pixels = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const s of sets) {
    pixels.set(s.pixels, at * size);
    labels.set(s.labels, at);
    at += s.count;
  }
  return { pixels, labels, count, height: first.height, width: first.width, channels: first.channels };
}

/** The folder (dataDir itself or its tarball subfolder) holding all of the data set's files. */
function locate(def: CifarDef, root: string): string {
  const all = [...def.trainFiles, ...def.testFiles];
  const dirs = [root, path.join(root, def.subfolder)];
  let partial: { dir: string; missing: string[] } | undefined;
  for (const dir of dirs) {
    const present = all.map((f) => exists(path.join(dir, f)));
    const missing = all.filter((_, i) => !present[i]);
    if (missing.length === 0) return dir;
    if (missing.length < all.length && !partial) partial = { dir, missing };
  }
  if (partial) {
    const { dir, missing } = partial;
    throw new SltError(
      "data",
      `${def.title} incomplete: missing ${missing.map((f) => path.join(dir, f)).join(", ")}. ${howToGet(def, root)}`,
      path.join(dir, missing[0]),
    );
  }
  throw new SltError(
    "data",
    `${def.title} not found: no ${all[0]} in ${root} or ${path.join(root, def.subfolder)}. ${howToGet(def, root)}`,
    path.join(root, def.subfolder, all[0]),
  );
}

export async function loadCifar(def: CifarDef, options: LoadOptions): Promise<DataSplits> {
  checkLoadOptions(options);
  const root = resolveDataDir(options.dataDir);
  const dir = locate(def, root);
  const fix = `Get a fresh copy: ${howToGet(def, root)}`;
  const read = async (names: string[]): Promise<ImageSet> => {
    const sets: ImageSet[] = [];
    for (const name of names) {
      // One file at a time: each is parsed into a new array, so peak memory stays near the final size.
      const file = path.join(dir, name);
      const f = await readDataFile(file, fix);
      sets.push(parseCifarBinary(f.bytes, def, file, fix));
    }
    return concatImageSets(sets);
  };
  const train = await read(def.trainFiles);
  const test = await read(def.testFiles);
  return finishSplits({ name: def.name, source: dir, numClasses: def.numClasses, train, test }, options);
}

/** The files `loadCifar` reads, by their standard names (so the tarball's subfolder or none give the same identity). */
export function cifarDataFiles(def: CifarDef, dataDir: string): DataFileSet {
  const root = resolveDataDir(dataDir);
  const dir = locate(def, root);
  return {
    files: Object.fromEntries([...def.trainFiles, ...def.testFiles].map((name) => [name, path.join(dir, name)])),
    fix: `Get a fresh copy: ${howToGet(def, root)}`,
  };
}

export const cifar10Spec: DatasetSpec = {
  name: "cifar10",
  description: "CIFAR-10 colour images, 32×32×3, 10 classes, 50000 train / 10000 test (binary version, in dataDir or ./data)",
  inputShape: [32, 32, 3],
  numClasses: 10,
  howToGet: howToGet(CIFAR10),
  load: (options) => loadCifar(CIFAR10, options),
  dataFiles: (dataDir) => cifarDataFiles(CIFAR10, dataDir),
};

export const cifar100Spec: DatasetSpec = {
  name: "cifar100",
  description: "CIFAR-100 colour images, 32×32×3, 100 fine classes, 50000 train / 10000 test (binary version, in dataDir or ./data)",
  inputShape: [32, 32, 3],
  numClasses: 100,
  howToGet: howToGet(CIFAR100),
  load: (options) => loadCifar(CIFAR100, options),
  dataFiles: (dataDir) => cifarDataFiles(CIFAR100, dataDir),
};
