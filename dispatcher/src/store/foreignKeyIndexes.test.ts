import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { openStore } from './openStore';

// Deleting a parent row checks its foreign keys: without an index on the child's column, each
// deleted row scans the whole child table. The retention job deletes old events, deliveries and
// deleted webhooks by the thousand, so every key pointing at those tables must be indexed (a
// missing one made the purge quadratic: 4,000 events beside 20,000 deliveries took 2.2 s).
const parentsDeletedFrom = ['events', 'deliveries', 'webhooks'];

interface ForeignKey {
  child: string;
  column: string;
  parent: string;
}

/** The keys pointing at a deleted-from table that no whole-table index leads with. */
function unindexed(keys: ForeignKey[], indexes: { table: string; firstColumn: string }[]): string[] {
  return keys
    .filter((key) => parentsDeletedFrom.includes(key.parent))
    .filter((key) => !indexes.some((index) => index.table === key.child && index.firstColumn === key.column))
    .map((key) => `${key.child}.${key.column} → ${key.parent}`);
}

describe('foreign keys to tables the retention job deletes from', () => {
  it('are all indexed in the SQLite schema', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'spir-fk-'));
    try {
      const path = join(folder, 'store.db');
      await (await openStore({ database: { engine: 'sqlite', path } })).close();
      const db = new Database(path, { readonly: true });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
      const keys = tables.flatMap((child) =>
        (db.pragma(`foreign_key_list(${child})`) as { table: string; from: string }[]).map((key) => ({
          child,
          column: key.from,
          parent: key.table,
        })),
      );
      const indexes = tables.flatMap((table) =>
        (db.pragma(`index_list(${table})`) as { name: string; partial: number }[])
          .filter((index) => index.partial === 0)
          .map((index) => ({
            table,
            firstColumn: (db.pragma(`index_info(${index.name})`) as { seqno: number; name: string }[])[0]!.name,
          })),
      );
      db.close();
      expect(keys.filter((key) => key.parent === 'events').length).toBeGreaterThan(0);
      expect(unindexed(keys, indexes)).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  const itOnPostgres = postgresAvailable() ? it : it.skip;
  let postgres: TestPostgres | undefined;
  afterAll(() => postgres?.stop());

  itOnPostgres(
    'are all indexed in the PostgreSQL schema',
    async () => {
      postgres = await startTestPostgres();
      const url = await postgres.createDatabase('fk_indexes');
      await (await openStore({ database: { engine: 'postgres', url, poolSize: 2 } })).close();
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const keys = await client.query<ForeignKey>(
          `SELECT c.conrelid::regclass::text AS child, a.attname AS column, c.confrelid::regclass::text AS parent
           FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
          WHERE c.contype = 'f'`,
        );
        const indexes = await client.query<{ table: string; firstColumn: string }>(
          `SELECT i.indrelid::regclass::text AS table, a.attname AS "firstColumn"
           FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indpred IS NULL`,
        );
        expect(keys.rows.filter((key) => key.parent === 'events').length).toBeGreaterThan(0);
        expect(unindexed(keys.rows, indexes.rows)).toEqual([]);
      } finally {
        await client.end();
      }
    },
    60_000,
  );
});
