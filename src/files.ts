/**
 * Writing files so that nothing is lost: bytes flushed to disk before they count, a file replaced
 * in one rename, folders made one level at a time, and a probe that says early whether a folder
 * can be written at all.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Writes `data` to `file` (created or truncated) and flushes it to disk before returning. */
export function writeDurably(file: string, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const fd = openSync(file, "w");
  try {
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries to disk (what a rename in it changed). */
export function syncFolder(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `data` in one rename: a reader, or a crash, sees the old content or the
 * new, never a mix. The bytes go to `file.partial` first, which a failed write removes.
 */
export function replaceFile(file: string, data: string | Uint8Array): void {
  const partial = `${file}.partial`;
  try {
    writeDurably(partial, data);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  syncFolder(dirname(file));
}

/**
 * Creates `dir` and its missing parents one level at a time. (Node's recursive mkdir spins
 * forever on some paths, e.g. under /proc/sys; a plain mkdir fails at once.)
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let path = resolve(dir); !existsSync(path); path = dirname(path)) missing.push(path);
  for (const path of missing.reverse()) mkdirSync(path);
}

/**
 * Throws a clear error unless a folder can be created at `path`, or written in if it exists:
 * makes and removes a probe folder in the nearest existing ancestor. `what` names the setting
 * (e.g. "--out") in the message.
 */
export function checkWritableFolder(path: string, what: string): void {
  let existing = resolve(path);
  while (!existsSync(existing)) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new Error(
      `${what} ${path}: ${existing} is a file, not a folder. Choose a path whose parents are folders.`,
    );
  }
  const probe = join(existing, `.vae-lab-probe-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(
      `${what} ${path}: cannot create a folder in ${existing} (${code}). Choose a path you can write to.`,
    );
  }
  rmdirSync(probe);
}
