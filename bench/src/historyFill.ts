import { samples } from '@spir-webhooks/shared-types';
import { healthBackfillSql, type AttemptResult, type NextStep, type Store } from '@spir-webhooks/dispatcher/store';

/**
 * The history `npm run bench:history` measures against, filled in minutes: three template
 * deliveries go through the store's own code (recordEvent, claimDueDeliveries,
 * recordAttemptResults): one succeeded at once, one retried then succeeded, one failed for good.
 * Bulk SQL then clones their rows (every column as the store wrote it, ids, times and the
 * invitee's email changed) over 31 days, the health counters are rebuilt by the store's own
 * backfill (store/webhookHealthSql.ts, which its migration runs), and the templates are deleted.
 */

export interface HistoryShape {
  teams: number;
  deliveries: number;
  /** Share of deliveries of the big team, t0. */
  bigShare: number;
  days: number;
  now: number;
  /** https://<host>:<port>/hook of each team's one webhook. */
  port: number;
}

/** Run SQL (one statement) and query rows: what the fill needs of each engine. */
export interface SqlRunner {
  dialect: 'sqlite' | 'postgres';
  run(sql: string): Promise<void>;
  rows<T>(sql: string): Promise<T[]>;
}

const dayMs = 24 * 3600_000;
export const bigTeam = 't0';
export const smallTeam = 't1';
const hookUrl = (teamId: string, port: number) => `https://${teamId}.bench.test:${port}/hook`;

/** Which team, kind and email the n-th delivery of the history has (the SQL below says the same). */
export const teamOfIndex = (i: number, shape: HistoryShape) =>
  i % 20 < shape.bigShare * 20 ? bigTeam : `t${1 + ((i * 7919) % (shape.teams - 1))}`;
export const emailOfIndex = (i: number) => `invitee${(i * 31) % 100_000}@example.com`;
export const eventIdOfIndex = (i: number) => `h-${i}`;

const templateEmail = 'Template.Invitee@Example.com';
const templateBody = (id: string) => {
  const sample = samples['form.answered'];
  const invitee = { ...sample.payload.invitee, email: templateEmail };
  return JSON.stringify({ ...sample, webhookEventId: id, payload: { ...sample.payload, invitee } });
};

const answered = (status: number) => ({
  status,
  headers: { 'content-type': 'text/plain', date: 'Mon, 07 Dec 2026 10:00:00 GMT' },
  body: status === 200 ? 'ok' : 'upstream unavailable',
});

/** One attempt's result, with the headers a real attempt records. */
function result(deliveryId: string, webhookId: string, attempt: number, at: number, next: NextStep): AttemptResult {
  const ok = next.kind === 'succeeded';
  return {
    deliveryId,
    webhookId,
    round: 1,
    attemptNumber: attempt,
    startedAt: at,
    durationMs: ok ? 84.2 : 30_000,
    requestHeaders: {
      'content-type': 'application/json',
      'user-agent': 'Spir-Webhooks/1.0',
      'webhook-id': 'TEMPLATE_ID',
      'webhook-timestamp': 'TEMPLATE_TS',
      'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
    },
    response: attempt % 2 === 1 && !ok ? null : answered(ok ? 200 : 503),
    error: attempt % 2 === 1 && !ok ? { code: 'timeout', message: 'no answer within 30 s' } : null,
    next,
  };
}

/** The attempts of each template: attempt n at its offset (ms after the event) and its next step. */
const templates: Record<string, { offset: number; next: NextStep['kind'] }[]> = {
  ok: [{ offset: 40, next: 'succeeded' }],
  retry: [
    { offset: 40, next: 'retry' },
    { offset: 60_000, next: 'succeeded' },
  ],
  fail: [
    { offset: 40, next: 'retry' },
    { offset: 60_000, next: 'retry' },
    { offset: 600_000, next: 'retry' },
    { offset: 3_600_000, next: 'failed' },
  ],
};

/** Teams t0… with one form.answered webhook each, and the three templates, through the store. */
export async function writeTemplates(store: Store, shape: HistoryShape): Promise<void> {
  for (let t = 0; t < shape.teams; t++) {
    const teamId = `t${t}`;
    await store.teams.upsertTeam({
      teamId,
      name: `Team ${t}`,
      adminEmails: [`ops@${teamId}.example.com`],
      maxUrlsPerEvent: 5,
      maxSubscriptionsPerEvent: 20,
      language: 'ja',
      now: shape.now - shape.days * dayMs - dayMs,
    });
    await store.webhooks.createWebhook({
      id: `wh_${teamId}`,
      teamId,
      url: hookUrl(teamId, shape.port),
      eventName: 'form.answered',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8=',
      createdAt: shape.now - shape.days * dayMs - dayMs,
      kind: 'endpoint',
      availabilityLinks: undefined,
    });
  }
  // Long before the history: the claims below take only the templates.
  const base = shape.now - 100 * dayMs;
  for (const [kind, attempts] of Object.entries(templates)) {
    await store.events.recordEvent({
      teamId: bigTeam,
      webhookEventId: `template-${kind}`,
      eventName: 'form.answered',
      urlKind: 'template',
      body: templateBody(`template-${kind}`),
      link: undefined,
      now: base,
    });
    for (const [n, step] of attempts.entries()) {
      const at = base + step.offset;
      const claimed = await store.queue.claimDueDeliveries({
        workerId: 'bench',
        now: at,
        leaseUntil: at + 65_000,
        limit: 1,
        perWebhookLimit: 1,
        inFlightByWebhook: new Map(),
        limitByWebhook: new Map(),
      });
      if (claimed.length !== 1) throw new Error(`template ${kind}: attempt ${n + 1} found nothing to claim`);
      const next: NextStep =
        step.next === 'retry' ? { kind: 'retry', nextAttemptAt: base + attempts[n + 1]!.offset } : { kind: step.next };
      await store.queue.recordAttemptResults('bench', [result(claimed[0]!.id, `wh_${bigTeam}`, n + 1, at, next)]);
    }
  }
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Integers first…last as rows of column i. */
const numbers = (dialect: SqlRunner['dialect'], first: number, last: number) =>
  dialect === 'sqlite'
    ? `WITH RECURSIVE n(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM n WHERE i < ${last})`
    : `WITH n(i) AS (SELECT generate_series(${first}::bigint, ${last}::bigint))`;

/** Clones the templates into the history, on one connection (temporary tables); returns the id of the first history event. */
export async function fillHistory(sql: SqlRunner, shape: HistoryShape, log: (line: string) => void): Promise<number> {
  const base = Number((await sql.rows<{ base: number }>('SELECT max(id) + 1000 AS base FROM events'))[0]!.base);
  const kindOf = (i: string) => `CASE WHEN ${i} % 100 < 90 THEN 'ok' WHEN ${i} % 100 < 98 THEN 'retry' ELSE 'fail' END`;
  await sql.run(
    `CREATE TEMP TABLE template_rows AS SELECT substr(e.webhook_event_id, 10) AS kind, e.id AS event_id, e.body,
       e.event_name, e.url_kind, e.link_id, d.id AS delivery_id, d.status, d.round, d.attempts_in_round,
       d.next_attempt_at - e.received_at AS next_offset, d.updated_at - e.received_at AS updated_offset, d.cancel_reason
     FROM events e JOIN deliveries d ON d.event_id = e.id WHERE e.webhook_event_id LIKE 'template-%'`,
  );
  await sql.run(
    `CREATE TEMP TABLE template_attempts AS SELECT t.kind, a.round, a.attempt_number,
       a.started_at - e.received_at AS offset_ms, a.duration_ms, a.outcome, a.request_headers, a.response_status,
       a.response_headers, a.response_body, a.error_code, a.error_message
     FROM template_rows t JOIN attempts a ON a.delivery_id = t.delivery_id JOIN events e ON e.id = t.event_id`,
  );
  const spanMs = (shape.days + 1) * dayMs;
  const start = shape.now - spanMs;
  const chunk = 100_000;
  const bigSlots = Math.round(shape.bigShare * 20);
  for (let first = 0; first < shape.deliveries; first += chunk) {
    const last = Math.min(shape.deliveries, first + chunk) - 1;
    const i = `(e.id - ${base})`;
    await sql.run(
      `${numbers(sql.dialect, first, last)}
       INSERT INTO events (id, team_id, webhook_event_id, event_name, url_kind, link_id, body, received_at)
       SELECT ${base} + i,
         CASE WHEN i % 20 < ${bigSlots} THEN '${bigTeam}' ELSE 't' || (1 + (i * 7919) % ${shape.teams - 1}) END,
         'h-' || i, t.event_name, t.url_kind, t.link_id,
         replace(replace(t.body, 'template-ok', 'h-' || i), ${quote(templateEmail)},
           'Invitee' || ((i * 31) % 100000) || '@Example.com'),
         ${start} + (i * ${spanMs}) / ${shape.deliveries}
       FROM n, template_rows t WHERE t.kind = 'ok'`,
    );
    await sql.run(
      `INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round, next_attempt_at,
         lease_owner, lease_expires_at, created_at, updated_at, cancel_reason, event_name, invitee_email)
       SELECT 'dlv_h' || e.id, e.team_id, w.id, e.id, w.url, t.status, t.round, t.attempts_in_round,
         e.received_at + t.next_offset, NULL, NULL, e.received_at, e.received_at + t.updated_offset, t.cancel_reason,
         e.event_name, 'invitee' || ((${i} * 31) % 100000) || '@example.com'
       FROM events e JOIN webhooks w ON w.id = 'wh_' || e.team_id JOIN template_rows t ON t.kind = ${kindOf(i)}
       WHERE e.id BETWEEN ${base + first} AND ${base + last}`,
    );
    await sql.run(
      `INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
         response_status, response_headers, response_body, error_code, error_message)
       SELECT d.id, a.round, a.attempt_number, d.created_at + a.offset_ms, a.duration_ms, a.outcome,
         replace(replace(a.request_headers, 'TEMPLATE_ID', e.webhook_event_id),
           'TEMPLATE_TS', '' || ((d.created_at + a.offset_ms) / 1000)),
         a.response_status, a.response_headers, a.response_body, a.error_code, a.error_message
       FROM deliveries d JOIN events e ON e.id = d.event_id JOIN template_attempts a ON a.kind = ${kindOf(`(d.event_id - ${base})`)}
       WHERE d.event_id BETWEEN ${base + first} AND ${base + last}
       ORDER BY d.event_id, a.attempt_number`,
    );
    // A final failure's email, as the outbox leaves it once sent.
    await sql.run(
      `INSERT INTO failure_emails (delivery_id, round, team_id, status, send_attempts, next_attempt_at, message_id,
         created_at, sent_at)
       SELECT d.id, d.round, d.team_id, 'sent', 1, d.updated_at, '<' || d.id || '@bench.spirinc.com>', d.updated_at,
         d.updated_at + 2000
       FROM deliveries d WHERE d.event_id BETWEEN ${base + first} AND ${base + last} AND d.status = 'failed'`,
    );
    log(`  ${last + 1} deliveries`);
  }
  for (const table of ['attempts', 'failure_emails'])
    await sql.run(`DELETE FROM ${table} WHERE delivery_id IN (SELECT delivery_id FROM template_rows)`);
  await sql.run('DELETE FROM deliveries WHERE id IN (SELECT delivery_id FROM template_rows)');
  await sql.run('DELETE FROM events WHERE id IN (SELECT event_id FROM template_rows)');
  if (sql.dialect === 'postgres')
    await sql.run(`SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT max(id) FROM events))`);
  await sql.run('DELETE FROM webhook_attempt_hours');
  await sql.run('DELETE FROM webhook_last_attempts');
  for (const statement of healthBackfillSql(sql.dialect)) await sql.run(statement);
  return base;
}
