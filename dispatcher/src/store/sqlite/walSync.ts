import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';
import { StoreUnavailableError } from '../storeTypes';

const openFile = promisify(open);
const syncFile = promisify(fdatasync);
const closeFile = promisify(close);

/**
 * Makes committed transactions survive a power cut by syncing SQLite's write-ahead log on
 * libuv's thread pool instead of inside COMMIT on the event loop (`synchronous = FULL` blocks
 * every commit for the fsync). The store runs with `synchronous = NORMAL`, so a commit only
 * writes the WAL; `sync()` resolves once a sync that began after the call has finished. Calls
 * made while one sync runs share the next one. A checkpoint syncs the WAL itself before
 * copying it into the database file, so a transaction is durable once `sync()` resolves
 * whether or not a checkpoint came in between.
 */
export class WalSync {
  private fd: Promise<number> | undefined;
  private running = false;
  private waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  /** `walPath` is undefined for an in-memory database, which has nothing to sync. */
  constructor(private readonly walPath: string | undefined) {}

  sync(): Promise<void> {
    if (this.walPath === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) void this.syncWaiting();
    });
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) await closeFile(await fd).catch(() => undefined);
  }

  private async syncWaiting(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        // Opened at the first sync: SQLite creates the WAL with the first transaction.
        this.fd ??= openFile(this.walPath!, 'r+');
        await syncFile(await this.fd);
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        // Opened afresh next time; this descriptor is closed if it was opened at all.
        this.fd?.then((fd) => closeFile(fd)).catch(() => undefined);
        this.fd = undefined;
        const refused = new StoreUnavailableError(
          `syncing the SQLite write-ahead log failed (${(error as Error).message})`,
          { cause: error },
        );
        for (const waiter of batch) waiter.reject(refused);
      }
    }
    this.running = false;
  }
}
