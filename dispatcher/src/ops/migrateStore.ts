import Database from 'better-sqlite3';
import pg from 'pg';
import { ConfigError } from '@spir-webhooks/shared-types';
import { migratePostgres } from '../store/postgres/pgMigrations';
import { migrateSqlite } from '../store/sqlite/sqliteMigrations';

/**
 * The tables that move, parents first, each in the order its rows were written. Console links
 * and sessions stay behind: they last minutes to hours, and people sign in again.
 */
const tables: readonly { name: string; order: string; serial?: string }[] = [
  { name: 'teams', order: 'team_id' },
  { name: 'api_keys', order: 'created_at, id' },
  { name: 'webhooks', order: 'created_at, id' },
  { name: 'availability_links', order: 'team_id, link_id' },
  { name: 'events', order: 'id', serial: 'id' },
  // PostgreSQL numbers deliveries (seq) as they are inserted: in SQLite's order, so pages keep it.
  { name: 'deliveries', order: 'rowid' },
  { name: 'attempts', order: 'id', serial: 'id' },
  { name: 'failure_emails', order: 'id', serial: 'id' },
  { name: 'observed_paths', order: 'event_name, path' },
  { name: 'webhook_failing', order: 'webhook_id' },
  { name: 'webhook_failures', order: 'failing_since, delivery_id' },
  { name: 'webhook_notices', order: 'id', serial: 'id' },
];

const batchRows = 500;

export interface MigrationReport {
  /** Rows copied per table, counted again in the target afterwards. */
  copied: Record<string, number>;
}

/** Refuses a target that holds any team, event or delivery: the copy goes into an empty store only. */
async function refuseTargetWithData(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ teams: number; events: number; deliveries: number }>(
    `SELECT (SELECT count(*) FROM teams)::int AS teams, (SELECT count(*) FROM events)::int AS events,
            (SELECT count(*) FROM deliveries)::int AS deliveries`,
  );
  const held = rows[0]!;
  if (held.teams + held.events + held.deliveries > 0) {
    throw new ConfigError(
      `--to holds data already (${held.teams} teams, ${held.events} events, ${held.deliveries} deliveries): migrate-store copies into an empty database only; create a new one`,
    );
  }
}

async function targetColumns(client: pg.PoolClient, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  return new Set(rows.map((row) => row.column_name));
}

async function copyTable(
  source: Database.Database,
  client: pg.PoolClient,
  table: (typeof tables)[number],
): Promise<number> {
  const wanted = await targetColumns(client, table.name);
  const columns = (source.pragma(`table_info(${table.name})`) as { name: string }[])
    .map((column) => column.name)
    .filter((name) => wanted.has(name));
  const select = source.prepare(`SELECT ${columns.join(', ')} FROM ${table.name} ORDER BY ${table.order}`);
  let batch: unknown[][] = [];
  let copied = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch
      .map((_, row) => `(${columns.map((_c, col) => `$${row * columns.length + col + 1}`).join(', ')})`)
      .join(', ');
    await client.query(`INSERT INTO ${table.name} (${columns.join(', ')}) VALUES ${values}`, batch.flat());
    copied += batch.length;
    batch = [];
  };
  for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
    batch.push(columns.map((column) => row[column]));
    if (batch.length === batchRows) await flush();
  }
  await flush();
  if (table.serial !== undefined) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), GREATEST((SELECT max(${table.serial}) FROM ${table.name}), 1))`,
      [table.name, table.serial],
    );
  }
  return copied;
}

/**
 * Copies an embedded store into an empty PostgreSQL database in one transaction: teams, API keys
 * (hashed), webhooks (secrets as stored: sealed stay sealed, so the same SECRETS_KEY opens them),
 * availability links, events, deliveries, attempts, failure emails and observed shapes. Both
 * schemas are brought to this version first. The counts are checked in the target before commit.
 * Stop the dispatcher that uses the SQLite file first: what it writes meanwhile would be left out.
 */
export async function migrateStore(sqlitePath: string, postgresUrl: string): Promise<MigrationReport> {
  const source = new Database(sqlitePath, { fileMustExist: true });
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
  try {
    migrateSqlite(source);
    const client = await pool.connect();
    try {
      await migratePostgres(client);
      await client.query('BEGIN');
      await refuseTargetWithData(client);
      const copied: Record<string, number> = {};
      for (const table of tables) copied[table.name] = await copyTable(source, client, table);
      for (const table of tables) {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table.name}`);
        const expected = (source.prepare(`SELECT count(*) AS n FROM ${table.name}`).get() as { n: number }).n;
        if (rows[0]!.n !== expected || copied[table.name] !== expected) {
          throw new Error(
            `${table.name}: ${expected} rows in the source, ${rows[0]!.n} in the target; nothing was kept`,
          );
        }
      }
      await client.query('COMMIT');
      return { copied };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}
