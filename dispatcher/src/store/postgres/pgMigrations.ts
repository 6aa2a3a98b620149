import type { PoolClient } from 'pg';
import { healthBackfillSql } from '../webhookHealthSql';

/**
 * Indexes added to tables that already hold rows, built with CREATE INDEX CONCURRENTLY: a plain
 * CREATE INDEX holds off every write to the table (ingest, claims, attempt records, of every
 * dispatcher on the database) until the whole index is built, minutes for a large deliveries table.
 */
interface ConcurrentIndexes {
  concurrentIndexes: { name: string; on: string }[];
}

/**
 * Versioned schema for PostgreSQL: migration N brings `spir_schema_version` from N-1 to N, under
 * an advisory lock so that dispatchers starting together apply each migration once. Append only.
 * Columns mirror the SQLite engine's (times as milliseconds, JSON as text), so row types are shared.
 * A migration is SQL run in one transaction, or indexes built concurrently (outside any).
 */
const migrations: readonly (string | ConcurrentIndexes)[] = [
  `
  CREATE TABLE teams (
    team_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    admin_emails TEXT NOT NULL,
    max_urls_per_event INTEGER NOT NULL,
    max_subscriptions_per_event INTEGER NOT NULL DEFAULT 20,
    language TEXT NOT NULL DEFAULT 'ja',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE TABLE api_keys (
    key_hash TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    prefix TEXT NOT NULL DEFAULT '',
    label TEXT,
    scope TEXT NOT NULL DEFAULT 'full',
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT
  );
  CREATE INDEX api_keys_by_team ON api_keys (team_id, created_at);
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    url TEXT NOT NULL,
    event_name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'endpoint',
    availability_links TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
  );
  CREATE INDEX webhooks_live_by_team ON webhooks (team_id, event_name) WHERE deleted_at IS NULL;
  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    webhook_event_id TEXT NOT NULL,
    event_name TEXT NOT NULL,
    url_kind TEXT NOT NULL,
    link_id TEXT,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    UNIQUE (team_id, webhook_event_id)
  );
  CREATE INDEX events_recent ON events (team_id, event_name, url_kind, id);
  CREATE TABLE availability_links (
    team_id TEXT NOT NULL,
    link_id TEXT NOT NULL,
    original_url TEXT NOT NULL,
    private_title TEXT NOT NULL,
    last_event_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, link_id)
  );
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    seq BIGSERIAL NOT NULL,
    team_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    event_id BIGINT NOT NULL REFERENCES events (id),
    url TEXT NOT NULL,
    status TEXT NOT NULL,
    round INTEGER NOT NULL,
    attempts_in_round INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    cancel_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_pending_by_webhook ON deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
  CREATE INDEX deliveries_by_team ON deliveries (team_id, created_at, seq);
  CREATE INDEX deliveries_finished ON deliveries (updated_at) WHERE status <> 'pending';
  CREATE TABLE attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    round INTEGER NOT NULL,
    attempt_number INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    outcome TEXT NOT NULL,
    request_headers TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    error_code TEXT,
    error_message TEXT
  );
  CREATE INDEX attempts_by_delivery ON attempts (delivery_id, round, attempt_number);
  CREATE TABLE failure_emails (
    id BIGSERIAL PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries (id),
    round INTEGER NOT NULL,
    team_id TEXT NOT NULL,
    status TEXT NOT NULL,
    send_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    message_id TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (delivery_id, round)
  );
  CREATE INDEX failure_emails_due ON failure_emails (next_attempt_at) WHERE status = 'pending';
  CREATE TABLE console_links (
    token_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    return_to TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
  );
  CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (team_id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  `,
  // 2: leases counted per webhook from the leased rows alone, not every pending one.
  {
    concurrentIndexes: [
      {
        name: 'deliveries_leased_by_webhook',
        on: "deliveries (webhook_id, lease_expires_at) WHERE status = 'pending' AND lease_expires_at IS NOT NULL",
      },
    ],
  },
  // 3: the deliveries of an event, and of a webhook, by index. Without them, each event or deleted
  // webhook the retention job removed had its foreign key checked by a scan of every delivery
  // left (the purge was quadratic), and each ingest of an event already stored scanned them too.
  {
    concurrentIndexes: [
      { name: 'deliveries_by_event', on: 'deliveries (event_id)' },
      { name: 'deliveries_by_webhook', on: 'deliveries (webhook_id)' },
    ],
  },
  // 4: the shapes live traffic carries per event name (paths and JSON types, never values), and
  // the API key a console session was opened with, so that the session ends with the key.
  `
  CREATE TABLE observed_paths (
    event_name TEXT NOT NULL,
    path TEXT NOT NULL,
    type_bits INTEGER NOT NULL,
    count BIGINT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (event_name, path)
  );
  ALTER TABLE console_sessions ADD COLUMN api_key_id TEXT;
  CREATE INDEX console_sessions_by_key ON console_sessions (api_key_id) WHERE api_key_id IS NOT NULL;
  CREATE INDEX console_sessions_by_team ON console_sessions (team_id);
  `,
  // 5: a team's reads cost what they return (store/teamReadsSql.ts): what the delivery list
  // filters by, copied onto each delivery at ingest and backfilled here (the invitee's email by
  // searchKeys.ts's rule: ASCII letters lowered, nothing for text PostgreSQL cannot read, each
  // body on its own so that one body's odd bytes leave the others alone); health kept as counters
  // (store/webhookHealthSql.ts), backfilled from the attempt log. The indexes follow (6).
  `
  ALTER TABLE deliveries ADD COLUMN event_name TEXT;
  ALTER TABLE deliveries ADD COLUMN invitee_email TEXT;
  CREATE FUNCTION pg_temp.spir_invitee_email(body text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
  DECLARE email text;
  BEGIN
    email := body::json #>> '{payload,invitee,email}';
    IF email IS NULL OR email = '' OR length(email) > 320 THEN RETURN NULL; END IF;
    RETURN lower(email COLLATE "C");
  EXCEPTION WHEN others THEN RETURN NULL;
  END $$;
  UPDATE deliveries d SET event_name = e.event_name,
    invitee_email = CASE WHEN e.body LIKE '%"invitee"%' THEN pg_temp.spir_invitee_email(e.body) END
    FROM events e WHERE e.id = d.event_id;
  CREATE TABLE webhook_attempt_hours (
    webhook_id TEXT NOT NULL,
    hour_start BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    succeeded BIGINT NOT NULL,
    PRIMARY KEY (webhook_id, hour_start)
  );
  CREATE INDEX webhook_attempt_hours_by_age ON webhook_attempt_hours (hour_start);
  CREATE TABLE webhook_last_attempts (
    webhook_id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    response_status INTEGER,
    error_code TEXT,
    consecutive_failures BIGINT NOT NULL
  );
  ${healthBackfillSql('postgres').join(';\n')};
  `,
  // 6: the indexes of a team's reads, each ordered as its read pages (created_at, seq).
  {
    concurrentIndexes: [
      { name: 'deliveries_by_team_status', on: 'deliveries (team_id, status, created_at, seq)' },
      { name: 'deliveries_by_team_event', on: 'deliveries (team_id, event_name, created_at, seq)' },
      {
        name: 'deliveries_by_team_invitee',
        on: 'deliveries (team_id, invitee_email, created_at, seq) WHERE invitee_email IS NOT NULL',
      },
      { name: 'deliveries_by_webhook_created', on: 'deliveries (webhook_id, created_at, seq)' },
      { name: 'events_by_team', on: 'events (team_id, url_kind, id)' },
      { name: 'events_by_link', on: 'events (team_id, link_id, id) WHERE link_id IS NOT NULL' },
      { name: 'events_by_age', on: 'events (received_at)' },
    ],
  },
  // 7: deliveries_by_webhook_created serves what deliveries_by_webhook did (the foreign key, the
  // purge of deleted webhooks); one index less to write per delivery.
  `
  DROP INDEX IF EXISTS deliveries_by_webhook;
  `,
  // 8: what a delivery keeps of its answers is bounded: an answer identical to one kept refers to
  // it, and answers past the delivery's budget keep their status only (store/answerStorage.ts).
  `
  ALTER TABLE attempts ADD COLUMN answer_kept TEXT;
  ALTER TABLE attempts ADD COLUMN answer_hash TEXT;
  ALTER TABLE attempts ADD COLUMN answer_size INTEGER;
  ALTER TABLE attempts ADD COLUMN same_answer_as BIGINT;
  `,
  // 9: the W3C trace context an event was ingested in, which its attempts continue (ops/tracing.ts).
  `
  ALTER TABLE events ADD COLUMN trace_context TEXT;
  `,
  // 10: each webhook's failing state, the failures of its current run, and the digest and
  // "working again" notices (store/failingStore.ts).
  `
  CREATE TABLE webhook_failing (
    webhook_id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL,
    auto_redeliver INTEGER NOT NULL DEFAULT 1,
    failing_since BIGINT,
    last_failure_at BIGINT,
    probes_failed INTEGER NOT NULL DEFAULT 0,
    probe_delivery_id TEXT,
    probe_round INTEGER,
    last_notice_at BIGINT,
    open_digest_id BIGINT
  );
  CREATE INDEX webhook_failing_now ON webhook_failing (failing_since) WHERE failing_since IS NOT NULL;
  CREATE INDEX webhook_failing_by_team ON webhook_failing (team_id);
  CREATE TABLE webhook_failures (
    delivery_id TEXT NOT NULL,
    failing_since BIGINT NOT NULL,
    webhook_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    failed_at BIGINT NOT NULL,
    digest_id BIGINT,
    redelivered_round INTEGER,
    PRIMARY KEY (delivery_id, failing_since)
  );
  CREATE INDEX webhook_failures_of_run ON webhook_failures (webhook_id, failing_since);
  CREATE INDEX webhook_failures_of_digest ON webhook_failures (digest_id) WHERE digest_id IS NOT NULL;
  CREATE TABLE webhook_notices (
    id BIGSERIAL PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    failing_since BIGINT NOT NULL,
    due_after BIGINT NOT NULL,
    redelivered INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    send_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    message_id TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
  );
  CREATE INDEX webhook_notices_due ON webhook_notices (next_attempt_at) WHERE status = 'pending';
  `,
];

/** Any fixed number: the lock that serialises migrations across dispatchers. */
const migrationLock = 0x5_1_7_0_1;

/**
 * Takes the migration lock, polling rather than waiting inside pg_advisory_lock: a session
 * waiting there holds a snapshot, and CREATE INDEX CONCURRENTLY in the session holding the lock
 * waits for every snapshot to end, so the two would wait for each other.
 */
async function takeMigrationLock(client: PoolClient): Promise<void> {
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      migrationLock,
    ]);
    if (rows[0]?.locked === true) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Builds an index without holding off writes; one that an interrupted build left invalid is built again. */
async function createIndexConcurrently(client: PoolClient, { name, on }: { name: string; on: string }): Promise<void> {
  const { rows } = await client.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace`,
    [name],
  );
  if (rows[0]?.valid === true) return;
  if (rows[0] !== undefined) await client.query(`DROP INDEX CONCURRENTLY ${name}`);
  await client.query(`CREATE INDEX CONCURRENTLY ${name} ON ${on}`);
}

async function apply(client: PoolClient, migration: string | ConcurrentIndexes, version: number): Promise<void> {
  if (typeof migration !== 'string') {
    for (const index of migration.concurrentIndexes) await createIndexConcurrently(client, index);
    await client.query('INSERT INTO spir_schema_version (version) VALUES ($1)', [version]);
    return;
  }
  await client.query('BEGIN');
  try {
    await client.query(migration);
    await client.query('INSERT INTO spir_schema_version (version) VALUES ($1)', [version]);
    await client.query('COMMIT');
  } catch (error) {
    // The error that got us here is the one to report; a failed rollback adds nothing to it.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Brings the schema to the latest version (or to `upTo`, for tests of an upgrade). */
export async function migratePostgres(client: PoolClient, upTo = migrations.length): Promise<void> {
  await takeMigrationLock(client);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS spir_schema_version (version INTEGER NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM spir_schema_version');
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new Error(
        `database schema version ${current} is newer than this dispatcher knows (${migrations.length}); upgrade the dispatcher`,
      );
    }
    for (let version = current + 1; version <= upTo; version++) await apply(client, migrations[version - 1]!, version);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]);
  }
}
