/**
 * SVHN cropped digits (format 2): `train_32x32.mat` and `test_32x32.mat`, level-5 MAT
 * files holding `X`, uint8 32×32×3×N stored column-major, and `y`, N×1 labels 1..10
 * where 10 stands for the digit 0.
 */
import * as path from "node:path";
import { SltError } from "../errors";
import type { DataFileSet, DataSplits, DatasetSpec, ImageSet, LoadOptions } from "./types";
import { findFile, resolveDataDir } from "./files";
import { readMat5File, type MatVariable } from "./mat5";
import { checkLoadOptions, finishSplits } from "./splits";

export const SVHN_URL = "http://ufldl.stanford.edu/housenumbers/";
export const SVHN_FILES = { train: "train_32x32.mat", test: "test_32x32.mat" } as const;
/** Also searched under dataDir. */
export const SVHN_SUBFOLDER = "svhn";

function howToGet(dir = "<dataDir>"): string {
  return `Download train_32x32.mat and test_32x32.mat (format 2, cropped digits) from ${SVHN_URL} into ${dir} or ${path.join(dir, SVHN_SUBFOLDER)}.`;
}

/** Converts the `X` and `y` variables of one SVHN file into an NHWC ImageSet. */
export function svhnImageSet(vars: Map<string, MatVariable>, file: string, fix: string): ImageSet {
  const fail = (what: string): never => {
    throw new SltError("data", `${file}: ${what}. ${fix}`, file);
  };
  const X = vars.get("X");
  const y = vars.get("y");
  if (!X || !y) {
    const names = [...vars.keys()].join(", ") || "none";
    return fail(`missing variable ${!X ? "X" : "y"} (found: ${names}); not an SVHN cropped-digits file`);
  }
  if (X.className !== "uint8" || !(X.real instanceof Uint8Array)) fail(`X is ${X.className}, expected uint8`);
  const d = X.dims;
  if (d.length !== 4 || d[0] !== 32 || d[1] !== 32 || d[2] !== 3) {
    fail(`wrong shape: X is ${d.join("×")}, expected 32×32×3×N`);
  }
  const [H, W, C, N] = d;
  if (!y.real || y.complex || !(y.dims.length === 2 && (y.dims[0] === 1 || y.dims[1] === 1))) {
    fail(`wrong shape: y is a ${y.className} ${y.dims.join("×")} array, expected a real N×1 vector`);
  }
  const yv = y.real as NonNullable<MatVariable["real"]>;
  if (yv.length !== N) fail(`wrong shape: y holds ${yv.length} labels but X holds ${N} images`);
  const labels = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const v = Number(yv[i]);
    // 1..9 are digits, 10 is the digit 0; 0 is accepted too, as re-saved copies sometimes use it.
    if (!Number.isInteger(v) || v < 0 || v > 10) fail(`bad label ${v} at index ${i} of y, expected 1..10`);
    labels[i] = v === 10 ? 0 : v;
  }
  // Column-major X(h, w, c, n) sits at h + H*(w + W*(c + C*n)); walk the source in order.
  const src = X.real as Uint8Array;
  const pixels = new Uint8Array(N * H * W * C);
  let s = 0;
  for (let n = 0; n < N; n++) {
    const imgBase = n * H * W * C;
    for (let c = 0; c < C; c++) {
      for (let w = 0; w < W; w++) {
        let o = imgBase + w * C + c;
        const step = W * C;
        for (let h = 0; h < H; h++, o += step) pixels[o] = src[s++];
      }
    }
  }
  return { pixels, labels, count: N, height: H, width: W, channels: C };
}

/** The two files in `root` or its svhn/ subfolder, each located alone; one clear error naming a missing one. */
function locateSvhnFiles(root: string): { train: string; test: string } {
  const dirs = [root, path.join(root, SVHN_SUBFOLDER)];
  const locate = (name: string): string => {
    const file = findFile(dirs, [name]);
    if (!file) {
      throw new SltError("data", `SVHN not found: no ${name} in ${dirs.join(" or ")}. ${howToGet(root)}`, path.join(root, name));
    }
    return file;
  };
  // Both located before either is read, so a missing test file fails fast, not after a 180 MB read.
  return { train: locate(SVHN_FILES.train), test: locate(SVHN_FILES.test) };
}

/** The files `loadSvhn` reads, by their standard names. */
export function svhnDataFiles(dataDir: string): DataFileSet {
  const root = resolveDataDir(dataDir);
  const { train, test } = locateSvhnFiles(root);
  return { files: { [SVHN_FILES.train]: train, [SVHN_FILES.test]: test }, fix: `Get a fresh copy: ${howToGet(root)}` };
}

export async function loadSvhn(options: LoadOptions): Promise<DataSplits> {
  checkLoadOptions(options);
  const root = resolveDataDir(options.dataDir);
  const fix = `Get a fresh copy: ${howToGet(root)}`;
  const { train: trainFile, test: testFile } = locateSvhnFiles(root);
  // One at a time: the train file alone inflates to ~225 MB.
  const train = svhnImageSet(await readMat5File(trainFile, fix), trainFile, fix);
  const test = svhnImageSet(await readMat5File(testFile, fix), testFile, fix);
  return finishSplits({ name: "svhn", source: path.dirname(trainFile), numClasses: 10, train, test }, options);
}

export const svhnSpec: DatasetSpec = {
  name: "svhn",
  description: "SVHN cropped house-number digits, 32×32×3, 10 classes, 73257 train / 26032 test (.mat files in dataDir or ./data)",
  inputShape: [32, 32, 3],
  numClasses: 10,
  howToGet: howToGet(),
  load: loadSvhn,
  dataFiles: svhnDataFiles,
};
