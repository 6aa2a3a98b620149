import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { AttemptRow, FailureEmailRow } from '../storeTypes';
import type { OutboxStore } from '../store';
import { failureEmailJobOf, type FailureEmailContextRow } from '../storeRows';
import type { WalSync } from './walSync';

/** The failure-email outbox, on the embedded engine. */
export function sqliteOutbox(
  db: Database.Database,
  sql: Record<StatementName, Statement>,
  walSync: WalSync,
): OutboxStore {
  return {
    async claimFailureEmails(workerId, now, leaseMs, limit) {
      return db
        .transaction(() => {
          const emails = sql.claimFailureEmails.all({
            worker: workerId,
            now,
            lease_until: now + leaseMs,
            limit,
          }) as FailureEmailRow[];
          return emails.map((email) =>
            failureEmailJobOf(
              email,
              sql.failureEmailContext.get(email.delivery_id) as FailureEmailContextRow,
              sql.attemptsOfRound.all(email.delivery_id, email.round) as AttemptRow[],
            ),
          );
        })
        .immediate();
    },

    async markFailureEmailSent(workerId, id, messageId, now) {
      sql.markFailureEmailSent.run({ id, worker: workerId, message_id: messageId, now });
      await walSync.sync();
    },

    async rescheduleFailureEmail(workerId, id, nextAttemptAt, error) {
      sql.rescheduleFailureEmail.run({ id, worker: workerId, next_attempt_at: nextAttemptAt, error });
    },

    async getFailureEmail(deliveryId, round) {
      return sql.getFailureEmail.get(deliveryId, round) as FailureEmailRow | undefined;
    },
  };
}
