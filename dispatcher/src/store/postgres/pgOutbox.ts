import { attemptRowsSelect } from '../answerStorage';
import type { Pool } from 'pg';
import { failureEmailJobOf, type FailureEmailContextRow } from '../storeRows';
import type { AttemptRow, FailureEmailJob, FailureEmailRow } from '../storeTypes';
import type { OutboxStore } from '../store';
import { query, transaction } from './pgConnection';

/** The failure-email outbox, on PostgreSQL. */
export function pgOutbox(pool: Pool): OutboxStore {
  return {
    claimFailureEmails: (workerId, now, leaseMs, limit) => claimFailureEmails(pool, workerId, now, leaseMs, limit),

    async markFailureEmailSent(workerId, id, messageId, now) {
      await query(
        pool,
        `UPDATE failure_emails SET status = 'sent', sent_at = $1, message_id = $2, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $3 AND lease_owner = $4`,
        [now, messageId, id, workerId],
      );
    },

    async rescheduleFailureEmail(workerId, id, nextAttemptAt, error) {
      await query(
        pool,
        `UPDATE failure_emails SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $3 AND lease_owner = $4`,
        [nextAttemptAt, error, id, workerId],
      );
    },

    async getFailureEmail(deliveryId, round) {
      const [row] = await query<FailureEmailRow>(
        pool,
        'SELECT * FROM failure_emails WHERE delivery_id = $1 AND round = $2',
        [deliveryId, round],
      );
      return row;
    },
  };
}

/** Leases pending failure emails to one sender (SKIP LOCKED: never two senders for one email). */
async function claimFailureEmails(
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
