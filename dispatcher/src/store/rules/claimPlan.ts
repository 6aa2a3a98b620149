import type { ClaimMemory } from '../claimMemory';
import type { ClaimOptions } from '../storeQueueTypes';

// How a claim chooses, written once for every engine; each engine reads the rows with its own
// SQL (sqlite/sqliteQueue.ts, postgres/pgClaim.ts).
//
// A claim leases the oldest due deliveries, at most `limit`, each webhook at most its room:
//
//   room(webhook) = perWebhookLimit - inFlightByWebhook(webhook) - leases other workers hold on it
//
// The worker's own count is exact (its attempts in flight, test sends included, an attempt whose
// lease ran out too; not a finished attempt whose result is still on its way to the store), and
// already holds the webhook's slow-start limit (WebhookLimits.inFlightAsClaimed: a grown limit
// shows as fewer than none in flight). Other workers' leases are the store's count of their
// attempts in flight; on SQLite, whose one dispatcher owns the file, there are none unless a
// second worker shares the store.
//
// Two tiers: a window of the oldest due deliveries, then, only when that window was full and left
// room in the claim (a hung endpoint's backlog, all of it without room), one seek per webhook, so
// that such a backlog never starves the others.

/** How many of the oldest due deliveries the first tier reads: a claim's worth, four times over. */
const claimWindowOf = (limit: number): number => limit * 4;

export interface ClaimPlan {
  limit: number;
  /** How many of the oldest due deliveries the first tier reads. */
  window: number;
  /** False in the second after a claim found the window full: it goes straight to the seeks. */
  readsWindow: boolean;
  /** Every webhook's room with none of this worker's attempts in flight. */
  perWebhook: number;
  /** This worker's attempts in flight per webhook, as the room counts them. */
  inFlight: ReadonlyMap<string, number>;
}

export function planClaim(options: ClaimOptions, memory: ClaimMemory): ClaimPlan {
  return {
    limit: options.limit,
    window: claimWindowOf(options.limit),
    readsWindow: !memory.skipsWindow(options.now),
    perWebhook: options.perWebhookLimit,
    inFlight: options.inFlightByWebhook,
  };
}

/**
 * The plan with other workers' leases counted as attempts in flight, for an engine that reads
 * them before it chooses (SQLite); PostgreSQL counts them in its SQL, webhook by webhook.
 */
export function withLeasesOfOthers(plan: ClaimPlan, leases: Iterable<[string, number]>): ClaimPlan {
  const inFlight = new Map(plan.inFlight);
  for (const [id, count] of leases) inFlight.set(id, (inFlight.get(id) ?? 0) + count);
  return { ...plan, inFlight };
}

/** Whether the engine must count the due deliveries in the window: it read it, and it left room in the claim. */
export const windowCountMatters = (plan: ClaimPlan, picked: number): boolean => plan.readsWindow && picked < plan.limit;

/**
 * Whether the claim goes on to seek per webhook: it skipped the window, or the window left room in
 * the claim and held as many due deliveries as it can (`dueInWindow`, counted only when
 * `windowCountMatters`). A window found full is remembered, so that claims skip it for a second.
 */
export function seeksEachWebhook(plan: ClaimPlan, memory: ClaimMemory, now: number, dueInWindow?: number): boolean {
  if (!plan.readsWindow) return true;
  if (dueInWindow === undefined || dueInWindow < plan.window) return false;
  memory.windowWasFull(now);
  return true;
}

/** What the per-webhook seeks start from, once the window's deliveries are taken. */
export interface SeekPlan {
  /** How many more the claim may take. */
  limit: number;
  /** This worker's attempts in flight per webhook, the window's deliveries counted. */
  inFlight: ReadonlyMap<string, number>;
  /** Webhooks with no room left for this worker: not sought at all. */
  saturated: string[];
  /** The most any webhook may have room for: as many as each seek reads at most. */
  mostRoom: number;
}

export function planSeeks(plan: ClaimPlan, pickedWebhookIds: readonly string[]): SeekPlan {
  const inFlight = new Map(plan.inFlight);
  for (const id of pickedWebhookIds) inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
  const saturated = [...inFlight].filter(([, count]) => count >= plan.perWebhook).map(([id]) => id);
  let fewestInFlight = 0;
  for (const count of inFlight.values()) fewestInFlight = Math.min(fewestInFlight, count);
  return {
    limit: plan.limit - pickedWebhookIds.length,
    inFlight,
    saturated,
    mostRoom: plan.perWebhook - fewestInFlight,
  };
}
