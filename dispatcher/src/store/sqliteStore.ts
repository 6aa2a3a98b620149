import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { migrateSqlite } from './sqliteMigrations';
import { claimDue, currentSecrets, recordAttempts, type WebhookSecrets } from './sqliteQueue';
import { prepareStatements } from './sqliteStatements';
import type {
  AttemptResult, AttemptRow, ClaimedDelivery, ClaimOptions, DeliveryFilter, DeliveryRow, EventRow, FailureEmailJob,
  FailureEmailRow, ListedDelivery, NewEvent, NewWebhook, QueueDepth, RecordedEvent, Store, TeamRow, WebhookRow,
} from './storeTypes';
import { StoreUnavailableError, type DeliveryHandoff } from './storeTypes';

// SQLite's codes for "cannot write now", as opposed to a bug in a statement.
const unavailableCodes = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)/;

function unavailableOrAsIs(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && unavailableCodes.test(code) ? new StoreUnavailableError(`the SQLite store refused a write (${code})`, { cause: error }) : error;
}

// How long an ingest waits for others to share its commit (one fsync for all of them).
const groupCommitWindowMs = 2;

interface LiveWebhook extends WebhookSecrets {
  id: string;
  url: string;
}

export function newDeliveryId(): string {
  return `dlv_${randomUUID().replaceAll('-', '')}`;
}


/**
 * The embedded store: one SQLite file in WAL mode, for a single dispatcher process. Every
 * statement is prepared once; every multi-row change is one transaction.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly sql;
  private eventsToCommit: { event: NewEvent; resolve: (recorded: RecordedEvent) => void; reject: (error: unknown) => void }[] = [];

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    try {
      // Waits a little for a dispatcher that is still shutting down to let go of the file.
      this.db.pragma('busy_timeout = 5000');
      // One process owns the file: a second dispatcher on it fails here instead of racing this
      // one. PostgreSQL is the engine for several dispatchers sharing one queue.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (error) {
      this.db.close();
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
      throw new Error(`another process holds ${path}: the SQLite store serves one dispatcher at a time (${(error as Error).message})`);
    }
    // FULL: a 202 promises that the event survives a power cut, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    this.sql = prepareStatements(this.db);
    // Holding the lock proves that no other process is working: leases left by a killed
    // dispatcher are taken back now rather than when they expire.
    this.sql.releaseAllDeliveryLeases.run();
    this.sql.releaseAllFailureEmailLeases.run();
  }

  /**
   * Runs a transaction whose loss in a power cut is harmless: leases, attempt records and retry
   * times only make a delivery go out again (at least once). It skips the fsync; the next FULL
   * commit (an ingest) makes it durable along with everything before it. A process crash loses
   * nothing either way (WAL).
   */
  private relaxed<T>(work: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(work).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
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

  /**
   * Group commit: events that arrive within a couple of milliseconds are committed together,
   * with one fsync, and each caller is answered only after that commit.
   */
  async recordEvent(event: NewEvent): Promise<RecordedEvent> {
    return new Promise((resolve, reject) => {
      this.eventsToCommit.push({ event, resolve, reject });
      if (this.eventsToCommit.length === 1) setTimeout(() => this.commitEvents(), groupCommitWindowMs);
    });
  }

  private commitEvents(): void {
    const batch = this.eventsToCommit;
    this.eventsToCommit = [];
    // Slots reserved in a transaction that then rolls back are given back.
    let reserved: { handoff: DeliveryHandoff; webhookId: string }[] = [];
    const releaseReserved = () => {
      for (const { handoff, webhookId } of reserved) handoff.release(webhookId);
      reserved = [];
    };
    try {
      const results = this.db.transaction(() => batch.map(({ event }) => this.insertEvent(event, reserved))).immediate();
      batch.forEach((item, i) => item.resolve(results[i]!));
    } catch {
      releaseReserved();
      // One failing event must not fail the others: each alone, in its own transaction.
      for (const item of batch) {
        try {
          item.resolve(this.db.transaction(() => this.insertEvent(item.event, reserved)).immediate());
        } catch (error) {
          releaseReserved();
          item.reject(unavailableOrAsIs(error));
        }
        reserved = [];
      }
    }
  }

  private insertEvent(event: NewEvent, reserved: { handoff: DeliveryHandoff; webhookId: string }[]): RecordedEvent {
    const existing = this.sql.findEvent.get(event.teamId, event.webhookEventId) as EventRow | undefined;
    if (existing !== undefined) {
      const ids = this.sql.deliveryIdsOfEvent.all(existing.id) as { id: string }[];
      return { created: false, event: existing, deliveryIds: ids.map((row) => row.id), leased: [] };
    }
    const row = this.sql.insertEvent.get({
      team_id: event.teamId, webhook_event_id: event.webhookEventId, event_name: event.eventName,
      url_kind: event.urlKind, body: event.body, received_at: event.now,
    }) as EventRow;
    const deliveryIds: string[] = [];
    const leased: ClaimedDelivery[] = [];
    // Only template availability URLs are delivered (Spir's help page); one-off ones are kept.
    if (event.urlKind === 'template') {
      const targets = this.sql.liveWebhooksForEvent.all(event.teamId, event.eventName) as LiveWebhook[];
      const { handoff } = event;
      for (const target of targets) {
        const id = newDeliveryId();
        const lease = handoff !== undefined && handoff.reserve(target.id);
        if (lease) reserved.push({ handoff, webhookId: target.id });
        this.sql.insertDelivery.run({
          id, team_id: event.teamId, webhook_id: target.id, event_id: row.id, url: target.url, now: event.now,
          lease_owner: lease ? handoff.workerId : null, lease_expires_at: lease ? event.now + handoff.leaseMs : null,
        });
        deliveryIds.push(id);
        if (lease) {
          leased.push({
            id, teamId: event.teamId, webhookId: target.id, url: target.url, webhookEventId: event.webhookEventId,
            eventName: event.eventName, body: event.body, secrets: currentSecrets(target, event.now), round: 1, attemptNumber: 1,
          });
        }
      }
    }
    return { created: true, event: row, deliveryIds, leased };
  }

  async listRecentEvents(teamId: string, eventName: EventRow['event_name'] | undefined, limit: number): Promise<EventRow[]> {
    return (eventName === undefined
      ? this.sql.recentEvents.all(teamId, limit)
      : this.sql.recentEventsByName.all(teamId, eventName, limit)) as EventRow[];
  }

  async claimDueDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.relaxed(() => claimDue(this.sql, options));
  }

  async recordAttemptResults(workerId: string, results: readonly AttemptResult[]): Promise<void> {
    if (results.length > 0) this.relaxed(() => recordAttempts(this.sql, workerId, results));
  }


  async queueDepth(now: number): Promise<QueueDepth> {
    return this.sql.queueDepth.get({ now }) as QueueDepth;
  }

  async listDeliveries(filter: DeliveryFilter): Promise<ListedDelivery[]> {
    return this.sql.listDeliveries.all({
      team_id: filter.teamId,
      webhook_id: filter.webhookId ?? null,
      status: filter.status ?? null,
      event_name: filter.eventName ?? null,
      since: filter.since ?? null,
      until: filter.until ?? null,
      cursor_created_at: filter.after?.createdAt ?? null,
      cursor_seq: filter.after?.seq ?? null,
      limit: filter.limit,
    }) as ListedDelivery[];
  }

  async resendDelivery(teamId: string, id: string, now: number): Promise<DeliveryRow | 'not_found' | 'in_progress' | 'webhook_deleted'> {
    return this.db.transaction(() => {
      const delivery = this.sql.getDelivery.get(id, teamId) as DeliveryRow | undefined;
      if (delivery === undefined) return 'not_found' as const;
      const webhook = this.sql.webhookOfDelivery.get(id) as WebhookRow;
      if (webhook.deleted_at !== null) return 'webhook_deleted' as const;
      return (this.sql.resendDelivery.get({ id, team_id: teamId, now }) as DeliveryRow | undefined) ?? ('in_progress' as const);
    }).immediate();
  }

  async claimFailureEmails(workerId: string, now: number, leaseMs: number, limit: number): Promise<FailureEmailJob[]> {
    return this.db.transaction(() => {
      const emails = this.sql.claimFailureEmails.all({ worker: workerId, now, lease_until: now + leaseMs, limit }) as FailureEmailRow[];
      return emails.map((email): FailureEmailJob => {
        const context = this.sql.failureEmailContext.get(email.delivery_id) as {
          url: string; webhook_id: string; webhook_event_id: string; event_name: string; body: string; team_name: string; admin_emails: string;
        };
        return {
          email,
          url: context.url,
          webhookId: context.webhook_id,
          webhookEventId: context.webhook_event_id,
          eventName: context.event_name,
          body: context.body,
          teamName: context.team_name,
          adminEmails: JSON.parse(context.admin_emails) as string[],
          attempts: this.sql.attemptsOfRound.all(email.delivery_id, email.round) as AttemptRow[],
        };
      });
    }).immediate();
  }

  async markFailureEmailSent(workerId: string, id: number, messageId: string, now: number): Promise<void> {
    this.sql.markFailureEmailSent.run({ id, worker: workerId, message_id: messageId, now });
  }

  async rescheduleFailureEmail(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.sql.rescheduleFailureEmail.run({ id, worker: workerId, next_attempt_at: nextAttemptAt, error });
  }

  async getFailureEmail(deliveryId: string, round: number): Promise<FailureEmailRow | undefined> {
    return this.sql.getFailureEmail.get(deliveryId, round) as FailureEmailRow | undefined;
  }

  async purgeFinishedBefore(cutoff: number): Promise<{ deliveries: number; attempts: number; events: number }> {
    return this.db.transaction(() => {
      this.sql.purgeSentFailureEmails.run({ cutoff });
      const attempts = this.sql.purgeAttempts.run({ cutoff }).changes;
      const deliveries = this.sql.purgeDeliveries.run({ cutoff }).changes;
      const events = this.sql.purgeEvents.run({ cutoff }).changes;
      return { deliveries, attempts, events };
    }).immediate();
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
