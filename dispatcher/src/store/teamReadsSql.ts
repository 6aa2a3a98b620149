import { searchableEmail } from './searchKeys';
import type { DeliveryFilter } from './storeTypes';

/**
 * The SQL of a team's reads that can grow with its history (the delivery list, the recent
 * events), one source for both engines. Each read goes through an index that starts with what
 * it filters by and is ordered as it pages, so that it reads about as many rows as it returns,
 * however many the team has: the filters a request does not use are left out of the SQL (an
 * `? IS NULL OR` term keeps SQLite's planner from using an index for the column), and on SQLite
 * the index is named (INDEXED BY), so that a statement's plan does not depend on statistics.
 */
export interface Dialect {
  /** The n-th parameter (from 1): `?` on SQLite, `$n` on PostgreSQL. */
  placeholder(n: number): string;
  /** The column that orders deliveries created in the same millisecond. */
  tiebreak: 'rowid' | 'seq';
  /** Names the index on SQLite; PostgreSQL's planner picks it from the conditions. */
  indexedBy(index: string): string;
}

export interface TeamReadSql {
  /** Tells statements apart (SQLite prepares each shape once). */
  shape: string;
  sql: string;
  params: unknown[];
}

/**
 * Filters by preference: the first a request uses picks the index (webhookEventId and email are
 * the most selective); the others are checked on the rows that index gives. A combination of
 * rare filters can still read more than it returns: that is what the team's store-time budget
 * (http/storeBudget.ts) bounds.
 */
function deliveryIndexOf(filter: DeliveryFilter): string {
  if (filter.webhookEventId !== undefined) return 'deliveries_by_event';
  if (filter.inviteeEmail !== undefined) return 'deliveries_by_team_invitee';
  if (filter.webhookId !== undefined) return 'deliveries_by_webhook';
  if (filter.eventName !== undefined) return 'deliveries_by_team_event';
  if (filter.status !== undefined) return 'deliveries_by_team_status';
  return 'deliveries_by_team';
}

/** The delivery list's query; undefined when nothing can match (an email that is never stored). */
export function deliveryListSql(filter: DeliveryFilter, dialect: Dialect): TeamReadSql | undefined {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const index = deliveryIndexOf(filter);
  const where: string[] = [];
  const used: string[] = [];
  if (filter.webhookEventId === undefined) where.push(`d.team_id = ${param(filter.teamId)}`);
  else {
    where.push(
      // One event of the team at most (unique per team), whose deliveries are the team's: they are
      // found by deliveries_by_event alone (a team_id term here let PostgreSQL pick the team's index).
      `d.event_id = (SELECT id FROM events WHERE team_id = ${param(filter.teamId)} AND webhook_event_id = ${param(filter.webhookEventId)})`,
    );
    used.push('event');
  }
  if (filter.inviteeEmail !== undefined) {
    const email = searchableEmail(filter.inviteeEmail);
    if (email === null) return undefined;
    where.push(`d.invitee_email = ${param(email)}`);
    used.push('email');
  }
  const equal = { webhook_id: filter.webhookId, event_name: filter.eventName, status: filter.status };
  for (const [column, value] of Object.entries(equal)) {
    if (value === undefined) continue;
    where.push(`d.${column} = ${param(value)}`);
    used.push(column);
  }
  if (filter.since !== undefined) {
    where.push(`d.created_at >= ${param(filter.since)}`);
    used.push('since');
  }
  if (filter.until !== undefined) {
    where.push(`d.created_at < ${param(filter.until)}`);
    used.push('until');
  }
  const { tiebreak } = dialect;
  if (filter.after !== undefined) {
    // The first term alone bounds the index range; the second orders deliveries of one millisecond.
    where.push(
      `d.created_at <= (SELECT created_at FROM deliveries WHERE id = ${param(filter.after.afterId)})`,
      `(d.created_at, d.${tiebreak}) < (SELECT created_at, ${tiebreak} FROM deliveries WHERE id = ${param(filter.after.afterId)})`,
    );
    used.push('after');
  }
  return {
    shape: `${index}:${used.join(',')}`,
    sql: `SELECT d.*, e.webhook_event_id, e.event_name, e.body AS event_body, e.url_kind AS event_url_kind
      FROM deliveries d ${dialect.indexedBy(index)} JOIN events e ON e.id = d.event_id
      WHERE ${where.join(' AND ')}
      ORDER BY d.created_at DESC, d.${tiebreak} DESC LIMIT ${param(filter.limit)}`,
    params,
  };
}

/** The team's recent events of template links, newest first (the Zapier app's samples). */
export function recentEventsSql(
  teamId: string,
  filter: { eventName: string | undefined; linkId: string | undefined },
  limit: number,
  dialect: Dialect,
): TeamReadSql {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length);
  };
  const index =
    filter.linkId !== undefined
      ? 'events_by_link'
      : filter.eventName !== undefined
        ? 'events_recent'
        : 'events_by_team';
  const where = [`team_id = ${param(teamId)}`, `url_kind = 'template'`];
  if (filter.eventName !== undefined) where.push(`event_name = ${param(filter.eventName)}`);
  if (filter.linkId !== undefined) where.push(`link_id = ${param(filter.linkId)}`);
  return {
    shape: `${index}:${filter.eventName === undefined ? '' : 'name'}`,
    sql: `SELECT * FROM events ${dialect.indexedBy(index)} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${param(limit)}`,
    params,
  };
}
