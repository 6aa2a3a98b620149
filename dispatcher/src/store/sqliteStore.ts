import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrateSqlite } from './sqliteMigrations';
import type {
  AttemptResult, AttemptRow, ClaimedDelivery, ClaimOptions, DeliveryRow, EventRow, NewWebhook,
  QueueDepth, RecordedEvent, Store, TeamRow, WebhookRow,
} from './storeTypes';

export function newDeliveryId(): string {
  return `dlv_${randomUUID().replaceAll('-', '')}`;
}

interface ClaimedJoinRow {
  id: string;
  team_id: string;
  webhook_id: string;
  url: string;
  round: number;
  attempts_in_round: number;
  webhook_event_id: string;
  event_name: ClaimedDelivery['eventName'];
  body: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
}

/**
 * The embedded store: one SQLite file in WAL mode, for a single dispatcher process. Every
 * statement is prepared once; every multi-row change is one transaction.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly sql;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a 202 promises that the event survives a power cut, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    this.sql = prepareStatements(this.db);
  }

  async ping(): Promise<void> {
    this.sql.ping.get();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async upsertTeam(team: { teamId: string; name: string; adminEmails: string[]; maxUrlsPerEvent: number; now: number }): Promise<TeamRow> {
    return this.sql.upsertTeam.get({
      team_id: team.teamId, name: team.name, admin_emails: JSON.stringify(team.adminEmails),
      max_urls_per_event: team.maxUrlsPerEvent, now: team.now,
    }) as TeamRow;
  }

  async getTeam(teamId: string): Promise<TeamRow | undefined> {
    return this.sql.getTeam.get(teamId) as TeamRow | undefined;
  }

  async addApiKey(teamId: string, keyHash: string, now: number): Promise<void> {
    this.sql.addApiKey.run(keyHash, teamId, now);
  }

  async findTeamByApiKeyHash(keyHash: string): Promise<TeamRow | undefined> {
    return this.sql.findTeamByApiKeyHash.get(keyHash) as TeamRow | undefined;
  }

  async createWebhook(webhook: NewWebhook): Promise<WebhookRow | 'limit_reached'> {
    return this.db.transaction((): WebhookRow | 'limit_reached' => {
      const { live, max } = this.sql.countLiveWebhooks.get(webhook.teamId, webhook.eventName, webhook.teamId) as { live: number; max: number };
      if (live >= max) return 'limit_reached';
      return this.sql.insertWebhook.get({
        id: webhook.id, team_id: webhook.teamId, url: webhook.url, event_name: webhook.eventName,
        secret: webhook.secret, created_at: webhook.createdAt,
      }) as WebhookRow;
    }).immediate();
  }

  async listWebhooks(teamId: string): Promise<WebhookRow[]> {
    return this.sql.listWebhooks.all(teamId) as WebhookRow[];
  }

  async getWebhook(teamId: string, id: string): Promise<WebhookRow | undefined> {
    return this.sql.getWebhook.get(id, teamId) as WebhookRow | undefined;
  }

  async deleteWebhook(teamId: string, id: string, now: number): Promise<boolean> {
    return this.db.transaction(() => {
      const deleted = this.sql.deleteWebhook.run(now, id, teamId).changes > 0;
      if (deleted) this.sql.cancelPendingDeliveriesOfWebhook.run(now, id);
      return deleted;
    }).immediate();
  }

  async rotateWebhookSecret(teamId: string, id: string, secret: string, previousExpiresAt: number): Promise<WebhookRow | undefined> {
    return this.sql.rotateWebhookSecret.get(secret, previousExpiresAt, id, teamId) as WebhookRow | undefined;
  }

  async recordEvent(event: { teamId: string; webhookEventId: string; eventName: EventRow['event_name']; urlKind: 'template' | 'oneOff'; body: string; now: number }): Promise<RecordedEvent> {
    return this.db.transaction((): RecordedEvent => {
      const existing = this.sql.findEvent.get(event.teamId, event.webhookEventId) as EventRow | undefined;
      if (existing !== undefined) {
        const ids = this.sql.deliveryIdsOfEvent.all(existing.id) as { id: string }[];
        return { created: false, event: existing, deliveryIds: ids.map((row) => row.id) };
      }
      const row = this.sql.insertEvent.get({
        team_id: event.teamId, webhook_event_id: event.webhookEventId, event_name: event.eventName,
        url_kind: event.urlKind, body: event.body, received_at: event.now,
      }) as EventRow;
      const deliveryIds: string[] = [];
      // Only template availability URLs are delivered (Spir's help page); one-off ones are kept.
      if (event.urlKind === 'template') {
        const targets = this.sql.liveWebhooksForEvent.all(event.teamId, event.eventName) as { id: string; url: string }[];
        for (const target of targets) {
          const id = newDeliveryId();
          this.sql.insertDelivery.run({ id, team_id: event.teamId, webhook_id: target.id, event_id: row.id, url: target.url, now: event.now });
          deliveryIds.push(id);
        }
      }
      return { created: true, event: row, deliveryIds };
    }).immediate();
  }

  async listRecentEvents(teamId: string, eventName: EventRow['event_name'] | undefined, limit: number): Promise<EventRow[]> {
    return (eventName === undefined
      ? this.sql.recentEvents.all(teamId, limit)
      : this.sql.recentEventsByName.all(teamId, eventName, limit)) as EventRow[];
  }

  async claimDueDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    const saturated: string[] = [];
    for (const [webhookId, count] of options.inFlightByWebhook) {
      if (count >= options.perWebhookLimit) saturated.push(webhookId);
    }
    const rows = this.db.transaction(() => {
      const ids = this.sql.claimDue.all({
        worker: options.workerId,
        now: options.now,
        lease_until: options.now + options.leaseMs,
        saturated: JSON.stringify(saturated),
        in_flight: JSON.stringify(Object.fromEntries(options.inFlightByWebhook)),
        per_webhook: options.perWebhookLimit,
        scan: options.limit * 4,
        limit: options.limit,
      }) as { id: string }[];
      if (ids.length === 0) return [];
      return this.sql.claimedDetails.all(JSON.stringify(ids.map((row) => row.id))) as ClaimedJoinRow[];
    }).immediate();
    return rows.map((row) => ({
      id: row.id,
      teamId: row.team_id,
      webhookId: row.webhook_id,
      url: row.url,
      webhookEventId: row.webhook_event_id,
      eventName: row.event_name,
      body: row.body,
      secrets: row.previous_secret !== null && (row.previous_secret_expires_at ?? 0) > options.now
        ? [row.secret, row.previous_secret]
        : [row.secret],
      round: row.round,
      attemptNumber: row.attempts_in_round + 1,
    }));
  }

  async recordAttemptResults(workerId: string, results: readonly AttemptResult[]): Promise<void> {
    if (results.length === 0) return;
    this.db.transaction(() => {
      for (const result of results) {
        const finishedAt = Math.round(result.startedAt + result.durationMs);
        // The attempt happened whatever became of the lease, so it is always logged.
        this.sql.insertAttempt.run({
          delivery_id: result.deliveryId,
          round: result.round,
          attempt_number: result.attemptNumber,
          started_at: result.startedAt,
          duration_ms: result.durationMs,
          outcome: result.next.kind === 'succeeded' ? 'succeeded' : 'failed',
          request_headers: JSON.stringify(result.requestHeaders),
          response_status: result.response?.status ?? null,
          response_headers: result.response === null ? null : JSON.stringify(result.response.headers),
          response_body: result.response?.body ?? null,
          error_code: result.error?.code ?? null,
          error_message: result.error?.message ?? null,
        });
        // Guarded by the lease: a worker whose lease expired must not move the delivery on.
        this.sql.finishAttempt.run({
          id: result.deliveryId,
          worker: workerId,
          round: result.round,
          attempts: result.attemptNumber,
          status: result.next.kind === 'retry' ? 'pending' : result.next.kind,
          next_attempt_at: result.next.kind === 'retry' ? result.next.nextAttemptAt : finishedAt,
          now: finishedAt,
        });
      }
    }).immediate();
  }

  async releaseLeases(workerId: string, deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length > 0) this.sql.releaseLeases.run(JSON.stringify(deliveryIds), workerId);
  }

  async queueDepth(now: number): Promise<QueueDepth> {
    return this.sql.queueDepth.get({ now }) as QueueDepth;
  }

  async getEventById(id: number): Promise<EventRow | undefined> {
    return this.sql.getEventById.get(id) as EventRow | undefined;
  }

  async getDelivery(teamId: string, id: string): Promise<DeliveryRow | undefined> {
    return this.sql.getDelivery.get(id, teamId) as DeliveryRow | undefined;
  }

  async listAttempts(deliveryId: string): Promise<AttemptRow[]> {
    return this.sql.listAttempts.all(deliveryId) as AttemptRow[];
  }
}

function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    upsertTeam: db.prepare(`
      INSERT INTO teams (team_id, name, admin_emails, max_urls_per_event, created_at, updated_at)
      VALUES (:team_id, :name, :admin_emails, :max_urls_per_event, :now, :now)
      ON CONFLICT (team_id) DO UPDATE SET name = excluded.name, admin_emails = excluded.admin_emails,
        max_urls_per_event = excluded.max_urls_per_event, updated_at = excluded.updated_at
      RETURNING *`),
    getTeam: db.prepare('SELECT * FROM teams WHERE team_id = ?'),
    addApiKey: db.prepare('INSERT INTO api_keys (key_hash, team_id, created_at) VALUES (?, ?, ?)'),
    findTeamByApiKeyHash: db.prepare('SELECT teams.* FROM api_keys JOIN teams USING (team_id) WHERE key_hash = ?'),
    countLiveWebhooks: db.prepare(`
      SELECT (SELECT count(*) FROM webhooks WHERE team_id = ? AND event_name = ? AND deleted_at IS NULL) AS live,
             (SELECT max_urls_per_event FROM teams WHERE team_id = ?) AS max`),
    insertWebhook: db.prepare(`
      INSERT INTO webhooks (id, team_id, url, event_name, secret, created_at)
      VALUES (:id, :team_id, :url, :event_name, :secret, :created_at) RETURNING *`),
    listWebhooks: db.prepare('SELECT * FROM webhooks WHERE team_id = ? AND deleted_at IS NULL ORDER BY created_at, id'),
    getWebhook: db.prepare('SELECT * FROM webhooks WHERE id = ? AND team_id = ? AND deleted_at IS NULL'),
    deleteWebhook: db.prepare('UPDATE webhooks SET deleted_at = ? WHERE id = ? AND team_id = ? AND deleted_at IS NULL'),
    cancelPendingDeliveriesOfWebhook: db.prepare(`
      UPDATE deliveries SET status = 'canceled', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
      WHERE webhook_id = ? AND status = 'pending'`),
    rotateWebhookSecret: db.prepare(`
      UPDATE webhooks SET previous_secret = secret, secret = ?, previous_secret_expires_at = ?
      WHERE id = ? AND team_id = ? AND deleted_at IS NULL RETURNING *`),
    findEvent: db.prepare('SELECT * FROM events WHERE team_id = ? AND webhook_event_id = ?'),
    deliveryIdsOfEvent: db.prepare('SELECT id FROM deliveries WHERE event_id = ? ORDER BY rowid'),
    insertEvent: db.prepare(`
      INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at)
      VALUES (:team_id, :webhook_event_id, :event_name, :url_kind, :body, :received_at) RETURNING *`),
    liveWebhooksForEvent: db.prepare('SELECT id, url FROM webhooks WHERE team_id = ? AND event_name = ? AND deleted_at IS NULL ORDER BY id'),
    insertDelivery: db.prepare(`
      INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round, next_attempt_at, created_at, updated_at)
      VALUES (:id, :team_id, :webhook_id, :event_id, :url, 'pending', 1, 0, :now, :now, :now)`),
    recentEvents: db.prepare('SELECT * FROM events WHERE team_id = ? ORDER BY id DESC LIMIT ?'),
    recentEventsByName: db.prepare('SELECT * FROM events WHERE team_id = ? AND event_name = ? ORDER BY id DESC LIMIT ?'),
    // Oldest due first, at most `per_webhook` in flight per webhook, saturated webhooks skipped
    // so that one hung endpoint cannot fill a batch.
    claimDue: db.prepare(`
      WITH candidates AS (
        SELECT id, webhook_id, next_attempt_at FROM deliveries
        WHERE status = 'pending' AND next_attempt_at <= :now
          AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
          AND webhook_id NOT IN (SELECT value FROM json_each(:saturated))
        ORDER BY next_attempt_at LIMIT :scan
      ), ranked AS (
        SELECT id, next_attempt_at,
          ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY next_attempt_at) AS rank,
          :per_webhook - coalesce(json_extract(:in_flight, '$."' || webhook_id || '"'), 0) AS room
        FROM candidates
      )
      UPDATE deliveries SET lease_owner = :worker, lease_expires_at = :lease_until
      WHERE id IN (SELECT id FROM ranked WHERE rank <= room ORDER BY next_attempt_at LIMIT :limit)
      RETURNING id`),
    claimedDetails: db.prepare(`
      SELECT d.id, d.team_id, d.webhook_id, d.url, d.round, d.attempts_in_round,
             e.webhook_event_id, e.event_name, e.body,
             w.secret, w.previous_secret, w.previous_secret_expires_at
      FROM deliveries d JOIN events e ON e.id = d.event_id JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.id IN (SELECT value FROM json_each(?))
      ORDER BY d.next_attempt_at`),
    insertAttempt: db.prepare(`
      INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
        response_status, response_headers, response_body, error_code, error_message)
      VALUES (:delivery_id, :round, :attempt_number, :started_at, :duration_ms, :outcome, :request_headers,
        :response_status, :response_headers, :response_body, :error_code, :error_message)`),
    finishAttempt: db.prepare(`
      UPDATE deliveries SET status = :status, attempts_in_round = :attempts, next_attempt_at = :next_attempt_at,
        lease_owner = NULL, lease_expires_at = NULL, updated_at = :now
      WHERE id = :id AND lease_owner = :worker AND round = :round AND status = 'pending'`),
    releaseLeases: db.prepare(`
      UPDATE deliveries SET lease_owner = NULL, lease_expires_at = NULL
      WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ?`),
    queueDepth: db.prepare(`
      SELECT
        count(*) FILTER (WHERE next_attempt_at <= :now AND (lease_expires_at IS NULL OR lease_expires_at <= :now)) AS due,
        count(*) FILTER (WHERE lease_expires_at > :now) AS inFlight
      FROM deliveries WHERE status = 'pending'`),
    getEventById: db.prepare('SELECT * FROM events WHERE id = ?'),
    getDelivery: db.prepare('SELECT * FROM deliveries WHERE id = ? AND team_id = ?'),
    listAttempts: db.prepare('SELECT * FROM attempts WHERE delivery_id = ? ORDER BY round, attempt_number, id'),
  };
}
