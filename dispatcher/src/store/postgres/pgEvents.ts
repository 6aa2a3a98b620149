import type { Pool, PoolClient } from 'pg';
import { isDelivered, planDeliveries, type LiveWebhook } from '../fanOut';
import type { NewEvent, RecordedEvent } from '../storeQueueTypes';
import type { AvailabilityLinkRow, EventRow } from '../storeTypes';
import type { EventsStore } from '../store';
import { recentEventsSql } from '../teamReadsSql';
import { pgDialect, query } from './pgConnection';
import { inviteeEmailOfEvent } from '../searchKeys';

// Storing events, one or a batch alike: every statement takes the events as arrays (unnest keeps
// their order), so that a batch costs the round trips of one event (pgEventBatches.ts).

const keyOf = (teamId: string, webhookEventId: string) => `${teamId}\u0000${webhookEventId}`;

/**
 * Inserts the events that are new, their links and one delivery per live webhook of the event's
 * team, name and link (template links only); deliveries the handoff has room for are inserted
 * leased to it. Returns each event's record, or undefined for one already stored.
 */
export async function insertEvents(
  client: PoolClient,
  events: NewEvent[],
  onReserved: (event: NewEvent, webhookId: string) => void,
  onLeased: (event: NewEvent, leaseUntil: number) => void,
): Promise<(RecordedEvent | undefined)[]> {
  const column = <T>(of: (event: NewEvent) => T) => events.map(of);
  // In arrival order, so that the first of two with the same id is the one stored.
  const inserted = await query<EventRow>(
    client,
    `INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at, link_id, trace_context)
     SELECT team_id, webhook_event_id, event_name, url_kind, body, received_at, link_id, trace_context
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
       WITH ORDINALITY AS e(team_id, webhook_event_id, event_name, url_kind, body, received_at, link_id, trace_context, n)
     ORDER BY n
     ON CONFLICT (team_id, webhook_event_id) DO NOTHING RETURNING *`,
    [
      column((e) => e.teamId),
      column((e) => e.webhookEventId),
      column((e) => e.eventName),
      column((e) => e.urlKind),
      column((e) => e.body),
      column((e) => e.now),
      column((e) => e.link?.id ?? null),
      column((e) => e.traceContext ?? null),
    ],
  );
  const rows = new Map(inserted.map((row) => [keyOf(row.team_id, row.webhook_event_id), row]));
  const created = events.map((event) => {
    const key = keyOf(event.teamId, event.webhookEventId);
    const row = rows.get(key);
    // A second event with the same id in this batch is answered as already stored.
    rows.delete(key);
    return row;
  });
  const delivered = events.flatMap((event, i) =>
    created[i] !== undefined && isDelivered(event) ? [{ event, row: created[i], index: i }] : [],
  );
  await upsertLinks(
    client,
    delivered.map(({ event }) => event),
  );
  const targets = await liveTargets(
    client,
    delivered.map(({ event }) => event),
  );
  const records: (RecordedEvent | undefined)[] = created.map((row) =>
    row === undefined ? undefined : { created: true, event: row, deliveryIds: [], leased: [] },
  );
  const deliveries: unknown[][] = [[], [], [], [], [], [], [], [], [], []];
  let unleased = false;
  delivered.forEach(({ event, row, index }, i) => {
    const plan = planDeliveries(event, targets[i] ?? [], (webhookId) => onReserved(event, webhookId));
    if (plan.leaseUntil !== undefined) onLeased(event, plan.leaseUntil);
    const inviteeEmail = plan.rows.length === 0 ? null : inviteeEmailOfEvent(event);
    for (const delivery of plan.rows) {
      const values = [
        delivery.id,
        event.teamId,
        delivery.webhookId,
        row.id,
        delivery.url,
        event.now,
        delivery.leaseOwner,
        delivery.leaseExpiresAt,
        event.eventName,
        inviteeEmail,
      ];
      values.forEach((value, c) => deliveries[c]!.push(value));
    }
    unleased ||= plan.leased.length < plan.rows.length;
    records[index] = { created: true, event: row, deliveryIds: plan.rows.map((d) => d.id), leased: plan.leased };
  });
  if (deliveries[0]!.length > 0) {
    await query(
      client,
      `INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round,
         next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at, event_name, invitee_email)
       SELECT id, team_id, webhook_id, event_id, url, 'pending', 1, 0, at, lease_owner, lease_expires_at, at, at,
         event_name, invitee_email
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[],
           $9::text[], $10::text[])
         WITH ORDINALITY AS d(id, team_id, webhook_id, event_id, url, at, lease_owner, lease_expires_at, event_name,
           invitee_email, n)
       ORDER BY n`,
      deliveries,
    );
  }
  // Wakes the other dispatchers for the deliveries this one had no room for.
  if (unleased) await query(client, 'NOTIFY spir_deliveries_due');
  return records;
}

/**
 * The newest of each link's events in the batch names it. Rows are locked in key order, so that
 * two batches never wait for each other's links in turn (in arrival order they deadlocked, which
 * PostgreSQL breaks only after its deadlock_timeout of a second).
 */
async function upsertLinks(client: PoolClient, events: NewEvent[]): Promise<void> {
  const links = new Map<string, NewEvent>();
  for (const event of events) if (event.link !== undefined) links.set(keyOf(event.teamId, event.link.id), event);
  if (links.size === 0) return;
  const newest = [...links.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, event]) => event);
  await query(
    client,
    `INSERT INTO availability_links (team_id, link_id, original_url, private_title, last_event_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
     ON CONFLICT (team_id, link_id) DO UPDATE SET original_url = excluded.original_url,
       private_title = excluded.private_title,
       last_event_at = greatest(availability_links.last_event_at, excluded.last_event_at)`,
    [
      newest.map((e) => e.teamId),
      newest.map((e) => e.link!.id),
      newest.map((e) => e.link!.originalUrl),
      newest.map((e) => e.link!.privateTitle),
      newest.map((e) => e.now),
    ],
  );
}

/** Each event's live webhooks, by id, as recordEvent selects them. */
async function liveTargets(client: PoolClient, events: NewEvent[]): Promise<LiveWebhook[][]> {
  if (events.length === 0) return [];
  const rows = await query<LiveWebhook & { n: number }>(
    client,
    `SELECT e.n::int AS n, w.id, w.url, w.kind, w.secret, w.previous_secret, w.previous_secret_expires_at
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS e(team_id, event_name, link_id, n)
     JOIN webhooks w ON w.team_id = e.team_id AND w.event_name = e.event_name AND w.deleted_at IS NULL
       AND (w.availability_links IS NULL OR w.availability_links::jsonb ? e.link_id)
     ORDER BY e.n, w.id`,
    [events.map((e) => e.teamId), events.map((e) => e.eventName), events.map((e) => e.link?.id ?? null)],
  );
  const targets: LiveWebhook[][] = events.map(() => []);
  for (const { n, ...webhook } of rows) targets[n - 1]!.push(webhook);
  return targets;
}

/** What is stored for an event's team and webhookEventId (which a repeat of it is answered with). */
export async function storedEvent(pool: Pool, event: NewEvent): Promise<RecordedEvent> {
  const [existing] = await query<EventRow>(pool, 'SELECT * FROM events WHERE team_id = $1 AND webhook_event_id = $2', [
    event.teamId,
    event.webhookEventId,
  ]);
  if (existing === undefined) throw new Error(`event ${event.webhookEventId} is neither new nor stored`);
  const ids = await query<{ id: string }>(pool, 'SELECT id FROM deliveries WHERE event_id = $1 ORDER BY seq', [
    existing.id,
  ]);
  return { created: false, event: existing, deliveryIds: ids.map((r) => r.id), leased: [] };
}

/** Events and their links, on PostgreSQL; `record` is the batching one (pgEventBatches.ts). */
export function pgEvents(pool: Pool, record: EventsStore['recordEvent']): EventsStore {
  return {
    recordEvent: record,
    listRecentEvents(teamId, filter, limit) {
      const read = recentEventsSql(teamId, filter, limit, pgDialect);
      return query<EventRow>(pool, read.sql, read.params);
    },
    listAvailabilityLinks: (teamId) =>
      query<AvailabilityLinkRow>(
        pool,
        'SELECT * FROM availability_links WHERE team_id = $1 ORDER BY last_event_at DESC, link_id',
        [teamId],
      ),
    async getEventById(id) {
      const [row] = await query<EventRow>(pool, 'SELECT * FROM events WHERE id = $1', [id]);
      return row;
    },
  };
}
