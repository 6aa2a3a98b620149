import { webhookHealthSql } from '../webhookHealthSql';
import { attemptRowsSelect, keptAnswersColumns, keptAnswersWhere } from '../answerStorage';
import type Database from 'better-sqlite3';

/** Every statement of the SQLite store, by name; each is prepared once when the store opens. */
const sql = {
  ping: 'SELECT 1',
  upsertTeam: `
    INSERT INTO teams (team_id, name, admin_emails, max_urls_per_event, max_subscriptions_per_event, language,
      created_at, updated_at)
    VALUES (:team_id, :name, :admin_emails, :max_urls_per_event, :max_subscriptions_per_event, :language, :now, :now)
    ON CONFLICT (team_id) DO UPDATE SET name = excluded.name, admin_emails = excluded.admin_emails,
      max_urls_per_event = excluded.max_urls_per_event, max_subscriptions_per_event = excluded.max_subscriptions_per_event,
      language = excluded.language, updated_at = excluded.updated_at
    RETURNING *`,
  getTeam: 'SELECT * FROM teams WHERE team_id = ?',
  addApiKey: `
    INSERT INTO api_keys (key_hash, team_id, created_at, id, prefix, label, scope, expires_at)
    VALUES (:key_hash, :team_id, :created_at, :id, :prefix, :label, :scope, :expires_at) RETURNING *`,
  listApiKeys: 'SELECT * FROM api_keys WHERE team_id = ? ORDER BY created_at, id',
  revokeApiKey: 'DELETE FROM api_keys WHERE team_id = ? AND id = ?',
  touchApiKey: 'UPDATE api_keys SET last_used_at = ? WHERE id = ?',
  findApiKey: `
    SELECT k.id AS key_id, k.scope AS key_scope, k.expires_at AS key_expires_at, k.last_used_at AS key_last_used_at,
           teams.*
    FROM api_keys k JOIN teams USING (team_id) WHERE k.key_hash = ?`,
  insertConsoleLink: `
    INSERT INTO console_links (token_hash, team_id, return_to, created_at, expires_at)
    VALUES (:token_hash, :team_id, :return_to, :now, :expires_at)`,
  findConsoleLink: `
    SELECT l.team_id, t.name AS team_name, l.used_at, l.expires_at
    FROM console_links l JOIN teams t USING (team_id) WHERE l.token_hash = ?`,
  // One use only: the first caller marks it used; a second, an expired or an unknown token gets nothing.
  useConsoleLink: `
    UPDATE console_links SET used_at = :now
    WHERE token_hash = :token_hash AND used_at IS NULL AND expires_at > :now
    RETURNING team_id, return_to`,
  insertConsoleSession: `
    INSERT INTO console_sessions (id_hash, team_id, csrf_token, created_at, expires_at, api_key_id)
    VALUES (:id_hash, :team_id, :csrf_token, :now, :expires_at, :api_key_id)`,
  // A session opened with an API key lives only as long as the key: revoked (its row deleted) or
  // expired, the key takes the session with it.
  findConsoleSession: `
    SELECT s.csrf_token AS session_csrf_token, s.expires_at AS session_expires_at, teams.*
    FROM console_sessions s JOIN teams USING (team_id) LEFT JOIN api_keys k ON k.id = s.api_key_id
    WHERE s.id_hash = :id_hash AND s.expires_at > :now
      AND (s.api_key_id IS NULL OR (k.id IS NOT NULL AND (k.expires_at IS NULL OR k.expires_at > :now)))`,
  deleteConsoleSession: 'DELETE FROM console_sessions WHERE id_hash = ?',
  deleteTeamConsoleSessions: 'DELETE FROM console_sessions WHERE team_id = ?',
  deleteKeyConsoleSessions: 'DELETE FROM console_sessions WHERE api_key_id = ?',
  mergeObservedPath: `
    UPDATE observed_paths SET type_bits = type_bits | :type_bits, count = count + :count,
      first_seen = min(first_seen, :first_seen), last_seen = max(last_seen, :last_seen)
    WHERE event_name = :event_name AND path = :path`,
  countObservedPaths: 'SELECT count(*) AS n FROM observed_paths WHERE event_name = ?',
  countObservedEventNames: 'SELECT count(DISTINCT event_name) AS n FROM observed_paths',
  insertObservedPath: `
    INSERT INTO observed_paths (event_name, path, type_bits, count, first_seen, last_seen)
    VALUES (:event_name, :path, :type_bits, :count, :first_seen, :last_seen)`,
  listObservedPaths: 'SELECT * FROM observed_paths ORDER BY event_name, path',
  purgeConsoleLinks: 'DELETE FROM console_links WHERE expires_at < ?',
  purgeConsoleSessions: 'DELETE FROM console_sessions WHERE expires_at < ?',
  allWebhookSecrets: 'SELECT id, secret, previous_secret FROM webhooks',
  setWebhookSecrets: 'UPDATE webhooks SET secret = ?, previous_secret = ? WHERE id = ?',
  purgeDeletedWebhooks: `
    DELETE FROM webhooks WHERE deleted_at IS NOT NULL AND deleted_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM deliveries WHERE webhook_id = webhooks.id)`,
  purgeHealthOfPurgedWebhooks: `
    DELETE FROM webhook_last_attempts WHERE NOT EXISTS (SELECT 1 FROM webhooks WHERE id = webhook_id)`,
  countLiveWebhooks: `
    SELECT (SELECT count(*) FROM webhooks
            WHERE team_id = :team_id AND event_name = :event_name AND kind = :kind AND deleted_at IS NULL) AS live,
           (SELECT CASE :kind WHEN 'subscription' THEN max_subscriptions_per_event ELSE max_urls_per_event END
            FROM teams WHERE team_id = :team_id) AS max`,
  insertWebhook: `
    INSERT INTO webhooks (id, team_id, url, event_name, secret, created_at, kind, availability_links)
    VALUES (:id, :team_id, :url, :event_name, :secret, :created_at, :kind, :availability_links) RETURNING *`,
  listWebhooks: 'SELECT * FROM webhooks WHERE team_id = ? AND deleted_at IS NULL ORDER BY created_at, id',
  getWebhook: 'SELECT * FROM webhooks WHERE id = ? AND team_id = ? AND deleted_at IS NULL',
  deleteWebhook: 'UPDATE webhooks SET deleted_at = ? WHERE id = ? AND team_id = ? AND deleted_at IS NULL',
  deleteWebhookById: 'UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
  cancelPendingDeliveriesOfWebhook: `
    UPDATE deliveries SET status = 'canceled', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
    WHERE webhook_id = ? AND status = 'pending'`,
  rotateWebhookSecret: `
    UPDATE webhooks SET previous_secret = secret, secret = ?, previous_secret_expires_at = ?
    WHERE id = ? AND team_id = ? AND deleted_at IS NULL RETURNING *`,
  findEvent: 'SELECT * FROM events WHERE team_id = ? AND webhook_event_id = ?',
  deliveryIdsOfEvent: 'SELECT id FROM deliveries WHERE event_id = ? ORDER BY rowid',
  insertEvent: `
    INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at, link_id, trace_context)
    VALUES (:team_id, :webhook_event_id, :event_name, :url_kind, :body, :received_at, :link_id, :trace_context)
    RETURNING *`,
  liveWebhooksForEvent: `
    SELECT id, url, kind, secret, previous_secret, previous_secret_expires_at FROM webhooks
    WHERE team_id = :team_id AND event_name = :event_name AND deleted_at IS NULL
      AND (availability_links IS NULL
           OR EXISTS (SELECT 1 FROM json_each(availability_links) WHERE value = :link_id))
    ORDER BY id`,
  upsertAvailabilityLink: `
    INSERT INTO availability_links (team_id, link_id, original_url, private_title, last_event_at)
    VALUES (:team_id, :link_id, :original_url, :private_title, :now)
    ON CONFLICT (team_id, link_id) DO UPDATE SET original_url = excluded.original_url,
      private_title = excluded.private_title, last_event_at = max(last_event_at, excluded.last_event_at)`,
  listAvailabilityLinks: 'SELECT * FROM availability_links WHERE team_id = ? ORDER BY last_event_at DESC, link_id',
  // Leased at once when a local worker takes the delivery straight from the ingest.
  insertDelivery: `
    INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round, next_attempt_at,
      lease_owner, lease_expires_at, created_at, updated_at, event_name, invitee_email)
    VALUES (:id, :team_id, :webhook_id, :event_id, :url, 'pending', 1, 0, :now, :lease_owner, :lease_expires_at, :now, :now,
      :event_name, :invitee_email)`,
  // A test send, finished when stored (store/rules/testSend.ts).
  insertTestDelivery: `
    INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round, next_attempt_at,
      created_at, updated_at, event_name, invitee_email)
    VALUES (:id, :team_id, :webhook_id, :event_id, :url, :status, 1, 1, :next_attempt_at, :created_at, :updated_at,
      :event_name, :invitee_email)`,
  // Claims run in two tiers (store/rules/claimPlan.ts). Tier one: the oldest due
  // deliveries in a bounded window, at most `per_webhook` in flight per webhook.
  // The worker's in-flight counts arrive as one JSON object, read once per claim (MATERIALIZED):
  // json_extract on it for every row parsed the whole object each time, and with 200 hung
  // webhooks in flight that made every claim cost milliseconds.
  dueWindow: `
    WITH in_flight AS MATERIALIZED (SELECT key AS webhook_id, value AS n FROM json_each(:in_flight)),
    window AS (
      SELECT id, webhook_id, next_attempt_at FROM deliveries
      WHERE status = 'pending' AND next_attempt_at <= :now
        AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
      ORDER BY next_attempt_at LIMIT :window
    ), ranked AS (
      SELECT window.id, window.webhook_id, window.next_attempt_at,
        ROW_NUMBER() OVER (PARTITION BY window.webhook_id ORDER BY window.next_attempt_at) AS rank,
        :per_webhook - coalesce(in_flight.n, 0) AS room
      FROM window LEFT JOIN in_flight ON in_flight.webhook_id = window.webhook_id
    )
    SELECT id, webhook_id FROM ranked WHERE rank <= room ORDER BY next_attempt_at LIMIT :limit`,
  countDueWindow: `
    SELECT count(*) AS due FROM (
      SELECT 1 FROM deliveries
      WHERE status = 'pending' AND next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
      LIMIT :window)`,
  // Tier two, when the window is full of deliveries for webhooks with no room (a hung endpoint's
  // backlog): the oldest due deliveries of each other webhook, one index seek per webhook. Each
  // seek reads as many as the roomiest webhook has room for (SQLite's LIMIT cannot depend on the
  // row), and each webhook keeps those its own room allows. Only webhooks with pending deliveries
  // are visited, found by skipping through the pending index one webhook at a time, so idle
  // webhooks cost a claim nothing.
  dueByWebhook: `
    WITH RECURSIVE in_flight AS MATERIALIZED (SELECT key AS webhook_id, value AS n FROM json_each(:in_flight)),
    pending_webhooks(webhook_id) AS (
      SELECT (SELECT webhook_id FROM deliveries INDEXED BY deliveries_pending_by_webhook
              WHERE status = 'pending' ORDER BY webhook_id LIMIT 1)
      UNION ALL
      SELECT (SELECT webhook_id FROM deliveries INDEXED BY deliveries_pending_by_webhook
              WHERE status = 'pending' AND webhook_id > pending_webhooks.webhook_id ORDER BY webhook_id LIMIT 1)
      FROM pending_webhooks WHERE pending_webhooks.webhook_id IS NOT NULL
    ),
    heads AS (
      SELECT d.id, d.webhook_id, d.next_attempt_at,
        ROW_NUMBER() OVER (PARTITION BY d.webhook_id ORDER BY d.next_attempt_at) AS rank
      FROM pending_webhooks p JOIN webhooks w ON w.id = p.webhook_id JOIN deliveries d ON d.id IN (
        SELECT id FROM deliveries
        WHERE webhook_id = w.id AND status = 'pending' AND next_attempt_at <= :now
          AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
        ORDER BY next_attempt_at LIMIT :most_room)
      WHERE w.deleted_at IS NULL AND w.id NOT IN (SELECT value FROM json_each(:saturated))
    )
    SELECT heads.id, heads.webhook_id FROM heads LEFT JOIN in_flight ON in_flight.webhook_id = heads.webhook_id
    WHERE heads.rank <= :per_webhook - coalesce(in_flight.n, 0)
    ORDER BY heads.next_attempt_at LIMIT :limit`,
  // Other workers' leases per webhook (rules/claimPlan.ts), read only when another worker took
  // some: nothing indexes leases.
  leasesOfOthers: `
    SELECT webhook_id, count(*) AS n FROM deliveries
    WHERE status = 'pending' AND lease_expires_at > :now AND lease_owner <> :worker
    GROUP BY webhook_id`,
  returnHandoffLeases: `
    UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
    WHERE id IN (SELECT value FROM json_each(:ids)) AND lease_owner = :worker AND status = 'pending'`,
  leaseDeliveries: `
    UPDATE deliveries SET lease_owner = :worker, lease_expires_at = :lease_until
    WHERE id IN (SELECT value FROM json_each(:ids)) AND status = 'pending'`,
  claimedDetails: `
    SELECT d.id, d.team_id, d.webhook_id, d.url, d.round, d.attempts_in_round,
           e.webhook_event_id, e.event_name, e.body, e.trace_context,
           w.kind, w.secret, w.previous_secret, w.previous_secret_expires_at
    FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
    WHERE d.id IN (SELECT value FROM json_each(?))
    ORDER BY d.next_attempt_at`,
  insertAttempt: `
    INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
      response_status, response_headers, response_body, error_code, error_message,
      answer_kept, answer_hash, answer_size, same_answer_as)
    VALUES (:delivery_id, :round, :attempt_number, :started_at, :duration_ms, :outcome, :request_headers,
      :response_status, :response_headers, :response_body, :error_code, :error_message,
      :answer_kept, :answer_hash, :answer_size, :same_answer_as)`,
  keptAnswers: `SELECT ${keptAnswersColumns} FROM attempts WHERE delivery_id = ? AND ${keptAnswersWhere}`,
  finishAttempt: `
    UPDATE deliveries SET status = :status, attempts_in_round = :attempts, next_attempt_at = :next_attempt_at,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = :now, cancel_reason = :cancel_reason
    WHERE id = :id AND lease_owner = :worker AND round = :round AND status = 'pending'`,
  queueDepth: `
    SELECT
      count(*) FILTER (WHERE next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)) AS due,
      count(*) FILTER (WHERE lease_expires_at > :now) AS inFlight,
      min(next_attempt_at) FILTER (WHERE next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now))
        AS oldestDueAt,
      (SELECT count(*) FROM failure_emails WHERE status = 'pending') AS failureEmailsPending,
      (SELECT min(created_at) FROM failure_emails WHERE status = 'pending') AS oldestFailureEmailAt
    FROM deliveries WHERE status = 'pending'`,
  getEventById: 'SELECT * FROM events WHERE id = ?',
  getDelivery: 'SELECT * FROM deliveries WHERE id = ? AND team_id = ?',
  listAttempts: `${attemptRowsSelect} WHERE a.delivery_id = ? ORDER BY a.round, a.attempt_number, a.id`,
  claimFailureEmails: `
    UPDATE failure_emails SET lease_owner = :worker, lease_expires_at = :lease_until, send_attempts = send_attempts + 1
    WHERE id IN (
      SELECT id FROM failure_emails
      WHERE status = 'pending' AND next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
      ORDER BY next_attempt_at LIMIT :limit)
    RETURNING *`,
  failureEmailContext: `
    SELECT d.url, d.webhook_id, e.webhook_event_id, e.event_name, e.body, t.name AS team_name, t.admin_emails, t.language
    FROM deliveries d JOIN events e ON e.id = d.event_id JOIN teams t ON t.team_id = d.team_id
    WHERE d.id = ?`,
  attemptsOfRound: `${attemptRowsSelect} WHERE a.delivery_id = ? AND a.round = ? ORDER BY a.attempt_number, a.id`,
  markFailureEmailSent: `
    UPDATE failure_emails SET status = 'sent', sent_at = :now, message_id = :message_id, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = :id AND lease_owner = :worker`,
  rescheduleFailureEmail: `
    UPDATE failure_emails SET next_attempt_at = :next_attempt_at, last_error = :error, lease_owner = NULL, lease_expires_at = NULL
    WHERE id = :id AND lease_owner = :worker`,
  getFailureEmail: 'SELECT * FROM failure_emails WHERE delivery_id = ? AND round = ?',
  resendDelivery: `
    UPDATE deliveries SET status = 'pending', round = round + 1, attempts_in_round = 0, next_attempt_at = :now,
      lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
    WHERE id = :id AND team_id = :team_id AND status IN ('succeeded', 'failed')
    RETURNING *`,
  webhookOfDelivery: 'SELECT w.* FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?',
  // The retention job's chunks (store/purgeInChunks.ts): finished deliveries oldest first, but
  // those whose failure email is still to be sent.
  purgeableDeliveries: `
    SELECT id, event_id FROM deliveries INDEXED BY deliveries_finished
    WHERE status <> 'pending' AND updated_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM failure_emails f WHERE f.delivery_id = deliveries.id AND f.status <> 'sent')
    ORDER BY updated_at LIMIT :limit`,
  purgeFailureEmailsOf: 'DELETE FROM failure_emails WHERE delivery_id IN (SELECT value FROM json_each(?))',
  purgeAttemptsOf: 'DELETE FROM attempts WHERE delivery_id IN (SELECT value FROM json_each(?))',
  purgeDeliveriesOf: 'DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))',
  purgeEventsOf: `
    DELETE FROM events WHERE id IN (SELECT value FROM json_each(:ids)) AND received_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id)`,
  purgeEvents: `
    DELETE FROM events WHERE id IN (
      SELECT id FROM events INDEXED BY events_by_age
      WHERE received_at < :cutoff AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id)
      ORDER BY received_at LIMIT :limit)`,
  purgeHealthHours: `
    DELETE FROM webhook_attempt_hours WHERE rowid IN (
      SELECT rowid FROM webhook_attempt_hours INDEXED BY webhook_attempt_hours_by_age
      WHERE hour_start < :cutoff LIMIT :limit)`,
  webhookHealth: webhookHealthSql(() => '?'),
  addHealthHour: `
    INSERT INTO webhook_attempt_hours (webhook_id, hour_start, attempts, succeeded)
    VALUES (:webhook_id, :hour_start, :attempts, :succeeded)
    ON CONFLICT (webhook_id, hour_start) DO UPDATE SET attempts = attempts + excluded.attempts,
      succeeded = succeeded + excluded.succeeded`,
  // An attempt older than the last one recorded (a late batch) changes the counters only.
  setLastAttempt: `
    INSERT INTO webhook_last_attempts (webhook_id, started_at, outcome, response_status, error_code, consecutive_failures)
    VALUES (:webhook_id, :started_at, :outcome, :status, :error_code, :failures)
    ON CONFLICT (webhook_id) DO UPDATE SET started_at = excluded.started_at, outcome = excluded.outcome,
      response_status = excluded.response_status, error_code = excluded.error_code,
      consecutive_failures = CASE WHEN :reset THEN excluded.consecutive_failures
                                  ELSE consecutive_failures + excluded.consecutive_failures END
    WHERE excluded.started_at >= started_at`,
  releaseAllDeliveryLeases:
    'UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner IS NOT NULL',
  releaseAllFailureEmailLeases:
    'UPDATE failure_emails SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner IS NOT NULL',
} as const;

export type StatementName = keyof typeof sql;

export function prepareStatements(db: Database.Database): Record<StatementName, Database.Statement> {
  const entries = Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]);
  return Object.fromEntries(entries) as Record<StatementName, Database.Statement>;
}
