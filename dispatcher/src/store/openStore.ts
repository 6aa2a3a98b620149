import { dirname, resolve } from 'node:path';
import { ConfigError } from '@spir-webhooks/shared-types';
import type { Config } from '../config';
import { ensurePrivateFolder, makeFilesPrivate } from '../dataFiles';
import { SqliteStore } from './sqliteStore';

/**
 * DATABASE_URL → the store, in one place. A file that cannot be opened, or that another
 * dispatcher holds, is a ConfigError naming DATABASE_URL: start-up ends with that sentence.
 */
export function openStore(config: Pick<Config, 'sqlitePath'>): SqliteStore {
  const path = config.sqlitePath;
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
