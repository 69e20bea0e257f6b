/**
 * Writing files so that nothing is lost: bytes flushed to disk before they count, a file replaced
 * in one rename, never through a symlink, folders made one level at a time, a probe that says
 * early whether a folder can be written at all, and the reason a write failed in words.
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

/**
 * Creates `file`, writes `data` and flushes it to disk before returning. Nothing may be at `file`
 * yet, not even a symlink: the write never follows one into a file elsewhere.
 */
export function writeDurably(file: string, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const fd = openSync(file, "wx");
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
 * new, never a mix. The bytes go to `file.partial` first, which a failed write removes. A symlink
 * at `file` is replaced itself: the file it points to is left as it was.
 */
export function replaceFile(file: string, data: string | Uint8Array): void {
  const partial = `${file}.partial`;
  rmSync(partial, { force: true }); // what a killed write left (a symlink there is removed, not followed)
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
    throw new Error(
      `${what} ${path}: cannot create a folder in ${existing}: ${fileProblem(err)}. Choose a path you can write to.`,
    );
  }
  rmdirSync(probe);
}

/** Why a file operation failed, in words with the system's code: "the disk is full (ENOSPC)". */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words = code && PROBLEMS[code];
  if (words) return `${words} (${code})`;
  return code ?? (err as Error).message ?? String(err);
}

const PROBLEMS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EROFS: "the file system is read-only",
  EACCES: "permission denied",
  EPERM: "the operation is not permitted",
  ENAMETOOLONG: "a name on the path is too long",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOENT: "a folder on the path does not exist",
  EEXIST: "something is already there",
  EISDIR: "it is a folder",
  EIO: "the device reported an input/output error",
};

/** What to do about a failed write, by its cause. */
export function writeFix(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOSPC" || code === "EDQUOT") return "Free some space, or write to another disk.";
  if (code === "EROFS" || code === "EACCES" || code === "EPERM") return "Choose a folder you can write to.";
  return "Try again, or choose another folder.";
}
