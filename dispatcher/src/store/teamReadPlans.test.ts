import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { openStore } from './openStore';
import { deliveryListSql, recentEventsSql, type Dialect, type TeamReadSql } from './teamReadsSql';
import { webhookHealthParams, webhookHealthSql } from './webhookHealthSql';
import type { DeliveryFilter } from './storeTypes';

// A team's reads never wait on the size of its history, shown by structure rather than timing:
// every read the team API makes is an index range that starts at what it filters by and is
// ordered as it pages, so it reads about what it returns. On SQLite that is how the event loop
// (ingest and delivery included) is never held by a team's search: the store reads on the main
// thread, and each read costs what it returns (docs/store.md, "Team reads").

const team = 'team-1';
const filters: DeliveryFilter[] = [
  { teamId: team, limit: 21 },
  { teamId: team, limit: 21, webhookEventId: 'evt-1' },
  { teamId: team, limit: 21, inviteeEmail: 'Hanako@Example.jp' },
  { teamId: team, limit: 21, webhookId: 'wh_1' },
  { teamId: team, limit: 21, eventName: 'form.answered' },
  { teamId: team, limit: 21, status: 'failed' },
  { teamId: team, limit: 21, since: 1, until: 2 },
  { teamId: team, limit: 21, after: { afterId: 'dlv_1' } },
  { teamId: team, limit: 21, status: 'failed', since: 1, after: { afterId: 'dlv_1' } },
  { teamId: team, limit: 21, inviteeEmail: 'a@b.c', eventName: 'event.confirmed', status: 'succeeded' },
];

function teamReads(dialect: Dialect): (TeamReadSql & { sorts: boolean })[] {
  const lists = filters.map((filter) => ({
    ...deliveryListSql(filter, dialect)!,
    // One event's deliveries are few: sorting them is the cheap part.
    sorts: filter.webhookEventId !== undefined,
  }));
  const events = [
    recentEventsSql(team, { eventName: undefined, linkId: undefined }, 10, dialect),
    recentEventsSql(team, { eventName: 'form.answered', linkId: undefined }, 10, dialect),
    recentEventsSql(team, { eventName: undefined, linkId: 'L1' }, 10, dialect),
  ].map((read) => ({ ...read, sorts: false }));
  // Grouped: the few counters of each of the team's live webhooks in the window.
  const health = {
    shape: 'health',
    sql: webhookHealthSql((n) => dialect.placeholder(n)),
    params: webhookHealthParams(team, 1),
    sorts: true,
  };
  return [...lists, ...events, health];
}

/** The index a read goes through: the one that leads with what it filters by. */
const indexOf = (read: TeamReadSql) => (read.shape === 'health' ? 'webhook_attempt_hours' : read.shape.split(':')[0]!);

const historyTables =
  /\b(deliveries|events|attempts|webhook_attempt_hours|webhook_last_attempts|webhooks)\b|\b[dewlhc]\b/;

describe('every team read is an index range, on both engines', () => {
  it('on SQLite: a SEARCH through an index, never a SCAN of a table or a sort of what it found', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spir-plans-'));
    try {
      const path = join(folder, 'store.db');
      await (await openStore({ database: { engine: 'sqlite', path } })).close();
      const db = new Database(path, { readonly: true });
      const sqlite: Dialect = { placeholder: () => '?', tiebreak: 'rowid', indexedBy: (i) => `INDEXED BY ${i}` };
      for (const read of teamReads(sqlite)) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${read.sql}`).all(...read.params) as { detail: string }[]).map(
          (row) => row.detail,
        );
        const scans = plan.filter((step) => /^SCAN /.test(step) && historyTables.test(step.slice(5)));
        expect({ shape: read.shape, scans }).toEqual({ shape: read.shape, scans: [] });
        expect(plan.join('\n')).toContain(indexOf(read));
        if (!read.sorts) {
          expect({ shape: read.shape, sorts: plan.filter((step) => step.includes('TEMP B-TREE')) }).toEqual({
            shape: read.shape,
            sorts: [],
          });
        }
      }
      db.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  const itOnPostgres = postgresAvailable() ? it : it.skip;
  let postgres: TestPostgres | undefined;
  afterAll(() => postgres?.stop());

  itOnPostgres(
    'on PostgreSQL: index scans only, with no sort, even where a sequential scan of an empty table is cheaper',
    async () => {
      postgres = await startTestPostgres();
      const url = await postgres.createDatabase(`plans_${process.pid}`);
      await (await openStore({ database: { engine: 'postgres', url, poolSize: 1 } })).close();
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        // Statistics of 1,000 teams' events of several names and links, as the planner has them in use.
        await client.query(
          `INSERT INTO teams (team_id, name, admin_emails, max_urls_per_event, created_at, updated_at)
             SELECT 'team-' || n, 'T', '[]', 1, 1, 1 FROM generate_series(0, 999) AS n;
           INSERT INTO events (team_id, webhook_event_id, event_name, url_kind, body, link_id, received_at)
             SELECT 'team-' || (n % 1000), 'e' || n,
                    (ARRAY['form.answered', 'event.confirmed', 'event.canceled', 'x'])[n / 1000 % 4 + 1],
                    'template', '{}', 'L' || (n % 500), n FROM generate_series(1, 20000) AS n;
           ANALYZE events`,
        );
        // With these off, the planner takes a sequential scan or a sort only where no index serves.
        await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off');
        const pg: Dialect = { placeholder: (n) => `$${n}`, tiebreak: 'seq', indexedBy: () => '' };
        for (const read of teamReads(pg)) {
          await client.query(`SET enable_sort = ${read.sorts ? 'on' : 'off'}`);
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${read.sql}`, read.params);
          const plan = rows.map((row) => row['QUERY PLAN']);
          const scans = plan.filter((step) => /Seq Scan on/.test(step));
          expect({ shape: read.shape, scans }).toEqual({ shape: read.shape, scans: [] });
          expect(plan.join('\n')).toContain(
            indexOf(read).replace('deliveries_by_webhook', 'deliveries_by_webhook_created'),
          );
          if (!read.sorts)
            expect({ shape: read.shape, sorts: plan.filter((step) => /\bSort\b/.test(step)) }).toEqual({
              shape: read.shape,
              sorts: [],
            });
        }
      } finally {
        await client.end();
      }
    },
    60_000,
  );
});
