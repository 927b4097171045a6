/** The data layer: loaders, the registry, splits and batches. */
export type { DataFileSet, DataSplits, DatasetSpec, ImageSet, LoadOptions } from "./types";
export { dataContent } from "./content";
export { datasets, datasetNames, getDataset, loadDataset } from "./registry";
export { makeBatch, epochOrder, type Augment, type Batch, type BatchOptions } from "./batches";
export { checkLoadOptions, channelStats, finishSplits, limitImageSet, splitValidation, subsetImageSet, type RawSplits } from "./splits";
export { parseIdx, readIdx, readIdxImageSet, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, type IdxArray, type IdxKind } from "./idx";
export { loadMnist, mnistPackageDir, mnistSpec, MNIST } from "./mnist";
export { loadFashionMnist, fashionMnistSpec, FASHION_MNIST, FASHION_MNIST_DEBIAN_DIR } from "./fashion-mnist";
export { loadCifar, parseCifarBinary, cifar10Spec, cifar100Spec, CIFAR10, CIFAR100, CIFAR_URL, type CifarDef } from "./cifar";
export { loadSvhn, svhnImageSet, svhnSpec, SVHN_URL } from "./svhn";
export { readMat5, readMat5File, type MatClass, type MatValues, type MatVariable } from "./mat5";
export { makeSynthetic, syntheticSpec, SYNTHETIC_DEFAULTS, type SyntheticConfig } from "./synthetic";
export { DEFAULT_DATA_DIR, clearChecksumCache, contentDigest, type DigestCache, type KnownContent } from "./files";
