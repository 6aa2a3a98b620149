import type { Pool, PoolClient } from 'pg';
import { claimedDeliveryOf, type ClaimedJoinRow } from '../storeRows';
import type { ClaimMemory } from '../claimMemory';
import { planClaim, planSeeks, seeksEachWebhook, windowCountMatters } from '../rules/claimPlan';
import type { ClaimedDelivery, ClaimOptions } from '../storeQueueTypes';
import { query, transaction } from './pgConnection';

// Claims of every dispatcher take this lock for their short transaction, so that the per-webhook
// limit, counted over every dispatcher's leases, holds exactly; rows are picked with SKIP LOCKED.
const claimLock = 0x5_1_7_0_2;

const dueAndFree = `status = 'pending' AND next_attempt_at <= $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $1)`;

// Tier one: a window of the oldest due deliveries ($2 of them).
const oldestDue = `
  SELECT id, webhook_id, next_attempt_at FROM deliveries
  WHERE ${dueAndFree}
  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`;

// Tier two, when that window is full of webhooks with no room left (a hung endpoint's backlog):
// the oldest due deliveries of every webhook with pending deliveries, one index seek each. Those
// webhooks are found by skipping through deliveries_pending_by_webhook one webhook at a time (its
// order, webhook then due time, keeps the planner off the index of all deliveries by webhook,
// which would step through finished ones), and looked up by key as one array (a join let the
// planner read every webhook for each, or all of them once), so idle webhooks cost a claim
// nothing. Each webhook's leases by other workers are counted first, and only as many of its due
// deliveries as it has room for are read and locked (at most $2, the roomiest webhook's room), so a
// hung webhook's backlog is not locked at every claim only to be left.
const oldestDueOfEachWebhook = `
  WITH RECURSIVE pending_webhooks AS (
    (SELECT webhook_id FROM deliveries WHERE status = 'pending' ORDER BY webhook_id, next_attempt_at LIMIT 1)
    UNION ALL
    SELECT (SELECT webhook_id FROM deliveries WHERE status = 'pending' AND webhook_id > p.webhook_id
            ORDER BY webhook_id, next_attempt_at LIMIT 1)
    FROM pending_webhooks p WHERE p.webhook_id IS NOT NULL
  )
  SELECT d.id, d.webhook_id, d.next_attempt_at FROM webhooks w
  CROSS JOIN LATERAL (
    SELECT count(*) AS n FROM deliveries l
    WHERE l.webhook_id = w.id AND l.status = 'pending' AND l.lease_expires_at > $1 AND l.lease_owner <> $5
  ) others
  CROSS JOIN LATERAL (
    SELECT id, webhook_id, next_attempt_at FROM deliveries
    WHERE webhook_id = w.id AND ${dueAndFree}
    ORDER BY next_attempt_at
    LIMIT least($2, greatest($3 - coalesce(($7::jsonb ->> w.id)::int, 0) - others.n, 0))
    FOR UPDATE SKIP LOCKED
  ) d
  WHERE w.deleted_at IS NULL AND w.id = ANY (ARRAY(SELECT webhook_id FROM pending_webhooks))`;

/**
 * Leases, out of `due`, the oldest deliveries each webhook has room for (rules/claimPlan.ts: $3
 * less this worker's count in $7 less other workers' leases), and returns them ready to send.
 */
function leaseFrom(due: string): string {
  return `WITH due AS (${due}
    ), others AS (
      -- Each webhook's leases by other workers, counted once (not once per due row: that was
      -- quadratic in a webhook's backlog).
      SELECT l.webhook_id, count(*) AS in_flight FROM deliveries l
      WHERE l.status = 'pending' AND l.lease_expires_at > $1 AND l.lease_owner <> $5
        AND l.webhook_id IN (SELECT DISTINCT webhook_id FROM due)
      GROUP BY l.webhook_id
    ), ranked AS (
      SELECT due.id, due.webhook_id, due.next_attempt_at,
        row_number() OVER (PARTITION BY due.webhook_id ORDER BY due.next_attempt_at) AS rank,
        coalesce(others.in_flight, 0) + coalesce(($7::jsonb ->> due.webhook_id)::int, 0) AS in_flight
      FROM due LEFT JOIN others ON others.webhook_id = due.webhook_id
    ), picked AS (
      SELECT id FROM ranked
      WHERE rank + in_flight <= $3
      ORDER BY next_attempt_at LIMIT $4
    ), leased AS (
      UPDATE deliveries d SET lease_owner = $5, lease_expires_at = $6
      FROM picked WHERE d.id = picked.id RETURNING d.*
    )
    SELECT d.id, d.team_id, d.webhook_id, d.url, d.round, d.attempts_in_round,
           e.webhook_event_id, e.event_name, e.body, e.trace_context,
           w.kind, w.secret, w.previous_secret, w.previous_secret_expires_at
    FROM leased d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
    ORDER BY d.next_attempt_at`;
}

const claimFromWindow = leaseFrom(oldestDue);
const claimFromEachWebhook = leaseFrom(oldestDueOfEachWebhook);

/**
 * Leases due deliveries to one worker and returns what it needs to send them, as
 * rules/claimPlan.ts chooses them: other workers' leases are their attempts in flight, wherever
 * they run, so a webhook's limit holds across every dispatcher.
 */
export async function claimDue(pool: Pool, options: ClaimOptions, memory: ClaimMemory): Promise<ClaimedDelivery[]> {
  return transaction(pool, async (client) => {
    await query(client, 'SELECT pg_advisory_xact_lock($1)', [claimLock]);
    const plan = planClaim(options, memory);
    const rows = plan.readsWindow
      ? await claimWith(client, claimFromWindow, options, {
          due: plan.window,
          limit: plan.limit,
          inFlight: plan.inFlight,
        })
      : [];
    const dueInWindow = windowCountMatters(plan, rows.length)
      ? await countDueWindow(client, options.now, plan.window)
      : undefined;
    if (seeksEachWebhook(plan, memory, options.now, dueInWindow)) {
      const seeks = planSeeks(
        plan,
        rows.map((row) => row.webhook_id),
      );
      rows.push(
        ...(await claimWith(client, claimFromEachWebhook, options, {
          due: seeks.mostRoom,
          limit: seeks.limit,
          inFlight: seeks.inFlight,
        })),
      );
    }
    return rows.map((row) => claimedDeliveryOf(row, options.now));
  });
}

function claimWith(
  client: PoolClient,
  sql: string,
  options: ClaimOptions,
  read: { due: number; limit: number; inFlight: ReadonlyMap<string, number> },
): Promise<ClaimedJoinRow[]> {
  return query<ClaimedJoinRow>(client, sql, [
    options.now,
    read.due,
    options.perWebhookLimit,
    read.limit,
    options.workerId,
    options.leaseUntil,
    JSON.stringify(Object.fromEntries(read.inFlight)),
  ]);
}

/** How many due and free deliveries there are, counting up to the window's size. */
async function countDueWindow(client: PoolClient, now: number, window: number): Promise<number> {
  const [row] = await query<{ due: number }>(
    client,
    `SELECT count(*)::int AS due FROM (SELECT 1 FROM deliveries WHERE ${dueAndFree} LIMIT $2) x`,
    [now, window],
  );
  return row!.due;
}
