import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { insertEvent, type ReservedSlot } from './sqliteEvents';
import { recordAttempts } from './sqliteQueue';
import type { StatementName } from './sqliteStatements';
import type { AttemptResult } from '../storeQueueTypes';
import { StoreUnavailableError } from '../storeTypes';
import { type NewEvent, type RecordedEvent } from '../storeQueueTypes';
import type { WalSync } from './walSync';
import type { SqliteFailing } from './sqliteFailing';

// SQLite's codes for "cannot write now", as opposed to a bug in a statement.
const unavailableCodes = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)/;

function unavailableOrAsIs(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && unavailableCodes.test(code)
    ? new StoreUnavailableError(`the SQLite store refused a write (${code})`, { cause: error })
    : error;
}

// How long a write waits for others to share its transaction (and, for events, one fsync).
const groupCommitWindowMs = 2;

interface Waiting<T, R> {
  input: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

type WaitingEvent = Waiting<NewEvent, RecordedEvent>;
type WaitingAttempts = Waiting<{ workerId: string; results: readonly AttemptResult[] }, void>;

/**
 * Writes stored together: events and attempt results that arrive within a couple of
 * milliseconds share one transaction, and the events one sync of the WAL; each event is
 * answered once that sync has made it durable. Attempt results are not waited for (a lost
 * record only sends a delivery again), but sharing the events' transaction writes the pages
 * both touch (a webhook's and a team's index pages, the newest deliveries) once instead of
 * twice (bench/history.md, "Behind the comments").
 */
export class EventGroupCommit {
  private events: WaitingEvent[] = [];
  private attempts: WaitingAttempts[] = [];
  private scheduled = false;

  constructor(
    private readonly db: Database.Database,
    private readonly sql: Record<StatementName, Statement>,
    private readonly walSync: WalSync,
    /** Told when deliveries leased to the handoff are given back for a claim to take. */
    private readonly deliveriesDue: () => void,
    /** Applies final outcomes to their webhooks' failing states, in the attempts' transaction. */
    private readonly failing: SqliteFailing,
  ) {}

  record(event: NewEvent): Promise<RecordedEvent> {
    return new Promise((resolve, reject) => {
      this.events.push({ input: event, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once the results are committed, without waiting for a sync. */
  recordAttempts(workerId: string, results: readonly AttemptResult[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.attempts.push({ input: { workerId, results }, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.commit();
    }, groupCommitWindowMs);
  }

  private commit(): void {
    const events = this.events;
    const attempts = this.attempts;
    this.events = [];
    this.attempts = [];
    // Slots reserved in a transaction that then rolls back, or whose sync fails, are given back.
    let reserved: ReservedSlot[] = [];
    let committed: { item: WaitingEvent; recorded: RecordedEvent }[] = [];
    try {
      const recorded = this.db
        .transaction(() => {
          const stored = events.map(({ input }) => insertEvent(this.sql, input, reserved));
          for (const { input } of attempts) recordAttempts(this.sql, this.failing, input.workerId, input.results);
          return stored;
        })
        .immediate();
      committed = events.map((item, i) => ({ item, recorded: recorded[i]! }));
      for (const item of attempts) item.resolve();
    } catch {
      releaseSlots(reserved);
      reserved = [];
      // Whatever failed must not fail the rest: attempt results on their own, then each event
      // alone, in transactions of their own.
      for (const item of attempts) {
        const written = this.inTransactionAlone(() =>
          recordAttempts(this.sql, this.failing, item.input.workerId, item.input.results),
        );
        if ('error' in written) item.reject(written.error);
        else item.resolve();
      }
      for (const item of events) {
        const slots: ReservedSlot[] = [];
        const written = this.inTransactionAlone(() => insertEvent(this.sql, item.input, slots));
        if ('error' in written) {
          releaseSlots(slots);
          item.reject(written.error);
        } else {
          committed.push({ item, recorded: written.value });
          reserved.push(...slots);
        }
      }
    }
    if (committed.length === 0) return;
    this.walSync.sync().then(
      () => committed.forEach(({ item, recorded }) => item.resolve(recorded)),
      (error: unknown) => {
        // Not acknowledged, so the caller retries (and finds the event stored). The deliveries
        // leased to the handoff are never handed over, so their leases are given back at once for
        // a claim to send them, rather than held until they end (twice the request timeout, plus 5 s).
        releaseSlots(reserved);
        this.returnHandoffLeases(committed.flatMap(({ item, recorded }) => leasedTo(item.input, recorded)));
        committed.forEach(({ item }) => item.reject(error));
      },
    );
  }

  private returnHandoffLeases(leases: { workerId: string; deliveryId: string }[]): void {
    if (leases.length === 0) return;
    const idsByWorker = new Map<string, string[]>();
    for (const { workerId, deliveryId } of leases)
      idsByWorker.set(workerId, [...(idsByWorker.get(workerId) ?? []), deliveryId]);
    const returned = this.inTransactionAlone(() => {
      for (const [worker, ids] of idsByWorker) this.sql.returnHandoffLeases.run({ worker, ids: JSON.stringify(ids) });
    });
    // A store that cannot write even this keeps the leases until they end: later, never lost.
    if (!('error' in returned)) this.deliveriesDue();
  }

  private inTransactionAlone<R>(write: () => R): { value: R } | { error: unknown } {
    try {
      return { value: this.db.transaction(write).immediate() };
    } catch (error) {
      return { error: unavailableOrAsIs(error) };
    }
  }
}

function leasedTo(event: NewEvent, recorded: RecordedEvent): { workerId: string; deliveryId: string }[] {
  return recorded.leased.map((delivery) => ({ workerId: event.handoff!.workerId, deliveryId: delivery.id }));
}

function releaseSlots(slots: ReservedSlot[]): void {
  for (const { handoff, webhookId } of slots) handoff.release(webhookId);
}
