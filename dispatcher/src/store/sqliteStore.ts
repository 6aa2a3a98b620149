import Database from 'better-sqlite3';
import { migrateSqlite } from './sqliteMigrations';
import { insertEvent, type ReservedSlot } from './sqliteEvents';
import { claimDue, recordAttempts } from './sqliteQueue';
import { prepareStatements } from './sqliteStatements';
import type {
  ApiKeyRow,
  AvailabilityLinkRow,
  ConsoleSessionTeam,
  AttemptResult,
  AuthenticatedKey,
  AttemptRow,
  ClaimedDelivery,
  ClaimOptions,
  DeliveryFilter,
  DeliveryRow,
  EventRow,
  FailureEmailJob,
  FailureEmailRow,
  ListedDelivery,
  NewApiKey,
  NewTeam,
  NewEvent,
  NewWebhook,
  QueueDepth,
  RecordedEvent,
  Store,
  TeamRow,
  WebhookRow,
} from './storeTypes';
import { StoreUnavailableError } from './storeTypes';
import { failureEmailJobOf, type FailureEmailContextRow } from './storeRows';
import { WalSync } from './walSync';

// SQLite's codes for "cannot write now", as opposed to a bug in a statement.
const unavailableCodes = /^SQLITE_(FULL|READONLY|IOERR|BUSY|LOCKED|CANTOPEN|PROTOCOL)/;

function unavailableOrAsIs(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && unavailableCodes.test(code)
    ? new StoreUnavailableError(`the SQLite store refused a write (${code})`, { cause: error })
    : error;
}

// How long an ingest waits for others to share its commit (one fsync for all of them).
const groupCommitWindowMs = 2;

/**
 * The embedded store: one SQLite file in WAL mode, for a single dispatcher process. Every
 * statement is prepared once; every multi-row change is one transaction.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly sql;
  private readonly walSync: WalSync;
  private eventsToCommit: {
    event: NewEvent;
    resolve: (recorded: RecordedEvent) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(path: string) {
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
      throw new Error(
        `another process holds ${path}: the SQLite store serves one dispatcher at a time (${(error as Error).message})`,
        { cause: error },
      );
    }
    // NORMAL: a commit writes the WAL without an fsync; what must survive a power cut (an
    // acknowledged event, a team's settings) is answered only after `walSync` has synced it,
    // off the event loop. Leases and attempt records are not waited for: losing them in a
    // power cut only sends a delivery again (at least once).
    this.db.pragma('synchronous = NORMAL');
    this.walSync = new WalSync(path === ':memory:' ? undefined : `${path}-wal`);
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    this.sql = prepareStatements(this.db);
    // Holding the lock proves that no other process is working: leases left by a killed
    // dispatcher are taken back now rather than when they expire.
    this.sql.releaseAllDeliveryLeases.run();
    this.sql.releaseAllFailureEmailLeases.run();
  }

  /** Passes `value` on once everything committed so far survives a power cut. */
  private async durable<T>(value: T): Promise<T> {
    await this.walSync.sync();
    return value;
  }

  async ping(): Promise<void> {
    this.sql.ping.get();
  }

  async onWorkDue(): Promise<void> {
    // One process owns the file: nobody else stores work for it.
  }

  async close(): Promise<void> {
    await this.walSync.close();
    this.db.close();
  }

  async upsertTeam(team: NewTeam): Promise<TeamRow> {
    return this.durable(
      this.sql.upsertTeam.get({
        team_id: team.teamId,
        name: team.name,
        admin_emails: JSON.stringify(team.adminEmails),
        max_urls_per_event: team.maxUrlsPerEvent,
        max_subscriptions_per_event: team.maxSubscriptionsPerEvent,
        language: team.language,
        now: team.now,
      }) as TeamRow,
    );
  }

  async getTeam(teamId: string): Promise<TeamRow | undefined> {
    return this.sql.getTeam.get(teamId) as TeamRow | undefined;
  }

  async addApiKey(key: NewApiKey): Promise<ApiKeyRow> {
    return this.durable(
      this.sql.addApiKey.get({
        key_hash: key.keyHash,
        team_id: key.teamId,
        created_at: key.createdAt,
        id: key.id,
        prefix: key.prefix,
        label: key.label,
        scope: key.scope,
        expires_at: key.expiresAt,
      }) as ApiKeyRow,
    );
  }

  async listApiKeys(teamId: string): Promise<ApiKeyRow[]> {
    return this.sql.listApiKeys.all(teamId) as ApiKeyRow[];
  }

  async revokeApiKey(teamId: string, keyId: string): Promise<boolean> {
    return this.durable(this.sql.revokeApiKey.run(teamId, keyId).changes > 0);
  }

  async findApiKey(keyHash: string): Promise<AuthenticatedKey | undefined> {
    return this.sql.findApiKey.get(keyHash) as AuthenticatedKey | undefined;
  }

  async touchApiKey(keyId: string, now: number): Promise<void> {
    this.sql.touchApiKey.run(now, keyId);
  }

  async addConsoleLink(link: {
    tokenHash: string;
    teamId: string;
    returnTo: string | null;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    this.sql.insertConsoleLink.run({
      token_hash: link.tokenHash,
      team_id: link.teamId,
      return_to: link.returnTo,
      now: link.now,
      expires_at: link.expiresAt,
    });
    await this.walSync.sync();
  }

  async useConsoleLink(
    tokenHash: string,
    now: number,
  ): Promise<{ team_id: string; return_to: string | null } | undefined> {
    return this.durable(
      this.sql.useConsoleLink.get({ token_hash: tokenHash, now }) as
        { team_id: string; return_to: string | null } | undefined,
    );
  }

  async addConsoleSession(session: {
    idHash: string;
    teamId: string;
    csrfToken: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    this.sql.insertConsoleSession.run({
      id_hash: session.idHash,
      team_id: session.teamId,
      csrf_token: session.csrfToken,
      now: session.now,
      expires_at: session.expiresAt,
    });
    await this.walSync.sync();
  }

  async findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionTeam | undefined> {
    return this.sql.findConsoleSession.get(idHash, now) as ConsoleSessionTeam | undefined;
  }

  async deleteConsoleSession(idHash: string): Promise<void> {
    this.sql.deleteConsoleSession.run(idHash);
    await this.walSync.sync();
  }

  async rewriteWebhookSecrets(transform: (stored: string) => string): Promise<number> {
    const changed = this.db
      .transaction(() => {
        let count = 0;
        const rows = this.sql.allWebhookSecrets.all() as {
          id: string;
          secret: string;
          previous_secret: string | null;
        }[];
        for (const row of rows) {
          const secret = transform(row.secret);
          const previous = row.previous_secret === null ? null : transform(row.previous_secret);
          if (secret === row.secret && previous === row.previous_secret) continue;
          this.sql.setWebhookSecrets.run(secret, previous, row.id);
          count++;
        }
        return count;
      })
      .immediate();
    return this.durable(changed);
  }

  async createWebhook(webhook: NewWebhook): Promise<WebhookRow | 'limit_reached'> {
    return this.durable(
      this.db
        .transaction((): WebhookRow | 'limit_reached' => {
          const { live, max } = this.sql.countLiveWebhooks.get({
            team_id: webhook.teamId,
            event_name: webhook.eventName,
            kind: webhook.kind,
          }) as { live: number; max: number };
          if (live >= max) return 'limit_reached';
          return this.sql.insertWebhook.get({
            id: webhook.id,
            team_id: webhook.teamId,
            url: webhook.url,
            event_name: webhook.eventName,
            secret: webhook.secret,
            created_at: webhook.createdAt,
            kind: webhook.kind,
            availability_links:
              webhook.availabilityLinks === undefined ? null : JSON.stringify(webhook.availabilityLinks),
          }) as WebhookRow;
        })
        .immediate(),
    );
  }

  async listWebhooks(teamId: string): Promise<WebhookRow[]> {
    return this.sql.listWebhooks.all(teamId) as WebhookRow[];
  }

  async getWebhook(teamId: string, id: string): Promise<WebhookRow | undefined> {
    return this.sql.getWebhook.get(id, teamId) as WebhookRow | undefined;
  }

  async deleteWebhook(teamId: string, id: string, now: number): Promise<boolean> {
    return this.durable(
      this.db
        .transaction(() => {
          const deleted = this.sql.deleteWebhook.run(now, id, teamId).changes > 0;
          if (deleted) this.sql.cancelPendingDeliveriesOfWebhook.run(now, id);
          return deleted;
        })
        .immediate(),
    );
  }

  async rotateWebhookSecret(
    teamId: string,
    id: string,
    secret: string,
    previousExpiresAt: number,
  ): Promise<WebhookRow | undefined> {
    return this.durable(
      this.sql.rotateWebhookSecret.get(secret, previousExpiresAt, id, teamId) as WebhookRow | undefined,
    );
  }

  /**
   * Group commit: events that arrive within a couple of milliseconds are committed together,
   * and each caller is answered only once that commit is synced (one fsync for all of them).
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
    // Slots reserved in a transaction that then rolls back, or whose sync fails, are given back.
    let reserved: ReservedSlot[] = [];
    const release = (slots: ReservedSlot[]) => {
      for (const { handoff, webhookId } of slots) handoff.release(webhookId);
    };
    let committed: { item: (typeof batch)[number]; recorded: RecordedEvent }[] = [];
    try {
      const results = this.db
        .transaction(() => batch.map(({ event }) => insertEvent(this.sql, event, reserved)))
        .immediate();
      committed = batch.map((item, i) => ({ item, recorded: results[i]! }));
    } catch {
      release(reserved);
      reserved = [];
      // One failing event must not fail the others: each alone, in its own transaction.
      for (const item of batch) {
        const slots: ReservedSlot[] = [];
        try {
          committed.push({
            item,
            recorded: this.db.transaction(() => insertEvent(this.sql, item.event, slots)).immediate(),
          });
          reserved.push(...slots);
        } catch (error) {
          release(slots);
          item.reject(unavailableOrAsIs(error));
        }
      }
    }
    if (committed.length === 0) return;
    this.walSync.sync().then(
      () => committed.forEach(({ item, recorded }) => item.resolve(recorded)),
      (error: unknown) => {
        // Not acknowledged, so the caller retries; the deliveries leased to the handoff are
        // claimed again when their lease ends.
        release(reserved);
        committed.forEach(({ item }) => item.reject(error));
      },
    );
  }

  async listRecentEvents(
    teamId: string,
    filter: { eventName: EventRow['event_name'] | undefined; linkId: string | undefined },
    limit: number,
  ): Promise<EventRow[]> {
    return this.sql.recentEvents.all({
      team_id: teamId,
      event_name: filter.eventName ?? null,
      link_id: filter.linkId ?? null,
      limit,
    }) as EventRow[];
  }

  async listAvailabilityLinks(teamId: string): Promise<AvailabilityLinkRow[]> {
    return this.sql.listAvailabilityLinks.all(teamId) as AvailabilityLinkRow[];
  }

  async claimDueDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.db.transaction(() => claimDue(this.sql, options)).immediate();
  }

  async recordAttemptResults(workerId: string, results: readonly AttemptResult[]): Promise<void> {
    if (results.length > 0) this.db.transaction(() => recordAttempts(this.sql, workerId, results)).immediate();
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

  async resendDelivery(
    teamId: string,
    id: string,
    now: number,
  ): Promise<DeliveryRow | 'not_found' | 'in_progress' | 'webhook_deleted'> {
    return this.durable(
      this.db
        .transaction(() => {
          const delivery = this.sql.getDelivery.get(id, teamId) as DeliveryRow | undefined;
          if (delivery === undefined) return 'not_found' as const;
          const webhook = this.sql.webhookOfDelivery.get(id) as WebhookRow;
          if (webhook.deleted_at !== null) return 'webhook_deleted' as const;
          return (
            (this.sql.resendDelivery.get({ id, team_id: teamId, now }) as DeliveryRow | undefined) ??
            ('in_progress' as const)
          );
        })
        .immediate(),
    );
  }

  async claimFailureEmails(workerId: string, now: number, leaseMs: number, limit: number): Promise<FailureEmailJob[]> {
    return this.db
      .transaction(() => {
        const emails = this.sql.claimFailureEmails.all({
          worker: workerId,
          now,
          lease_until: now + leaseMs,
          limit,
        }) as FailureEmailRow[];
        return emails.map((email) =>
          failureEmailJobOf(
            email,
            this.sql.failureEmailContext.get(email.delivery_id) as FailureEmailContextRow,
            this.sql.attemptsOfRound.all(email.delivery_id, email.round) as AttemptRow[],
          ),
        );
      })
      .immediate();
  }

  async markFailureEmailSent(workerId: string, id: number, messageId: string, now: number): Promise<void> {
    this.sql.markFailureEmailSent.run({ id, worker: workerId, message_id: messageId, now });
    await this.walSync.sync();
  }

  async rescheduleFailureEmail(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void> {
    this.sql.rescheduleFailureEmail.run({ id, worker: workerId, next_attempt_at: nextAttemptAt, error });
  }

  async getFailureEmail(deliveryId: string, round: number): Promise<FailureEmailRow | undefined> {
    return this.sql.getFailureEmail.get(deliveryId, round) as FailureEmailRow | undefined;
  }

  async purgeFinishedBefore(
    cutoff: number,
  ): Promise<{ deliveries: number; attempts: number; events: number; deletedWebhooks: number }> {
    return this.db
      .transaction(() => {
        this.sql.purgeSentFailureEmails.run({ cutoff });
        const attempts = this.sql.purgeAttempts.run({ cutoff }).changes;
        const deliveries = this.sql.purgeDeliveries.run({ cutoff }).changes;
        const events = this.sql.purgeEvents.run({ cutoff }).changes;
        const deletedWebhooks = this.sql.purgeDeletedWebhooks.run({ cutoff }).changes;
        this.sql.purgeConsoleLinks.run(cutoff);
        this.sql.purgeConsoleSessions.run(cutoff);
        return { deliveries, attempts, events, deletedWebhooks };
      })
      .immediate();
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
