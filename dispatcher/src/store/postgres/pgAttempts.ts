import type { PoolClient, Pool } from 'pg';
import type { AttemptResult, TestSendRecord } from '../storeQueueTypes';
import { query, transaction } from './pgConnection';
import {
  answerColumns,
  keptAnswersColumns,
  keptAnswersOf,
  keptAnswersWhere,
  type AnswerColumns,
  type KeptAnswersRow,
} from '../answerStorage';
import { cancelPendingDeliveriesOfWebhook } from './pgWebhooks';
import { healthChangesOf } from '../webhookHealthSql';
import { recordFinalOutcomesPg } from './pgFailing';
import { attemptOutcomeOf, deliveryMoveOf, effectsOfMoved, wavesOf, type DeliveryMove } from '../rules/attemptEffects';
import { testDeliveryRowOf, testUrlKind } from '../rules/testSend';

// Each statement takes the whole batch as one array per column (unnest keeps their order): a
// few round trips per batch, where one INSERT and one UPDATE per attempt cost the database and
// the dispatcher a round trip each.

const insertAttempts = `
  INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
    response_status, response_headers, response_body, error_code, error_message,
    answer_kept, answer_hash, answer_size, same_answer_as)
  SELECT delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
    response_status, response_headers, response_body, error_code, error_message,
    answer_kept, answer_hash, answer_size, same_answer_as
  FROM unnest($1::text[], $2::int[], $3::int[], $4::bigint[], $5::float8[], $6::text[], $7::text[], $8::int[],
    $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::int[], $16::bigint[])
    WITH ORDINALITY AS r(delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
      response_status, response_headers, response_body, error_code, error_message,
      answer_kept, answer_hash, answer_size, same_answer_as, n)
  ORDER BY n`;

// What the wave's deliveries keep of their answers so far (a wave holds each delivery once).
const keptAnswers = `SELECT ${keptAnswersColumns} FROM attempts WHERE delivery_id = ANY($1::text[]) AND ${keptAnswersWhere}`;

// Guarded by the lease: a worker whose lease expired must not move the delivery on.
const moveDeliveries = `
  UPDATE deliveries d SET status = r.status, attempts_in_round = r.attempt_number, next_attempt_at = r.next_attempt_at,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = r.finished_at, cancel_reason = r.cancel_reason
  FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::bigint[], $7::text[])
    AS r(id, round, status, attempt_number, next_attempt_at, finished_at, cancel_reason)
  WHERE d.id = r.id AND d.lease_owner = $8 AND d.round = r.round AND d.status = 'pending'
  RETURNING d.id`;

// Health counters (store/webhookHealthSql.ts): one row per webhook and hour of the batch, locked
// in webhook order so that two batches never wait for each other's rows in turn.
const addHealthHours = `
  INSERT INTO webhook_attempt_hours (webhook_id, hour_start, attempts, succeeded)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
  ON CONFLICT (webhook_id, hour_start) DO UPDATE SET attempts = webhook_attempt_hours.attempts + excluded.attempts,
    succeeded = webhook_attempt_hours.succeeded + excluded.succeeded`;

// An attempt older than the last one recorded (a late batch) changes the counters only.
const setLastAttempts = `
  WITH r AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::boolean[])
      AS r(webhook_id, started_at, outcome, response_status, error_code, failures, reset)
  ), updated AS (
    UPDATE webhook_last_attempts l SET started_at = r.started_at, outcome = r.outcome,
      response_status = r.response_status, error_code = r.error_code,
      consecutive_failures = CASE WHEN r.reset THEN r.failures ELSE l.consecutive_failures + r.failures END
    FROM r WHERE l.webhook_id = r.webhook_id AND r.started_at >= l.started_at
  )
  INSERT INTO webhook_last_attempts (webhook_id, started_at, outcome, response_status, error_code, consecutive_failures)
  SELECT webhook_id, started_at, outcome, response_status, error_code, failures FROM r
  WHERE NOT EXISTS (SELECT 1 FROM webhook_last_attempts l WHERE l.webhook_id = r.webhook_id)
  ON CONFLICT (webhook_id) DO NOTHING`;

async function recordHealth(client: PoolClient, results: readonly AttemptResult[]): Promise<void> {
  const { hours, last } = healthChangesOf(results);
  await query(client, addHealthHours, [
    hours.map((h) => h.webhookId),
    hours.map((h) => h.hourStart),
    hours.map((h) => h.attempts),
    hours.map((h) => h.succeeded),
  ]);
  await query(client, setLastAttempts, [
    last.map((l) => l.webhookId),
    last.map((l) => l.startedAt),
    last.map((l) => l.outcome),
    last.map((l) => l.status),
    last.map((l) => l.errorCode),
    last.map((l) => l.failures),
    last.map((l) => l.reset),
  ]);
}

/**
 * Logs attempts and moves their deliveries on, guarded by the lease, a wave of the batch at a
 * time with the outcome of one result at a time in order (rules/attemptEffects.ts).
 */
export async function recordAttempts(pool: Pool, workerId: string, results: readonly AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  await transaction(pool, async (client) => {
    for (const wave of wavesOf(results)) await recordWave(client, workerId, wave);
    await recordHealth(client, results);
  });
}

async function recordWave(client: PoolClient, workerId: string, results: AttemptResult[]): Promise<void> {
  await logAttempts(client, results);
  const moves = results.map(deliveryMoveOf);
  const move = <T>(of: (m: DeliveryMove) => T) => moves.map(of);
  const movedRows = await query<{ id: string }>(client, moveDeliveries, [
    move((m) => m.deliveryId),
    move((m) => m.round),
    move((m) => m.status),
    move((m) => m.attemptsInRound),
    move((m) => m.nextAttemptAt),
    move((m) => m.finishedAt),
    move((m) => m.cancelReason),
    workerId,
  ]);
  const moved = new Set(movedRows.map((row) => row.id));
  // The failing state, the failure email or digest, and a recovery (failingRules.ts).
  await recordFinalOutcomesPg(client, results, (r) => moved.has(r.deliveryId));
  const effects = results.filter((r) => moved.has(r.deliveryId)).map(effectsOfMoved);
  for (const { webhookGone } of effects) {
    if (!webhookGone) continue;
    await query(client, 'UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL', [
      webhookGone.at,
      webhookGone.webhookId,
    ]);
    await query(client, cancelPendingDeliveriesOfWebhook, [webhookGone.at, webhookGone.webhookId]);
  }
}

/** Logs a wave's attempts (each delivery once), their answers kept as answerStorage.ts says. */
async function logAttempts(client: PoolClient, results: AttemptResult[]): Promise<void> {
  const column = <T>(of: (result: AttemptResult) => T) => results.map(of);
  const kept = keptAnswersOf(await query<KeptAnswersRow>(client, keptAnswers, [column((r) => r.deliveryId)]));
  const answers = results.map((r) => answerColumns(r, kept.get(r.deliveryId)));
  const answer = <T>(of: (columns: AnswerColumns) => T) => answers.map(of);
  await query(client, insertAttempts, [
    column((r) => r.deliveryId),
    column((r) => r.round),
    column((r) => r.attemptNumber),
    column((r) => Math.round(r.startedAt)),
    column((r) => r.durationMs),
    column(attemptOutcomeOf),
    column((r) => JSON.stringify(r.requestHeaders)),
    column((r) => r.response?.status ?? null),
    answer((a) => a.response_headers),
    answer((a) => a.response_body),
    column((r) => r.error?.code ?? null),
    column((r) => r.error?.message ?? null),
    answer((a) => a.answer_kept),
    answer((a) => a.answer_hash),
    answer((a) => a.answer_size),
    answer((a) => a.same_answer_as),
  ]);
}

/** A test send, as rules/testSend.ts keeps it, in one transaction. */
export async function recordTestSend(pool: Pool, send: TestSendRecord): Promise<void> {
  const row = testDeliveryRowOf(send);
  await transaction(pool, async (client) => {
    await query(
      client,
      `WITH e AS (
         INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
       )
       INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round,
         next_attempt_at, created_at, updated_at, event_name, invitee_email)
       SELECT $7, $1, $8, e.id, $9, $10, 1, 1, $11, $6, $12, $3, $13 FROM e`,
      [
        send.teamId,
        send.webhookEventId,
        send.eventName,
        testUrlKind,
        send.body,
        row.created_at,
        row.id,
        row.webhook_id,
        row.url,
        row.status,
        row.next_attempt_at,
        row.updated_at,
        row.invitee_email,
      ],
    );
    await logAttempts(client, [send.attempt]);
    await recordHealth(client, [send.attempt]);
  });
}
