import type { Pool } from 'pg';
import type { NewEvent, RecordedEvent } from '../storeQueueTypes';
import { StoreUnavailableError } from '../storeTypes';
import { transaction } from './pgConnection';
import { insertEvents, storedEvent } from './pgEvents';
import type { LeaseReturns } from './pgLeaseReturns';

// Transactions open at once for ingest, and events in one: under load, events wait for a
// transaction's turn and share it; a lone event has one to itself at once. One or two in flight
// did about as well in bench:peers, and four no better (bench/history.md, "Behind the comments");
// two, so that one slow commit does not hold every ingest.
const maxBatchesInFlight = 2;
const maxBatchSize = 200;

interface Waiting {
  event: NewEvent;
  resolve: (recorded: RecordedEvent) => void;
  reject: (error: unknown) => void;
}

/**
 * Events stored together, as the SQLite engine's group commit does: the events that arrive while
 * the engine's transactions are busy share the next one, where one event alone costs five or six
 * round trips and a commit. Each event is answered once its transaction has committed.
 *
 * An event already stored (the same team and webhookEventId, before or earlier in the batch) is
 * answered with what is stored. A batch the database refuses for any reason but unavailability
 * is stored again one event at a time, so that one event the database refuses (a NUL byte in its
 * body, say) fails alone.
 */
export class PgEventBatches {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly pool: Pool,
    private readonly returns: LeaseReturns,
  ) {}

  record(event: NewEvent): Promise<RecordedEvent> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.inFlight < maxBatchesInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, maxBatchSize);
      this.inFlight++;
      void this.store(batch).finally(() => {
        this.inFlight--;
        this.startBatches();
      });
    }
  }

  private async store(batch: Waiting[]): Promise<void> {
    const events = batch.map((waiting) => waiting.event);
    let stored: (RecordedEvent | undefined)[] | undefined;
    try {
      stored = await storeEvents(this.pool, this.returns, events);
    } catch (error) {
      if (error instanceof StoreUnavailableError || batch.length === 1) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
    }
    await Promise.all(
      batch.map(async ({ event, resolve, reject }, i) => {
        try {
          resolve(stored?.[i] ?? (await recordAlone(this.pool, this.returns, event)));
        } catch (error) {
          reject(error);
        }
      }),
    );
  }
}

/** One event in a transaction of its own; if it was stored before, what is stored. */
async function recordAlone(pool: Pool, returns: LeaseReturns, event: NewEvent): Promise<RecordedEvent> {
  const [recorded] = await storeEvents(pool, returns, [event]);
  return recorded ?? (await storedEvent(pool, event));
}

/** `insertEvents` in one transaction; if it fails, gives back what it took of the handoff. */
async function storeEvents(
  pool: Pool,
  returns: LeaseReturns,
  events: NewEvent[],
): Promise<(RecordedEvent | undefined)[]> {
  const reserved: { event: NewEvent; webhookId: string }[] = [];
  const leaseEnds = new Map<NewEvent, number>();
  try {
    return await transaction(pool, (client) =>
      insertEvents(
        client,
        events,
        (event, webhookId) => reserved.push({ event, webhookId }),
        (event, leaseUntil) => leaseEnds.set(event, leaseUntil),
      ),
    );
  } catch (error) {
    // Not committed as far as we know: the slots taken for it are given back. A lost connection
    // may have cut the COMMIT after it took effect; then the leases it wrote are given back too,
    // once the database answers.
    for (const { event, webhookId } of reserved) event.handoff?.release(webhookId);
    if (error instanceof StoreUnavailableError)
      for (const [event, leaseUntil] of leaseEnds)
        if (event.handoff !== undefined) returns.add({ workerId: event.handoff.workerId, leaseExpiresAt: leaseUntil });
    throw error;
  }
}
