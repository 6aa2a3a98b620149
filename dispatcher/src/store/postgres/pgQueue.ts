import { attemptRowsSelect } from '../answerStorage';
import type { Pool, PoolClient } from 'pg';
import { purgeInChunks, type Purged } from '../purgeInChunks';
import { failureEmailJobOf, type FailureEmailContextRow } from '../storeRows';
import type { AttemptRow, DeliveryRow, FailureEmailJob, FailureEmailRow, WebhookRow } from '../storeTypes';
import type { QueueDepth } from '../storeQueueTypes';
import { resendRefusal } from '../resendRule';
import { query, transaction } from './pgConnection';

export async function queueDepth(pool: Pool, now: number): Promise<QueueDepth> {
  const [row] = await query<QueueDepth>(
    pool,
    `SELECT count(*) FILTER (WHERE next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1))::int AS due,
            count(*) FILTER (WHERE lease_expires_at > $1)::int AS "inFlight",
            (min(next_attempt_at) FILTER (WHERE next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1)))::float8
              AS "oldestDueAt",
            (SELECT count(*) FROM failure_emails WHERE status = 'pending')::int AS "failureEmailsPending",
            (SELECT min(created_at) FROM failure_emails WHERE status = 'pending')::float8 AS "oldestFailureEmailAt"
     FROM deliveries WHERE status = 'pending'`,
    [now],
  );
  return row!;
}

export async function resendDelivery(
  pool: Pool,
  teamId: string,
  id: string,
  now: number,
): Promise<DeliveryRow | 'not_found' | 'in_progress' | 'webhook_deleted'> {
  return transaction(pool, async (client) => {
    const [delivery] = await query<DeliveryRow>(
      client,
      'SELECT * FROM deliveries WHERE id = $1 AND team_id = $2 FOR UPDATE',
      [id, teamId],
    );
    const [webhook] =
      delivery === undefined
        ? []
        : await query<WebhookRow>(client, 'SELECT * FROM webhooks WHERE id = $1', [delivery.webhook_id]);
    const refusal = resendRefusal(delivery, webhook);
    if (refusal !== undefined) return refusal;
    const [resent] = await query<DeliveryRow>(
      client,
      `UPDATE deliveries SET status = 'pending', round = round + 1, attempts_in_round = 0, next_attempt_at = $1,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
       WHERE id = $2 AND team_id = $3 AND status IN ('succeeded', 'failed') RETURNING *`,
      [now, id, teamId],
    );
    if (resent !== undefined) await query(client, 'NOTIFY spir_deliveries_due');
    return resent ?? 'in_progress';
  });
}

/** Leases pending failure emails to one sender (SKIP LOCKED: never two senders for one email). */
export async function claimFailureEmails(
  pool: Pool,
  workerId: string,
  now: number,
  leaseMs: number,
  limit: number,
): Promise<FailureEmailJob[]> {
  return transaction(pool, async (client) => {
    const emails = await query<FailureEmailRow>(
      client,
      `UPDATE failure_emails SET lease_owner = $1, lease_expires_at = $2, send_attempts = send_attempts + 1
       WHERE id IN (
         SELECT id FROM failure_emails
         WHERE status = 'pending' AND next_attempt_at <= $3 AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
         ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [workerId, now + leaseMs, now, limit],
    );
    const jobs: FailureEmailJob[] = [];
    for (const email of emails) {
      const [context] = await query<FailureEmailContextRow>(
        client,
        `SELECT d.url, d.webhook_id, e.webhook_event_id, e.event_name, e.body, t.name AS team_name, t.admin_emails, t.language
         FROM deliveries d JOIN events e ON e.id = d.event_id JOIN teams t ON t.team_id = d.team_id WHERE d.id = $1`,
        [email.delivery_id],
      );
      const attempts = await query<AttemptRow>(
        client,
        `${attemptRowsSelect} WHERE a.delivery_id = $1 AND a.round = $2 ORDER BY a.attempt_number, a.id`,
        [email.delivery_id, email.round],
      );
      jobs.push(failureEmailJobOf(email, context!, attempts));
    }
    return jobs;
  });
}

/** One dispatcher at a time purges (an advisory lock, per chunk); the others skip their turn. */
export function purgeFinishedBefore(pool: Pool, cutoff: number): Promise<Purged> {
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
