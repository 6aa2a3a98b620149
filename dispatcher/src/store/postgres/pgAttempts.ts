import type { PoolClient, Pool } from 'pg';
import { deliveryStatusAfter, goneReason } from '../storeRows';
import type { AttemptResult } from '../storeQueueTypes';
import { query, transaction } from './pgConnection';
import { cancelPendingDeliveriesOfWebhook } from './pgWebhooks';

// Each statement takes the whole batch as one array per column (unnest keeps their order): a
// few round trips per batch, where one INSERT and one UPDATE per attempt cost the database and
// the dispatcher a round trip each.

const insertAttempts = `
  INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
    response_status, response_headers, response_body, error_code, error_message)
  SELECT delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
    response_status, response_headers, response_body, error_code, error_message
  FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[], $5::float8[], $6::text[], $7::text[], $8::int[],
    $9::text[], $10::text[], $11::text[], $12::text[])
    WITH ORDINALITY AS r(delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
      response_status, response_headers, response_body, error_code, error_message, n)
  ORDER BY n`;

// Guarded by the lease: a worker whose lease expired must not move the delivery on.
const moveDeliveries = `
  UPDATE deliveries d SET status = r.status, attempts_in_round = r.attempt_number, next_attempt_at = r.next_attempt_at,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = r.finished_at, cancel_reason = r.cancel_reason
  FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[])
    AS r(id, round, status, attempt_number, next_attempt_at, finished_at, cancel_reason)
  WHERE d.id = r.id AND d.lease_owner = $8 AND d.round = r.round AND d.status = 'pending'
  RETURNING d.id`;

// We MUST write the email in the same transaction: then a crash can delay it, never lose it.
const insertFailureEmails = `
  INSERT INTO failure_emails (delivery_id, round, team_id, status, next_attempt_at, created_at)
  SELECT d.id, d.round, d.team_id, 'pending', r.at, r.at FROM unnest($1::text[], $2::bigint[]) AS r(id, at)
  JOIN deliveries d ON d.id = r.id
  ON CONFLICT (delivery_id, round) DO NOTHING`;

const finishedAtOf = (result: AttemptResult) => Math.round(result.startedAt + result.durationMs);

/** Logs attempts and moves their deliveries on; guarded by the lease, as in the SQLite engine. */
export async function recordAttempts(pool: Pool, workerId: string, results: readonly AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  await transaction(pool, async (client) => {
    // A delivery twice in one batch (two attempts of it) is moved on by each in turn.
    for (const wave of wavesOfDistinctDeliveries(results)) await recordWave(client, workerId, wave);
  });
}

function wavesOfDistinctDeliveries(results: readonly AttemptResult[]): AttemptResult[][] {
  const waves: AttemptResult[][] = [];
  const seen = new Map<string, number>();
  for (const result of results) {
    const wave = seen.get(result.deliveryId) ?? 0;
    seen.set(result.deliveryId, wave + 1);
    (waves[wave] ??= []).push(result);
  }
  return waves;
}

async function recordWave(client: PoolClient, workerId: string, results: AttemptResult[]): Promise<void> {
  const column = <T>(of: (result: AttemptResult) => T) => results.map(of);
  await query(client, insertAttempts, [
    column((r) => r.deliveryId),
    column((r) => r.round),
    column((r) => r.attemptNumber),
    column((r) => Math.round(r.startedAt)),
    column((r) => r.durationMs),
    column((r) => (r.next.kind === 'succeeded' ? 'succeeded' : 'failed')),
    column((r) => JSON.stringify(r.requestHeaders)),
    column((r) => r.response?.status ?? null),
    column((r) => (r.response === null ? null : JSON.stringify(r.response.headers))),
    column((r) => r.response?.body ?? null),
    column((r) => r.error?.code ?? null),
    column((r) => r.error?.message ?? null),
  ]);
  const movedRows = await query<{ id: string }>(client, moveDeliveries, [
    column((r) => r.deliveryId),
    column((r) => r.round),
    column((r) => deliveryStatusAfter[r.next.kind]),
    column((r) => r.attemptNumber),
    // BIGINT: whole ms.
    column((r) => (r.next.kind === 'retry' ? Math.round(r.next.nextAttemptAt) : finishedAtOf(r))),
    column(finishedAtOf),
    column((r) => (r.next.kind === 'gone' ? goneReason : null)),
    workerId,
  ]);
  const moved = new Set(movedRows.map((row) => row.id));
  const failed = results.filter((r) => r.next.kind === 'failed' && moved.has(r.deliveryId));
  if (failed.length > 0) {
    await query(client, insertFailureEmails, [failed.map((r) => r.deliveryId), failed.map(finishedAtOf)]);
    await query(client, 'NOTIFY spir_failure_emails_due');
  }
  // A subscription that answered 410 Gone is removed with its other pending deliveries.
  for (const result of results.filter((r) => r.next.kind === 'gone' && moved.has(r.deliveryId))) {
    const finishedAt = finishedAtOf(result);
    await query(client, 'UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL', [
      finishedAt,
      result.webhookId,
    ]);
    await query(client, cancelPendingDeliveriesOfWebhook, [finishedAt, result.webhookId]);
  }
}
