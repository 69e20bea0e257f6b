/**
 * `npm run build` (first step): compiles the wasm kernels, src/speed/kernels/NAME.wat, with wabt into
 * dist/kernels/NAME.wasm for the single-threaded wasm build and NAME.shared.wasm for the threaded
 * one, whose memory is shared: an import of it must say so, with a maximum size. (A module that
 * imports no memory, such as a routine shared by kernels, is the same in both.)
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import wabt from "wabt";

const root = path.resolve(__dirname, "..");
const sources = path.join(root, "src", "speed", "kernels");
const out = path.join(root, "dist", "kernels");

/** The only memory import a kernel may have: the backend's memory, at least 0 pages. */
const MEMORY_IMPORT = '(import "env" "memory" (memory 0))';
/** Shared memories must declare a maximum; 65536 pages (4 GiB) admits any wasm32 memory. */
const SHARED_MEMORY_IMPORT = '(import "env" "memory" (memory 0 65536 shared))';
/** Fixed-width SIMD (v128) for the kernels, shared memories for the threaded build. */
const FEATURES = { simd: true, threads: true };

async function main(): Promise<void> {
  const compiler = await wabt();
  const compile = (file: string, text: string): Uint8Array => {
    const module = compiler.parseWat(file, text, FEATURES);
    try {
      // validate() takes the features too (wabt's index.js), though its typings leave them out.
      (module.validate as (features: typeof FEATURES) => void)(FEATURES);
      return module.toBinary({}).buffer;
    } finally {
      module.destroy();
    }
  };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = readdirSync(sources).filter((f) => f.endsWith(".wat"));
  for (const file of files) {
    const name = path.basename(file, ".wat");
    const text = readFileSync(path.join(sources, file), "utf8");
    if (text.includes('"memory"') && !text.includes(MEMORY_IMPORT))
      throw new Error(`${file}: import the backend's memory exactly as ${MEMORY_IMPORT}`);
    writeFileSync(path.join(out, `${name}.wasm`), compile(file, text));
    writeFileSync(
      path.join(out, `${name}.shared.wasm`),
      compile(file, text.replace(MEMORY_IMPORT, SHARED_MEMORY_IMPORT)),
    );
  }
  console.log(`[build] ${files.length} wasm kernels: src/speed/kernels/*.wat -> dist/kernels/`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
