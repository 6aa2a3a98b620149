import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { AttemptResult, ClaimedDelivery, ClaimOptions, QueueDepth, TestSendRecord } from '../storeQueueTypes';
import type { QueueStore } from '../store';
import type { EventRow } from '../storeTypes';
import type { StatementName } from './sqliteStatements';
import type { ClaimMemory } from '../claimMemory';
import type { SqliteFailing } from './sqliteFailing';
import { planClaim, planSeeks, seeksEachWebhook, windowCountMatters, withLeasesOfOthers } from '../rules/claimPlan';
import { healthChangesOf } from '../webhookHealthSql';
import { answerColumns, keptAnswersOf, type KeptAnswersRow } from '../answerStorage';
import { claimedDeliveryOf, type ClaimedJoinRow } from '../storeRows';
import { attemptOutcomeOf, deliveryMoveOf, effectsOfMoved } from '../rules/attemptEffects';
import { testDeliveryRowOf, testUrlKind } from '../rules/testSend';

type Statements = Record<StatementName, Statement>;

/**
 * Leases due deliveries to one worker and returns what it needs to send them, as
 * rules/claimPlan.ts chooses them. Runs inside the caller's transaction.
 */
function claimDue(
  sql: Statements,
  options: ClaimOptions,
  memory: ClaimMemory,
  holders: LeaseHolders,
): ClaimedDelivery[] {
  holders.add(options.workerId);
  const others = holders.othersThan(options.workerId)
    ? (sql.leasesOfOthers.all({ now: options.now, worker: options.workerId }) as { webhook_id: string; n: number }[])
    : [];
  const plan = withLeasesOfOthers(
    planClaim(options, memory),
    others.map((row) => [row.webhook_id, row.n]),
  );
  const inFlightJson = (inFlight: ReadonlyMap<string, number>) => JSON.stringify(Object.fromEntries(inFlight));
  const lease = (ids: string[]) =>
    sql.leaseDeliveries.run({
      worker: options.workerId,
      lease_until: options.leaseUntil,
      ids: JSON.stringify(ids),
    });
  const common = { now: options.now, per_webhook: plan.perWebhook };
  // Leased deliveries are filtered out before the limit, so the window holds claimable ones only.
  const picked = plan.readsWindow
    ? (sql.dueWindow.all({
        ...common,
        window: plan.window,
        limit: plan.limit,
        in_flight: inFlightJson(plan.inFlight),
      }) as { id: string; webhook_id: string }[])
    : [];
  lease(picked.map((row) => row.id));
  const dueInWindow = windowCountMatters(plan, picked.length)
    ? (sql.countDueWindow.get({ now: options.now, window: plan.window }) as { due: number }).due
    : undefined;
  if (seeksEachWebhook(plan, memory, options.now, dueInWindow)) {
    const seeks = planSeeks(
      plan,
      picked.map((row) => row.webhook_id),
    );
    const more = sql.dueByWebhook.all({
      ...common,
      most_room: seeks.mostRoom,
      limit: seeks.limit,
      saturated: JSON.stringify(seeks.saturated),
      in_flight: inFlightJson(seeks.inFlight),
    }) as { id: string; webhook_id: string }[];
    lease(more.map((row) => row.id));
    picked.push(...more);
  }
  if (picked.length === 0) return [];
  const rows = sql.claimedDetails.all(JSON.stringify(picked.map((row) => row.id))) as ClaimedJoinRow[];
  return rows.map((row) => claimedDeliveryOf(row, options.now));
}

/**
 * The workers that took leases in this file since it was opened (leases older than that were
 * taken back then). One dispatcher owns the file and runs one worker, so a claim counts other
 * workers' leases only once a second worker has taken some: a count without an index to read it.
 */
export class LeaseHolders {
  private readonly workerIds = new Set<string>();

  add(workerId: string): void {
    this.workerIds.add(workerId);
  }

  othersThan(workerId: string): boolean {
    return this.workerIds.size > (this.workerIds.has(workerId) ? 1 : 0);
  }
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
    logAttempt(sql, result);
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
  recordHealth(sql, results);
}

function logAttempt(sql: Statements, result: AttemptResult): void {
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
}

function recordHealth(sql: Statements, results: readonly AttemptResult[]): void {
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
  holders: LeaseHolders,
  recordInGroupCommit: QueueStore['recordAttemptResults'],
): QueueStore {
  return {
    async claimDueDeliveries(options) {
      return db.transaction(() => claimDue(sql, options, memory, holders)).immediate();
    },
    async recordAttemptResults(workerId, results) {
      if (results.length > 0) await recordInGroupCommit(workerId, results);
    },
    async queueDepth(now) {
      return sql.queueDepth.get({ now }) as QueueDepth;
    },
  };
}

/** A test send, as rules/testSend.ts keeps it. Runs inside the caller's transaction. */
export function insertTestSend(sql: Statements, send: TestSendRecord): void {
  const event = sql.insertEvent.get({
    team_id: send.teamId,
    webhook_event_id: send.webhookEventId,
    event_name: send.eventName,
    url_kind: testUrlKind,
    body: send.body,
    received_at: send.now,
    link_id: null,
    trace_context: null,
  }) as EventRow;
  sql.insertTestDelivery.run({ ...testDeliveryRowOf(send), event_id: event.id });
  logAttempt(sql, send.attempt);
  recordHealth(sql, [send.attempt]);
}
