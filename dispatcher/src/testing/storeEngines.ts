import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/openStore';
import type { Store } from '../store/store';
import { postgresAvailable, startTestPostgres, type TestPostgres } from './postgresServer';

/**
 * The engines a store contract suite runs on, pg-boss style: a fresh SQLite file each, and a fresh
 * database on a real PostgreSQL started here (or TEST_DATABASE_URL's server) when its binaries are
 * installed. `cleanUp` goes in the suite's afterAll.
 */
export function storeEngines(name: string): { engines: [string, () => Promise<Store>][]; cleanUp: () => void } {
  let postgres: TestPostgres | undefined;
  let databases = 0;
  const folders: string[] = [];
  const engines: [string, () => Promise<Store>][] = [
    [
      'sqlite',
      () => {
        const folder = mkdtempSync(join(tmpdir(), `spir-${name}-`));
        folders.push(folder);
        return openStore({ database: { engine: 'sqlite', path: join(folder, 'store.db') } });
      },
    ],
  ];
  if (postgresAvailable()) {
    engines.push([
      'postgres',
      async () => {
        postgres ??= await startTestPostgres();
        const url = await postgres.createDatabase(`${name}_${process.pid}_${++databases}`);
        return openStore({ database: { engine: 'postgres', url, poolSize: 5 } });
      },
    ]);
  }
  return {
    engines,
    cleanUp: () => {
      postgres?.stop();
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    },
  };
}
