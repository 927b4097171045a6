/**
 * Fashion-MNIST: by default the gzipped IDX files of Debian's package
 * `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/); or the four
 * standard files (raw or .gz) in `dataDir`.
 */
import * as path from "node:path";
import type { DataSplits, DatasetSpec, LoadOptions } from "./types";
import { idxDataFiles, loadIdxDataset, type IdxDatasetDef, type IdxFolder } from "./idx-dataset";

export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * SHA-256 of the four files' IDX content after gunzip, computed from Debian's
 * dataset-fashion-mnist files. Content, not the .gz bytes: Debian recompressed the
 * files, so its .gz differ from Zalando's while the content they hold is the same.
 */
export const FASHION_MNIST: IdxDatasetDef = {
  name: "fashion-mnist",
  title: "Fashion-MNIST",
  numClasses: 10,
  shape: [28, 28],
  known: {
    trainImages: {
      what: "Fashion-MNIST training images",
      size: 47040016,
      sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    },
    trainLabels: {
      what: "Fashion-MNIST training labels",
      size: 60008,
      sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    },
    testImages: {
      what: "Fashion-MNIST test images",
      size: 7840016,
      sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    },
    testLabels: {
      what: "Fashion-MNIST test labels",
      size: 10008,
      sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
  },
};

const OFFICIAL = "https://github.com/zalandoresearch/fashion-mnist";
const HOW_TO_GET =
  `Install it with \`sudo apt-get install dataset-fashion-mnist\` (Debian/Ubuntu, files go to ${FASHION_MNIST_DEBIAN_DIR}), ` +
  `or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and ` +
  `t10k-labels-idx1-ubyte.gz from ${OFFICIAL} into one folder and pass it as dataDir.`;

function fashionFolder(dataDir: string | undefined): IdxFolder {
  if (dataDir !== undefined) {
    const dir = path.resolve(dataDir);
    return { dir, source: dir, fix: `Download a fresh copy from ${OFFICIAL}.`, howToGet: HOW_TO_GET };
  }
  return {
    dir: FASHION_MNIST_DEBIAN_DIR,
    source: `debian:dataset-fashion-mnist (${FASHION_MNIST_DEBIAN_DIR})`,
    fix: "Reinstall with `sudo apt-get install --reinstall dataset-fashion-mnist`.",
    howToGet: HOW_TO_GET,
  };
}

export function loadFashionMnist(options: LoadOptions): Promise<DataSplits> {
  return loadIdxDataset(FASHION_MNIST, fashionFolder(options.dataDir), options);
}

export const fashionMnistSpec: DatasetSpec = {
  name: "fashion-mnist",
  description: "Fashion-MNIST clothing images, 28×28×1, 10 classes, 60000 train / 10000 test (Debian dataset-fashion-mnist)",
  inputShape: [28, 28, 1],
  numClasses: 10,
  howToGet: HOW_TO_GET,
  load: loadFashionMnist,
  dataFiles: (dataDir) => idxDataFiles(FASHION_MNIST, fashionFolder(dataDir)),
};
