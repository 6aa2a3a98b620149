import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * `<file>.pid` beside a SQLite store: the id of the process that holds the file's lock, so that a
 * second dispatcher refused the file can say which process to stop (`kill $(cat <file>.pid)`).
 * The lock itself is SQLite's; this file only names its holder, and a stale one (a killed
 * process) is overwritten by the next holder.
 */
export const ownerFileOf = (path: string) => `${path}.pid`;

/** Written once this process holds the lock. */
export function recordOwner(path: string): void {
  writeFileSync(ownerFileOf(path), `${process.pid}\n`);
}

/** Removed on close, unless another process has written it since. */
export function forgetOwner(path: string): void {
  if (ownerOf(path) === process.pid) rmSync(ownerFileOf(path), { force: true });
}

/** The process that recorded itself as the holder, if it is still running; undefined otherwise. */
export function ownerOf(path: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(ownerFileOf(path), 'utf8').trim());
  } catch {
    return undefined; // no file: the holder is not a dispatcher of this version
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: running, as another user; ESRCH: gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/** The lock of a SQLite store is held by another process; `holder` when it recorded itself. */
export class SqliteFileInUseError extends Error {
  constructor(
    readonly path: string,
    readonly holder: number | undefined,
    options: { cause: unknown },
  ) {
    super(
      `another process${holder === undefined ? '' : ` (pid ${holder})`} holds ${path}: the SQLite store serves one dispatcher at a time`,
      options,
    );
    this.name = 'SqliteFileInUseError';
  }
}
