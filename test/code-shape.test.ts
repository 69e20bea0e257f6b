/**
 * The shape of the code a reader meets: every function short enough to take in at once, no two
 * modules of the library importing each other (directly or in a loop), and scripts that reach the
 * library only through its one index.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
const MAX_FUNCTION_LINES = 80;

/** The .ts files under `dir` (relative to the repository), recursively. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith(".ts") ? [relative] : [];
  });
}

function parse(file: string): ts.SourceFile {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

/** Functions of `source` (declarations, methods, arrows) longer than `limit` lines, as `file:line`. */
function longFunctions(source: ts.SourceFile, limit: number): string[] {
  const found: string[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const lines = lineOf(node.end) - lineOf(node.getStart()) + 1;
      if (lines > limit) found.push(`${source.fileName}:${lineOf(node.getStart())} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Relative module specifiers `source` imports or re-exports (type-only imports included). */
function relativeImports(source: ts.SourceFile): string[] {
  return source.statements.flatMap((statement) => {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text
        : undefined;
    return specifier?.startsWith(".") ? [specifier] : [];
  });
}

/** The repository file a relative specifier of `from` names (`x.ts` or `x/index.ts`). */
function resolveImport(from: string, specifier: string): string {
  const base = path.join(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, "index.ts")]) {
    const full = path.join(ROOT, candidate);
    if (fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  return base;
}

/** One import loop among `graph`'s files, as the files around it, or undefined when none. */
function findLoop(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const loop = visit(next);
      if (loop) return loop;
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const loop = visit(file);
    if (loop) return loop;
  }
  return undefined;
}

test(`no function in src/ or scripts/ is longer than ${MAX_FUNCTION_LINES} lines`, () => {
  const files = [...sourceFiles("src"), ...sourceFiles("scripts")];
  const long = files.flatMap((file) => longFunctions(parse(file), MAX_FUNCTION_LINES));
  assert.deepEqual(long, [], `split these functions into named helpers:\n${long.join("\n")}`);
});

test("the check finds a long function and an import loop when there is one", () => {
  const body = Array.from({ length: 90 }, (_, i) => `  const v${i} = ${i};`).join("\n");
  const source = ts.createSourceFile("long.ts", `function f() {\n${body}\n}\n`, ts.ScriptTarget.Latest, true);
  assert.deepEqual(longFunctions(source, MAX_FUNCTION_LINES), ["long.ts:1 (92 lines)"]);
  const loop = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
  ]);
  assert.deepEqual(findLoop(loop), ["a.ts", "b.ts", "c.ts", "a.ts"]);
  assert.equal(findLoop(new Map([["a.ts", ["b.ts"]]])), undefined);
});

test("no two modules of src/ import each other, directly or in a loop", () => {
  const graph = new Map(
    sourceFiles("src").map((file) => [
      file,
      relativeImports(parse(file)).map((specifier) => resolveImport(file, specifier)),
    ]),
  );
  const loop = findLoop(graph);
  assert.equal(loop, undefined, `an import loop: ${loop?.join(" -> ")}`);
});

test("scripts import the library only through src/index.ts", () => {
  const internal = sourceFiles("scripts").flatMap((file) =>
    relativeImports(parse(file))
      .map((specifier) => resolveImport(file, specifier))
      .filter((target) => target.startsWith(`src${path.sep}`) && target !== path.join("src", "index.ts"))
      .map((target) => `${file} imports ${target}`),
  );
  assert.deepEqual(internal, [], internal.join("\n"));
});
