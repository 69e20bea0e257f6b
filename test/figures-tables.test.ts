import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as dfd from "danfojs-node";
import { formatCell, saveCsv, showTable, tableCsv, tableHtml, tableText } from "../src/figures/tables";
import { MimeBundle, setDisplaySink } from "../src/figures/display";

const history = [
  { epoch: 1, loss: 163.456789, name: 'a "b", c' },
  { epoch: 2, loss: 120.5, name: "<i>x</i>" },
];

test("formatCell keeps integers and rounds other numbers to significant digits", () => {
  assert.equal(formatCell(42), "42");
  assert.equal(formatCell(163.456789), "163.46");
  assert.equal(formatCell(0.000012345, 3), "1.23e-5");
  assert.equal(formatCell(null), "");
});

test("tableHtml escapes text and right-aligns numeric columns", () => {
  const html = tableHtml(history, { title: "A & B" });
  assert.ok(html.includes("<caption>A &amp; B</caption>"));
  assert.ok(html.includes("&lt;i&gt;x&lt;/i&gt;"));
  assert.ok(!html.includes("<i>"));
  assert.ok(html.includes('<td style="text-align:right">163.46</td>'));
  assert.ok(html.includes('<td style="text-align:left">a &quot;b&quot;, c</td>'));
  assert.equal(html.match(/<tr>/g)?.length, 3);
});

test("tableCsv quotes per RFC 4180 and keeps full precision", () => {
  assert.equal(tableCsv(history), 'epoch,loss,name\r\n1,163.456789,"a ""b"", c"\r\n2,120.5,<i>x</i>\r\n');
});

test("tables accept danfojs DataFrames, showing a labelled index", () => {
  const df = new dfd.DataFrame({ model: ["vae", "iwae"], nll: [86.76, 84.78] }, { index: ["r1", "r2"] });
  assert.equal(tableCsv(df), ",model,nll\r\nr1,vae,86.76\r\nr2,iwae,84.78\r\n");
  const text = tableText(df).split("\n");
  assert.deepEqual(text, ["    model    nll", "--  -----  -----", "r1  vae    86.76", "r2  iwae   84.78"]);
  const plain = new dfd.DataFrame({ a: [1, 2] });
  assert.equal(tableCsv(plain), "a\r\n1\r\n2\r\n");
});

test("maxRows truncates display but not CSV; saveCsv writes the file", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ i }));
  assert.ok(tableText(rows, { maxRows: 2 }).endsWith("... 3 more rows"));
  const dir = mkdtempSync(join(tmpdir(), "vae-lab-tables-"));
  try {
    const path = saveCsv(rows, join(dir, "sub", "rows.csv"));
    assert.equal(readFileSync(path, "utf8").split("\r\n").length, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("showTable sends one bundle with HTML and text", () => {
  const sent: MimeBundle[] = [];
  setDisplaySink((b) => sent.push(b));
  try {
    showTable(history);
  } finally {
    setDisplaySink(null);
  }
  assert.equal(sent.length, 1);
  assert.deepEqual(Object.keys(sent[0]).sort(), ["text/html", "text/plain"]);
  assert.equal(String(sent[0]["text/plain"]).split("\n")[0], "epoch    loss  name");
});

test("nested records become dotted columns", () => {
  assert.equal(
    tableCsv([{ epoch: 1, train: { loss: 2, kl: 0.5 } }]),
    "epoch,train.loss,train.kl\r\n1,2,0.5\r\n",
  );
});
