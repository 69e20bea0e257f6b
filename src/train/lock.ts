/**
 * One writer per run folder. A writer holds the lock file `vae-lab.lock` in the folder, which
 * says who it is: process id, the process's start time, host and command. A second writer is
 * refused while that process runs; the lock of a process that is gone (killed, crashed: its id no
 * longer runs, or now names a process started at another time) is taken over, with a line saying
 * so. A process releases its locks when it exits, however it exits, short of SIGKILL.
 */
import { existsSync, linkSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative, resolve } from "node:path";
import { makeFolders, writeDurably } from "../files";

/** The lock file's name. */
export const LOCK_FILE = "vae-lab.lock";

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  /** When the process started (boot and clock ticks from /proc), to tell a reused id; null where unknown. */
  started: string | null;
  host: string;
  command: string;
  /** When the lock was taken (ISO time). */
  since: string;
}

/** Thrown when another process holds the folder: `holder` says which. */
export class FolderLockedError extends Error {
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.host === hostname() ? "" : ` on host ${holder.host}`;
    super(
      `another process is writing there: process ${holder.pid}${where} (${holder.command}), since ${holder.since}. ` +
        `Wait for it to end, stop it (kill ${holder.pid}), or choose another folder.`,
    );
    this.name = "FolderLockedError";
  }
}

/** True for the lock file and the files a lock briefly makes beside it. */
export function isLockFile(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.`);
}

/** The folders this process holds, with how many holds each (a trainer holds its folder; each save takes it again). */
const held = new Map<string, { holds: number; createdFolder: boolean }>();
/** Whether the exit listener that releases them is in place (one for the process). */
let releasingOnExit = false;

/**
 * Takes the lock of `dir` (created if missing) for this process and returns the function that
 * releases it. Throws {@link FolderLockedError} when another running process holds it; takes over
 * the lock of a process that is gone, saying so through `log`.
 */
export function lockFolder(dir: string, log: (line: string) => void = console.log): () => void {
  const folder = resolve(dir);
  const mine = held.get(folder);
  if (mine) {
    mine.holds++;
    return once(() => release(folder));
  }
  const createdFolder = !existsSync(folder);
  makeFolders(folder);
  const file = join(folder, LOCK_FILE);
  for (let attempt = 0; !tryLock(file); attempt++) {
    const holder = readHolder(file);
    if (holder && isRunning(holder)) throw new FolderLockedError(folder, holder);
    if (attempt > 2) throw new Error(`cannot take the lock ${file}: other processes keep taking it.`);
    if (takeOver(file, holder)) {
      const who = holder ? `process ${holder.pid} (${holder.command}), which is no longer running` : "nobody";
      log(`${dir}: taking over the lock held by ${who}.`);
    }
  }
  held.set(folder, { holds: 1, createdFolder });
  if (!releasingOnExit) process.on("exit", releaseAll);
  releasingOnExit = true;
  return once(() => release(folder));
}

/** This process, as a lock records it. */
function me(): LockHolder {
  const [script, ...args] = process.argv.slice(1);
  const near = script && relative(".", script);
  const shown = near && !near.startsWith("..") ? near : script;
  return {
    pid: process.pid,
    started: startTime(process.pid),
    host: hostname(),
    command: ["node", shown, ...args].join(" ").slice(0, 200),
    since: new Date().toISOString(),
  };
}

/** Creates the lock file with this process's record in one step (a hard link), or returns false if one is there. */
function tryLock(file: string): boolean {
  const mineFile = `${file}.${process.pid}`;
  rmSync(mineFile, { force: true });
  writeDurably(mineFile, JSON.stringify(me(), null, 2));
  try {
    linkSync(mineFile, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(mineFile, { force: true });
  }
}

/**
 * Moves a dead holder's lock away. If another process replaced it meanwhile (it took the lock
 * over first), its lock is put back. Returns whether the dead holder's lock was removed.
 */
function takeOver(file: string, holder: LockHolder | undefined): boolean {
  const moved = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, moved);
  } catch {
    return false; // gone already: try again
  }
  const found = readHolder(moved);
  const same = JSON.stringify(found) === JSON.stringify(holder);
  if (!same) {
    try {
      linkSync(moved, file);
    } catch {
      // a third process holds it now: it will be refused or taken over on the next attempt
    }
  }
  rmSync(moved, { force: true });
  return same;
}

/** The record in a lock file; undefined when it is missing or not a lock's record. */
function readHolder(file: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(file, "utf8"));
    return Number.isInteger(holder?.pid) ? (holder as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the holder still runs: its id exists and, where /proc says, started when the lock says. */
function isRunning(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true; // another machine's process (a shared folder): cannot tell
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const started = startTime(holder.pid);
  return !(started && holder.started && started !== holder.started);
}

/** A process's start (boot id and clock ticks since boot, from /proc); null where /proc does not say. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22, counted after the command name, which is in parentheses and may hold spaces.
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return `${boot}:${ticks}`;
  } catch {
    return null;
  }
}

function release(folder: string): void {
  const mine = held.get(folder);
  if (!mine || --mine.holds > 0) return;
  held.delete(folder);
  const file = join(folder, LOCK_FILE);
  const holder = readHolder(file);
  if (holder?.pid === process.pid && holder.started === startTime(process.pid)) rmSync(file, { force: true });
  // A folder made for the lock and left empty (the run stopped before its first save) goes too.
  if (mine.createdFolder && existsSync(folder) && readdirSync(folder).length === 0) rmdirSync(folder);
}

function releaseAll(): void {
  for (const folder of [...held.keys()]) {
    held.get(folder)!.holds = 1;
    release(folder);
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) fn();
    done = true;
  };
}
