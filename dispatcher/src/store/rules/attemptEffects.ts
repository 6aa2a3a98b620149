import type { AttemptResult } from '../storeQueueTypes';
import type { DeliveryStatus } from '../storeTypes';

// What the results of attempts do to the queue, written once for every engine; each engine runs
// it with its own SQL (sqlite/sqliteQueue.ts one result at a time, postgres/pgAttempts.ts a wave
// at a time).
//
// The rule for a batch: its results take effect one at a time, in the order given (the order
// their attempts ended), each exactly as if it had been recorded alone. How results are grouped
// into batches depends on load and timing, so it must never change what they do. Hence a 410
// Gone cancels the pending deliveries of its webhook for every result after it, in the same
// batch or a later one: a final failure recorded after it moves nothing and emails nobody (the
// webhook is gone), while one recorded before it has already failed and written its email.

/** How a delivery's status follows from what the retry policy decided after an attempt. */
const deliveryStatusAfter = {
  succeeded: 'succeeded',
  retry: 'pending',
  failed: 'failed',
  gone: 'canceled',
} as const satisfies Record<AttemptResult['next']['kind'], DeliveryStatus>;

export const goneReason = 'The subscription answered 410 Gone: the integration removed it, so it was deleted.';

/** When an attempt ended, in whole milliseconds (the queue's timestamps are integers). */
const finishedAtOf = (result: AttemptResult): number => Math.round(result.startedAt + result.durationMs);

/** How the attempt is logged: it happened whatever became of the lease, so it is always logged. */
export const attemptOutcomeOf = (result: AttemptResult): 'succeeded' | 'failed' =>
  result.next.kind === 'succeeded' ? 'succeeded' : 'failed';

/**
 * What the delivery row becomes. The engine applies it only while the attempt's worker still
 * holds the lease on a pending delivery of the same round (a worker whose lease expired must not
 * move the delivery on), and clears the lease with it.
 */
export interface DeliveryMove {
  deliveryId: string;
  round: number;
  status: DeliveryStatus;
  attemptsInRound: number;
  nextAttemptAt: number;
  finishedAt: number;
  cancelReason: string | null;
}

export function deliveryMoveOf(result: AttemptResult): DeliveryMove {
  const finishedAt = finishedAtOf(result);
  return {
    deliveryId: result.deliveryId,
    round: result.round,
    status: deliveryStatusAfter[result.next.kind],
    attemptsInRound: result.attemptNumber,
    // BIGINT on PostgreSQL: whole milliseconds.
    nextAttemptAt: result.next.kind === 'retry' ? Math.round(result.next.nextAttemptAt) : finishedAt,
    finishedAt,
    cancelReason: result.next.kind === 'gone' ? goneReason : null,
  };
}

/**
 * What a result whose delivery moved does beyond its row, in the same transaction. Final
 * outcomes (a 2xx, a final failure) also move their webhook's failing state, the one place that
 * decides the admins' emails (store/failingRules.ts): the first final failure of a run writes its
 * failure email to the outbox there, so that a crash can delay it, never lose it.
 */
export interface MovedEffects {
  /** A 410 Gone: the webhook is deleted and its other pending deliveries canceled. */
  webhookGone?: { webhookId: string; at: number };
}

export function effectsOfMoved(result: AttemptResult): MovedEffects {
  const at = finishedAtOf(result);
  if (result.next.kind === 'gone') return { webhookGone: { webhookId: result.webhookId, at } };
  return {};
}

/**
 * The batch cut into waves that a set-based engine can run one after the other, each wave's
 * moves as one statement, then its emails, then its webhooks gone, with the same outcome as the
 * results one at a time in order. A wave holds each delivery once (one statement cannot move a
 * row twice), and a result comes after every wave holding a 410 of its webhook earlier in the
 * batch (that 410 cancels it first), while a 410 never comes before a wave holding an earlier
 * result of its webhook (that result moves first). Results keep their order within a wave.
 */
export function wavesOf(results: readonly AttemptResult[]): AttemptResult[][] {
  const waves: AttemptResult[][] = [];
  // The first wave each delivery may still join, and each webhook after its latest 410.
  const deliveryFrom = new Map<string, number>();
  const afterGone = new Map<string, number>();
  // The latest wave holding a result of each webhook.
  const latestOfWebhook = new Map<string, number>();
  for (const result of results) {
    let wave = Math.max(deliveryFrom.get(result.deliveryId) ?? 0, afterGone.get(result.webhookId) ?? 0);
    if (result.next.kind === 'gone') wave = Math.max(wave, latestOfWebhook.get(result.webhookId) ?? 0);
    (waves[wave] ??= []).push(result);
    deliveryFrom.set(result.deliveryId, wave + 1);
    latestOfWebhook.set(result.webhookId, Math.max(wave, latestOfWebhook.get(result.webhookId) ?? 0));
    if (result.next.kind === 'gone') afterGone.set(result.webhookId, wave + 1);
  }
  return waves;
}
