import { attemptRowsSelect } from '../answerStorage';
import pg, { type Pool, type PoolClient } from 'pg';
import type {
  ApiKeyRow,
  AttemptRow,
  AuthenticatedKey,
  AvailabilityLinkRow,
  ConsoleSessionTeam,
  NewConsoleSession,
  DeliveryFilter,
  DeliveryRow,
  EventRow,
  FailureEmailRow,
  ListedDelivery,
  NewApiKey,
  NewTeam,
  TeamRow,
} from '../storeTypes';
import type { AttemptResult, ClaimedDelivery, ClaimOptions, NewEvent } from '../storeQueueTypes';
import { webhookHealthParams, webhookHealthSql, type WebhookHealthRow } from '../webhookHealthSql';
import { deliveryListSql, recentEventsSql, type Dialect } from '../teamReadsSql';
import type { Store } from '../store';
import { StoreUnavailableError } from '../storeTypes';
import { query, unavailableOr } from './pgConnection';
import { PgEventBatches } from './pgEventBatches';
import { LeaseReturns } from './pgLeaseReturns';
import { migratePostgres } from './pgMigrations';
import { ClaimMemory } from '../claimMemory';
import { claimDue } from './pgClaim';
import { recordAttempts } from './pgAttempts';
import * as queue from './pgQueue';
import { teamsAndKeys } from './pgTeams';
import { pgWebhooks } from './pgWebhooks';
import { pgObservedPaths } from './pgObservedPaths';

type PgWebhooks = ReturnType<typeof pgWebhooks>;
type PgObservedPaths = ReturnType<typeof pgObservedPaths>;

/**
 * The shared engine: several dispatchers on one PostgreSQL database. Claims use
 * `FOR UPDATE SKIP LOCKED`, leases expire for a killed dispatcher's deliveries to be taken over,
 * and `NOTIFY spir_deliveries_due` wakes the others when one stores work it cannot take itself.
 */
/**
 * How this process names its connections (`application_name`), and the SQL LIKE pattern that
 * finds its peers' (ops/peerSettings.ts chooses both; the store only reads them).
 */
export interface ConnectionIdentity {
  name: string;
  peersLike: string;
}

const pgDialect: Dialect = { placeholder: (n) => `$${n}`, tiebreak: 'seq', indexedBy: () => '' };

export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  private listener: PoolClient | undefined;

  private readonly teams: ReturnType<typeof teamsAndKeys>;
  private readonly webhooks: PgWebhooks;
  private readonly observedPaths: PgObservedPaths;
  private readonly leaseReturns: LeaseReturns;
  private readonly eventBatches: PgEventBatches;
  private readonly claimMemory = new ClaimMemory();

  private constructor(
    private readonly pool: Pool,
    private readonly identity: ConnectionIdentity,
  ) {
    this.teams = teamsAndKeys(pool);
    this.webhooks = pgWebhooks(pool);
    this.observedPaths = pgObservedPaths(pool);
    this.leaseReturns = new LeaseReturns(pool);
    this.eventBatches = new PgEventBatches(pool, this.leaseReturns);
  }

  /** `identity` names this dispatcher's connections (`application_name`), for its peers to read. */
  static async open(url: string, poolSize: number, identity: ConnectionIdentity): Promise<PgStore> {
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 5_000,
      application_name: identity.name,
    });
    // An idle connection that the server dropped is replaced on next use; it must not crash us.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    return new PgStore(pool, identity);
  }

  async connectedDispatchers(): Promise<string[]> {
    const rows = await query<{ name: string }>(
      this.pool,
      `SELECT DISTINCT application_name AS name FROM pg_stat_activity
        WHERE datname = current_database() AND application_name LIKE $1 AND application_name <> $2`,
      [this.identity.peersLike, this.identity.name],
    );
    return rows.map((row) => row.name);
  }

  async ping(): Promise<void> {
    await query(this.pool, 'SELECT 1');
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leaseReturns.close();
    this.listener?.release();
    await this.pool.end();
  }

  /**
   * Calls `wake` whenever another dispatcher stored work it did not take (LISTEN/NOTIFY). When the
   * listening connection is lost (the database restarted), it listens again once it can; until
   * then the worker's own polling finds the work.
   */
  async onWorkDue(wake: (work: 'deliveries' | 'failureEmails') => void): Promise<void> {
    const listen = async (): Promise<void> => {
      const client = await this.pool.connect();
      this.listener = client;
      client.on('notification', (message) =>
        wake(message.channel === 'spir_failure_emails_due' ? 'failureEmails' : 'deliveries'),
      );
      client.on('error', () => {
        client.release(true);
        if (this.listener === client) this.listener = undefined;
        const retry = () => {
          if (this.closed) return;
          listen().catch(() => setTimeout(retry, 1_000).unref());
        };
        setTimeout(retry, 1_000).unref();
      });
      await client.query('LISTEN spir_deliveries_due');
      await client.query('LISTEN spir_failure_emails_due');
    };
    try {
      await listen();
    } catch (error) {
      throw unavailableOr(error);
    }
  }

  upsertTeam = (team: NewTeam): Promise<TeamRow> => this.teams.upsertTeam(team);
  getTeam = (teamId: string): Promise<TeamRow | undefined> => this.teams.getTeam(teamId);
  addApiKey = (key: NewApiKey): Promise<ApiKeyRow> => this.teams.addApiKey(key);
  listApiKeys = (teamId: string): Promise<ApiKeyRow[]> => this.teams.listApiKeys(teamId);
  revokeApiKey = (teamId: string, keyId: string): Promise<boolean> => this.teams.revokeApiKey(teamId, keyId);
  findApiKey = (keyHash: string): Promise<AuthenticatedKey | undefined> => this.teams.findApiKey(keyHash);
  touchApiKey = (keyId: string, now: number): Promise<void> => this.teams.touchApiKey(keyId, now);
  addConsoleLink = (link: {
    tokenHash: string;
    teamId: string;
    returnTo: string | null;
    now: number;
    expiresAt: number;
  }) => this.teams.addConsoleLink(link);
  findConsoleLink = (tokenHash: string) => this.teams.findConsoleLink(tokenHash);
  useConsoleLink = (tokenHash: string, now: number) => this.teams.useConsoleLink(tokenHash, now);
  addConsoleSession = (session: NewConsoleSession) => this.teams.addConsoleSession(session);
  findConsoleSession = (idHash: string, now: number): Promise<ConsoleSessionTeam | undefined> =>
    this.teams.findConsoleSession(idHash, now);
  deleteConsoleSession = (idHash: string): Promise<void> => this.teams.deleteConsoleSession(idHash);
  deleteTeamConsoleSessions = (teamId: string): Promise<number> => this.teams.deleteTeamConsoleSessions(teamId);

  // Observed shapes of live traffic: pgObservedPaths.ts.
  mergeObservedPaths: PgObservedPaths['mergeObservedPaths'] = (...args) =>
    this.observedPaths.mergeObservedPaths(...args);
  listObservedPaths: PgObservedPaths['listObservedPaths'] = () => this.observedPaths.listObservedPaths();

  // Webhooks and their secrets: pgWebhooks.ts.
  rewriteWebhookSecrets: PgWebhooks['rewriteWebhookSecrets'] = (...args) =>
    this.webhooks.rewriteWebhookSecrets(...args);
  createWebhook: PgWebhooks['createWebhook'] = (...args) => this.webhooks.createWebhook(...args);
  listWebhooks: PgWebhooks['listWebhooks'] = (...args) => this.webhooks.listWebhooks(...args);
  getWebhook: PgWebhooks['getWebhook'] = (...args) => this.webhooks.getWebhook(...args);
  deleteWebhook: PgWebhooks['deleteWebhook'] = (...args) => this.webhooks.deleteWebhook(...args);
  rotateWebhookSecret: PgWebhooks['rotateWebhookSecret'] = (...args) => this.webhooks.rotateWebhookSecret(...args);

  recordEvent = (event: NewEvent) => this.eventBatches.record(event);

  listRecentEvents = (
    teamId: string,
    filter: { eventName: EventRow['event_name'] | undefined; linkId: string | undefined },
    limit: number,
  ) => {
    const read = recentEventsSql(teamId, filter, limit, pgDialect);
    return query<EventRow>(this.pool, read.sql, read.params);
  };

  listAvailabilityLinks = (teamId: string) =>
    query<AvailabilityLinkRow>(
      this.pool,
      'SELECT * FROM availability_links WHERE team_id = $1 ORDER BY last_event_at DESC, link_id',
      [teamId],
    );

  claimDueDeliveries = async (options: ClaimOptions): Promise<ClaimedDelivery[]> => {
    try {
      return await claimDue(this.pool, options, this.claimMemory);
    } catch (error) {
      // A lost connection may have cut the COMMIT after it took effect: the leases it wrote, told
      // apart by their end (unique per claim), are given back once the database answers.
      if (error instanceof StoreUnavailableError)
        this.leaseReturns.add({ workerId: options.workerId, leaseExpiresAt: options.leaseUntil });
      throw error;
    }
  };
  recordAttemptResults = (workerId: string, results: readonly AttemptResult[]) =>
    recordAttempts(this.pool, workerId, results);
  queueDepth = (now: number) => queue.queueDepth(this.pool, now);

  listDeliveries = async (filter: DeliveryFilter): Promise<ListedDelivery[]> => {
    const read = deliveryListSql(filter, pgDialect);
    return read === undefined ? [] : query<ListedDelivery>(this.pool, read.sql, read.params);
  };
  webhookHealth = (teamId: string, since: number) =>
    query<WebhookHealthRow>(
      this.pool,
      webhookHealthSql((n) => `$${n}`),
      webhookHealthParams(teamId, since),
    );

  resendDelivery = (teamId: string, id: string, now: number) => queue.resendDelivery(this.pool, teamId, id, now);
  claimFailureEmails = (workerId: string, now: number, leaseMs: number, limit: number) =>
    queue.claimFailureEmails(this.pool, workerId, now, leaseMs, limit);

  async markFailureEmailSent(workerId: string, id: number, messageId: string, now: number): Promise<void> {
    await query(
      this.pool,
      `UPDATE failure_emails SET status = 'sent', sent_at = $1, message_id = $2, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $3 AND lease_owner = $4`,
      [now, messageId, id, workerId],
    );
  }

  async rescheduleFailureEmail(workerId: string, id: number, nextAttemptAt: number, error: string): Promise<void> {
    await query(
      this.pool,
      `UPDATE failure_emails SET next_attempt_at = $1, last_error = $2, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $3 AND lease_owner = $4`,
      [nextAttemptAt, error, id, workerId],
    );
  }

  async getFailureEmail(deliveryId: string, round: number): Promise<FailureEmailRow | undefined> {
    const [row] = await query<FailureEmailRow>(
      this.pool,
      'SELECT * FROM failure_emails WHERE delivery_id = $1 AND round = $2',
      [deliveryId, round],
    );
    return row;
  }

  purgeFinishedBefore = (cutoff: number) => queue.purgeFinishedBefore(this.pool, cutoff);

  async getEventById(id: number): Promise<EventRow | undefined> {
    const [row] = await query<EventRow>(this.pool, 'SELECT * FROM events WHERE id = $1', [id]);
    return row;
  }

  async getDelivery(teamId: string, id: string): Promise<DeliveryRow | undefined> {
    const [row] = await query<DeliveryRow>(this.pool, 'SELECT * FROM deliveries WHERE id = $1 AND team_id = $2', [
      id,
      teamId,
    ]);
    return row;
  }

  listAttempts = (deliveryId: string) =>
    query<AttemptRow>(
      this.pool,
      `${attemptRowsSelect} WHERE a.delivery_id = $1 ORDER BY a.round, a.attempt_number, a.id`,
      [deliveryId],
    );
}
