import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { insertEvent, type ReservedSlot } from './sqliteEvents';
import type { StatementName } from './sqliteStatements';
import { StoreUnavailableError, type NewEvent, type RecordedEvent } from './storeTypes';
import type { WalSync } from './walSync';

// SQLite's codes for "cannot write now", as opposed to a bug in a statement.
const unavailableCodes = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)/;

function unavailableOrAsIs(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && unavailableCodes.test(code)
    ? new StoreUnavailableError(`the SQLite store refused a write (${code})`, { cause: error })
    : error;
}

// How long an ingest waits for others to share its commit (one fsync for all of them).
const groupCommitWindowMs = 2;

interface Waiting {
  event: NewEvent;
  resolve: (recorded: RecordedEvent) => void;
  reject: (error: unknown) => void;
}

/**
 * Events stored together: those that arrive within a couple of milliseconds share one transaction
 * and one sync of the WAL, and each is answered once that sync has made it durable.
 */
export class EventGroupCommit {
  private waiting: Waiting[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Record<StatementName, Statement>,
    private readonly walSync: WalSync,
  ) {}

  record(event: NewEvent): Promise<RecordedEvent> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (this.waiting.length === 1) setTimeout(() => this.commit(), groupCommitWindowMs);
    });
  }

  private commit(): void {
    const batch = this.waiting;
    this.waiting = [];
    // Slots reserved in a transaction that then rolls back, or whose sync fails, are given back.
    let reserved: ReservedSlot[] = [];
    const release = (slots: ReservedSlot[]) => {
      for (const { handoff, webhookId } of slots) handoff.release(webhookId);
    };
    let committed: { item: Waiting; recorded: RecordedEvent }[] = [];
    try {
      const results = this.db
        .transaction(() => batch.map(({ event }) => insertEvent(this.sql, event, reserved)))
        .immediate();
      committed = batch.map((item, i) => ({ item, recorded: results[i]! }));
    } catch {
      release(reserved);
      reserved = [];
      // One failing event must not fail the others: each alone, in its own transaction.
      for (const item of batch) {
        const slots: ReservedSlot[] = [];
        try {
          committed.push({
            item,
            recorded: this.db.transaction(() => insertEvent(this.sql, item.event, slots)).immediate(),
          });
          reserved.push(...slots);
        } catch (error) {
          release(slots);
          item.reject(unavailableOrAsIs(error));
        }
      }
    }
    if (committed.length === 0) return;
    this.walSync.sync().then(
      () => committed.forEach(({ item, recorded }) => item.resolve(recorded)),
      (error: unknown) => {
        // Not acknowledged, so the caller retries; the deliveries leased to the handoff are
        // claimed again when their lease ends.
        release(reserved);
        committed.forEach(({ item }) => item.reject(error));
      },
    );
  }
}
