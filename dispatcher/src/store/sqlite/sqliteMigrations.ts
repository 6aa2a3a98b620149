import type Database from 'better-sqlite3';
import { inviteeEmailOfBody } from '../searchKeys';
import { healthBackfillSql } from '../webhookHealthSql';

/**
 * Versioned schema: migration N brings `PRAGMA user_version` from N-1 to N. Append only; a
 * released migration is never edited.
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE teams (
    team_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    admin_emails TEXT NOT NULL,
    max_urls_per_event INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    created_at INTEGER NOT NULL
  );
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    url TEXT NOT NULL,
    event_name TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
  );
  CREATE INDEX webhooks_live_by_team ON webhooks (team_id, event_name) WHERE deleted_at IS NULL;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    webhook_event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    url_kind TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    UNIQUE (team_id, webhook_event_id)
  );
  CREATE INDEX events_recent ON events (team_id, event_name, id);
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_id INTEGER NOT NULL REFERENCES events (id),
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    round INTEGER NOT NULL,
    attempts_in_round INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_by_team ON deliveries (team_id, created_at);
  CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, status);
  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    round INTEGER NOT NULL,
    attempt_number INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    outcome TEXT NOT NULL,
    request_headers TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX attempts_by_delivery ON attempts (delivery_id, round, attempt_number);
  `,
  // 2: the outbox of failure emails, written in the transaction that marks a final failure.
  `
  CREATE TABLE failure_emails (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    round INTEGER NOT NULL,
    team_id TEXT NOT NULL,
    status TEXT NOT NULL,
    send_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT,
    message_id TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    UNIQUE (delivery_id, round)
  );
  CREATE INDEX failure_emails_due ON failure_emails (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status <> 'pending';
  `,
  // 3: the claim's per-webhook seek (tier two).
  `
  CREATE INDEX deliveries_pending_by_webhook ON deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
  `,
  // 4: the language of a team's failure emails.
  `
  ALTER TABLE teams ADD COLUMN language TEXT NOT NULL DEFAULT 'ja';
  `,
  // 5: API keys as a lifecycle: an id to list and revoke them by, a label, a scope, an expiry.
  `
  ALTER TABLE api_keys ADD COLUMN id TEXT;
  ALTER TABLE api_keys ADD COLUMN prefix TEXT NOT NULL DEFAULT '';
  ALTER TABLE api_keys ADD COLUMN label TEXT;
  ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
  ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
  ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;
  UPDATE api_keys SET id = 'key_' || substr(key_hash, 1, 24) WHERE id IS NULL;
  CREATE UNIQUE INDEX api_keys_by_id ON api_keys (id);
  CREATE INDEX api_keys_by_team ON api_keys (team_id, created_at);
  `,
  // 6: subscriptions by integration platforms beside registered endpoints, per-link filters,
  // the team's availability links as seen in its events, and why a delivery was canceled.
  `
  ALTER TABLE webhooks ADD COLUMN kind TEXT NOT NULL DEFAULT 'endpoint';
  ALTER TABLE webhooks ADD COLUMN availability_links TEXT;
  ALTER TABLE teams ADD COLUMN max_subscriptions_per_event INTEGER NOT NULL DEFAULT 20;
  ALTER TABLE events ADD COLUMN link_id TEXT;
  ALTER TABLE deliveries ADD COLUMN cancel_reason TEXT;
  CREATE TABLE availability_links (
    team_id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    original_url TEXT NOT NULL,
    private_title TEXT NOT NULL,
    last_event_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, link_id)
  );
  DROP INDEX events_recent;
  CREATE INDEX events_recent ON events (team_id, event_name, url_kind, id);
  `,
  // 7: the team console: one-time sign-in links and the sessions they open.
  `
  CREATE TABLE console_links (
    token_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    return_to TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
  // 8: an event's deliveries by index. Without it, each event the retention job deleted had the
  // foreign key checked by a scan of every delivery left (the purge was quadratic: 4,000 old
  // events beside 20,000 newer deliveries took 2.2 s), and each ingest of an event already stored
  // scanned them too.
  `
  CREATE INDEX deliveries_by_event ON deliveries (event_id);
  `,
  // 9: deliveries by webhook without their status, as on PostgreSQL. Queries of a webhook's pending
  // deliveries use deliveries_pending_by_webhook; this one serves the foreign key and the purge of
  // deleted webhooks, which need the webhook alone. With the status in the key, each finished
  // delivery moved its entry to another page of its webhook, a third more bytes written per event.
  `
  DROP INDEX deliveries_by_webhook;
  CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id);
  `,
  // 10: the shapes live traffic carries per event name (paths and JSON types, never values), and
  // the API key a console session was opened with, so that the session ends with the key.
  `
  CREATE TABLE observed_paths (
    event_name TEXT NOT NULL,
    path TEXT NOT NULL,
    type_bits INTEGER NOT NULL,
    count INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (event_name, path)
  );
  ALTER TABLE console_sessions ADD COLUMN api_key_id TEXT;
  CREATE INDEX console_sessions_by_key ON console_sessions (api_key_id) WHERE api_key_id IS NOT NULL;
  CREATE INDEX console_sessions_by_team ON console_sessions (team_id);
  `,
  // 11: a team's reads cost what they return (store/teamReadsSql.ts): what the delivery list
  // filters by, copied onto each delivery at ingest (the invitee's email as searches match it,
  // store/searchKeys.ts, backfilled through the same rule) and indexed with the order it pages
  // in; events by team and link; health kept as counters (store/webhookHealthSql.ts), backfilled
  // from the attempt log; events by age, for the purge.
  `
  ALTER TABLE deliveries ADD COLUMN event_name TEXT;
  ALTER TABLE deliveries ADD COLUMN invitee_email TEXT;
  UPDATE deliveries SET (event_name, invitee_email) =
    (SELECT e.event_name, spir_invitee_email(e.body) FROM events e WHERE e.id = deliveries.event_id);
  CREATE INDEX deliveries_by_team_status ON deliveries (team_id, status, created_at);
  CREATE INDEX deliveries_by_team_event ON deliveries (team_id, event_name, created_at);
  CREATE INDEX deliveries_by_team_invitee ON deliveries (team_id, invitee_email, created_at)
    WHERE invitee_email IS NOT NULL;
  DROP INDEX deliveries_by_webhook;
  CREATE INDEX deliveries_by_webhook ON deliveries (webhook_id, created_at);
  CREATE INDEX events_by_team ON events (team_id, url_kind, id);
  CREATE INDEX events_by_link ON events (team_id, link_id, id) WHERE link_id IS NOT NULL;
  CREATE INDEX events_by_age ON events (received_at);
  CREATE TABLE webhook_attempt_hours (
    webhook_id TEXT NOT NULL,
    hour_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    succeeded INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, hour_start)
  );
  CREATE INDEX webhook_attempt_hours_by_age ON webhook_attempt_hours (hour_start);
  CREATE TABLE webhook_last_attempts (
    webhook_id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    response_status INTEGER,
    error_code TEXT,
    consecutive_failures INTEGER NOT NULL
  );
  ${healthBackfillSql('sqlite').join(';\n')};
  `,
  // 12: what a delivery keeps of its answers is bounded: an answer identical to one kept refers to
  // it, and answers past the delivery's budget keep their status only (store/answerStorage.ts).
  `
  ALTER TABLE attempts ADD COLUMN answer_kept TEXT;
  ALTER TABLE attempts ADD COLUMN answer_hash TEXT;
  ALTER TABLE attempts ADD COLUMN answer_size INTEGER;
  ALTER TABLE attempts ADD COLUMN same_answer_as INTEGER;
  `,
  // 13: the W3C trace context an event was ingested in, which its attempts continue (ops/tracing.ts).
  `
  ALTER TABLE events ADD COLUMN trace_context TEXT;
  `,
  // 14: each webhook's failing state, the failures of its current run, and the digest and
  // "working again" notices (store/failingStore.ts).
  `
  CREATE TABLE webhook_failing (
    webhook_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    auto_redeliver INTEGER NOT NULL DEFAULT 1,
    failing_since INTEGER,
    last_failure_at INTEGER,
    probes_failed INTEGER NOT NULL DEFAULT 0,
    probe_delivery_id TEXT,
    probe_round INTEGER,
    last_notice_at INTEGER,
    open_digest_id INTEGER
  );
  CREATE INDEX webhook_failing_now ON webhook_failing (failing_since) WHERE failing_since IS NOT NULL;
  CREATE INDEX webhook_failing_by_team ON webhook_failing (team_id);
  CREATE TABLE webhook_failures (
    delivery_id TEXT NOT NULL,
    failing_since INTEGER NOT NULL,
    webhook_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    failed_at INTEGER NOT NULL,
    digest_id INTEGER,
    redelivered_round INTEGER,
    PRIMARY KEY (delivery_id, failing_since)
  );
  CREATE INDEX webhook_failures_of_run ON webhook_failures (webhook_id, failing_since);
  CREATE INDEX webhook_failures_of_digest ON webhook_failures (digest_id) WHERE digest_id IS NOT NULL;
  CREATE TABLE webhook_notices (
    id INTEGER PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    failing_since INTEGER NOT NULL,
    due_after INTEGER NOT NULL,
    redelivered INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    send_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    last_error TEXT,
    message_id TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
  );
  CREATE INDEX webhook_notices_due ON webhook_notices (next_attempt_at) WHERE status = 'pending';
  `,
];

export function migrateSqlite(db: Database.Database): void {
  // The search key's rule, for the backfill of migration 11 (one rule for ingest and backfill).
  db.function('spir_invitee_email', { deterministic: true }, (body: unknown) =>
    typeof body === 'string' ? inviteeEmailOfBody(body) : null,
  );
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `database schema version ${current} is newer than this dispatcher knows (${migrations.length}); upgrade the dispatcher`,
    );
  }
  for (let version = current + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1]!);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
}
