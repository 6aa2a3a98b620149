import type Database from 'better-sqlite3';
import { failingSql, sqliteText, type FailingStatement } from '../failingSql';
import {
  claimNotices,
  recordFinalOutcomes,
  startDueProbes,
  type FailingEffects,
  type FailingWork,
} from '../failingRules';
import type { FailingStore, FailingWebhook, WebhookFailingState } from '../failingStore';
import type { AttemptResult } from '../storeQueueTypes';

type Wake = (work: 'deliveries' | 'failureEmails') => void;

/** The failing state on the embedded engine: failingRules.ts run inside SQLite's transactions. */
export class SqliteFailing implements FailingStore {
  private readonly statements: Record<FailingStatement, Database.Statement>;
  private wake: Wake = () => undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly durable: <T>(value: T) => Promise<T>,
  ) {
    this.statements = Object.fromEntries(
      Object.keys(failingSql).map((name) => [name, db.prepare(sqliteText(name as FailingStatement))]),
    ) as Record<FailingStatement, Database.Statement>;
    // Holding the file proves no other sender is at work: leases a killed one left are taken back.
    db.prepare(
      'UPDATE webhook_notices SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner IS NOT NULL',
    ).run();
  }

  /** Who to tell when a recovery made deliveries due or a notice was written (after the commit). */
  onWorkDue(wake: Wake): void {
    this.wake = wake;
  }

  private run<T>(work: FailingWork<T>): T {
    let step = work.next();
    while (!step.done) {
      const statement = this.statements[step.value.name];
      const rows = statement.reader ? (statement.all(step.value.params) as Record<string, unknown>[]) : [];
      if (!statement.reader) statement.run(step.value.params);
      step = work.next(rows);
    }
    return step.value;
  }

  private inTransaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * Inside the caller's transaction (the attempts' record): the wake-ups run on a later turn of
   * the event loop, after the commit, so a worker or sender woken never looks before it.
   */
  afterAttempts(results: readonly AttemptResult[], moved: (result: AttemptResult) => boolean): void {
    const effects: FailingEffects = this.run(recordFinalOutcomes(results, moved));
    if (effects.deliveriesDue) setImmediate(() => this.wake('deliveries'));
    if (effects.emailsDue) setImmediate(() => this.wake('failureEmails'));
  }

  async statesOfTeam(teamId: string): Promise<Map<string, WebhookFailingState>> {
    const rows = this.statements.statesOfTeam.all({ team_id: teamId }) as {
      webhook_id: string;
      auto_redeliver: number;
      failing_since: number | null;
      failed_deliveries: number;
    }[];
    return new Map(
      rows.map((row) => [
        row.webhook_id,
        {
          failingSince: row.failing_since,
          autoRedeliver: row.auto_redeliver === 1,
          failedDeliveries: row.failing_since === null ? 0 : row.failed_deliveries,
        },
      ]),
    );
  }

  async setAutoRedeliver(teamId: string, webhookId: string, on: boolean): Promise<boolean> {
    const rows = this.statements.setAutoRedeliver.all({
      team_id: teamId,
      webhook_id: webhookId,
      auto_redeliver: on ? 1 : 0,
    });
    return this.durable(rows.length > 0);
  }

  async listFailing(): Promise<FailingWebhook[]> {
    const rows = this.statements.listFailing.all({ limit: 10_000 }) as {
      team_id: string;
      webhook_id: string;
      url: string;
      failing_since: number;
      failed_deliveries: number;
    }[];
    return rows.map((row) => ({
      teamId: row.team_id,
      webhookId: row.webhook_id,
      url: row.url,
      failingSince: row.failing_since,
      failedDeliveries: row.failed_deliveries,
    }));
  }

  async countFailing(): Promise<{ redelivering: number; manual: number }> {
    return this.statements.countFailing.get() as { redelivering: number; manual: number };
  }

  async startDueProbes(now: number, probeMs: number, limit: number): Promise<number> {
    return this.inTransaction(() => this.run(startDueProbes(now, probeMs, limit)));
  }

  claimNotices: FailingStore['claimNotices'] = async (workerId, now, leaseMs, limit, digestMs) =>
    this.inTransaction(() => this.run(claimNotices(workerId, now, leaseMs, limit, digestMs)));

  async markNoticeSent(workerId: string, id: number, messageId: string, now: number): Promise<void> {
    this.statements.markNoticeSent.run({ notice_id: id, worker: workerId, message_id: messageId, now });
    await this.durable(undefined);
  }

  async rescheduleNotice(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.statements.rescheduleNotice.run({
      notice_id: id,
      worker: workerId,
      next_attempt_at: nextAttemptAt,
      error,
    });
  }

  async purgeBefore(cutoff: number): Promise<void> {
    this.inTransaction(() => {
      this.statements.purgeFailures.run();
      this.statements.purgeNotices.run({ cutoff });
      this.statements.purgeStates.run();
    });
  }
}
