import type { Pool, PoolClient } from 'pg';
import { purgeInChunks, type Purged } from '../purgeInChunks';
import type { RetentionStore } from '../store';
import { query, transaction } from './pgConnection';

/**
 * The retention purge on PostgreSQL (store/purgeInChunks.ts). One dispatcher at a time purges (an
 * advisory lock, per chunk); the others skip their turn. A chunk of deliveries is one statement:
 * the deliveries, their attempts, sent failure emails and events go together in one round trip,
 * and the foreign keys are checked once, at its end, against what it left.
 */
/** Rows per chunk: a chunk locks only rows nobody else writes, so its size costs ingest nothing. */
const purgeChunkRows = 2_000;

export function pgRetention(pool: Pool): RetentionStore {
  return { purgeFinishedBefore: (cutoff) => purgeFinishedBefore(pool, cutoff) };
}

function purgeFinishedBefore(pool: Pool, cutoff: number): Promise<Purged> {
  const lockedChunk = <T>(none: T, work: (client: PoolClient) => Promise<T>): Promise<T> =>
    transaction(pool, async (client) => {
      const [lock] = await query<{ locked: boolean }>(
        client,
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [0x5_1_7_0_3],
      );
      return lock?.locked === true ? work(client) : none;
    });
  const count = async (client: PoolClient, sql: string, params: unknown[]) =>
    (await query<{ n: unknown }>(client, `${sql} RETURNING 1 AS n`, params)).length;
  return purgeInChunks(
    {
      deliveries: (before, limit) =>
        lockedChunk({ deliveries: 0, attempts: 0, events: 0 }, async (client) => {
          // Every part of one statement sees the rows as they were before it (and every part
          // runs, read or not): an event is kept when a delivery outside this chunk refers to it.
          const [counts] = await query<{ deliveries: number; attempts: number; events: number }>(
            client,
            `WITH chunk AS MATERIALIZED (
               SELECT id, event_id FROM deliveries d WHERE status <> 'pending' AND updated_at < $1
                 AND NOT EXISTS (SELECT 1 FROM failure_emails f WHERE f.delivery_id = d.id AND f.status <> 'sent')
               ORDER BY updated_at LIMIT $2
             ), emails AS (
               DELETE FROM failure_emails WHERE delivery_id IN (SELECT id FROM chunk)
             ), attempts AS (
               DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM chunk) RETURNING 1
             ), purged AS (
               DELETE FROM deliveries WHERE id IN (SELECT id FROM chunk) RETURNING 1
             ), events AS (
               DELETE FROM events e WHERE e.id IN (SELECT event_id FROM chunk) AND e.received_at < $1
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.id NOT IN (SELECT id FROM chunk))
               RETURNING 1
             )
             SELECT (SELECT count(*) FROM purged)::int AS deliveries, (SELECT count(*) FROM attempts)::int AS attempts,
                    (SELECT count(*) FROM events)::int AS events`,
            [before, limit],
          );
          return counts!;
        }),
      events: (before, limit) =>
        lockedChunk(0, (client) =>
          count(
            client,
            `DELETE FROM events WHERE id IN (
               SELECT id FROM events e WHERE received_at < $1
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
               ORDER BY received_at LIMIT $2)`,
            [before, limit],
          ),
        ),
      healthHours: (before, limit) =>
        lockedChunk(0, (client) =>
          count(
            client,
            `DELETE FROM webhook_attempt_hours WHERE (webhook_id, hour_start) IN (
               SELECT webhook_id, hour_start FROM webhook_attempt_hours WHERE hour_start < $1 LIMIT $2)`,
            [before, limit],
          ),
        ),
      rest: (before) =>
        lockedChunk(0, async (client) => {
          const deletedWebhooks = await count(
            client,
            `DELETE FROM webhooks w WHERE deleted_at IS NOT NULL AND deleted_at < $1
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.webhook_id = w.id)`,
            [before],
          );
          await query(
            client,
            'DELETE FROM webhook_last_attempts l WHERE NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = l.webhook_id)',
          );
          await query(client, 'DELETE FROM console_links WHERE expires_at < $1', [before]);
          await query(client, 'DELETE FROM console_sessions WHERE expires_at < $1', [before]);
          return deletedWebhooks;
        }),
    },
    cutoff,
    { rows: purgeChunkRows },
  );
}
