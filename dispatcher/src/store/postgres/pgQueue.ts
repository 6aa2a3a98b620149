import type { Pool } from 'pg';
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
        'SELECT * FROM attempts WHERE delivery_id = $1 AND round = $2 ORDER BY attempt_number, id',
        [email.delivery_id, email.round],
      );
      jobs.push(failureEmailJobOf(email, context!, attempts));
    }
    return jobs;
  });
}

/** One dispatcher at a time purges (an advisory lock); the others skip their turn. */
export async function purgeFinishedBefore(
  pool: Pool,
  cutoff: number,
): Promise<{ deliveries: number; attempts: number; events: number; deletedWebhooks: number }> {
  return transaction(pool, async (client) => {
    const [lock] = await query<{ locked: boolean }>(
      client,
      'SELECT pg_try_advisory_xact_lock($1) AS locked',
      [0x5_1_7_0_3],
    );
    if (lock?.locked !== true) return { deliveries: 0, attempts: 0, events: 0, deletedWebhooks: 0 };
    const finished = `SELECT id FROM deliveries WHERE status <> 'pending' AND updated_at < $1`;
    await query(client, `DELETE FROM failure_emails WHERE status = 'sent' AND delivery_id IN (${finished})`, [cutoff]);
    const count = async (sql: string) =>
      (await query<{ id: unknown }>(client, `${sql} RETURNING 1 AS id`, [cutoff])).length;
    const attempts = await count(
      `DELETE FROM attempts WHERE delivery_id IN (${finished} AND id NOT IN (SELECT delivery_id FROM failure_emails))`,
    );
    const deliveries = await count(
      `DELETE FROM deliveries WHERE status <> 'pending' AND updated_at < $1 AND id NOT IN (SELECT delivery_id FROM failure_emails)`,
    );
    const events = await count(
      'DELETE FROM events WHERE received_at < $1 AND id NOT IN (SELECT event_id FROM deliveries)',
    );
    const deletedWebhooks = await count(
      'DELETE FROM webhooks WHERE deleted_at IS NOT NULL AND deleted_at < $1 AND id NOT IN (SELECT webhook_id FROM deliveries)',
    );
    await query(client, 'DELETE FROM console_links WHERE expires_at < $1', [cutoff]);
    await query(client, 'DELETE FROM console_sessions WHERE expires_at < $1', [cutoff]);
    return { deliveries, attempts, events, deletedWebhooks };
  });
}
