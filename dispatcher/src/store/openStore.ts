import { dirname, resolve } from 'node:path';
import { ConfigError } from '@spir-webhooks/shared-types';
import type { Config } from '../config';
import { ensurePrivateFolder, makeFilesPrivate } from '../dataFiles';
import { PgStore } from './postgres/pgStore';
import { SqliteStore } from './sqlite/sqliteStore';
import { ownerFileOf, SqliteFileInUseError } from './sqlite/sqliteOwner';
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
    if (error instanceof SqliteFileInUseError) throw fileInUse(resolve(path), error.holder, error);
    throw new ConfigError(
      `DATABASE_URL: cannot open the SQLite file ${resolve(path)}: ${(error as Error).message}; point DATABASE_URL at a file this user can write, used by no other dispatcher`,
      { cause: error },
    );
  }
  makeFilesPrivate([path, `${path}-wal`, `${path}-shm`, ownerFileOf(path)]);
  return store;
}

/**
 * The usual cause is a dispatcher already running on the same data folder (a second `npm start`):
 * stopping it is the fix; a second store is the alternative, for running two on purpose.
 */
function fileInUse(path: string, holder: number | undefined, cause: unknown): ConfigError {
  const who =
    holder === undefined
      ? `another process holds ${path}, most likely another dispatcher (find it with: pgrep -af dispatcher/dist/main.js)`
      : `another dispatcher is running on ${path}: process ${holder}, recorded in ${ownerFileOf(path)}`;
  const stop =
    holder === undefined
      ? 'Stop it first (Ctrl-C in its terminal, or kill <its pid>: it finishes the attempts in flight and exits), then start this one again.'
      : `Stop it first (Ctrl-C in its terminal, or kill ${holder}: it finishes the attempts in flight and exits), then start this one again.`;
  return new ConfigError(
    [
      `DATABASE_URL: ${who}; the SQLite store serves one dispatcher at a time.`,
      stop,
      'To run a second dispatcher beside it on purpose, give this one its own data folder, store and ports: DATA_DIR=./data-2 DATABASE_URL=sqlite:./data-2/dispatcher.db PORT=8090 INTERNAL_PORT=8091',
    ].join('\n'),
    { cause },
  );
}
