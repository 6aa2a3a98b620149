import pg, { type Pool, type PoolClient } from 'pg';
import type { Store } from '../store';
import { query, unavailableOr } from './pgConnection';
import { PgEventBatches } from './pgEventBatches';
import { LeaseReturns } from './pgLeaseReturns';
import { migratePostgres } from './pgMigrations';
import { ClaimMemory } from '../claimMemory';
import { pgTeams } from './pgTeams';
import { pgSessions } from './pgSessions';
import { pgWebhooks } from './pgWebhooks';
import { pgEvents } from './pgEvents';
import { pgQueue } from './pgQueue';
import { pgDeliveries } from './pgDeliveries';
import { pgOutbox } from './pgOutbox';
import { pgObservedPaths } from './pgObservedPaths';
import { pgRetention } from './pgRetention';
import { pgFailing } from './pgFailing';

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

export class PgStore implements Store {
  readonly engine = 'postgres' as const;
  private listener: PoolClient | undefined;

  private readonly leaseReturns: LeaseReturns;
  readonly teams: Store['teams'];
  readonly sessions: Store['sessions'];
  readonly webhooks: Store['webhooks'];
  readonly events: Store['events'];
  readonly queue: Store['queue'];
  readonly deliveries: Store['deliveries'];
  readonly outbox: Store['outbox'];
  readonly shapes: Store['shapes'];
  readonly retention: Store['retention'];
  readonly failing: Store['failing'];

  private constructor(
    private readonly pool: Pool,
    private readonly identity: ConnectionIdentity,
  ) {
    this.leaseReturns = new LeaseReturns(pool);
    const eventBatches = new PgEventBatches(pool, this.leaseReturns);
    this.teams = pgTeams(pool);
    this.sessions = pgSessions(pool);
    this.webhooks = pgWebhooks(pool);
    this.events = pgEvents(pool, (event) => eventBatches.record(event));
    this.queue = pgQueue(pool, new ClaimMemory(), this.leaseReturns);
    this.deliveries = pgDeliveries(pool);
    this.outbox = pgOutbox(pool);
    this.shapes = pgObservedPaths(pool);
    this.retention = pgRetention(pool);
    this.failing = pgFailing(pool);
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
}
