import { Client, Pool } from 'pg';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../../testing/postgresServer';
import { waitFor } from '../../testing/waitFor';
import { migratePostgres } from './pgMigrations';

// Upgrading a database that already holds deliveries, while dispatchers of the previous version
// keep writing to it (a rolling upgrade): the migrations that add indexes to it must not hold off
// those writes until the indexes are built.

const itOnPostgres = postgresAvailable() ? it : it.skip;
let postgres: TestPostgres | undefined;
afterAll(() => postgres?.stop());

let deliveries = 0;
const insertDelivery = (client: Client) =>
  client.query(
    `INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round,
       next_attempt_at, created_at, updated_at)
     VALUES ($1, 't1', 'wh1', 1, 'https://example.com/hook', 'pending', 1, 0, 1, 1, 1)`,
    [`dlv_${++deliveries}`],
  );

/** A database at schema version 1 (the first release) with a team, a webhook, an event and deliveries. */
async function databaseAtVersionOne(name: string): Promise<{ url: string; pool: Pool; client: Client }> {
  postgres ??= await startTestPostgres();
  const url = await postgres.createDatabase(name);
  const pool = new Pool({ connectionString: url, max: 2 });
  const migrating = await pool.connect();
  await migratePostgres(migrating, 1);
  migrating.release();
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(
    `INSERT INTO teams (team_id, name, admin_emails, max_urls_per_event, created_at, updated_at)
       VALUES ('t1', 'Team', '[]', 1, 1, 1);
     INSERT INTO webhooks (id, team_id, url, event_name, secret, created_at)
       VALUES ('wh1', 't1', 'https://example.com/hook', 'form.answered', 'whsec_x', 1);
     INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at)
       VALUES ('t1', 'ev1', 'form.answered', 'template', '{}', 1);`,
  );
  for (let i = 0; i < 100; i++) await insertDelivery(client);
  return { url, pool, client };
}

async function indexes(client: Client): Promise<{ name: string; valid: boolean; unique: boolean }[]> {
  const { rows } = await client.query<{ name: string; valid: boolean; unique: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid, i.indisunique AS unique
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE c.relname IN ('deliveries_leased_by_webhook', 'deliveries_by_event', 'deliveries_by_webhook',
        'deliveries_by_webhook_created', 'deliveries_by_team_invitee')
      ORDER BY c.relname`,
  );
  return rows;
}

// deliveries_by_webhook_created took over from deliveries_by_webhook (migration 7).
const allBuilt = [
  { name: 'deliveries_by_event', valid: true, unique: false },
  { name: 'deliveries_by_team_invitee', valid: true, unique: false },
  { name: 'deliveries_by_webhook_created', valid: true, unique: false },
  { name: 'deliveries_leased_by_webhook', valid: true, unique: false },
];

describe('PostgreSQL migrations of a database in use', () => {
  itOnPostgres(
    'add indexes to deliveries without holding off other dispatchers’ writes',
    async () => {
      const { url, pool, client } = await databaseAtVersionOne('migrate_in_use');
      // A dispatcher of the previous version is in the middle of a transaction that wrote a delivery.
      const writing = new Client({ connectionString: url });
      const other = new Client({ connectionString: url });
      await Promise.all([writing.connect(), other.connect()]);
      try {
        await writing.query('BEGIN');
        await insertDelivery(writing);
        const migrating = await pool.connect();
        const migrated = migratePostgres(migrating).finally(() => migrating.release());
        // The index build waits for that transaction to end, as any index build must.
        await waitFor('the migration to wait for the open transaction', async () => {
          const { rows } = await client.query<{ waiting: number }>(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
              WHERE query ILIKE '%CREATE INDEX%' AND wait_event_type = 'Lock'`,
          );
          return rows[0]!.waiting > 0 ? true : undefined;
        });
        // Meanwhile another dispatcher's ingest writes a delivery, and is not held off by the build.
        await other.query('SET statement_timeout = 5000');
        await insertDelivery(other);
        await writing.query('COMMIT');
        await migrated;
        expect(await indexes(client)).toEqual(allBuilt);
        const { rows } = await client.query<{ version: number }>(
          'SELECT max(version) AS version FROM spir_schema_version',
        );
        expect(rows[0]!.version).toBe(10);
      } finally {
        await writing.query('ROLLBACK').catch(() => undefined);
        await Promise.all([writing.end(), other.end(), client.end()]);
        await pool.end();
      }
    },
    60_000,
  );

  itOnPostgres(
    'build again an index that an interrupted build left invalid',
    async () => {
      const { pool, client } = await databaseAtVersionOne('migrate_after_failed_build');
      try {
        // A concurrent build that fails (here: unique over duplicates) leaves its index behind, invalid.
        await expect(
          client.query('CREATE UNIQUE INDEX CONCURRENTLY deliveries_by_event ON deliveries (team_id)'),
        ).rejects.toThrow(/could not create unique index/);
        expect((await indexes(client)).find((index) => index.name === 'deliveries_by_event')?.valid).toBe(false);
        const migrating = await pool.connect();
        await migratePostgres(migrating).finally(() => migrating.release());
        expect(await indexes(client)).toEqual(allBuilt);
      } finally {
        await client.end();
        await pool.end();
      }
    },
    60_000,
  );

  itOnPostgres(
    'backfill search keys and health from what was stored before, one odd body alone',
    async () => {
      const { pool, client } = await databaseAtVersionOne('migrate_backfill');
      try {
        // Bodies as the dispatcher stored them: JSON text, odd characters escaped.
        const bodies = {
          upper: '{"payload":{"invitee":{"email":"Hanako@Example.JP"}}}',
          nul: '{"payload":{"invitee":{"email":"a\\u0000b@example.com"}}}',
          surrogate: '{"payload":{"invitee":{"email":"\\ud800@example.com"}}}',
          none: '{"payload":{}}',
        };
        for (const [id, body] of Object.entries(bodies)) {
          await client.query(
            `WITH e AS (INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, received_at)
               VALUES ('t1', $1, 'form.answered', 'template', $2, 1) RETURNING id)
             INSERT INTO deliveries (id, team_id, webhook_id, event_id, url, status, round, attempts_in_round,
               next_attempt_at, created_at, updated_at)
             SELECT $1, 't1', 'wh1', id, 'https://example.com/hook', 'succeeded', 1, 1, 1, 1, 1 FROM e`,
            [id, body],
          );
        }
        await client.query(
          `INSERT INTO attempts (delivery_id, round, attempt_number, started_at, duration_ms, outcome, request_headers,
             response_status) VALUES
           ('upper', 1, 1, 7200000, 5, 'succeeded', '{}', 200), ('nul', 1, 1, 7200500, 5, 'failed', '{}', 500),
           ('surrogate', 1, 1, 7201000, 5, 'failed', '{}', 502)`,
        );
        const migrating = await pool.connect();
        await migratePostgres(migrating).finally(() => migrating.release());
        const { rows } = await client.query(
          `SELECT id, event_name, invitee_email FROM deliveries WHERE id = ANY($1) ORDER BY id`,
          [Object.keys(bodies)],
        );
        expect(rows).toEqual([
          { id: 'none', event_name: 'form.answered', invitee_email: null },
          { id: 'nul', event_name: 'form.answered', invitee_email: null },
          { id: 'surrogate', event_name: 'form.answered', invitee_email: null },
          { id: 'upper', event_name: 'form.answered', invitee_email: 'hanako@example.jp' },
        ]);
        const health = await client.query('SELECT * FROM webhook_last_attempts');
        expect(health.rows).toEqual([
          {
            webhook_id: 'wh1',
            started_at: '7201000',
            outcome: 'failed',
            response_status: 502,
            error_code: null,
            consecutive_failures: '2',
          },
        ]);
        const hours = await client.query(
          'SELECT webhook_id, hour_start, attempts, succeeded FROM webhook_attempt_hours',
        );
        expect(hours.rows).toEqual([{ webhook_id: 'wh1', hour_start: '7200000', attempts: '3', succeeded: '1' }]);
      } finally {
        await client.end();
        await pool.end();
      }
    },
    60_000,
  );
});
