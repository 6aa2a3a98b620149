import type { Statement } from 'better-sqlite3';
import { isDelivered, planDeliveries, type LiveWebhook } from '../fanOut';
import type { StatementName } from './sqliteStatements';
import type { DeliveryHandoff, NewEvent, RecordedEvent } from '../storeQueueTypes';
import type { AvailabilityLinkRow, EventRow } from '../storeTypes';
import type { EventsStore } from '../store';
import { recentEventsSql, type TeamReadSql } from '../teamReadsSql';
import { sqliteDialect } from './sqliteTeamReads';
import { inviteeEmailOfEvent } from '../searchKeys';

type Statements = Record<StatementName, Statement>;

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
    trace_context: event.traceContext ?? null,
  }) as EventRow;
  if (!isDelivered(event)) return { created: true, event: row, deliveryIds: [], leased: [] };
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
  const plan = planDeliveries(event, targets, (webhookId) => reserved.push({ handoff: handoff!, webhookId }));
  const inviteeEmail = plan.rows.length === 0 ? null : inviteeEmailOfEvent(event);
  for (const delivery of plan.rows) {
    sql.insertDelivery.run({
      id: delivery.id,
      team_id: event.teamId,
      webhook_id: delivery.webhookId,
      event_id: row.id,
      url: delivery.url,
      now: event.now,
      lease_owner: delivery.leaseOwner,
      lease_expires_at: delivery.leaseExpiresAt,
      event_name: event.eventName,
      invitee_email: inviteeEmail,
    });
  }
  const deliveryIds = plan.rows.map((delivery) => delivery.id);
  const leased = plan.leased;
  return { created: true, event: row, deliveryIds, leased };
}

/** Events and their links, on the embedded engine; `record` is the group commit's (sqliteGroupCommit.ts). */
export function sqliteEvents(
  sql: Statements,
  teamRead: (read: TeamReadSql) => unknown[],
  record: EventsStore['recordEvent'],
): EventsStore {
  return {
    recordEvent: record,
    async listRecentEvents(teamId, filter, limit) {
      return teamRead(recentEventsSql(teamId, filter, limit, sqliteDialect)) as EventRow[];
    },
    async listAvailabilityLinks(teamId) {
      return sql.listAvailabilityLinks.all(teamId) as AvailabilityLinkRow[];
    },
    async getEventById(id) {
      return sql.getEventById.get(id) as EventRow | undefined;
    },
  };
}
