import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { AttemptResult, ClaimedDelivery, ClaimOptions, QueueDepth } from '../storeQueueTypes';
import type { QueueStore } from '../store';
import type { StatementName } from './sqliteStatements';
import type { ClaimMemory } from '../claimMemory';
import type { SqliteFailing } from './sqliteFailing';
import { healthChangesOf } from '../webhookHealthSql';
import { answerColumns, keptAnswersOf, type KeptAnswersRow } from '../answerStorage';
import { claimedDeliveryOf, type ClaimedJoinRow } from '../storeRows';
import { attemptOutcomeOf, deliveryMoveOf, effectsOfMoved } from '../rules/attemptEffects';

type Statements = Record<StatementName, Statement>;

/**
 * Leases due deliveries to one worker and returns what it needs to send them. Runs inside the
 * caller's transaction. Two tiers: a bounded window of the oldest due deliveries, then, only when
 * that window is full of webhooks with no room left, one index seek per webhook; `memory` skips
 * the window for a second once it was found full (it made claims beside hung endpoints' backlogs
 * three times as costly).
 */
function claimDue(sql: Statements, options: ClaimOptions, memory: ClaimMemory): ClaimedDelivery[] {
  const inFlight = new Map(options.inFlightByWebhook);
  const common = { now: options.now, per_webhook: options.perWebhookLimit };
  const lease = (ids: string[]) =>
    sql.leaseDeliveries.run({
      worker: options.workerId,
      lease_until: options.leaseUntil,
      ids: JSON.stringify(ids),
    });
  // Leased deliveries are filtered out before the limit, so the window holds claimable ones only.
  const window = options.limit * 4;
  const skipWindow = memory.skipsWindow(options.now);
  const picked = skipWindow
    ? []
    : (sql.dueWindow.all({
        ...common,
        window,
        limit: options.limit,
        in_flight: JSON.stringify(Object.fromEntries(inFlight)),
      }) as { id: string; webhook_id: string }[]);
  lease(picked.map((row) => row.id));
  // The window scan is cheap but can be filled by webhooks that have no room left; only then
  // pay for one seek per webhook, so that their backlog never starves the others.
  const windowFull =
    skipWindow ||
    (picked.length < options.limit &&
      (sql.countDueWindow.get({ now: options.now, window }) as { due: number }).due >= window);
  if (windowFull) {
    if (!skipWindow) memory.windowWasFull(options.now);
    for (const row of picked) inFlight.set(row.webhook_id, (inFlight.get(row.webhook_id) ?? 0) + 1);
    const saturated = [...inFlight].filter(([, count]) => count >= options.perWebhookLimit).map(([id]) => id);
    // A webhook whose limit grew shows fewer than none in flight (see WebhookLimits.inFlightAsClaimed).
    let fewestInFlight = 0;
    for (const count of inFlight.values()) fewestInFlight = Math.min(fewestInFlight, count);
    const more = sql.dueByWebhook.all({
      ...common,
      most_room: options.perWebhookLimit - fewestInFlight,
      limit: options.limit - picked.length,
      saturated: JSON.stringify(saturated),
      in_flight: JSON.stringify(Object.fromEntries(inFlight)),
    }) as { id: string; webhook_id: string }[];
    lease(more.map((row) => row.id));
    picked.push(...more);
  }
  if (picked.length === 0) return [];
  const rows = sql.claimedDetails.all(JSON.stringify(picked.map((row) => row.id))) as ClaimedJoinRow[];
  return rows.map((row) => claimedDeliveryOf(row, options.now));
}

/**
 * Logs attempts and moves their deliveries on, one result at a time in order
 * (rules/attemptEffects.ts). Runs inside the caller's transaction.
 */
export function recordAttempts(
  sql: Statements,
  failing: SqliteFailing,
  workerId: string,
  results: readonly AttemptResult[],
): void {
  for (const result of results) {
    const kept = keptAnswersOf(sql.keptAnswers.all(result.deliveryId) as KeptAnswersRow[]).get(result.deliveryId);
    sql.insertAttempt.run({
      delivery_id: result.deliveryId,
      round: result.round,
      attempt_number: result.attemptNumber,
      started_at: result.startedAt,
      duration_ms: result.durationMs,
      outcome: attemptOutcomeOf(result),
      request_headers: JSON.stringify(result.requestHeaders),
      response_status: result.response?.status ?? null,
      ...answerColumns(result, kept),
      error_code: result.error?.code ?? null,
      error_message: result.error?.message ?? null,
    });
    const move = deliveryMoveOf(result);
    const moved =
      sql.finishAttempt.run({
        id: move.deliveryId,
        worker: workerId,
        round: move.round,
        attempts: move.attemptsInRound,
        status: move.status,
        next_attempt_at: move.nextAttemptAt,
        now: move.finishedAt,
        cancel_reason: move.cancelReason,
      }).changes > 0;
    if (!moved) continue;
    // The failing state, the failure email or digest, and a recovery (failingRules.ts).
    failing.afterAttempts([result], () => true);
    const { webhookGone } = effectsOfMoved(result);
    if (webhookGone) {
      sql.deleteWebhookById.run(webhookGone.at, webhookGone.webhookId);
      sql.cancelPendingDeliveriesOfWebhook.run(webhookGone.at, webhookGone.webhookId);
    }
  }
  const health = healthChangesOf(results);
  for (const hour of health.hours)
    sql.addHealthHour.run({
      webhook_id: hour.webhookId,
      hour_start: hour.hourStart,
      attempts: hour.attempts,
      succeeded: hour.succeeded,
    });
  for (const last of health.last)
    sql.setLastAttempt.run({
      webhook_id: last.webhookId,
      started_at: last.startedAt,
      outcome: last.outcome,
      status: last.status,
      error_code: last.errorCode,
      failures: last.failures,
      reset: last.reset ? 1 : 0,
    });
}

/**
 * The delivery queue on the embedded engine. Attempt results go through `recordInGroupCommit`
 * (sqliteGroupCommit.ts): in the next group commit, beside the events that arrive meanwhile.
 */
export function sqliteQueue(
  db: Database.Database,
  sql: Statements,
  memory: ClaimMemory,
  recordInGroupCommit: QueueStore['recordAttemptResults'],
): QueueStore {
  return {
    async claimDueDeliveries(options) {
      return db.transaction(() => claimDue(sql, options, memory)).immediate();
    },
    async recordAttemptResults(workerId, results) {
      if (results.length > 0) await recordInGroupCommit(workerId, results);
    },
    async queueDepth(now) {
      return sql.queueDepth.get({ now }) as QueueDepth;
    },
  };
}
