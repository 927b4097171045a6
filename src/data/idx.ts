/**
 * IDX, the format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes,
 * a type byte, a dimension count, then one uint32 per dimension) followed by the
 * values. We read only unsigned-byte files, the two kinds these data sets use:
 * labels (magic 2049, one dimension) and images (magic 2051, three dimensions).
 */
import { SltError } from "../errors";
import type { ImageSet } from "./types";
import { readDataFile, verifyKnownContent, type KnownContent } from "./files";

export const IDX_LABELS_MAGIC = 2049;
export const IDX_IMAGES_MAGIC = 2051;

export type IdxKind = "labels" | "images";

export interface IdxArray {
  magic: number;
  dims: number[];
  /** The values, a view into the file's bytes (no copy). */
  data: Uint8Array;
}

const MAGIC: Record<IdxKind, number> = { labels: IDX_LABELS_MAGIC, images: IDX_IMAGES_MAGIC };

function describeMagic(m: number): string {
  if (m === IDX_LABELS_MAGIC) return "2049 (an IDX labels file)";
  if (m === IDX_IMAGES_MAGIC) return "2051 (an IDX images file)";
  return String(m);
}

/**
 * Parses IDX content already in memory. `file` and `fix` only feed error messages;
 * `gzip` says whether the byte counts in them refer to the gunzipped content.
 */
export function parseIdx(bytes: Uint8Array, kind: IdxKind, file: string, fix: string, gzip = false): IdxArray {
  const fail = (what: string): never => {
    throw new SltError("data", `${file}: ${what}. ${fix}`, file);
  };
  const after = gzip ? " after gunzip" : "";
  const want = MAGIC[kind];
  if (bytes.length < 4) fail(`truncated: expected an IDX ${kind} file, found only ${bytes.length} bytes${after}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== want) {
    fail(
      `wrong magic number: found ${describeMagic(magic)}, expected ${describeMagic(want)}` +
        (magic === IDX_LABELS_MAGIC || magic === IDX_IMAGES_MAGIC ? "; images and labels files swapped?" : "; not an IDX file"),
    );
  }
  const ndims = bytes[3];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(`truncated: expected a ${headerBytes}-byte header, found ${bytes.length} bytes${after}`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) fail(`dimension ${i} of the header is 0`);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count;
  if (bytes.length < expected) {
    fail(`truncated: expected ${expected} bytes${after}, found ${bytes.length} (the header says ${dims.join("×")})`);
  }
  if (bytes.length > expected) {
    fail(`too long: expected ${expected} bytes${after}, found ${bytes.length} (the header says ${dims.join("×")})`);
  }
  // A plain Uint8Array view (not a Buffer, whose slice() shares memory instead of copying).
  return { magic, dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

export interface ReadIdxOptions {
  /** How to get a good copy; ends every error message. */
  fix: string;
  /** When the file has this content's length, its SHA-256 must match too. */
  known?: KnownContent;
}

/** Reads an IDX file, raw or gzip-compressed (detected by its magic bytes, not its name). */
export async function readIdx(file: string, kind: IdxKind, opts: ReadIdxOptions): Promise<IdxArray> {
  const f = await readDataFile(file, opts.fix);
  // Structure first: a truncated file gets "truncated", not a less helpful checksum mismatch.
  const arr = parseIdx(f.bytes, kind, file, opts.fix, f.gzip);
  if (opts.known) verifyKnownContent(f, opts.known, opts.fix);
  return arr;
}

export interface IdxPairOptions {
  fix: string;
  numClasses: number;
  /** Required [height, width] of the images. */
  shape?: [number, number];
  knownImages?: KnownContent;
  knownLabels?: KnownContent;
}

/** Reads an images file and its labels file into one ImageSet (single channel), checking they agree. */
export async function readIdxImageSet(imagesFile: string, labelsFile: string, opts: IdxPairOptions): Promise<ImageSet> {
  const [images, labels] = await Promise.all([
    readIdx(imagesFile, "images", { fix: opts.fix, known: opts.knownImages }),
    readIdx(labelsFile, "labels", { fix: opts.fix, known: opts.knownLabels }),
  ]);
  if (images.dims.length !== 3) {
    throw new SltError(
      "data",
      `${imagesFile}: wrong shape: expected 3 dimensions (count×height×width), found ${images.dims.length}. ${opts.fix}`,
      imagesFile,
    );
  }
  if (labels.dims.length !== 1) {
    throw new SltError(
      "data",
      `${labelsFile}: wrong shape: expected 1 dimension (count), found ${labels.dims.length}. ${opts.fix}`,
      labelsFile,
    );
  }
  const [count, height, width] = images.dims;
  if (opts.shape && (height !== opts.shape[0] || width !== opts.shape[1])) {
    throw new SltError(
      "data",
      `${imagesFile}: wrong shape: images are ${height}×${width}, expected ${opts.shape[0]}×${opts.shape[1]}. ${opts.fix}`,
      imagesFile,
    );
  }
  if (labels.dims[0] !== count) {
    throw new SltError(
      "data",
      `${labelsFile}: holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images; the two files must come from the same set. ${opts.fix}`,
      labelsFile,
    );
  }
  const bad = labels.data.findIndex((v) => v >= opts.numClasses);
  if (bad >= 0) {
    throw new SltError(
      "data",
      `${labelsFile}: bad label byte ${labels.data[bad]} at index ${bad}, expected 0..${opts.numClasses - 1}. ${opts.fix}`,
      labelsFile,
    );
  }
  return { pixels: images.data, labels: labels.data, count, height, width, channels: 1 };
}
