import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { firstNotebook, notebookLink } from "../scripts/start";

test("npm start links the first notebook on the server Jupyter announces, with its token", () => {
  const line = "[I 21:34:40.773 NotebookApp] http://localhost:8941/?token=431d23d5";
  assert.equal(
    notebookLink(line, "00_getting_started.ipynb"),
    "http://localhost:8941/notebooks/00_getting_started.ipynb?token=431d23d5",
  );
  assert.equal(
    notebookLink("[I NotebookApp]  or http://127.0.0.1:8888/lab-base/", "01_a b.ipynb"),
    "http://127.0.0.1:8888/lab-base/notebooks/01_a%20b.ipynb",
  );
  assert.equal(
    notebookLink("[I ServerApp] http://localhost:8888/tree?token=abc", "00_x.ipynb"),
    "http://localhost:8888/notebooks/00_x.ipynb?token=abc",
  );
  assert.equal(
    notebookLink("[I NotebookApp] Serving notebooks from local directory: /x", "00_x.ipynb"),
    null,
  );
});

test("the first notebook is the first NN_*.ipynb in sorted order", () => {
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-start-"));
  for (const name of ["10_later.ipynb", "02_b.ipynb", "01_a.ipynb", "README.md", "scratch.ipynb"])
    writeFileSync(join(dir, name), "{}");
  assert.equal(firstNotebook(dir), "01_a.ipynb");
  assert.throws(
    () => firstNotebook(mkdtempSync(join(tmpdir(), "vae-lab-empty-"))),
    /No notebook named NN_\*\.ipynb/,
  );
});
