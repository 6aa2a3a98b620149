import type { Pool, PoolClient } from 'pg';
import { purgeInChunks, type Purged } from '../purgeInChunks';
import type { RetentionStore } from '../store';
import { query, transaction } from './pgConnection';

/** The retention purge on PostgreSQL. */
export function pgRetention(pool: Pool): RetentionStore {
  return { purgeFinishedBefore: (cutoff) => purgeFinishedBefore(pool, cutoff) };
}

/** One dispatcher at a time purges (an advisory lock, per chunk); the others skip their turn. */
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
          const rows = await query<{ id: string; event_id: string }>(
            client,
            `SELECT id, event_id FROM deliveries d WHERE status <> 'pending' AND updated_at < $1
               AND NOT EXISTS (SELECT 1 FROM failure_emails f WHERE f.delivery_id = d.id AND f.status <> 'sent')
             ORDER BY updated_at LIMIT $2`,
            [before, limit],
          );
          if (rows.length === 0) return { deliveries: 0, attempts: 0, events: 0 };
          const ids = rows.map((row) => row.id);
          await query(client, 'DELETE FROM failure_emails WHERE delivery_id = ANY($1::text[])', [ids]);
          const attempts = await count(client, 'DELETE FROM attempts WHERE delivery_id = ANY($1::text[])', [ids]);
          const deliveries = await count(client, 'DELETE FROM deliveries WHERE id = ANY($1::text[])', [ids]);
          const events = await count(
            client,
            `DELETE FROM events e WHERE e.id = ANY($1::bigint[]) AND e.received_at < $2
               AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)`,
            [[...new Set(rows.map((row) => row.event_id))], before],
          );
          return { deliveries, attempts, events };
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
  );
}
