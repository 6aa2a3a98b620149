import Database from 'better-sqlite3';
import { migrateSqlite } from './sqliteMigrations';
import { EventGroupCommit } from './sqliteGroupCommit';
import { ClaimMemory } from '../claimMemory';
import { claimDue } from './sqliteQueue';
import { prepareStatements } from './sqliteStatements';
import type {
  AvailabilityLinkRow,
  AttemptRow,
  DeliveryFilter,
  DeliveryRow,
  EventRow,
  FailureEmailJob,
  FailureEmailRow,
  ListedDelivery,
  WebhookRow,
} from '../storeTypes';
import type {
  AttemptResult,
  ClaimedDelivery,
  ClaimOptions,
  NewEvent,
  QueueDepth,
  RecordedEvent,
} from '../storeQueueTypes';
import { webhookHealthParams, type WebhookHealthRow } from '../webhookHealthSql';
import { deliveryListSql, recentEventsSql, type Dialect, type TeamReadSql } from '../teamReadsSql';
import { purgeInChunks, type Purged } from '../purgeInChunks';
import type { Store } from '../store';
import { failureEmailJobOf, type FailureEmailContextRow } from '../storeRows';
import { resendRefusal } from '../resendRule';
import { WalSync } from './walSync';
import { sqliteTeams } from './sqliteTeams';
import { sqliteObservedPaths } from './sqliteObservedPaths';
import { sqliteWebhooks } from './sqliteWebhooks';
import { forgetOwner, ownerOf, recordOwner, SqliteFileInUseError } from './sqliteOwner';

type SqliteTeams = ReturnType<typeof sqliteTeams>;
type SqliteWebhooks = ReturnType<typeof sqliteWebhooks>;
type SqliteObservedPaths = ReturnType<typeof sqliteObservedPaths>;

/**
 * A checkpoint (inside a COMMIT, on the event loop) every 10,000 WAL pages, not SQLite's 1,000:
 * a commit rewrites the newest index leaf of each team it touches, and a checkpoint copies each
 * page once however often the WAL holds it, so fewer checkpoints copy fewer pages per frame. The
 * WAL file grows to about 40 MB in exchange (bench/history.md, "Behind the comments").
 */
const walPagesBetweenCheckpoints = 10_000;

const sqliteDialect: Dialect = {
  placeholder: () => '?',
  tiebreak: 'rowid',
  indexedBy: (index) => `INDEXED BY ${index}`,
};

/**
 * The embedded store: one SQLite file in WAL mode, for a single dispatcher process. Every
 * statement is prepared once; every multi-row change is one transaction.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly sql;
  private readonly walSync: WalSync;
  private readonly teams: SqliteTeams;
  private readonly webhooks: SqliteWebhooks;
  private readonly observedPaths: SqliteObservedPaths;
  private readonly eventCommits: EventGroupCommit;
  private readonly claimMemory = new ClaimMemory();
  private deliveriesDue: () => void = () => undefined;
  /** A team read's statements, prepared once per shape (store/teamReadsSql.ts). */
  private readonly teamReads = new Map<string, Database.Statement>();

  constructor(private readonly path: string) {
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
      throw new SqliteFileInUseError(path, ownerOf(path), { cause: error });
    }
    if (path !== ':memory:') recordOwner(path);
    // NORMAL: a commit writes the WAL without an fsync; what must survive a power cut (an
    // acknowledged event, a team's settings) is answered only after `walSync` has synced it,
    // off the event loop. Leases and attempt records are not waited for: losing them in a
    // power cut only sends a delivery again (at least once).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`wal_autocheckpoint = ${walPagesBetweenCheckpoints}`);
    this.walSync = new WalSync(path === ':memory:' ? undefined : `${path}-wal`);
    this.db.pragma('foreign_keys = ON');
    migrateSqlite(this.db);
    this.sql = prepareStatements(this.db);
    this.teams = sqliteTeams(this.sql, this.walSync, (value) => this.durable(value));
    this.webhooks = sqliteWebhooks(this.db, this.sql, (value) => this.durable(value));
    this.observedPaths = sqliteObservedPaths(this.db, this.sql, (value) => this.durable(value));
    this.eventCommits = new EventGroupCommit(this.db, this.sql, this.walSync, () => this.deliveriesDue());
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

  async onWorkDue(wake: (work: 'deliveries' | 'failureEmails') => void): Promise<void> {
    // One process owns the file: nobody else stores work for it. The store itself gives back the
    // handoff's leases of events whose WAL sync failed (sqliteGroupCommit.ts).
    this.deliveriesDue = () => wake('deliveries');
  }

  async connectedDispatchers(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.walSync.close();
    this.db.close();
    if (this.path !== ':memory:') forgetOwner(this.path);
  }

  // Teams, keys and console sign-ins: sqliteTeams.ts.
  upsertTeam: SqliteTeams['upsertTeam'] = (...args) => this.teams.upsertTeam(...args);
  getTeam: SqliteTeams['getTeam'] = (...args) => this.teams.getTeam(...args);
  addApiKey: SqliteTeams['addApiKey'] = (...args) => this.teams.addApiKey(...args);
  listApiKeys: SqliteTeams['listApiKeys'] = (...args) => this.teams.listApiKeys(...args);
  revokeApiKey: SqliteTeams['revokeApiKey'] = (...args) => this.teams.revokeApiKey(...args);
  findApiKey: SqliteTeams['findApiKey'] = (...args) => this.teams.findApiKey(...args);
  touchApiKey: SqliteTeams['touchApiKey'] = (...args) => this.teams.touchApiKey(...args);
  addConsoleLink: SqliteTeams['addConsoleLink'] = (...args) => this.teams.addConsoleLink(...args);
  findConsoleLink: SqliteTeams['findConsoleLink'] = (...args) => this.teams.findConsoleLink(...args);
  useConsoleLink: SqliteTeams['useConsoleLink'] = (...args) => this.teams.useConsoleLink(...args);
  addConsoleSession: SqliteTeams['addConsoleSession'] = (...args) => this.teams.addConsoleSession(...args);
  findConsoleSession: SqliteTeams['findConsoleSession'] = (...args) => this.teams.findConsoleSession(...args);
  deleteConsoleSession: SqliteTeams['deleteConsoleSession'] = (...args) => this.teams.deleteConsoleSession(...args);
  deleteTeamConsoleSessions: SqliteTeams['deleteTeamConsoleSessions'] = (...args) =>
    this.teams.deleteTeamConsoleSessions(...args);

  // Observed shapes of live traffic: sqliteObservedPaths.ts.
  mergeObservedPaths: SqliteObservedPaths['mergeObservedPaths'] = (...args) =>
    this.observedPaths.mergeObservedPaths(...args);
  listObservedPaths: SqliteObservedPaths['listObservedPaths'] = () => this.observedPaths.listObservedPaths();

  // Webhooks and their secrets: sqliteWebhooks.ts.
  rewriteWebhookSecrets: SqliteWebhooks['rewriteWebhookSecrets'] = (...args) =>
    this.webhooks.rewriteWebhookSecrets(...args);
  createWebhook: SqliteWebhooks['createWebhook'] = (...args) => this.webhooks.createWebhook(...args);
  listWebhooks: SqliteWebhooks['listWebhooks'] = (...args) => this.webhooks.listWebhooks(...args);
  getWebhook: SqliteWebhooks['getWebhook'] = (...args) => this.webhooks.getWebhook(...args);
  deleteWebhook: SqliteWebhooks['deleteWebhook'] = (...args) => this.webhooks.deleteWebhook(...args);
  rotateWebhookSecret: SqliteWebhooks['rotateWebhookSecret'] = (...args) => this.webhooks.rotateWebhookSecret(...args);

  recordEvent = (event: NewEvent): Promise<RecordedEvent> => this.eventCommits.record(event);

  async listRecentEvents(
    teamId: string,
    filter: { eventName: EventRow['event_name'] | undefined; linkId: string | undefined },
    limit: number,
  ): Promise<EventRow[]> {
    return this.teamRead(recentEventsSql(teamId, filter, limit, sqliteDialect)) as EventRow[];
  }

  async listAvailabilityLinks(teamId: string): Promise<AvailabilityLinkRow[]> {
    return this.sql.listAvailabilityLinks.all(teamId) as AvailabilityLinkRow[];
  }

  async claimDueDeliveries(options: ClaimOptions): Promise<ClaimedDelivery[]> {
    return this.db.transaction(() => claimDue(this.sql, options, this.claimMemory)).immediate();
  }

  async recordAttemptResults(workerId: string, results: readonly AttemptResult[]): Promise<void> {
    // In the next group commit, beside the events that arrive meanwhile.
    if (results.length > 0) await this.eventCommits.recordAttempts(workerId, results);
  }

  async queueDepth(now: number): Promise<QueueDepth> {
    return this.sql.queueDepth.get({ now }) as QueueDepth;
  }

  async listDeliveries(filter: DeliveryFilter): Promise<ListedDelivery[]> {
    const read = deliveryListSql(filter, sqliteDialect);
    return read === undefined ? [] : (this.teamRead(read) as ListedDelivery[]);
  }

  private teamRead(read: TeamReadSql): unknown[] {
    let statement = this.teamReads.get(read.shape);
    if (statement === undefined) {
      statement = this.db.prepare(read.sql);
      this.teamReads.set(read.shape, statement);
    }
    return statement.all(...read.params);
  }

  async webhookHealth(teamId: string, since: number): Promise<WebhookHealthRow[]> {
    return this.sql.webhookHealth.all(...webhookHealthParams(teamId, since)) as WebhookHealthRow[];
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
          const webhook = delivery && (this.sql.webhookOfDelivery.get(id) as WebhookRow | undefined);
          const refusal = resendRefusal(delivery, webhook);
          if (refusal !== undefined) return refusal;
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

  async purgeFinishedBefore(cutoff: number): Promise<Purged> {
    const inTransaction = <T>(work: () => T): T => this.db.transaction(work).immediate();
    return purgeInChunks(
      {
        deliveries: async (before, limit) =>
          inTransaction(() => {
            const rows = this.sql.purgeableDeliveries.all({ cutoff: before, limit }) as {
              id: string;
              event_id: number;
            }[];
            if (rows.length === 0) return { deliveries: 0, attempts: 0, events: 0 };
            const ids = JSON.stringify(rows.map((row) => row.id));
            this.sql.purgeFailureEmailsOf.run(ids);
            const attempts = this.sql.purgeAttemptsOf.run(ids).changes;
            const deliveries = this.sql.purgeDeliveriesOf.run(ids).changes;
            const eventIds = JSON.stringify([...new Set(rows.map((row) => row.event_id))]);
            const events = this.sql.purgeEventsOf.run({ ids: eventIds, cutoff: before }).changes;
            return { deliveries, attempts, events };
          }),
        events: async (before, limit) =>
          inTransaction(() => this.sql.purgeEvents.run({ cutoff: before, limit }).changes),
        healthHours: async (before, limit) =>
          inTransaction(() => this.sql.purgeHealthHours.run({ cutoff: before, limit }).changes),
        rest: async (before) =>
          inTransaction(() => {
            const deletedWebhooks = this.sql.purgeDeletedWebhooks.run({ cutoff: before }).changes;
            this.sql.purgeHealthOfPurgedWebhooks.run();
            this.sql.purgeConsoleLinks.run(before);
            this.sql.purgeConsoleSessions.run(before);
            return deletedWebhooks;
          }),
      },
      cutoff,
    );
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
