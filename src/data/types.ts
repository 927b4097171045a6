/**
 * The in-memory form every data set takes, whatever file format it came from.
 * Pixels stay as bytes (a quarter of the memory of float32) and are normalised
 * when a batch is assembled.
 */
export interface ImageSet {
  /** Pixels, NHWC order, one byte per value, `count * height * width * channels` long. */
  pixels: Uint8Array;
  /** Class index of each image, `count` long. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
}

export interface DataSplits {
  /** Registry name of the data set, e.g. "mnist". */
  name: string;
  /** Where the data came from (a path or a package name), stored with each run. */
  source: string;
  numClasses: number;
  train: ImageSet;
  /** Held out from the training files when `validationFraction > 0`, else absent. */
  validation?: ImageSet;
  test: ImageSet;
  /** Per-channel mean and standard deviation of the training pixels on a 0..1 scale. */
  mean: number[];
  std: number[];
}

export interface LoadOptions {
  /** Folder holding the data set's files; each loader has its own default. */
  dataDir?: string;
  /** Fraction of the training images held out as a validation set, in [0, 1). */
  validationFraction: number;
  /** Seed of the validation split. */
  seed: number;
  /** Use only the first N training images (after the split); 0 = all. */
  limitTrain: number;
  /** Use only the first N test images; 0 = all. */
  limitTest: number;
}

/** The files a data set reads from a folder, by their standard names: what its content identity is made of. */
export interface DataFileSet {
  /** Standard name (e.g. "train-images-idx3-ubyte", "data_batch_1.bin") → the file found for it. */
  files: Record<string, string>;
  /** Standard name → SHA-256 of the published file's content, for data sets whose files are known (MNIST, Fashion-MNIST). */
  standard?: Record<string, string>;
  /** How to get a good copy of a file; ends error messages about one. */
  fix: string;
}

export interface DatasetSpec {
  name: string;
  /** One line for `--help` and docs. */
  description: string;
  /** [height, width, channels] of one image. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Where a user gets the files when they are missing. */
  howToGet: string;
  load(options: LoadOptions): Promise<DataSplits>;
  /**
   * The files `load` reads from `dataDir`, located as `load` locates them (the same clear
   * error when some are missing): what a run's id counts instead of the folder. null for a
   * data set that reads no files (synthetic), where dataDir changes nothing; required, so
   * that a new data set cannot leave its files out of run ids by omission.
   */
  dataFiles: ((dataDir: string) => DataFileSet) | null;
}
