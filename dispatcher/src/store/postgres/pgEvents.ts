import type { Pool } from 'pg';
import { isDelivered, planDeliveries, type LiveWebhook } from '../fanOut';
import type { NewEvent, RecordedEvent } from '../storeQueueTypes';
import type { EventRow } from '../storeTypes';
import { StoreUnavailableError } from '../storeTypes';
import { query, transaction } from './pgConnection';
import type { LeaseReturns } from './pgLeaseReturns';

/**
 * Stores an event and one delivery per live webhook of its team, name and link (template links
 * only), in one transaction; the same team and webhookEventId again returns what is stored.
 * Deliveries the handoff has room for are inserted leased to it and returned ready to send.
 */
export async function recordEvent(pool: Pool, returns: LeaseReturns, event: NewEvent): Promise<RecordedEvent> {
  const reserved: string[] = [];
  // Computed once the first slot is taken: every delivery of the event shares the lease's end.
  let leaseUntil: number | undefined;
  try {
    return await transaction(pool, async (client) => {
      const inserted = await query<EventRow>(
        client,
        `INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at, link_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (team_id, webhook_event_id) DO NOTHING RETURNING *`,
        [
          event.teamId,
          event.webhookEventId,
          event.eventName,
          event.urlKind,
          event.body,
          event.now,
          event.link?.id ?? null,
        ],
      );
      const row = inserted[0];
      if (row === undefined) {
        const [existing] = await query<EventRow>(
          client,
          'SELECT * FROM events WHERE team_id = $1 AND webhook_event_id = $2',
          [event.teamId, event.webhookEventId],
        );
        const ids = await query<{ id: string }>(client, 'SELECT id FROM deliveries WHERE event_id = $1 ORDER BY seq', [
          existing!.id,
        ]);
        return { created: false, event: existing!, deliveryIds: ids.map((r) => r.id), leased: [] };
      }
      if (!isDelivered(event)) return { created: true, event: row, deliveryIds: [], leased: [] };
      if (event.link !== undefined) {
        await query(
          client,
          `INSERT INTO availability_links (team_id, link_id, original_url, private_title, last_event_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (team_id, link_id) DO UPDATE SET original_url = excluded.original_url,
             private_title = excluded.private_title,
             last_event_at = greatest(availability_links.last_event_at, excluded.last_event_at)`,
          [event.teamId, event.link.id, event.link.originalUrl, event.link.privateTitle, event.now],
        );
      }
      const targets = await query<LiveWebhook>(
        client,
        `SELECT id, url, kind, secret, previous_secret, previous_secret_expires_at FROM webhooks
         WHERE team_id = $1 AND event_name = $2 AND deleted_at IS NULL
           AND (availability_links IS NULL OR availability_links::jsonb ? $3)
         ORDER BY id`,
        [event.teamId, event.eventName, event.link?.id ?? null],
      );
      const plan = planDeliveries(event, targets, (webhookId) => reserved.push(webhookId));
      leaseUntil = plan.leaseUntil;
      for (const delivery of plan.rows) {
        await query(
          client,
          `INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round,
             next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'pending', 1, 0, $6, $7, $8, $6, $6)`,
          [
            delivery.id,
            event.teamId,
            delivery.webhookId,
            row.id,
            delivery.url,
            event.now,
            delivery.leaseOwner,
            delivery.leaseExpiresAt,
          ],
        );
      }
      const deliveryIds = plan.rows.map((delivery) => delivery.id);
      const { leased } = plan;
      // Wakes the other dispatchers for the deliveries this one had no room for.
      if (leased.length < deliveryIds.length) await query(client, 'NOTIFY spir_deliveries_due');
      return { created: true, event: row, deliveryIds, leased };
    });
  } catch (error) {
    // Not committed as far as we know: the slots taken for it are given back. A lost connection
    // may have cut the COMMIT after it took effect; then the leases it wrote are given back too.
    for (const webhookId of reserved) event.handoff?.release(webhookId);
    const { handoff } = event;
    if (error instanceof StoreUnavailableError && handoff !== undefined && leaseUntil !== undefined)
      returns.add({ workerId: handoff.workerId, leaseExpiresAt: leaseUntil });
    throw error;
  }
}
