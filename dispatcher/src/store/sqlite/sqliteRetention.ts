import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { RetentionStore } from '../store';
import { purgeInChunks } from '../purgeInChunks';

/**
 * The retention purge on SQLite (store/purgeInChunks.ts): each chunk one IMMEDIATE transaction on
 * the event loop, then, in a turn of its own, a checkpoint of what the last few wrote. Deleting one delivery
 * rewrites a page in each of about fifteen B-trees (the deliveries' nine, the events' six, the
 * attempts'), most of them keyed by team, so a chunk fills the WAL with thousands of pages; left to
 * the automatic checkpoint, every few chunks one commit (an ingest's as often as the purge's)
 * copied the whole WAL back into the database while everything waited.
 */
/**
 * Rows purged between two checkpoints: each checkpoint waits for two fsyncs whatever it copies,
 * and copies each page once however many chunks rewrote it, so not after every small chunk; a
 * few thousand pages at most, so that its stall stays short.
 */
const rowsPerCheckpoint = 500;

export function sqliteRetention(db: Database.Database, sql: Record<StatementName, Statement>): RetentionStore {
  const inTransaction = <T>(work: () => T): T => db.transaction(work).immediate();
  let rowsSinceCheckpoint = 0;
  return {
    purgeFinishedBefore: (cutoff) =>
      purgeInChunks(
        {
          deliveries: async (before, limit) =>
            inTransaction(() => {
              const rows = sql.purgeableDeliveries.all({ cutoff: before, limit }) as { id: string; event_id: number }[];
              if (rows.length === 0) return { deliveries: 0, attempts: 0, events: 0 };
              const ids = JSON.stringify(rows.map((row) => row.id));
              sql.purgeFailureEmailsOf.run(ids);
              const attempts = sql.purgeAttemptsOf.run(ids).changes;
              const deliveries = sql.purgeDeliveriesOf.run(ids).changes;
              const eventIds = JSON.stringify([...new Set(rows.map((row) => row.event_id))]);
              const events = sql.purgeEventsOf.run({ ids: eventIds, cutoff: before }).changes;
              return { deliveries, attempts, events };
            }),
          events: async (before, limit) => inTransaction(() => sql.purgeEvents.run({ cutoff: before, limit }).changes),
          healthHours: async (before, limit) =>
            inTransaction(() => sql.purgeHealthHours.run({ cutoff: before, limit }).changes),
          rest: async (before) =>
            inTransaction(() => {
              const deletedWebhooks = sql.purgeDeletedWebhooks.run({ cutoff: before }).changes;
              sql.purgeHealthOfPurgedWebhooks.run();
              sql.purgeConsoleLinks.run(before);
              sql.purgeConsoleSessions.run(before);
              return deletedWebhooks;
            }),
          // PASSIVE: copies what no reader still needs and never waits; the rest goes with the next.
          afterChunk: async (rows) => {
            rowsSinceCheckpoint += rows;
            if (rowsSinceCheckpoint < rowsPerCheckpoint) return;
            rowsSinceCheckpoint = 0;
            db.pragma('wal_checkpoint(PASSIVE)');
          },
        },
        cutoff,
        'timed',
      ),
  };
}
