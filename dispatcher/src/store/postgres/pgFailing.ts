import type { Pool, PoolClient } from 'pg';
import { postgresText, type FailingQuery, type FailingStatement } from '../failingSql';
import { claimNotices, recordFinalOutcomes, startDueProbes, type FailingWork } from '../failingRules';
import type { FailingStore, FailingWebhook, WebhookFailingState } from '../failingStore';
import type { AttemptResult } from '../storeQueueTypes';
import { query, transaction } from './pgConnection';

const texts = new Map<FailingStatement, { text: string; names: string[] }>();

function textOf(name: FailingStatement): { text: string; names: string[] } {
  let text = texts.get(name);
  if (text === undefined) {
    text = postgresText(name);
    texts.set(name, text);
  }
  return text;
}

function statement(client: Pool | PoolClient, { name, params }: FailingQuery): Promise<Record<string, unknown>[]> {
  const { text, names } = textOf(name);
  return query(
    client,
    text,
    names.map((param) => params[param]),
  );
}

async function run<T>(client: Pool | PoolClient, work: FailingWork<T>): Promise<T> {
  let step = work.next();
  while (!step.done) step = work.next(await statement(client, step.value));
  return step.value;
}

/**
 * Inside the transaction that records attempts: the rows of the batch's failing webhooks are
 * locked in webhook order first (as the health counters are), so that two dispatchers' batches
 * never wait for each other's in turn; a NOTIFY wakes every dispatcher's worker or sender after
 * the commit.
 */
export async function recordFinalOutcomesPg(
  client: PoolClient,
  results: readonly AttemptResult[],
  moved: (result: AttemptResult) => boolean,
): Promise<void> {
  const finals = results.filter((r) => (r.next.kind === 'failed' || r.next.kind === 'succeeded') && moved(r));
  if (finals.length === 0) return;
  const webhookIds = [...new Set(finals.map((r) => r.webhookId))].sort();
  const failing = await query<{ webhook_id: string }>(
    client,
    `SELECT webhook_id FROM webhook_failing WHERE webhook_id = ANY($1) AND failing_since IS NOT NULL
      ORDER BY webhook_id FOR UPDATE`,
    [webhookIds],
  );
  // The common case, successes of healthy webhooks, costs this one statement.
  const failingIds = new Set(failing.map((row) => row.webhook_id));
  const relevant = finals.filter((r) => r.next.kind === 'failed' || failingIds.has(r.webhookId));
  if (relevant.length === 0) return;
  const effects = await run(
    client,
    recordFinalOutcomes(relevant, () => true),
  );
  if (effects.deliveriesDue) await query(client, 'NOTIFY spir_deliveries_due');
  if (effects.emailsDue) await query(client, 'NOTIFY spir_failure_emails_due');
}

/** The failing state on the shared engine. */
export function pgFailing(pool: Pool): FailingStore {
  return {
    async statesOfTeam(teamId) {
      const rows = await statement(pool, { name: 'statesOfTeam', params: { team_id: teamId } });
      return new Map<string, WebhookFailingState>(
        rows.map((row) => [
          String(row.webhook_id),
          {
            failingSince: row.failing_since === null ? null : Number(row.failing_since),
            autoRedeliver: Number(row.auto_redeliver) === 1,
            failedDeliveries: row.failing_since === null ? 0 : Number(row.failed_deliveries),
          },
        ]),
      );
    },
    async setAutoRedeliver(teamId, webhookId, on) {
      const rows = await statement(pool, {
        name: 'setAutoRedeliver',
        params: { team_id: teamId, webhook_id: webhookId, auto_redeliver: on ? 1 : 0 },
      });
      return rows.length > 0;
    },
    async listFailing(): Promise<FailingWebhook[]> {
      const rows = await statement(pool, { name: 'listFailing', params: { limit: 10_000 } });
      return rows.map((row) => ({
        teamId: String(row.team_id),
        webhookId: String(row.webhook_id),
        url: String(row.url),
        failingSince: Number(row.failing_since),
        failedDeliveries: Number(row.failed_deliveries),
      }));
    },
    async countFailing() {
      const [row] = await statement(pool, { name: 'countFailing', params: {} });
      return { redelivering: Number(row?.redelivering ?? 0), manual: Number(row?.manual ?? 0) };
    },
    startDueProbes: (now, probeMs, limit) =>
      transaction(pool, async (client) => {
        const started = await run(client, startDueProbes(now, probeMs, limit));
        if (started > 0) await query(client, 'NOTIFY spir_deliveries_due');
        return started;
      }),
    claimNotices: (workerId, now, leaseMs, limit, digestMs) =>
      transaction(pool, (client) => run(client, claimNotices(workerId, now, leaseMs, limit, digestMs))),
    async markNoticeSent(workerId, id, messageId, now) {
      await statement(pool, {
        name: 'markNoticeSent',
        params: { notice_id: id, worker: workerId, message_id: messageId, now },
      });
    },
    async rescheduleNotice(workerId, id, nextAttemptAt, error) {
      await statement(pool, {
        name: 'rescheduleNotice',
        params: { notice_id: id, worker: workerId, next_attempt_at: nextAttemptAt, error },
      });
    },
    purgeBefore: (cutoff) =>
      transaction(pool, async (client) => {
        await statement(client, { name: 'purgeFailures', params: {} });
        await statement(client, { name: 'purgeNotices', params: { cutoff } });
        await statement(client, { name: 'purgeStates', params: {} });
      }),
  };
}
