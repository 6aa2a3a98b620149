import type { Statement } from 'better-sqlite3';
import type { WebhookSecrets } from '../subscriptions/webhookSecrets';
import { freshDelivery, newDeliveryId } from './storeRows';
import type { StatementName } from './sqliteStatements';
import type { ClaimedDelivery, DeliveryHandoff, EventRow, NewEvent, RecordedEvent, WebhookKind } from './storeTypes';

type Statements = Record<StatementName, Statement>;

interface LiveWebhook extends WebhookSecrets {
  id: string;
  url: string;
  kind: WebhookKind;
}

/** A slot a handoff gave for a delivery; given back if the transaction rolls back. */
export interface ReservedSlot {
  handoff: DeliveryHandoff;
  webhookId: string;
}

/**
 * Stores an event and one delivery per live webhook of its team and name, inside the caller's
 * transaction; the same team and webhookEventId again returns what is stored. Deliveries the
 * handoff has room for are inserted leased to it and returned ready to send.
 */
export function insertEvent(sql: Statements, event: NewEvent, reserved: ReservedSlot[]): RecordedEvent {
  const existing = sql.findEvent.get(event.teamId, event.webhookEventId) as EventRow | undefined;
  if (existing !== undefined) {
    const ids = sql.deliveryIdsOfEvent.all(existing.id) as { id: string }[];
    return { created: false, event: existing, deliveryIds: ids.map((row) => row.id), leased: [] };
  }
  const row = sql.insertEvent.get({
    team_id: event.teamId,
    webhook_event_id: event.webhookEventId,
    event_name: event.eventName,
    url_kind: event.urlKind,
    body: event.body,
    received_at: event.now,
    link_id: event.link?.id ?? null,
  }) as EventRow;
  const deliveryIds: string[] = [];
  const leased: ClaimedDelivery[] = [];
  // Only template availability URLs are delivered (Spir's help page); one-off ones are kept.
  if (event.urlKind === 'template') {
    if (event.link !== undefined) {
      sql.upsertAvailabilityLink.run({
        team_id: event.teamId,
        link_id: event.link.id,
        original_url: event.link.originalUrl,
        private_title: event.link.privateTitle,
        now: event.now,
      });
    }
    const targets = sql.liveWebhooksForEvent.all({
      team_id: event.teamId,
      event_name: event.eventName,
      link_id: event.link?.id ?? null,
    }) as LiveWebhook[];
    const { handoff } = event;
    // Computed once the first slot is taken: every delivery of the event shares the lease's end.
    let leaseUntil: number | undefined;
    for (const target of targets) {
      const id = newDeliveryId(event.now);
      const lease = handoff !== undefined && handoff.reserve(target.id);
      if (lease) reserved.push({ handoff, webhookId: target.id });
      sql.insertDelivery.run({
        id,
        team_id: event.teamId,
        webhook_id: target.id,
        event_id: row.id,
        url: target.url,
        now: event.now,
        lease_owner: lease ? handoff.workerId : null,
        lease_expires_at: lease ? (leaseUntil ??= handoff.leaseUntil(event.now)) : null,
      });
      deliveryIds.push(id);
      if (lease) {
        leased.push(freshDelivery(event, target, id));
      }
    }
  }
  return { created: true, event: row, deliveryIds, leased };
}
