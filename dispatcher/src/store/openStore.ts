import { dirname, resolve } from 'node:path';
import { ConfigError } from '@spir-webhooks/shared-types';
import type { Config } from '../config';
import { ensurePrivateFolder, makeFilesPrivate } from '../dataFiles';
import { PgStore } from './postgres/pgStore';
import { SqliteStore } from './sqlite/sqliteStore';
import type { ConnectionIdentity } from './postgres/pgStore';
import type { Store } from './store';

const redactPassword = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/**
 * DATABASE_URL → the store, in one place: the embedded SQLite engine or the shared PostgreSQL one.
 * A store that cannot be opened is a ConfigError naming DATABASE_URL: start-up ends with that sentence.
 */
export async function openStore(
  config: Pick<Config, 'database'>,
  identity: ConnectionIdentity = { name: 'spir-store', peersLike: '' },
): Promise<Store> {
  const { database } = config;
  if (database.engine === 'postgres') {
    try {
      return await PgStore.open(database.url, database.poolSize, identity);
    } catch (error) {
      throw new ConfigError(
        `DATABASE_URL: cannot use the PostgreSQL database at ${redactPassword(database.url)}: ${(error as Error).message}; check that it is running and that the URL, user and password are right`,
        { cause: error },
      );
    }
  }
  const { path } = database;
  if (path === ':memory:') return new SqliteStore(path);
  ensurePrivateFolder(dirname(path), 'DATABASE_URL');
  let store: SqliteStore;
  try {
    store = new SqliteStore(path);
  } catch (error) {
    throw new ConfigError(
      `DATABASE_URL: cannot open the SQLite file ${resolve(path)}: ${(error as Error).message}; point DATABASE_URL at a file this user can write, used by no other dispatcher`,
      { cause: error },
    );
  }
  makeFilesPrivate([path, `${path}-wal`, `${path}-shm`]);
  return store;
}
