import type Database from 'better-sqlite3';
import type { Dialect, TeamReadSql } from '../teamReadsSql';

export const sqliteDialect: Dialect = {
  placeholder: () => '?',
  tiebreak: 'rowid',
  indexedBy: (index) => `INDEXED BY ${index}`,
};

/** Runs a team read (store/teamReadsSql.ts), its statement prepared once per shape. */
export function sqliteTeamReads(db: Database.Database): (read: TeamReadSql) => unknown[] {
  const statements = new Map<string, Database.Statement>();
  return (read) => {
    let statement = statements.get(read.shape);
    if (statement === undefined) {
      statement = db.prepare(read.sql);
      statements.set(read.shape, statement);
    }
    return statement.all(...read.params);
  };
}
