import Database from 'better-sqlite3';
import { migrateSqlite } from './sqliteMigrations';
import { EventGroupCommit } from './sqliteGroupCommit';
import { ClaimMemory } from '../claimMemory';
import { prepareStatements } from './sqliteStatements';
import type { Store } from '../store';
import { WalSync } from './walSync';
import { sqliteTeams } from './sqliteTeams';
import { sqliteSessions } from './sqliteSessions';
import { sqliteWebhooks } from './sqliteWebhooks';
import { sqliteEvents } from './sqliteEvents';
import { LeaseHolders, sqliteQueue } from './sqliteQueue';
import { sqliteDeliveries } from './sqliteDeliveries';
import { sqliteOutbox } from './sqliteOutbox';
import { sqliteObservedPaths } from './sqliteObservedPaths';
import { sqliteRetention } from './sqliteRetention';
import { sqliteTeamReads } from './sqliteTeamReads';
import { SqliteFailing } from './sqliteFailing';
import { forgetOwner, ownerOf, recordOwner, SqliteFileInUseError } from './sqliteOwner';

/**
 * A checkpoint (inside a COMMIT, on the event loop) every 10,000 WAL pages, not SQLite's 1,000:
 * a commit rewrites the newest index leaf of each team it touches, and a checkpoint copies each
 * page once however often the WAL holds it, so fewer checkpoints copy fewer pages per frame. The
 * WAL file grows to about 40 MB in exchange (bench/history.md, "Behind the comments").
 */
const walPagesBetweenCheckpoints = 10_000;

/**
 * The embedded store: one SQLite file in WAL mode, for a single dispatcher process. Every
 * statement is prepared once; every multi-row change is one transaction.
 */
export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly walSync: WalSync;
  private deliveriesDue: () => void = () => undefined;
  readonly teams: Store['teams'];
  readonly sessions: Store['sessions'];
  readonly webhooks: Store['webhooks'];
  readonly events: Store['events'];
  readonly queue: Store['queue'];
  readonly deliveries: Store['deliveries'];
  readonly outbox: Store['outbox'];
  readonly shapes: Store['shapes'];
  readonly retention: Store['retention'];
  /** Failing webhooks, their notices and recoveries: sqliteFailing.ts. */
  readonly failing: SqliteFailing;

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
    // A statement that changes many rows (the retention purge's deletes, whose foreign keys could
    // fail half-way) journals each page it changes, to undo itself: in memory, not a temporary
    // file written page by page.
    this.db.pragma('temp_store = MEMORY');
    migrateSqlite(this.db);
    const sql = prepareStatements(this.db);
    const durable = <T>(value: T) => this.durable(value);
    this.failing = new SqliteFailing(this.db, durable);
    const eventCommits = new EventGroupCommit(this.db, sql, this.walSync, () => this.deliveriesDue(), this.failing);
    const teamRead = sqliteTeamReads(this.db);
    this.teams = sqliteTeams(sql, durable);
    this.sessions = sqliteSessions(sql, this.walSync, durable);
    this.webhooks = sqliteWebhooks(this.db, sql, durable);
    const leaseHolders = new LeaseHolders();
    this.events = sqliteEvents(sql, teamRead, (event) => {
      if (event.handoff) leaseHolders.add(event.handoff.workerId);
      return eventCommits.record(event);
    });
    this.queue = sqliteQueue(this.db, sql, new ClaimMemory(), leaseHolders, (workerId, results) =>
      eventCommits.recordAttempts(workerId, results),
    );
    this.deliveries = sqliteDeliveries(this.db, sql, teamRead, durable);
    this.outbox = sqliteOutbox(this.db, sql, this.walSync);
    this.shapes = sqliteObservedPaths(this.db, sql, durable);
    this.retention = sqliteRetention(this.db, sql);
    this.ping = async () => {
      sql.ping.get();
    };
    // Holding the lock proves that no other process is working: leases left by a killed
    // dispatcher are taken back now rather than when they expire.
    sql.releaseAllDeliveryLeases.run();
    sql.releaseAllFailureEmailLeases.run();
  }

  /** Passes `value` on once everything committed so far survives a power cut. */
  private async durable<T>(value: T): Promise<T> {
    await this.walSync.sync();
    return value;
  }

  readonly ping: () => Promise<void>;

  async onWorkDue(wake: (work: 'deliveries' | 'failureEmails') => void): Promise<void> {
    // One process owns the file: nobody else stores work for it. The store itself gives back the
    // handoff's leases of events whose WAL sync failed (sqliteGroupCommit.ts).
    this.deliveriesDue = () => wake('deliveries');
    this.failing.onWorkDue(wake);
  }

  async connectedDispatchers(): Promise<string[]> {
    return [];
  }

  async close(): Promise<void> {
    await this.walSync.close();
    this.db.close();
    if (this.path !== ':memory:') forgetOwner(this.path);
  }
}
